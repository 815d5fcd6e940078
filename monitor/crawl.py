"""Run a source's spider in this process and put what it finds through the pipelines."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler

from monitor.config import Settings, Source, human_duration
from monitor.pipelines import PIPELINES
from monitor.pipelines.store import StorePipeline
from monitor.registry import spider_classes
from monitor.runtime import Runtime
from spiders.base import CollectorContext, TargetTerms
from spiders.items import SourceProblem

logger = logging.getLogger(__name__)

VERSION = "0.1.0"


@dataclass
class RunReport:
    source: str
    requests: int = 0
    new_posts: int = 0
    stored: int = 0
    not_modified: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def scrapy_settings(settings: Settings, source: Source) -> dict[str, Any]:
    return {
        "USER_AGENT": f"kulak/{VERSION} (+{settings.general.contact_url})",
        "ITEM_PIPELINES": PIPELINES,
        "DOWNLOADER_MIDDLEWARES": {
            "spiders.base.PolitenessMiddleware": 560,
            # robots.txt kept for a day across runs, not fetched again every poll
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "spiders.base.CachedRobotsTxtMiddleware": 100,
        },
        # PolitenessMiddleware retries statuses (waiting as asked); Scrapy's own
        # middleware keeps retrying connection errors.
        "RETRY_HTTP_CODES": [],
        "RETRY_TIMES": 2,
        # Every status reaches the spider's guard, which turns errors into health reports.
        "HTTPERROR_ALLOW_ALL": True,
        "KULAK_MAX_RETRIES": source.schedule.retries,
        "KULAK_BACKOFF_BASE": source.schedule.backoff.total_seconds(),
        # Half the run's time-out at most, so a stop after the time-out never waits long
        # for a request that hangs.
        "DOWNLOAD_TIMEOUT": min(30.0, source.schedule.timeout.total_seconds() / 2),
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_DELAY": 0,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy's remote control listens on a port per crawl: never in a service.
        "REMOTE_CONTROL_ENABLED": False,
        "MEMUSAGE_ENABLED": False,
        "LOG_ENABLED": False,
        "DEFAULT_DROPITEM_LOG_LEVEL": "DEBUG",
    }


def target_terms(settings: Settings) -> list[TargetTerms]:
    return [
        TargetTerms(
            name=t.name,
            keywords=tuple(t.keywords),
            handles=tuple(t.handles),
            hashtags=tuple(t.hashtags),
            exclude=tuple(t.exclude),
        )
        for t in settings.targets
    ]


async def collect(runtime: Runtime, source: Source) -> RunReport:
    """One run of one source: fetch what is new, store it, record the collector state.

    A run that outlives the source's `timeout` is stopped (what it fetched so far is
    stored, its cursor only as far as whole pages) and recorded as a `timeout` failure."""
    spider_cls = spider_classes()[source.type]
    state = runtime.store.state(source.name)
    context = CollectorContext(
        source=source.name,
        options=source.options,
        targets=target_terms(runtime.settings),
        cursor=state.get("cursor") or {},
        etag=state.get("etag"),
        last_modified=state.get("last_modified"),
        contact_url=runtime.settings.general.contact_url,
    )
    runner = AsyncCrawlerRunner(scrapy_settings(runtime.settings, source))
    crawler = runner.create_crawler(spider_cls)
    # Settings are deep-copied by Scrapy; the pipelines find the runtime on the crawler.
    crawler.kulak_runtime = runtime
    task = runner.crawl(crawler, context=context)
    runtime.crawlers.add(crawler)
    try:
        done, _ = await asyncio.wait({task}, timeout=source.schedule.timeout.total_seconds())
        if not done:
            await _stop_overdue(source, crawler, task)
        task.result()
    finally:
        runtime.crawlers.discard(crawler)
    report = runtime.reports.pop(source.name, {})
    return RunReport(source=source.name, **report)


async def _stop_overdue(source: Source, crawler: Crawler, task: asyncio.Task[None]) -> None:
    """Stop a run past its time-out gracefully: requests in flight end within the download
    time-out (half the run's), the store pipeline closes the run as a `timeout` failure.
    A run that still does not end is cancelled, and `run_source` records that."""
    limit = source.schedule.timeout
    logger.warning("collector %s: still running after %s, stopping it", source.name, limit)
    pipeline = crawler.get_item_pipeline(StorePipeline)
    if pipeline is not None:
        reason = f"still running after {human_duration(limit)}; stopped"
        pipeline.problems.insert(0, SourceProblem("timeout", reason))
    stopping = asyncio.ensure_future(crawler.stop_async())
    done, _ = await asyncio.wait({task}, timeout=limit.total_seconds())
    if not done:
        stopping.cancel()
        task.cancel()
        await asyncio.gather(stopping, task, return_exceptions=True)


async def run_source(runtime: Runtime, source: Source) -> RunReport:
    """`collect`, with a crash (or a cancelled, stuck run) recorded as the source's failure
    and never raised: one failing source never stops the others."""
    try:
        return await collect(runtime, source)
    except (Exception, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError) and _cancelling():
            raise  # the service itself is being stopped
        runtime.reports.pop(source.name, None)
        if isinstance(exc, asyncio.CancelledError):
            problem = SourceProblem("timeout", "did not stop after its time-out; cancelled")
        else:
            problem = SourceProblem("crashed", f"{type(exc).__name__}: {exc}")
        status = problem.status
        logger.error("collector %s %s: %s", source.name, status, problem.reason)
        runtime.store.record_run(source.name, problems=[problem], requests=0, new_posts=0)
        return RunReport(source.name, problems=[(status, problem.reason)])


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def collect_all(runtime: Runtime, sources: list[Source]) -> list[RunReport]:
    """Sources run side by side; one failing never stops the others."""
    return list(await asyncio.gather(*(run_source(runtime, s) for s in sources)))
