"""Store a page's posts, then advance the source's cursor in the same transaction."""

from __future__ import annotations

from typing import Any

from monitor.pipelines.base import RecordPipeline
from monitor.records import Record
from spiders.base import ITEMS_STAT, SKIP_EXAMPLE_STAT, SKIPPED_STAT
from spiders.items import PageDone, SourceProblem


class StorePipeline(RecordPipeline):
    """Buffers the records of a page until its `PageDone`, so a half-parsed page is
    stored but its cursor is not advanced: the next run fetches that page again."""

    def __init__(self, runtime: Any) -> None:
        super().__init__(runtime)
        self.buffer: list[Record] = []
        self.problems: list[SourceProblem] = []
        self.new_posts = 0
        self.stored = 0

    @property
    def source(self) -> str:
        return self.crawler.spider.context.source

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Record):
            self.buffer.append(item)
        elif isinstance(item, PageDone):
            self.flush(item)
        elif isinstance(item, SourceProblem):
            self.problems.append(item)
        return item

    def flush(self, page: PageDone | None = None) -> None:
        result = self.runtime.store.save(self.buffer, self.source, page)
        self.new_posts += result.new
        self.stored += result.new + result.updated
        self.buffer = []

    def close_spider(self) -> None:
        self.flush()
        stats = self.crawler.stats
        requests = stats.get_value("downloader/request_count", 0)
        self.runtime.store.record_run(
            self.source, problems=self.problems, requests=requests, new_posts=self.new_posts
        )
        self.runtime.reports[self.source] = {
            "requests": requests,
            "new_posts": self.new_posts,
            "stored": self.stored,
            # Answers to conditional requests: an unchanged feed costs one cheap request.
            "not_modified": stats.get_value("downloader/response_status_count/304", 0),
            "problems": [(p.status, p.reason) for p in self.problems],
            # Items of answers the parsers could not read, each skipped alone.
            "items": stats.get_value(ITEMS_STAT, 0),
            "skipped": stats.get_value(SKIPPED_STAT, 0),
            "skip_example": stats.get_value(SKIP_EXAMPLE_STAT),
        }
