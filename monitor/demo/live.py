"""A Hacker News search that posts arrive on while kulak runs: what the service's restart
test and its latency and soak benchmarks listen to.

It answers like Algolia's `search_by_date` (the format the hackernews spider parses),
paginated, newest first. A post becomes visible once the second it was written in is
over, as a search index shows it a moment later: the spider's cursor is a whole second
(`created_at_i`), and a post written in the very second of a crawl could otherwise be
skipped by the next one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.demo.sources.hackernews import STORY_ID, _comment
from monitor.replay import ReplayServer, Reply, Seen

SEARCH = "/api/v1/search_by_date"

#: invented complaints about a competitor: each one makes an `opportunity` alert
COMPLAINTS = [
    "Demlik Cafe lost my order again. Awful service, I am so angry.",
    "Demlik Cafe'de sipariş yine gelmedi, kimse ilgilenmiyor, berbat.",
    "Το Demlik Cafe άργησε μία ώρα, απαράδεκτη εξυπηρέτηση.",
    "Anyone know a better place than Demlik Cafe? Their app keeps crashing, terrible.",
    "Demlik Cafe charged me twice and nobody replies. Very disappointed.",
    "Demlik Cafe'nin uygulaması sürekli çöküyor, rezalet.",
]


@dataclass(frozen=True)
class FeedPost:
    object_id: str
    text: str
    written: float  # epoch seconds

    @property
    def visible_at(self) -> float:
        return float(int(self.written) + 1)


class LiveFeed:
    def __init__(self, replay: ReplayServer, delay: float = 0.0) -> None:
        """`delay`: seconds each answer takes, so a crawl lasts long enough to be cut."""
        self.replay = replay
        self.posts: list[FeedPost] = []
        self.delay = delay
        self._lock = threading.Lock()
        self._next_id = STORY_ID + 10_000
        replay.add(SEARCH, self.answer)

    @property
    def url(self) -> str:
        return self.replay.url

    def post(self, text: str, written: float | None = None) -> FeedPost:
        with self._lock:
            self._next_id += 1
            post = FeedPost(str(self._next_id), text, time.time() if written is None else written)
            self.posts.append(post)
        return post

    def answer(self, request: Seen) -> Reply:
        if self.delay:
            time.sleep(self.delay)
        word = (request.param("query") or "").split()[0].casefold()
        since = int((request.param("numericFilters") or "created_at_i>0").split(">")[1])
        page, per_page = int(request.param("page", "0")), int(request.param("hitsPerPage", "50"))
        now = time.time()
        with self._lock:
            found = [
                p
                for p in reversed(self.posts)
                if p.visible_at <= now and int(p.written) > since and word in p.text.casefold()
            ]
        hits = [_hit(p) for p in found[page * per_page : (page + 1) * per_page]]
        pages = max(1, -(-len(found) // per_page))
        return Reply(200, {"hits": hits, "nbHits": len(found), "page": page, "nbPages": pages})


def _hit(post: FeedPost) -> dict[str, Any]:
    author = f"guest{int(post.object_id) % 997}"
    return _comment(
        int(post.object_id), author, datetime.fromtimestamp(post.written, UTC), post.text
    )


def service_settings(
    folder: Path, feed_url: str, slack_url: str, interval: str = "200ms", **source: Any
) -> Path:
    """Settings for `kulak run` against a local Hacker News and a local Slack Web API
    (its bot token from ${SLACK_BOT_TOKEN}); `source` adds options to the source. The inbox
    takes any free port, so runs side by side never compete for one."""
    options = "".join(f"\n    {key}: {value}" for key, value in source.items())
    path = folder / "settings.yaml"
    path.write_text(
        f"""
kulak:
  database: sqlite:///kulak.sqlite3
  timezone: Europe/Istanbul
targets:
  - name: Kahve Durağı
    kind: brand
    keywords: [Kahve Durağı]
  - name: Demlik
    kind: competitor
    keywords: [Demlik Cafe]
sources:
  hackernews:
    base_url: {feed_url}
    interval: {interval}
    jitter: 0s
    backoff: 10ms{options}
channels:
  slack:
    token: ${{SLACK_BOT_TOKEN}}
    channel: "#brand-alerts"
    base_url: {slack_url}api/
inbox:
  port: 0
""",
        encoding="utf-8",
    )
    return path
