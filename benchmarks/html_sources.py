"""Steady-state cost of the HTML sources, one command:

    python benchmarks/html_sources.py [--polls 48]

Each source runs through the real collector (`monitor.crawl.collect`, Scrapy with
robots.txt, the pipelines and a SQLite store) against local replays that publish at
fixed rates between polls, like a 15-minute schedule ending now:

- sikayetvar: two brands, a new complaint every 2 and every 3 polls (10 a list page);
  every other complaint is answered by the brand 3 polls after it was posted. The
  replay's Date header follows the 15-minute clock, so unanswered complaints are visited
  again as on a real schedule: every 6 hours by default (every 24 polls), and, for
  comparison, on every poll (`revisit_hours: 0`).
- telegram: two channels, a new message every poll and every 4 polls (20 a page).
- eksisozluk: two topics, a new entry every 2 and every 6 polls (10 a page).

robots.txt is asked for by the first run and then kept for a day, so the `robots`
column (requests for it during the polls, included in `requests`) stays 0. The first
run fills the cursors; the figures are over the polls after it.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from steady import polls_argument, steady_state

from monitor import reactor
from monitor.demo.sources.eksisozluk import Entry, topic_page
from monitor.demo.sources.sikayetvar import Complaint, complaint_page, list_page
from monitor.demo.sources.telegram import Message, channel_page
from monitor.replay import ReplayServer, Reply

POLL = timedelta(minutes=15)
TARGETS = """
targets:
  - {name: Kahve Durağı, kind: brand, keywords: [Kahve Durağı]}
  - {name: Demlik, kind: competitor, keywords: [Demlik Cafe]}
"""
INITIAL = 25  # items each stream holds before the first run


@dataclass
class Stream:
    """Items published at a fixed rate: `INITIAL` before the first run, then one every
    `period` polls; numbered from 0, oldest first."""

    period: int
    start: datetime
    poll: int = 0

    def count(self) -> int:
        return INITIAL + self.poll // self.period

    def at(self, number: int) -> datetime:
        return self.start + POLL * self.period * (number - INITIAL + 1)

    def now(self) -> datetime:
        return self.start + POLL * self.poll

    def date_header(self) -> dict[str, str]:
        """The replay's clock as its Date header: Şikayetvar judges revisits by it."""
        return {"Date": format_datetime(self.now(), usegmt=True)}


def install_sikayetvar(replay: ReplayServer, streams: dict[str, Stream]) -> str:
    def complaint(brand: str, stream: Stream, n: int) -> Complaint:
        published = stream.at(n)
        answered = published + 3 * POLL
        answer = (answered, "Merhaba, özür dileriz.") if n % 2 == 0 else None
        return Complaint(
            f"{brand}/sikayet-{n}",
            "Müşteri",
            published,
            f"{brand} şikayet {n}",
            "Siparişim geç geldi, kahve soğuktu.",
            answer if answer and answered <= stream.now() else None,
        )

    for brand, stream in streams.items():

        def listing(request: Any, brand: str = brand, stream: Stream = stream) -> Reply:
            page = int(request.param("page", "1"))
            newest_first = list(range(stream.count() - 1, -1, -1))
            shown = newest_first[(page - 1) * 10 : page * 10]
            items = [complaint(brand, stream, n) for n in shown]
            pages = -(-len(newest_first) // 10)
            return Reply(200, list_page(items, page, pages), stream.date_header())

        replay.add(f"/{brand}", listing)
        for n in range(INITIAL + 1000):

            def page(_: Any, brand: str = brand, stream: Stream = stream, n: int = n) -> Reply:
                return Reply(200, complaint_page(complaint(brand, stream, n)), stream.date_header())

            replay.add(f"/{brand}/sikayet-{n}", page)
    return f"  sikayetvar:\n    base_url: {replay.url}\n    brands: [{', '.join(streams)}]\n"


def install_telegram(replay: ReplayServer, streams: dict[str, Stream]) -> str:
    for channel, stream in streams.items():

        def page(request: Any, channel: str = channel, stream: Stream = stream) -> Reply:
            before = int(request.param("before") or 1000 + stream.count())
            numbers = [n for n in range(stream.count()) if 1000 + n < before][-20:]
            messages = [
                Message(1000 + n, stream.at(n), "1.2K", f"Kahve Durağı haberi {n}") for n in numbers
            ]
            older = 1000 + numbers[0] if numbers and numbers[0] > 0 else None
            return Reply(200, channel_page(channel, messages, older))

        replay.add(f"/s/{channel}", page)
    return f"  telegram:\n    base_url: {replay.url}\n    channels: [{', '.join(streams)}]\n"


def install_eksisozluk(replay: ReplayServer, streams: dict[str, Stream]) -> str:
    for index, (topic, stream) in enumerate(streams.items()):

        def page(request: Any, stream: Stream = stream, index: int = index) -> Reply:
            pages = -(-stream.count() // 10)
            number = min(int(request.param("p", "1")), pages)
            entries = [
                Entry(160000000 + index * 100000 + n, "yazar", 1, stream.at(n), f"entry {n}")
                for n in range((number - 1) * 10, min(number * 10, stream.count()))
            ]
            return Reply(200, topic_page("kahve durağı", entries, number, pages))

        replay.add(f"/{topic}", page)
    return f"  eksisozluk:\n    base_url: {replay.url}\n    topics: [{', '.join(streams)}]\n"


@dataclass(frozen=True)
class Case:
    source: str
    install: Callable[[ReplayServer, dict[str, Stream]], str]
    periods: dict[str, int]
    options: str = ""


CASES = {
    "sikayetvar (revisit every poll)": Case(
        "sikayetvar",
        install_sikayetvar,
        {"kahve-duragi": 2, "demlik-cafe": 3},
        "    revisit_hours: 0\n",
    ),
    "sikayetvar (revisit 6 h)": Case(
        "sikayetvar", install_sikayetvar, {"kahve-duragi": 2, "demlik-cafe": 3}
    ),
    "telegram": Case("telegram", install_telegram, {"istanbulkahve": 1, "kahvehaber": 4}),
    "eksisozluk": Case(
        "eksisozluk",
        install_eksisozluk,
        {"kahve-duragi--7012345": 2, "demlik-cafe--7054321": 6},
    ),
}


def measure(case: Case, polls: int, folder: Path) -> dict[str, int]:
    start = datetime.now(UTC) - POLL * polls
    streams = {name: Stream(period, start) for name, period in case.periods.items()}
    with ReplayServer() as replay:
        entry = case.install(replay, streams) + case.options

        def tick(poll: int) -> None:
            for stream in streams.values():
                stream.poll = poll

        database = folder / f"{case.source}-{id(case)}.sqlite3"
        totals = steady_state(TARGETS + "sources:\n" + entry, case.source, polls, database, tick)
        totals["robots"] = len(replay.seen("/robots.txt")) - 1  # the first run's
    return totals


def main() -> None:
    polls = polls_argument(__doc__)
    print(
        f"{'source':<32} {'requests':>8} {'robots':>6} {'new':>5} {'stored':>6} "
        f"{'req/new':>8} problems"
    )
    with tempfile.TemporaryDirectory() as folder:
        try:
            for name, case in CASES.items():
                t = measure(case, polls, Path(folder))
                new = t["new_posts"] or float("nan")
                print(
                    f"{name:<32} {t['requests']:>8} {t['robots']:>6} {t['new_posts']:>5} "
                    f"{t['stored']:>6} {t['requests'] / new:>8.2f} {t['problems']}"
                )
        finally:
            reactor.shutdown()


if __name__ == "__main__":
    main()
