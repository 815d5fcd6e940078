"""Collections in a child process, as scrapyd runs crawls: `kulak run` itself never loads
the item pipelines nor the language and sentiment models (~25 MiB once a post needs them),
never keeps what a crawl leaves behind, and a crawl that crashes or leaks dies alone.

One child at a time, for as long as it has runs: sources that fall due while it runs join
it (a fresh child costs about a second of CPU to start), their crawls side by side on its
loop as they were in one process, so their pages are written one at a time as before; it
ends once it has nothing left to run. It reports each run as it ends, so a child that dies
costs only the runs it had not reported: each is recorded as its source's failure, and no
cursor moved past what was stored, so the next run fetches the rest again.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import logging
import os
import pickle
import signal
import sys
import threading
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from monitor.config import ConfigError, Settings, Source, human_duration
from spiders.items import SourceProblem

if TYPE_CHECKING:
    from monitor.store import Store

log = logging.getLogger(__name__)

#: how the service starts a child: this module's `child()`, with the same Python
CHILD = (sys.executable, "-c", "from monitor.collector import child; child()")
#: a child's start (imports, the store) beside its crawls' own time-outs, before it is killed
START_ALLOWANCE = 60.0


@dataclass
class RunReport:
    source: str
    requests: int = 0
    new_posts: int = 0
    stored: int = 0
    not_modified: int = 0
    #: posts the store refused (or a pipeline lost): the run failed, they are fetched again
    set_aside: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    items: int = 0  # items in the answers read, skipped ones included
    skipped: int = 0  # items a parser could not read: skipped, the rest of their page kept
    skip_example: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        """The report as the child sends it: one line of JSON."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str | bytes) -> RunReport:
        fields = json.loads(line)
        fields["problems"] = [tuple(problem) for problem in fields["problems"]]
        return cls(**fields)


def record_failure(store: Store, source: str, status: str, reason: str) -> RunReport:
    """A run that ended without its own report (it crashed, or would not stop), recorded
    as its source's failure."""
    log.error("collector %s %s: %s", source, status, reason)
    store.record_run(source, problems=[SourceProblem(status, reason)], requests=0, new_posts=0)
    return RunReport(source, problems=[(status, reason)])


@dataclass
class _Child:
    process: asyncio.subprocess.Process
    #: its runs not reported yet, by source
    runs: dict[str, asyncio.Future[RunReport | None]] = field(default_factory=dict)
    #: whether it takes more runs (once idle it is told it has none left, and ends)
    open: bool = True


@dataclass
class Collector:
    """Runs collections in a child process (see above); sources asked for within `window`
    seconds of each other start it together. `log` is the service's log format and level,
    for the child's."""

    settings: Settings
    store: Store
    log: tuple[str, int] | None = None
    window: float = 0.1
    stopping: bool = False
    child: _Child | None = None
    _due: list[tuple[Source, asyncio.Future[RunReport | None]]] = field(default_factory=list)
    _starting: bool = False

    def __post_init__(self) -> None:
        url = self.store.engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            problem = (
                "kulak.database: `kulak run` collects in a child process, which cannot see "
                "an in-memory SQLite database; give it a file (sqlite:///kulak.sqlite3)"
            )
            raise ConfigError([problem], self.settings.path)

    async def collect(self, source: Source) -> RunReport | None:
        """One run of `source` in the child; None when the service stopped before it ran."""
        if self.stopping:
            return None
        loop = asyncio.get_running_loop()
        future: asyncio.Future[RunReport | None] = loop.create_future()
        if self.child is not None and self.child.open:
            self._send(self.child, source, future)
        else:
            self._due.append((source, future))
            if len(self._due) == 1 and not self._starting:
                loop.call_later(self.window, lambda: asyncio.ensure_future(self._start()))
        # The child stops a run past its time-out itself; this is for a child that hangs.
        limit = START_ALLOWANCE + 2 * source.schedule.timeout.total_seconds()
        try:
            return await asyncio.wait_for(asyncio.shield(future), limit)
        except TimeoutError:
            reason = f"the collector process was still running after {human_duration(limit)}"
            future.set_result(record_failure(self.store, source.name, "timeout", reason))
            if self.child is not None and source.name in self.child.runs:
                self.child.process.kill()  # its other runs are recorded as crashed
            return future.result()

    async def _start(self) -> None:
        if self.stopping:
            return  # `stop` answered the runs due
        self._starting = True
        try:
            process = await asyncio.create_subprocess_exec(
                *CHILD,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=2**20,
                # Ctrl-C in a terminal reaches the service alone, which stops its child.
                start_new_session=True,
            )
        except OSError as exc:
            for source, future in self._due:
                reason = f"the collector process could not start: {exc}"
                future.set_result(record_failure(self.store, source.name, "crashed", reason))
            return
        finally:
            self._starting = False
            due, self._due = self._due, []  # those asked for while it started included
        assert process.stdin is not None
        process.stdin.write(pickle.dumps(self._orders()))
        self.child = child = _Child(process)
        for source, future in due:
            self._send(child, source, future)
        if not child.runs:  # the service stopped while it started
            child.open = False
            process.stdin.close()
        await self._read(child)

    def _orders(self) -> dict[str, Any]:
        """What the child is told first: settings as loaded here (secrets from the
        environment included), the store and how to log; then a source name a line."""
        return {
            "settings": self.settings,
            "database": self.store.engine.url.render_as_string(hide_password=False),
            "log": self.log,
        }

    @staticmethod
    def _send(child: _Child, source: Source, future: asyncio.Future[RunReport | None]) -> None:
        child.runs[source.name] = future
        assert child.process.stdin is not None
        child.process.stdin.write(json.dumps(source.name).encode() + b"\n")

    async def _read(self, child: _Child) -> None:
        """Hand each report to its run; once the child has none left, tell it so (it
        ends), and record the runs it never reported."""
        process = child.process
        assert process.stdout is not None and process.stdin is not None
        reason = None
        try:
            async for line in process.stdout:
                report = RunReport.from_line(line)
                future = child.runs.pop(report.source)
                if not future.done():
                    future.set_result(report)
                if not child.runs:
                    child.open = False
                    process.stdin.close()
        except Exception as exc:  # its answers made no sense
            reason = f"the collector process failed: {type(exc).__name__}: {exc}"
            process.kill()
        finally:
            child.open = False
            if self.child is child:
                self.child = None
            code = await process.wait()
        # A child told to stop before it could listen (code -SIGTERM) had not begun.
        if self.stopping and reason is None and code in (0, -signal.SIGTERM):
            outcome = None
        else:
            outcome = "crashed", reason or _ended(code)
        for name, future in child.runs.items():
            if not future.done():
                future.set_result(outcome and record_failure(self.store, name, *outcome))

    def stop(self) -> None:
        """No new runs; the child's crawls stop gracefully (pages in flight are stored)
        and report."""
        self.stopping = True
        for _, future in self._due:
            future.set_result(None)
        self._due.clear()
        if self.child is not None:
            self.child.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.child is not None:
            self.child.process.kill()


