"""Steady-state cost of the social sources, one command:

    python benchmarks/social.py [--polls 48]

Each source runs through the real collector (`monitor.crawl.collect`, Scrapy, the
pipelines and a SQLite store) against local replays that publish at fixed rates between
polls, like a 15-minute schedule. The three target keywords are what each source follows:

- mastodon: one instance; the keywords become three hashtags, with a new status under
  #kahveduragi every 2 polls, #demlikkafe every 4 and #φρέσκοκαφέ every 8. A poll costs
  one request per tag, whatever is new.
- bluesky: the keywords are three searches, with a new post naming Kahve Durağı every 2
  polls, Demlik Kafe every 4 and Φρέσκο Καφέ every 8, by six authors in turn. The session
  made by the first run is reused (the process keeps it, as the scheduler does), so a poll
  costs one search per query plus one getProfiles call when there are new authors.

The first run fills the cursors; the figures are over the polls after it.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feeds import Clock, Installers, measure
from steady import polls_argument

from monitor import reactor
from monitor.demo.sources import bluesky, mastodon
from monitor.replay import ReplayServer
from spiders.mastodon import hashtag

#: keyword -> polls between two new posts naming it
RATES = {"Kahve Durağı": 2, "Demlik Kafe": 4, "Φρέσκο Καφέ": 8}
AUTHORS = ("ayse", "mert", "selin", "eleni", "nikos", "jo")


def posted(clock: Clock) -> list[tuple[int, datetime, str, int]]:
    """(sequence number, time, keyword, number under that keyword) of every post out by
    now; the sequence number grows with the time, as Mastodon's ids do."""
    out = []
    for index, (keyword, period) in enumerate(RATES.items()):
        for n in clock.published(period, 10**6):
            when = clock.at(n, period) + timedelta(seconds=index)
            out.append((n * period * len(RATES) + index, when, keyword, n))
    return out


def install_mastodon(replay: ReplayServer, clock: Clock) -> str:
    timelines = {keyword: mastodon.Timeline(replay, hashtag(keyword), []) for keyword in RATES}
    seen: set[int] = set()

    def answer(request: Any, timeline: mastodon.Timeline) -> Any:
        for sequence, when, keyword, n in posted(clock):
            if sequence not in seen:
                seen.add(sequence)
                author = AUTHORS[sequence % len(AUTHORS)]
                html = f"<p>{keyword} üzerine not {n} #{hashtag(keyword)}</p>"
                row = (sequence, 0, author, author.title(), 100, "tr", hashtag(keyword), html, None)
                timelines[keyword].post(mastodon.status(when, row))
        return timeline.answer(request)

    for timeline in timelines.values():
        replay.add(timeline.path, lambda request, timeline=timeline: answer(request, timeline))
    return f"  mastodon:\n    base_url: {replay.url}\n"


def install_bluesky(replay: ReplayServer, clock: Clock) -> str:
    handles = [f"{name}.bsky.social" for name in AUTHORS]
    profiles = [{"did": bluesky.did_for(h), "handle": h, "followersCount": 100} for h in handles]
    server = bluesky.Server(replay, [], profiles, finds=bluesky.names_term)
    seen: set[int] = set()

    def search(request: Any) -> Any:
        for sequence, when, keyword, n in posted(clock):
            if sequence not in seen:
                seen.add(sequence)
                handle = handles[sequence % len(handles)]
                row = (f"3lc{sequence:08d}", 0, handle, None, 0, "tr", f"{keyword} notu {n}", None)
                server.posts.append(bluesky.post_view(when, row))
        return server.search(request)

    replay.add("/xrpc/app.bsky.feed.searchPosts", search)
    queries = ", ".join(RATES)
    return (
        f"  bluesky:\n    base_url: {replay.url}\n    queries: [{queries}]\n"
        f"    handle: {bluesky.HANDLE}\n    app_password: {bluesky.PASSWORD}\n"
    )


INSTALLERS: Installers = {
    "mastodon": install_mastodon,
    "bluesky": install_bluesky,
}


def main() -> None:
    polls = polls_argument(__doc__)
    print(f"{'source':<9} {'requests':>8} {'new':>5} {'stored':>6} {'req/new':>8} problems")
    with tempfile.TemporaryDirectory() as folder:
        try:
            for name in INSTALLERS:
                t = measure(name, polls, Path(folder), INSTALLERS)
                new = t["new_posts"] or float("nan")
                print(
                    f"{name:<9} {t['requests']:>8} {t['new_posts']:>5} {t['stored']:>6} "
                    f"{t['requests'] / new:>8.2f} {t['problems']}"
                )
        finally:
            reactor.shutdown()


if __name__ == "__main__":
    main()
