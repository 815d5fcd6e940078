"""Invented Hacker News threads about the demo cafés."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from monitor.replay import ReplayServer, Reply

COMMENTS = [
    (
        "ayse_k",
        3,
        "Kahve Durağı in Kadıköy has no power outlets near the windows. Two hours in, "
        "laptop dead, nobody cared when I asked. Not coming back.",
    ),
    ("nikos_p", 5, "Fresko Cafe on Ermou finally fixed their wifi, great place to work now."),
    (
        "dev_mert",
        8,
        "Anyone know an alternative to Demlik Cafe near Levent? Their app keeps "
        "losing my loyalty stamps and support never answers.",
    ),
    ("selin", 26, "Kahve Durağı's oat latte is honestly the best in Istanbul."),
    ("jo_w", 30, "Demlik Cafe was fine I guess, nothing special."),
]


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    hits = []
    for index, (author, hours_ago, text) in enumerate(COMMENTS):
        created = now - timedelta(hours=hours_ago)
        hits.append(
            {
                "_tags": ["comment", f"author_{author}", "story_42000000"],
                "author": author,
                "comment_text": text,
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "created_at_i": int(created.timestamp()),
                "objectID": str(42000001 + index),
                "parent_id": 42000000,
                "points": None,
                "story_id": 42000000,
                "story_title": "Ask HN: Where do you work from in Istanbul and Athens?",
            }
        )

    def search(request: Any) -> Reply:
        query = (request.param("query") or "").casefold()
        since = int((request.param("numericFilters") or "created_at_i>0").split(">")[1])
        found = [
            h
            for h in hits
            if h["created_at_i"] > since and query.split()[0] in h["comment_text"].casefold()
        ]
        return Reply(
            200,
            {
                "hits": found,
                "nbHits": len(found),
                "page": 0,
                "nbPages": 1,
                "hitsPerPage": 50,
                "query": request.param("query"),
            },
        )

    replay.add("/api/v1/search_by_date", search)
    return {"type": "hackernews"}
