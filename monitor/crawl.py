"""Run a source's spider in this process and put what it finds through the pipelines."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner

from monitor.config import Settings, Source
from monitor.pipelines import PIPELINES
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
        "DOWNLOAD_TIMEOUT": 30,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_DELAY": 0,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_ENABLED": False,
        "DEFAULT_DROPITEM_LOG_LEVEL": "DEBUG",
        "CLOSESPIDER_TIMEOUT": source.schedule.timeout.total_seconds(),
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
    """One run of one source: fetch what is new, store it, record the collector state."""
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
    await runner.crawl(crawler, context=context)
    report = runtime.reports.pop(source.name, {})
    return RunReport(source=source.name, **report)


async def collect_all(runtime: Runtime, sources: list[Source]) -> list[RunReport]:
    """Sources run side by side; one failing never stops the others."""
    results = await asyncio.gather(*(collect(runtime, s) for s in sources), return_exceptions=True)
    reports = []
    for source, result in zip(sources, results, strict=True):
        if isinstance(result, BaseException):
            logger.error("collector %s crashed: %r", source.name, result)
            crash = SourceProblem("crashed", f"{type(result).__name__}: {result}")
            runtime.store.record_run(source.name, problems=[crash], requests=0, new_posts=0)
            reports.append(RunReport(source.name, problems=[("crashed", repr(result))]))
        else:
            reports.append(result)
    return reports
