"""`kulak run`: the one place that keeps time and calls across stages.

APScheduler's AsyncIOScheduler runs on an asyncio loop; a job awaits its collection, which
runs in a child process (monitor.collector). Each enabled source has its own interval job
(with jitter); a source's runs never overlap (`max_instances=1`) and runs missed while one
was slow are folded into one (`coalesce`). After each collection the outbox is processed:
detection, then delivery. The same step also runs on a clock, so retries and slow-burning alerts
never wait for a collection. Every minute, and at start, each email channel's latest due
digest is sent unless the store records it as sent (so a digest due while the service was
down goes out when it is back); old posts are deleted on a schedule.

Blocking work (detection, delivery over SMTP or HTTPS, the digest) runs in worker threads,
so a slow channel never delays a crawl.
"""

from __future__ import annotations

import asyncio
import ctypes
import linecache
import logging
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from alerts.base import Channel
from alerts.slack import SlackChannel
from monitor import deliver as delivery
from monitor.collector import Collector, RunReport
from monitor.config import Settings, Source
from monitor.detect import DetectorsFailed, detect_once
from monitor.digest import build_digest, due_day, previous_day
from monitor.slack_triage import SlackTriage
from monitor.store import Store

if TYPE_CHECKING:
    from monitor.inbox.server import InboxServer

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}


def utcnow() -> datetime:
    return datetime.now(UTC)


# glibc's; None where the C library has no such call (musl, macOS).
_malloc_trim = getattr(ctypes.CDLL(None), "malloc_trim", None)


def give_back_memory() -> None:
    """Return what a crawl and a pass left free to the system. glibc keeps the free pages
    of its heap below the last block in use (a crawl's pages and parse trees leave ~5 MiB of
    them), and Scrapy's start keeps the source of every file on its stack in `linecache`
    (~1 MiB, only ever read again for a traceback, which reads it anew)."""
    linecache.clearcache()
    if _malloc_trim is not None:
        _malloc_trim(0)


@dataclass(frozen=True)
class Timing:
    """How often the service works on its own, beside each source's interval."""

    tick: timedelta = timedelta(minutes=1)  # detection and delivery on a clock
    lock_check: timedelta = timedelta(seconds=5)  # is the database's run lock still ours?
    retention_every: timedelta = timedelta(hours=6)
    shutdown_grace: timedelta = timedelta(seconds=30)  # for crawls to close on a stop


class Coalesced:
    """A blocking step run in a worker thread, one pass at a time. Asked again while a
    pass runs, it runs once more right after, so work queued meanwhile never waits for
    the clock, and many requests never pile up into many passes."""

    def __init__(self, name: str, step: Callable[[], Any]) -> None:
        self.name = name
        self.step = step
        self.wanted = False
        self.closed = False
        self.lock = asyncio.Lock()

    async def run(self) -> None:
        self.wanted = True
        if self.lock.locked():
            return
        async with self.lock:
            while self.wanted and not self.closed:
                self.wanted = False
                try:
                    await asyncio.to_thread(self.step)
                except Exception:  # the store or a channel failing: report, keep serving
                    log.exception("%s failed; it runs again on the next tick", self.name)

    async def close(self) -> None:
        """No new passes; the pass under way (its writes) is finished first."""
        self.closed = True
        async with self.lock:
            pass


