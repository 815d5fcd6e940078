"""Steady-state cost of the feed sources, one command:

    python benchmarks/feeds.py [--polls 48]

Each source runs through the real collector (`monitor.crawl.collect`, Scrapy, the
pipelines and a SQLite store) against local replays that publish at fixed rates between
polls, like a 15-minute schedule:

- rss: four feeds, a new item every 2, 3, 6 and 12 polls; hosts answer If-None-Match
  with 304 when nothing changed.
- googlenews: three keywords in two editions (six feeds), a new article per feed every
  8 polls; answered with validators like rss (whether Google sends them does not change
  the request count, only the bytes of an unchanged answer).
- appstore: two apps in two countries, a new review per app and country every 3 polls.

The first run fills the cursors; the figures are over the polls after it. `stored`
counts posts written (new or updated): equal to `new` when no old item is sent again.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from steady import polls_argument, steady_state

from monitor import reactor
from monitor.demo.sources.appstore import review_entry, reviews_page, reviews_path
from monitor.demo.sources.rss import Item, conditional, rss_document
from monitor.replay import ReplayServer, Reply

START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
POLL = timedelta(minutes=15)
TARGETS = """
targets:
  - {name: Kahve Durağı, kind: brand, keywords: [Kahve Durağı]}
  - {name: Demlik, kind: competitor, keywords: [Demlik Kafe]}
  - {name: Φρέσκο, kind: competitor, keywords: [Φρέσκο Καφέ]}
"""
RSS_PERIODS = (2, 3, 6, 12)
NEWS_QUERIES = ("Kahve Durağı", "Demlik Kafe", "Φρέσκο Καφέ")
NEWS_PERIOD = 8
APPS = {"1580000001": "Kahve Durağı", "1580000002": "Demlik Kafe"}
REVIEW_PERIOD = 3


@dataclass
class Clock:
    poll: int = 0

    def published(self, period: int, limit: int) -> list[int]:
        """Numbers of the items out by now, newest first, as many as a feed lists."""
        count = self.poll // period + 1
        return list(range(count - 1, max(count - limit, 0) - 1, -1))

    def at(self, number: int, period: int) -> datetime:
        return START + POLL * period * number


def install_rss(replay: ReplayServer, clock: Clock) -> str:
    for index, period in enumerate(RSS_PERIODS):

        def document(_: Any, index: int = index, period: int = period) -> bytes:
            items = [
                Item(
                    f"Kahve Durağı notu {index}-{n}",
                    f"https://blog{index}.example/{n}",
                    clock.at(n, period),
                    f"Kahve Durağı hakkında yazı {n}",
                )
                for n in clock.published(period, 20)
            ]
            return rss_document(f"blog {index}", items)

        replay.add(f"/feed{index}.xml", conditional(document, "application/rss+xml"))
    feeds = ", ".join(f"/feed{index}.xml" for index in range(len(RSS_PERIODS)))
    return f"  rss:\n    base_url: {replay.url}\n    feeds: [{feeds}]\n"


def install_news(replay: ReplayServer, clock: Clock) -> str:
    def document(request: Any) -> bytes:
        query, hl = request.param("q").strip('"'), request.param("hl")
        items = [
            Item(
                f"{query} haberi {hl}-{n} - Gazete",
                f"https://news.google.com/rss/articles/{hl}{abs(hash(query))}-{n}",
                clock.at(n, NEWS_PERIOD),
                publisher=("Gazete", "https://gazete.example"),
            )
            for n in clock.published(NEWS_PERIOD, 100)
        ]
        return rss_document(f"{query} - Google News", items)

    replay.add("/rss/search", conditional(document, "application/xml"))
    queries = ", ".join(NEWS_QUERIES)
    editions = "[{hl: tr, gl: TR}, {hl: el, gl: GR}]"
    return (
        f"  googlenews:\n    base_url: {replay.url}\n    queries: [{queries}]\n"
        f"    editions: {editions}\n"
    )


def install_appstore(replay: ReplayServer, clock: Clock) -> str:
    for app in APPS:
        for country in ("tr", "gr"):
            for page in range(1, 11):

                def answer(_: Any, app: str = app, country: str = country, page: int = page):
                    numbers = clock.published(REVIEW_PERIOD, 500)
                    pages = max(1, -(-len(numbers) // 50))
                    entries = [
                        review_entry(
                            int(app) * 10000 + ("tr", "gr").index(country) * 1000 + n,
                            clock.at(n, REVIEW_PERIOD),
                            4,
                            "reviewer",
                            "Yorum",
                            f"Uygulama yorumu {country} {n}",
                        )
                        for n in numbers[(page - 1) * 50 : page * 50]
                    ]
                    return Reply(200, reviews_page(app, country, entries, last=pages))

                replay.add(reviews_path(app, country, page), answer)
    apps = ", ".join(f'"{app}": {name}' for app, name in APPS.items())
    return (
        f"  appstore:\n    base_url: {replay.url}\n    apps: {{{apps}}}\n    countries: [tr, gr]\n"
    )


INSTALLERS: dict[str, Callable[[ReplayServer, Clock], str]] = {
    "rss": install_rss,
    "googlenews": install_news,
    "appstore": install_appstore,
}


Installers = dict[str, Callable[[ReplayServer, Clock], str]]


def measure(
    name: str, polls: int, folder: Path, installers: Installers | None = None
) -> dict[str, float]:
    """The steady state of one source, installed by `installers` (other benchmarks' too)."""
    clock = Clock()
    with ReplayServer() as replay:
        entry = (installers or INSTALLERS)[name](replay, clock)

        def tick(poll: int) -> None:
            clock.poll = poll

        return steady_state(
            TARGETS + "sources:\n" + entry, name, polls, folder / f"{name}.sqlite3", tick
        )


def main(installers: Installers | None = None, doc: str = __doc__ or "") -> None:
    """The table of these sources' steady-state costs (other benchmarks pass theirs)."""
    polls = polls_argument(doc)
    print(
        f"{'source':<11} {'requests':>8} {'new':>5} {'stored':>6} {'req/new':>8} "
        f"{'304 share':>9} problems"
    )
    with tempfile.TemporaryDirectory() as folder:
        try:
            for name in installers or INSTALLERS:
                t = measure(name, polls, Path(folder), installers)
                per_post = t["requests"] / t["new_posts"] if t["new_posts"] else float("inf")
                share = t["not_modified"] / t["requests"] if t["requests"] else 0.0
                print(
                    f"{name:<11} {t['requests']:>8} {t['new_posts']:>5} {t['stored']:>6} "
                    f"{per_post:>8.2f} "
                    f"{share:>9.0%} {t['problems']}"
                )
        finally:
            reactor.shutdown()


if __name__ == "__main__":
    main()
