"""Invented X posts about the demo cafés, with a retweet and the brand's own answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from monitor.replay import ReplayServer, Reply
from spiders.x import SNOWFLAKE_EPOCH_MS

USERS = {
    "emre_k": ("Emre K.", 5200),
    "kahveduragi": ("Kahve Durağı", 18400),
    "zeynep": ("Zeynep 🌿", 940),
    "maria_a": ("Μαρία Α.", 1310),
    "levent_dev": ("Levent", 420),
    "can_b": ("Can B.", 77),
}

# (author, hours ago, language, text, replying to the post at this index, retweet of this index)
POSTS: list[tuple[str, float, str, str, int | None, int | None]] = [
    (
        "emre_k",
        4,
        "en",
        "Kahve Durağı Kadıköy: still no power outlets near the windows. Laptop died "
        "in the middle of a call 😤 @kahveduragi",
        None,
        None,
    ),
    (
        "kahveduragi",
        3.5,
        "tr",
        "@emre_k Haklısınız, özür dileriz. Kahve Durağı Kadıköy'e bu hafta priz ekliyoruz.",
        0,
        None,
    ),
    ("zeynep", 6, "tr", "Kahve Durağı'nın yulaf sütlü latte'si bugün de harikaydı ☕️", None, None),
    (
        "maria_a",
        7,
        "el",
        "Το Φρέσκο Καφέ στο Σύνταγμα έχει τον καλύτερο freddo της πόλης 👌",
        None,
        None,
    ),
    (
        "levent_dev",
        9,
        "en",
        "Demlik Cafe's app lost my loyalty stamps again and support never answers. "
        "Looking for another place near Levent.",
        None,
        None,
    ),
    ("can_b", 8.5, "en", "", None, 4),
]


def snowflake(when: datetime, sequence: int) -> str:
    """An X-style id made at `when`, so the spider's seven-day check sees it as recent."""
    return str(((int(when.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS) << 22) + sequence)


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    user_ids = {name: str(1600000000000000000 + n) for n, name in enumerate(USERS)}
    tweets: list[dict[str, Any]] = []
    for index, (author, hours_ago, lang, text, reply_to, retweet_of) in enumerate(POSTS):
        created = now - timedelta(hours=hours_ago)
        tweet: dict[str, Any] = {
            "id": snowflake(created, index),
            "author_id": user_ids[author],
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "lang": lang,
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": 2 * index,
                "quote_count": 0,
                "impression_count": 150 * (index + 1),
            },
        }
        if reply_to is not None:
            parent = tweets[reply_to]
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
            tweet["conversation_id"] = parent["id"]
        if retweet_of is not None:
            original = tweets[retweet_of]
            tweet["referenced_tweets"] = [{"type": "retweeted", "id": original["id"]}]
            handle = next(n for n, i in user_ids.items() if i == original["author_id"])
            text = f"RT @{handle}: {original['text']}"
            original["public_metrics"]["retweet_count"] += 1
        tweet["text"] = text
        tweets.append(tweet)
    users = [
        {
            "id": user_ids[name],
            "username": name,
            "name": display,
            "public_metrics": {"followers_count": followers},
        }
        for name, (display, followers) in USERS.items()
    ]
    newest_first = sorted(tweets, key=lambda t: int(t["id"]), reverse=True)

    def search(request: Any) -> Reply:
        since = int(request.param("since_id") or 0)
        found = [t for t in newest_first if int(t["id"]) > since]
        if not found:
            return Reply(200, {"meta": {"result_count": 0}})
        meta = {
            "newest_id": found[0]["id"],
            "oldest_id": found[-1]["id"],
            "result_count": len(found),
        }
        return Reply(
            200, {"data": found, "includes": {"users": users, "tweets": tweets}, "meta": meta}
        )

    replay.add("/2/tweets/search/recent", search)
    return {"type": "x", "bearer_token": "demo-bearer-token"}