def _ended(code: int) -> str:
    if code < 0:
        return f"the collector process was killed by {signal.Signals(-code).name}"
    return f"the collector process ended (exit code {code}) before this run's report"


# -- the child --------------------------------------------------------------------------


def child() -> None:
    """A child's life: read its orders, then run each source named on stdin as it comes,
    side by side, print each report as a line as soon as it is known, end once stdin is
    closed and its runs are done, and stop gracefully on SIGTERM or SIGINT."""
    stop_asked = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_asked.append(True))
    _die_with_parent()
    orders = pickle.load(sys.stdin.buffer)
    # Reports go out on the real stdout; whatever else prints goes to stderr, the log.
    reports = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    settings: Settings = orders["settings"]
    _configure_logging(settings, orders["log"])
    if stop_asked:
        return
    from monitor import reactor
    from monitor.crawl import run_source, stop_all
    from monitor.logs import secrets_of
    from monitor.redact import Redactor
    from monitor.runtime import Runtime, settle
    from monitor.store import Store

    store = Store.open(orders["database"], migrate=False, redact=Redactor(secrets_of(settings)))
    runtime = Runtime(settings=settings, store=store)
    settle()

    async def report(name: str) -> None:
        reports.write((await run_source(runtime, settings.source(name))).line() + "\n")
        reports.flush()

    async def main() -> None:
        loop, stop, ended = asyncio.get_running_loop(), asyncio.Event(), asyncio.Event()
        runs: set[asyncio.Future[None]] = set()

        def start(name: str) -> None:
            if not stop.is_set():
                runs.add(run := asyncio.ensure_future(report(name)))
                run.add_done_callback(runs.discard)

        def read() -> None:
            for line in sys.stdin.buffer:
                loop.call_soon_threadsafe(start, json.loads(line))
            loop.call_soon_threadsafe(ended.set)

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        if stop_asked:
            stop.set()
        threading.Thread(target=read, name="orders", daemon=True).start()
        while runs or not (ended.is_set() or stop.is_set()):
            if stop.is_set():  # a crawl that was opening when the stop came is stopped too
                await stop_all(runtime)
            await asyncio.sleep(0.05)

    try:
        reactor.run(main())
    finally:
        reactor.shutdown()
        store.close()
        reports.close()
    # Its runs are reported and stored: ending now spares tearing down a heap of a
    # hundred MiB object by object, while the next child may already be starting.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _configure_logging(settings: Settings, chosen: tuple[str, int] | None) -> None:
    """The service's format and level; warnings and errors, plainly, when it set none."""
    if chosen is None:
        logging.basicConfig(level=logging.WARNING)
        return
    from monitor.logs import configure, secrets_of

    configure(chosen[0], chosen[1], secrets_of(settings))


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """On Linux, a child whose service died (even by SIGKILL) is told to stop, as the
    service would have told it: it never writes on beside a service started anew."""
    prctl = getattr(ctypes.CDLL(None), "prctl", None)
    if prctl is not None and sys.platform.startswith("linux"):
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
