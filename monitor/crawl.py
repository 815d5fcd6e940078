"""Run a source's spider in this process and put what it finds through the pipelines."""

from __future__ import annotations

import asyncio
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings.default_settings import EXTENSIONS_BASE
from scrapy.statscollectors import StatsCollector

from monitor.collector import RunReport, record_failure
from monitor.config import Settings, Source, human_duration
from monitor.pipelines import PIPELINES
from monitor.pipelines.store import (
    NEW_POSTS_STAT,
    PROBLEMS_STAT,
    SET_ASIDE_STAT,
    STORED_STAT,
    StorePipeline,
)
from monitor.registry import spider_classes
from monitor.runtime import Runtime
from spiders.base import (
    ITEMS_STAT,
    SKIP_EXAMPLE_STAT,
    SKIPPED_STAT,
    CollectorContext,
    TargetTerms,
)
from spiders.items import SourceProblem

logger = logging.getLogger(__name__)

try:
    VERSION = version("kulak")
except PackageNotFoundError:  # run from a source tree that was never installed
    VERSION = "unknown"


UNUSED_EXTENSIONS = (".RemoteControl", ".TelnetConsole", ".FeedExporter")


def scrapy_settings(settings: Settings, source: Source) -> dict[str, Any]:
    cap = (
        getattr(source.options, "max_response_size", None) or spider_classes()[source.type].size_cap
    )
    return {
        "USER_AGENT": f"kulak/{VERSION} (+{settings.general.contact_url})",
        "ITEM_PIPELINES": PIPELINES,
        "DOWNLOADER_MIDDLEWARES": {
            "spiders.middlewares.PolitenessMiddleware": 560,
            # robots.txt kept for a day across runs, not fetched again every poll
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "spiders.middlewares.CachedRobotsTxtMiddleware": 100,
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
        # Scrapy's remote control listens on a port per crawl: never in a service. Left
        # out of the base list too, or Scrapy imports it (and aiohttp: 8 MiB) to look at it;
        # so are the telnet console (Twisted's conch) and the feed exports (kulak sets no
        # FEEDS), each switched off and imported only to be told so (0.5 MiB).
        "REMOTE_CONTROL_ENABLED": False,
        "EXTENSIONS_BASE": {
            path: order
            for path, order in EXTENSIONS_BASE.items()
            if not path.endswith(UNUSED_EXTENSIONS)
        },
        "MEMUSAGE_ENABLED": False,
        # Certificates verified against the system's CA store (SSL_CERT_FILE if set),
        # host names included; only a source's explicit `tls_verify: false` turns it off.
        "DOWNLOAD_VERIFY_CERTIFICATES": tls_verified(source),
        # Scrapy cancels a larger answer, and stops decompressing one past the cap.
        "DOWNLOAD_MAXSIZE": cap,
        "DOWNLOAD_WARNSIZE": cap // 2,
        "LOG_ENABLED": False,
        "DEFAULT_DROPITEM_LOG_LEVEL": "DEBUG",
    }


def tls_verified(source: Source) -> bool:
    return getattr(source.options, "tls_verify", True)


def target_terms(settings: Settings, source_type: str) -> list[TargetTerms]:
    """What a spider of this type searches for: its own platform's handles, not others'."""
    return [
        TargetTerms(
            name=t.name,
            keywords=tuple(t.keywords),
            handles=tuple([*t.handles_everywhere, *t.handles_on(source_type)]),
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
    if not tls_verified(source):
        logger.warning(
            "collector %s: TLS certificates are NOT verified (tls_verify: false): anyone "
            "between kulak and %s can read its credentials and change its answers",
            source.name,
            getattr(source.options, "base_url", "the source"),
        )
    state = runtime.store.state(source.name)
    context = CollectorContext(
        source=source.name,
        options=source.options,
        targets=target_terms(runtime.settings, source.type),
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
    runtime.crawls[crawler] = task
    try:
        done, _ = await asyncio.wait({task}, timeout=source.schedule.timeout.total_seconds())
        if not done:
            await _stop_overdue(source, crawler, task)
        task.result()
    finally:
        runtime.crawls.pop(crawler, None)
    if crawler.stats.get_value(PROBLEMS_STAT) is None:
        # The store pipeline never closed the run: nothing says what was stored.
        raise RuntimeError("the run ended without closing its store pipeline")
    return run_report(source.name, crawler.stats)


def run_report(source: str, stats: StatsCollector) -> RunReport:
    """A finished crawl's report, from Scrapy's counts and those kulak's stages add."""
    return RunReport(
        source=source,
        requests=stats.get_value("downloader/request_count", 0),
        new_posts=stats.get_value(NEW_POSTS_STAT, 0),
        stored=stats.get_value(STORED_STAT, 0),
        set_aside=stats.get_value(SET_ASIDE_STAT, 0),
        # Answers to conditional requests: an unchanged feed costs one cheap request.
        not_modified=stats.get_value("downloader/response_status_count/304", 0),
        problems=list(stats.get_value(PROBLEMS_STAT, [])),
        # Items of answers the parsers could not read, each skipped alone.
        items=stats.get_value(ITEMS_STAT, 0),
        skipped=stats.get_value(SKIPPED_STAT, 0),
        skip_example=stats.get_value(SKIP_EXAMPLE_STAT),
    )


async def stop_crawl(crawler: Crawler, task: asyncio.Task[None]) -> None:
    """Stop a crawl gracefully (its pages in flight are stored), whatever its phase.
    Scrapy ignores a stop that comes while the spider is still opening, and swallows a
    cancellation, so wait until its engine runs, then stop the engine."""
    while not task.done():
        engine = crawler._engine  # Scrapy's documented way to read it before the crawl runs
        if engine is not None and engine.running:
            await engine.stop_async()
            return
        await asyncio.sleep(0.01)


async def stop_all(runtime: Runtime) -> None:
    """Stop every crawl under way (for a shutdown) and wait until they have ended."""
    crawls = list(runtime.crawls.items())
    await asyncio.gather(*(stop_crawl(c, t) for c, t in crawls), return_exceptions=True)
    await asyncio.gather(*(t for _, t in crawls), return_exceptions=True)


async def _stop_overdue(source: Source, crawler: Crawler, task: asyncio.Task[None]) -> None:
    """Stop a run past its time-out: requests in flight end within the download time-out
    (half the run's), and the store pipeline closes the run as a `timeout` failure."""
    limit = source.schedule.timeout
    logger.warning("collector %s: still running after %s, stopping it", source.name, limit)
    pipeline = crawler.get_item_pipeline(StorePipeline)
    if pipeline is not None:
        reason = f"still running after {human_duration(limit)}; stopped"
        pipeline.problems.insert(0, SourceProblem("timeout", reason))
    stopping = asyncio.ensure_future(stop_crawl(crawler, task))
    await asyncio.wait({stopping}, timeout=limit.total_seconds())
    if not task.done():
        raise TimeoutError(f"did not stop within {human_duration(limit)} of its time-out")


async def run_source(runtime: Runtime, source: Source) -> RunReport:
    """`collect`, with a crash or a run that would not stop recorded as the source's
    failure, never raised: one failing source never stops the others."""
    try:
        return await collect(runtime, source)
    except Exception as exc:
        status = "timeout" if isinstance(exc, TimeoutError) else "crashed"
        return record_failure(runtime.store, source.name, status, f"{type(exc).__name__}: {exc}")


async def collect_all(runtime: Runtime, sources: list[Source]) -> list[RunReport]:
    """Sources run side by side; one failing never stops the others."""
    return list(await asyncio.gather(*(run_source(runtime, s) for s in sources)))
