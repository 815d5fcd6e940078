"""Detect each post's language; trust the source's own tag when it gives one."""

from __future__ import annotations

from monitor.pipelines.base import RecordPipeline
from monitor.records import Record
from monitor.sentiment import detect_language


class LanguagePipeline(RecordPipeline):
    def process(self, record: Record) -> Record:
        record.lang = detect_language(record.post.text, hint=record.post.lang)
        return record
