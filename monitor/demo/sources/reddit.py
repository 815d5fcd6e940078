"""Invented Reddit posts and comments about the demo cafés, through the OAuth API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from monitor.replay import ReplayServer, Reply
from spiders.reddit import TOKEN_PATH

SUBREDDITS = ["istanbul", "greece"]

# (kind, id, subreddit, author, hours ago, title or None, text, post it belongs to)
THINGS: list[tuple[str, str, str, str, float, str | None, str, str | None]] = [
    (
        "t3",
        "1demo01",
        "istanbul",
        "deniz_ist",
        7,
        "Kadıköy'de ders çalışmak için sessiz kafe?",
        "Kahve Durağı mı Demlik Kafe mi daha sakin? Hafta içi öğleden sonra gideceğim.",
        None,
    ),
    (
        "t1",
        "mdemo02",
        "istanbul",
        "bora_k",
        6,
        None,
        "Demlik Kafe'nin uygulaması yine çöktü, puanlarım silindi. Kahve Durağı daha rahat.",
        "1demo01",
    ),
    (
        "t3",
        "1demo03",
        "greece",
        "katerina_m",
        10,
        "Φρέσκο Καφέ στο Σύνταγμα",
        "Ο καλύτερος freddo της Αθήνας, αλλά πάντα γεμάτο το πρωί ☕",
        None,
    ),
]


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    posts, comments = [], []
    for kind, thing_id, subreddit, author, hours_ago, title, text, post in THINGS:
        created = (now - timedelta(hours=hours_ago)).timestamp()
        link = f"/r/{subreddit}/comments/{post or thing_id}/demo/"
        data: dict[str, Any] = {
            "subreddit": subreddit,
            "name": f"{kind}_{thing_id}",
            "id": thing_id,
            "author": author,
            "score": 4,
            "edited": False,
            "created_utc": created,
        }
        if kind == "t3":
            data |= {"title": title, "selftext": text, "num_comments": 1, "permalink": link}
            posts.append({"kind": kind, "data": data})
        else:
            data |= {
                "body": text,
                "link_id": f"t3_{post}",
                "parent_id": f"t3_{post}",
                "permalink": f"{link}{thing_id}/",
            }
            comments.append({"kind": kind, "data": data})

    def listing(children: list[dict[str, Any]]) -> dict[str, Any]:
        return {"kind": "Listing", "data": {"after": None, "children": children}}

    token = {"access_token": "demo-token", "token_type": "bearer", "expires_in": 86400}
    replay.add(TOKEN_PATH, Reply(200, token), method="POST")
    scope = "/r/" + "+".join(SUBREDDITS)
    replay.add(f"{scope}/search", Reply(200, listing(posts)))
    replay.add(f"{scope}/comments", Reply(200, listing(comments)))
    return {
        "type": "reddit",
        "www_url": replay.url,
        "client_id": "demo-app",
        "client_secret": "demo-secret",
        "subreddits": SUBREDDITS,
    }