@dataclass
class Service:
    settings: Settings
    store: Store
    channels: Mapping[str, Channel]
    timing: Timing = field(default_factory=Timing)
    clock: Callable[[], datetime] = utcnow
    #: whether the run lock is still this service's (Store.run_lock yields it)
    lock_held: Callable[[], bool] = lambda: True
    #: the log format and level the collections' children log with (None: warnings only)
    child_log: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        if self.settings.sentiment.model is not None:
            # Opened once now, then left to the collections' children: a model that
            # cannot be used stops the start.
            from monitor.runtime import Runtime

            Runtime(settings=self.settings, store=self.store).judge  # noqa: B018
        self.collector = Collector(self.settings, self.store, self.child_log)
        self.process = Coalesced("detection and delivery", self._process)
        self.digests = Coalesced("sending due digests", self.send_due_digests)
        self.collections: set[asyncio.Task[Any]] = set()
        self.stopping = asyncio.Event()
        self.lost_lock = False

    # -- the steps ---------------------------------------------------------------------

    async def collect(self, source: Source) -> RunReport | None:
        """Collect one source (in a child process, see monitor.collector), then detect
        and deliver what it brought; None when the service stopped before it ran."""
        task = asyncio.current_task()
        if task is not None:
            self.collections.add(task)
        try:
            report = await self.collector.collect(source)
        finally:
            self.collections.discard(task)
        if report is None:
            return None
        if report.ok:
            log.info(
                "collected %s: %d new posts in %d requests",
                source.name,
                report.new_posts,
                report.requests,
            )
        else:
            status, reason = report.problems[0]
            log.warning("collecting %s failed (%s): %s", source.name, status, reason)
        await self.process.run()
        return report

    def _process(self) -> None:
        """Detection, then delivery: what detection queues goes out in the same pass; then
        the memory left free is given back. (The team's labels are learned by each
        collection's child as it starts, so a label counts from the next crawl.)"""
        try:
            self._detect_and_deliver()
        finally:
            give_back_memory()

    def _detect_and_deliver(self) -> None:
        try:
            new = detect_once(self.store, self.settings, now=self.clock())
        except DetectorsFailed as failed:  # logged; what the others found still goes out
            new = failed.queued
        for alert in new:
            log.info("alert %s queued: %s", alert.key, alert.title)
        for report in delivery.deliver_once(self.store, self.channels, clock=self.clock):
            if report.sent or report.for_digest or report.retrying or report.failed or report.error:
                log.info(
                    "delivered on %s: %d sent, %d for the daily digest, %d to retry, %d failed%s",
                    report.channel,
                    report.sent,
                    report.for_digest,
                    report.retrying,
                    report.failed,
                    f" ({report.error})" if report.error else "",
                )

    def send_due_digests(self) -> None:
        """On each email channel, the digest of the latest local day whose `digest_at` has
        passed, unless it was sent, refused for good, or waits for its next try. Only that
        day: after a long downtime the days before it are not caught up. A channel with no
        digest yet (a new store) starts with yesterday's, once today's `digest_at` is past."""
        started = self.store.latest_digests().keys()  # channels that had a digest before
        for name, channel in self.channels.items():
            schedule = channel.digest_schedule
            if schedule is None:
                continue
            tz = schedule.timezone or self.settings.general.timezone
            now = self.clock()
            day = due_day(tz, schedule.at, now)
            if name not in started and day < previous_day(tz, now):
                continue
            if not delivery.digest_due(self.store.digest_record(name, day), now):
                continue
            built = build_digest(self.store, self.settings, day, tz, now=now)
            result = delivery.send_digest(self.store, name, channel, built, clock=self.clock)
            level = logging.INFO if result.ok else logging.ERROR
            log.log(level, "digest for %s on %s: %s %s", day, name, result.status, result.reason)

    def apply_retention(self) -> int:
        cutoff = self.clock() - self.settings.general.retention
        deleted = self.store.delete_posts_before(cutoff)
        if deleted:
            log.info("retention: deleted %d posts older than %s", deleted, cutoff.date())
        return deleted

    # -- the schedule ------------------------------------------------------------------

    def schedule(self, scheduler: AsyncIOScheduler) -> None:
        now = self.clock()
        for source in self.settings.enabled_sources:
            interval = source.schedule.interval.total_seconds()
            scheduler.add_job(
                self.collect,
                IntervalTrigger(seconds=interval, jitter=source.schedule.jitter.total_seconds()),
                args=[source],
                id=f"collect:{source.name}",
                name=f"collect {source.name}",
                next_run_time=now,
            )
        for job_id, step in (("process", self.process), ("digests", self.digests)):
            scheduler.add_job(
                step.run,
                IntervalTrigger(seconds=self.timing.tick.total_seconds()),
                id=job_id,
                name=step.name,
                next_run_time=now,
            )
        scheduler.add_job(
            self.check_lock,
            IntervalTrigger(seconds=self.timing.lock_check.total_seconds()),
            id="lock",
            name="checking the run lock",
        )
        scheduler.add_job(
            asyncio.to_thread,
            IntervalTrigger(seconds=self.timing.retention_every.total_seconds()),
            args=[self.apply_retention],
            id="retention",
            name="retention",
            next_run_time=now,
        )

    async def check_lock(self) -> None:
        """Stop, cleanly, when another `kulak run` took the database's run lock (it can
        after this one's connection to PostgreSQL dropped): two services never serve one
        database."""
        if not await asyncio.to_thread(self.lock_held):
            log.error("another `kulak run` took over this database; stopping")
            self.lost_lock = True
            self.stopping.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set (or the run lock is lost), then stop cleanly."""
        delivery.recover_interrupted(self.store, self.clock())
        scheduler = AsyncIOScheduler(
            event_loop=asyncio.get_running_loop(),
            timezone=self.settings.general.timezone,
            job_defaults=JOB_DEFAULTS,
        )
        self.schedule(scheduler)
        scheduler.start()
        for job in scheduler.get_jobs():
            log.info("scheduled %s: %s", job.name, job.trigger)
        listeners = self.triage_listeners()
        inbox = await self.start_inbox()
        try:
            waits = {
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(self.stopping.wait()),
            }
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for waiting in pending:
                waiting.cancel()
        finally:
            for listener in listeners:
                listener.close()
            if inbox is not None:
                await inbox.stop()
            await self.shutdown(scheduler)

    def triage_listeners(self) -> list[SlackTriage]:
        """Socket Mode for each Slack channel with triage buttons; one that cannot connect
        is logged and the service goes on (the buttons wait, alerts still go out)."""
        listeners = []
        for channel in self.channels.values():
            if isinstance(channel, SlackChannel) and channel.options.app_token is not None:
                listener = SlackTriage(
                    self.store, channel, self.settings.general.timezone, self.clock
                )
                try:
                    listener.start()
                except Exception as exc:
                    log.error("%s: triage buttons unavailable: %s", channel, exc)
                    continue
                listeners.append(listener)
        return listeners

    async def start_inbox(self) -> InboxServer | None:
        """The web inbox, in this loop; one that cannot listen (the port is taken) is
        logged and the service goes on (Slack, email and the store still work)."""
        options = self.settings.inbox
        if not options.enabled:
            return None
        # Imported here: a service without the inbox never loads uvicorn.
        from monitor.inbox.app import Inbox
        from monitor.inbox.server import InboxServer

        server = InboxServer(
            Inbox(self.store, self.settings, self.clock), options.host, options.port
        )
        try:
            await server.start()
        except OSError as exc:
            log.error("inbox: cannot listen on %s port %d: %s", options.host, options.port, exc)
            return None
        return server

    async def shutdown(self, scheduler: AsyncIOScheduler) -> None:
        """No new jobs; crawls stop gracefully (their posts are stored), the detection
        and delivery pass and the digest under way finish, then the scheduler goes."""
        running = [task for task in self.collections if not task.done()]
        log.info("stopping: %d crawls under way", len(running))
        scheduler.pause()
        self.collector.stop()
        if running:
            await asyncio.wait(running, timeout=self.timing.shutdown_grace.total_seconds())
        self.collector.kill()  # a child past the grace; its runs are recorded as failures
        if running:
            await asyncio.wait(running)
        await self.process.close()
        await self.digests.close()
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # the scheduler shuts down on its loop's next turn
        log.info("stopped")


def serve(service: Service) -> None:
    """Run the service until SIGTERM or SIGINT, on a plain asyncio loop: Scrapy and its
    Twisted reactor live only in the collections' children."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await service.run(stop)

    asyncio.run(main())
