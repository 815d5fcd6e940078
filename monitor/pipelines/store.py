"""Store a page's posts, then advance the source's cursor in the same transaction."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from twisted.python.failure import Failure

from monitor.pipelines.base import RecordPipeline
from monitor.records import Record
from monitor.store import SaveResult
from spiders.base import ITEMS_STAT, SKIP_EXAMPLE_STAT, SKIPPED_STAT
from spiders.items import PageDone, SourceProblem

logger = logging.getLogger(__name__)

#: what a run did, in the crawl's stats beside Scrapy's own counts (the run report reads them)
NEW_POSTS_STAT = "kulak/new_posts"
STORED_STAT = "kulak/stored"
PROBLEMS_STAT = "kulak/problems"
SET_ASIDE_STAT = "kulak/set_aside"
#: characters of a database error quoted in the run's failure
ERROR_CHARS = 300


class StorePipeline(RecordPipeline):
    """Buffers the records of a page until its `PageDone`, so a half-parsed page is
    stored but its cursor is not advanced: the next run fetches that page again.

    A page the store refuses (a full disk, a value the database will not take) fails the
    run, with the reason, and no cursor moves again in that run; its posts are then
    stored one by one, so only the ones the store refuses are set aside (and counted).
    A post lost to an error in an earlier pipeline fails the run the same way.
    """

    def __init__(self, runtime: Any) -> None:
        super().__init__(runtime)
        self.buffer: list[Record] = []
        self.problems: list[SourceProblem] = []
        self.cursor_held = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        pipeline = super().from_crawler(crawler)
        crawler.signals.connect(pipeline.item_failed, signal=signals.item_error)
        crawler.signals.connect(pipeline.spider_failed, signal=signals.spider_error)
        return pipeline  # type: ignore[return-value]

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
        records, self.buffer = self.buffer, []
        try:
            result = self.runtime.store.save(
                records, self.source, None if self.cursor_held else page
            )
        except Exception as exc:
            self.store_failed(records, exc)
            return
        self.count(result)

    def store_failed(self, records: list[Record], exc: Exception) -> None:
        """The store refused a page: fail the run, keep the cursor, save what it takes."""
        error = _short(exc)
        logger.error("collector %s: storing %d posts failed: %s", self.source, len(records), error)
        refused = 0
        for record in records:
            try:
                result = self.runtime.store.save([record])
            except Exception:
                refused += 1
                post = record.post
                logger.error("collector %s: post %s set aside", self.source, post.external_id)
            else:
                self.count(result)
        self.crawler.stats.inc_value(SET_ASIDE_STAT, refused)
        kept = f"the other {len(records) - refused} stored one by one; " if refused else ""
        reason = (
            f"the store refused {refused} of {len(records)} posts of a page ({error}); "
            f"{kept}the cursor stays, so the next run fetches them again"
        )
        self.fail(SourceProblem("store_failed", reason))

    def count(self, result: SaveResult) -> None:
        self.crawler.stats.inc_value(NEW_POSTS_STAT, result.new)
        self.crawler.stats.inc_value(STORED_STAT, result.new + result.updated)

    def fail(self, problem: SourceProblem) -> None:
        """A failure that may have lost posts: it comes first, and no cursor moves again."""
        self.cursor_held = True
        self.problems.insert(0, problem)

    def item_failed(self, item: Any, failure: Failure) -> None:
        what = item.post if isinstance(item, Record) else item
        name = f"{getattr(what, 'source', '?')}/{getattr(what, 'external_id', '?')}"
        reason = f"post {name} was lost to an error: {failure.type.__name__}: {failure.value}"
        self.crawler.stats.inc_value(SET_ASIDE_STAT)
        self.fail(SourceProblem("crashed", reason))

    def spider_failed(self, failure: Failure) -> None:
        self.fail(SourceProblem("crashed", f"{failure.type.__name__}: {failure.value}"))

    def close_spider(self) -> None:
        self.flush()
        stats = self.crawler.stats
        try:
            self.runtime.store.record_run(
                self.source,
                problems=self.problems,
                requests=stats.get_value("downloader/request_count", 0),
                new_posts=stats.get_value(NEW_POSTS_STAT, 0),
                items=stats.get_value(ITEMS_STAT, 0),
                skipped=stats.get_value(SKIPPED_STAT, 0),
                skip_example=stats.get_value(SKIP_EXAMPLE_STAT),
            )
        except Exception as exc:
            logger.error("collector %s: recording the run failed: %s", self.source, _short(exc))
            self.problems.insert(
                0, SourceProblem("store_failed", f"run not recorded: {_short(exc)}")
            )
        # Set last: the run report takes a run without it for one that never closed.
        stats.set_value(PROBLEMS_STAT, [(p.status, p.reason) for p in self.problems])


def _short(exc: BaseException) -> str:
    """The database's own words (not the statement and its parameters: posts' text)."""
    cause = getattr(exc, "orig", None) or exc
    text = " ".join(str(cause).split())
    return f"{type(cause).__name__}: {text[:ERROR_CHARS]}"
