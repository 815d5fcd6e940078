"""Store a page's posts, then advance the source's cursor in the same transaction."""

from __future__ import annotations

from typing import Any

from monitor.pipelines.base import RecordPipeline
from monitor.records import Record
from spiders.items import PageDone, SourceProblem

#: what a run did, in the crawl's stats beside Scrapy's own counts (the run report reads them)
NEW_POSTS_STAT = "kulak/new_posts"
STORED_STAT = "kulak/stored"
PROBLEMS_STAT = "kulak/problems"


class StorePipeline(RecordPipeline):
    """Buffers the records of a page until its `PageDone`, so a half-parsed page is
    stored but its cursor is not advanced: the next run fetches that page again."""

    def __init__(self, runtime: Any) -> None:
        super().__init__(runtime)
        self.buffer: list[Record] = []
        self.problems: list[SourceProblem] = []

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
        self.crawler.stats.inc_value(NEW_POSTS_STAT, result.new)
        self.crawler.stats.inc_value(STORED_STAT, result.new + result.updated)
        self.buffer = []

    def close_spider(self) -> None:
        self.flush()
        stats = self.crawler.stats
        stats.set_value(PROBLEMS_STAT, [(p.status, p.reason) for p in self.problems])
        self.runtime.store.record_run(
            self.source,
            problems=self.problems,
            requests=stats.get_value("downloader/request_count", 0),
            new_posts=stats.get_value(NEW_POSTS_STAT, 0),
        )
