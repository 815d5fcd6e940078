"""Invented Bluesky posts about the demo cafés, behind an app-password login."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from monitor.replay import ReplayServer, Reply

HANDLE, PASSWORD = "kulak-demo.bsky.social", "demo-demo-demo-demo"

# (rkey, hours ago, handle, display name, followers, language, text, reply to rkey)
POSTS = [
    (
        "3lbr2a2b3c4d5",
        22,
        "mert.bsky.social",
        "Mert",
        640,
        "tr",
        "Kahve Durağı Beşiktaş'ta kartımdan iki kez ödeme çekildi, iade ne zaman?",
        None,
    ),
    (
        "3lbr2c6d7e8f2",
        21,
        "kahveduragi.bsky.social",
        "Kahve Durağı ☕",
        5120,
        "tr",
        "Kahve Durağı olarak özür dileriz, iadeniz bugün yapıldı 🙏",
        "3lbr2a2b3c4d5",
    ),
    (
        "3lbr3g2h3j4k5",
        7,
        "zeynep.bsky.social",
        "Zeynep",
        150,
        "tr",
        "Demlik Kafe'de çay soğuk geldi, garson da ilgisizdi. Berbat 😡",
        None,
    ),
    (
        "3lbr3m6n7p2q3",
        5,
        "jo.bsky.social",
        "Jo W",
        95,
        "en",
        "Kahve Durağı's new Moda branch has the friendliest baristas in town ☕",
        None,
    ),
    (
        "3lbr4r4s5t6v7",
        2,
        "nikos.bsky.social",
        "Νίκος",
        380,
        "el",
        "Το Φρέσκο Καφέ άργησε πάλι πολύ με την παραγγελία μου. Απογοήτευση.",
        None,
    ),
]


def _did(handle: str) -> str:
    return "did:plc:" + handle.split(".")[0].ljust(24, "x")


def _view(now: datetime, row: tuple) -> dict[str, Any]:
    rkey, hours, handle, name, _, lang, text, reply_to = row
    created = (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "createdAt": created,
        "langs": [lang],
        "text": text,
    }
    if reply_to:
        parent = next(r for r in POSTS if r[0] == reply_to)
        ref = {"uri": f"at://{_did(parent[2])}/app.bsky.feed.post/{reply_to}", "cid": "bafyrei"}
        record["reply"] = {"root": ref, "parent": ref}
    return {
        "uri": f"at://{_did(handle)}/app.bsky.feed.post/{rkey}",
        "cid": f"bafyrei{rkey}",
        "author": {"did": _did(handle), "handle": handle, "displayName": name},
        "record": record,
        "replyCount": 0,
        "repostCount": 1,
        "likeCount": 4,
        "quoteCount": 0,
        "indexedAt": created,
        "labels": [],
    }


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    views = [_view(now, row) for row in reversed(POSTS)]
    followers = {_did(row[2]): row[4] for row in POSTS}

    def login(request: Any) -> Reply:
        body = json.loads(request.body)
        if (body.get("identifier"), body.get("password")) != (HANDLE, PASSWORD):
            return Reply(401, {"error": "AuthenticationRequired", "message": "Invalid password"})
        session = {"did": _did(HANDLE), "handle": HANDLE, "active": True}
        return Reply(200, {**session, "accessJwt": "demo-access", "refreshJwt": "demo-refresh"})

    def search(request: Any) -> Reply:
        term = (request.param("q") or "").lstrip("@#").casefold()
        since = request.param("since") or ""
        found = [
            v
            for v in views
            if term in v["record"]["text"].casefold() and v["record"]["createdAt"] >= since
        ]
        return Reply(200, {"hitsTotal": len(found), "posts": found})

    def profiles(request: Any) -> Reply:
        actors = request.query.get("actors", [])
        found = [{"did": a, "followersCount": followers[a]} for a in actors if a in followers]
        return Reply(200, {"profiles": found})

    replay.add("/xrpc/com.atproto.server.createSession", login, method="POST")
    replay.add("/xrpc/app.bsky.feed.searchPosts", search)
    replay.add("/xrpc/app.bsky.actor.getProfiles", profiles)
    return {"type": "bluesky", "handle": HANDLE, "app_password": PASSWORD}
