"""`kulak run` as a real process: its settings, its local peers, and a handle to signal it."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.alert import Alert
from monitor.demo.live import LiveFeed
from monitor.demo.live import service_settings as service_settings
from monitor.replay import ReplayServer
from tests.alerts.conftest import SlackServer

ROOT = Path(__file__).parents[2]
RUN_NUMBERS = itertools.count(1)
RISK = Alert(
    key="risk:hackernews:42000001",
    kind="risk",
    title="High-reach complaint about Kahve Durağı",
    summary="No power outlets near the windows, and nobody cared.",
    created_at=datetime.now(UTC),
    target="Kahve Durağı",
    target_kind="brand",
)
TOKEN = "xoxb-4242-kulak-SERVICE-secret"


@pytest.fixture
def slack_server() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


#: invented posts on the local Hacker News; the two about Demlik are opportunities
POSTS = [
    "Kahve Durağı'nın yulaf sütlü lattesi harika, teşekkürler!",
    "Worked from Kahve Durağı in Kadıköy today, quiet and friendly.",
    "Demlik Cafe lost my order again. Awful service, I am so angry.",
    "Το Demlik Cafe άργησε μία ώρα, απαράδεκτη εξυπηρέτηση.",
]


@pytest.fixture
def cafe_feed() -> Iterator[LiveFeed]:
    """A local Hacker News holding `POSTS`, written a minute ago."""
    with ReplayServer() as server:
        feed = LiveFeed(server)
        for text in POSTS:
            feed.post(text, written=time.time() - 60)
        yield feed


@dataclass
class KulakRun:
    """`kulak run` in a child process, its stderr kept in a file."""

    settings: Path
    args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.settings.with_name(f"kulak-run-{next(RUN_NUMBERS)}.log")

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.settings.parent / 'kulak.sqlite3'}"

    def start(self, *global_args: str) -> KulakRun:
        env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN}
        command = [sys.executable, "-m", "monitor.cli", *global_args, "run", "--config"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, str(self.settings), *self.args], cwd=ROOT, env=env, stderr=log
            )
        return self

    def wait_until(self, condition: Callable[[], bool], limit: float = 20) -> None:
        """Poll `condition` every 20 ms; fail (showing the log) if it never holds."""
        deadline = time.monotonic() + limit
        while not condition():
            assert self.process is not None and self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, f"gave up waiting\n{self.output()}"
            time.sleep(0.02)

    def signal(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def kulak_run(tmp_path: Path) -> Iterator[Callable[..., KulakRun]]:
    runs: list[KulakRun] = []

    def make(settings: Path, *args: str) -> KulakRun:
        runs.append(KulakRun(settings, args))
        return runs[-1]

    yield make
    for run in runs:
        if run.process is not None and run.process.poll() is None:
            run.kill()
