"""Score sentiment and intent per target, on the words around that target's mentions."""

from __future__ import annotations

from monitor.pipelines.base import RecordPipeline
from monitor.records import Record
from monitor.sentiment import score_for_target


class SentimentPipeline(RecordPipeline):
    def process(self, record: Record) -> Record:
        for mention in record.mentions:
            others = [m.spans for m in record.mentions if m is not mention]
            result = score_for_target(record.post.text, mention.spans, record.lang or "und", others)
            mention.compound = result.compound
            mention.label = result.label
            mention.intents = result.intents
        return record
