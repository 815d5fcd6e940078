"""What every kulak pipeline shares: the runtime, and passing bookkeeping items through."""

from __future__ import annotations

from typing import Any

from monitor.records import Record
from monitor.runtime import Runtime


class RecordPipeline:
    """Subclasses handle `Record`s; cursor and problem items pass through untouched."""

    handles: type = Record

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @classmethod
    def from_crawler(cls, crawler: Any) -> RecordPipeline:
        pipeline = cls(crawler.kulak_runtime)
        pipeline.crawler = crawler
        return pipeline

    def process_item(self, item: Any) -> Any:
        if isinstance(item, self.handles):
            return self.process(item)
        return item

    def process(self, item: Any) -> Any:
        raise NotImplementedError
