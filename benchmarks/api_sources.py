"""Steady-state cost of the x, youtube and reddit sources, one command:

    python benchmarks/api_sources.py [--polls 48]

Each source runs through the real collector against local replays in the source's
format that publish between polls (a 15-minute schedule), as benchmarks/feeds.py does:

- x: the query built from the targets; a new post every 2 polls; the replay honours
  since_id as X does.
- youtube: two videos, a new comment on each every 3 polls; YouTube has no "since", so
  every poll reads the first page and stops at the newest comment already stored.
- reddit (OAuth): a subreddit's search and newest comments; a new post every 4 polls and
  a new comment every 2. The app token is fetched once and kept (first run).
- reddit-rss: the same listings as Atom without credentials, answered 304 when unchanged.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feeds import Clock, Installers, main

from monitor.demo.sources.rss import conditional
from monitor.demo.sources.x import snowflake
from monitor.replay import ReplayServer, Reply
from spiders.reddit import TOKEN_PATH

X_PERIOD, YOUTUBE_PERIOD, REDDIT_POST_PERIOD, REDDIT_COMMENT_PERIOD = 2, 3, 4, 2
VIDEOS = ("kD9xQ2mB7aE", "pQ4rS8tU2vW")
# X refuses a since_id older than seven days: ids are made from yesterday on.
X_BASE = datetime.now(UTC) - timedelta(days=1)


def install_x(replay: ReplayServer, clock: Clock) -> str:
    def search(request: Any) -> Reply:
        since = int(request.param("since_id") or 0)
        tweets = [
            {
                "id": snowflake(X_BASE + (clock.at(n, X_PERIOD) - clock.at(0, X_PERIOD)), 0),
                "text": f"Kahve Durağı bugün de kalabalık, {n}. gün ☕",
                "author_id": "1600000000000000001",
                "created_at": clock.at(n, X_PERIOD).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "public_metrics": {"like_count": n},
            }
            for n in clock.published(X_PERIOD, 100)
        ]
        fresh = [t for t in tweets if int(t["id"]) > since]
        if not fresh:
            return Reply(200, {"meta": {"result_count": 0}})
        users = [{"id": "1600000000000000001", "username": "emre_k", "name": "Emre"}]
        meta = {"newest_id": fresh[0]["id"], "result_count": len(fresh)}
        return Reply(200, {"data": fresh, "includes": {"users": users}, "meta": meta})

    replay.add("/2/tweets/search/recent", search)
    return f"  x:\n    base_url: {replay.url}\n    bearer_token: benchmark\n"


def install_youtube(replay: ReplayServer, clock: Clock) -> str:
    def threads(request: Any) -> Reply:
        video = request.param("videoId")
        items = []
        for n in clock.published(YOUTUBE_PERIOD, 100):
            stamp = clock.at(n, YOUTUBE_PERIOD).strftime("%Y-%m-%dT%H:%M:%SZ")
            comment = {
                "id": f"Ugz{video}{n}",
                "snippet": {
                    "videoId": video,
                    "textOriginal": f"Demlik Kafe'den daha iyi, yorum {n}",
                    "authorDisplayName": "@selin",
                    "likeCount": 1,
                    "publishedAt": stamp,
                    "updatedAt": stamp,
                },
            }
            items.append(
                {"id": comment["id"], "snippet": {"topLevelComment": comment, "totalReplyCount": 0}}
            )
        return Reply(200, {"kind": "youtube#commentThreadListResponse", "items": items})

    replay.add("/youtube/v3/commentThreads", threads)
    videos = ", ".join(VIDEOS)
    return (
        f"  youtube:\n    base_url: {replay.url}\n    api_key: benchmark\n    videos: [{videos}]\n"
    )


def reddit_things(clock: Clock, kind: str) -> list[dict[str, Any]]:
    period = REDDIT_POST_PERIOD if kind == "t3" else REDDIT_COMMENT_PERIOD
    things = []
    for n in clock.published(period, 100):
        text = f"Φρέσκο Καφέ ή Kahve Durağı; ερώτηση {n}"
        data = {
            "name": f"{kind}_b{n}",
            "author": "nikos_p",
            "created_utc": clock.at(n, period).timestamp(),
            "permalink": f"/r/istanbul/comments/b{n}/",
            "subreddit": "istanbul",
        }
        data |= {"title": text, "selftext": ""} if kind == "t3" else {"body": text}
        things.append({"kind": kind, "data": data})
    return things


def install_reddit(replay: ReplayServer, clock: Clock) -> str:
    def listing(kind: str) -> Any:
        return lambda _: Reply(
            200,
            {"kind": "Listing", "data": {"after": None, "children": reddit_things(clock, kind)}},
        )

    token = {"access_token": "benchmark", "token_type": "bearer", "expires_in": 86400}
    replay.add(TOKEN_PATH, Reply(200, token), method="POST")
    replay.add("/r/istanbul/search", listing("t3"))
    replay.add("/r/istanbul/comments", listing("t1"))
    return (
        f"  reddit:\n    base_url: {replay.url}\n    www_url: {replay.url}\n"
        "    client_id: benchmark\n    client_secret: benchmark\n    subreddits: [istanbul]\n"
    )


def atom(things: list[dict[str, Any]]) -> bytes:
    entries = "".join(
        f"<entry><author><name>/u/{t['data']['author']}</name></author>"
        f'<content type="html">{escape(t["data"].get("body", ""))}</content>'
        f"<id>{t['data']['name']}</id>"
        f'<link href="https://www.reddit.com{t["data"]["permalink"]}" />'
        f"<updated>{datetime.fromtimestamp(t['data']['created_utc'], UTC).isoformat()}</updated>"
        f"<title>{escape(t['data'].get('title', 'on a post'))}</title></entry>"
        for t in things
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>r/istanbul</title>{entries}</feed>'.encode()


def install_reddit_rss(replay: ReplayServer, clock: Clock) -> str:
    feed_type = "application/atom+xml; charset=UTF-8"
    replay.add(
        "/r/istanbul/search.rss", conditional(lambda _: atom(reddit_things(clock, "t3")), feed_type)
    )
    replay.add(
        "/r/istanbul/comments.rss",
        conditional(lambda _: atom(reddit_things(clock, "t1")), feed_type),
    )
    return (
        f"  reddit-rss:\n    type: reddit\n    www_url: {replay.url}\n    subreddits: [istanbul]\n"
    )


INSTALLERS: Installers = {
    "x": install_x,
    "youtube": install_youtube,
    "reddit": install_reddit,
    "reddit-rss": install_reddit_rss,
}


if __name__ == "__main__":
    main(INSTALLERS, __doc__)
