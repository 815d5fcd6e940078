"""Invented Bluesky posts about the demo cafés, behind an app-password login."""

from __future__ import annotations

import json
from collections.abc import Callable
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


def did_for(handle: str) -> str:
    return "did:plc:" + handle.split(".")[0].ljust(24, "x")


def post_view(now: datetime, row: tuple) -> dict[str, Any]:
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
        ref = {"uri": f"at://{did_for(parent[2])}/app.bsky.feed.post/{reply_to}", "cid": "bafyrei"}
        record["reply"] = {"root": ref, "parent": ref}
    return {
        "uri": f"at://{did_for(handle)}/app.bsky.feed.post/{rkey}",
        "cid": f"bafyrei{rkey}",
        "author": {"did": did_for(handle), "handle": handle, "displayName": name},
        "record": record,
        "replyCount": 0,
        "repostCount": 1,
        "likeCount": 4,
        "quoteCount": 0,
        "indexedAt": created,
        "labels": [],
    }


class Server:
    """A Bluesky server as an app-password account sees it: sessions whose access token
    can expire, searchPosts newest first with `since` (inclusive, on the earlier of
    createdAt and indexedAt) and an offset cursor, getProfiles for up to 25 actors.
    `finds(query, text)` says whether a search finds a post; `posts` may grow."""

    def __init__(
        self,
        replay: ReplayServer,
        posts: list[dict[str, Any]],
        profiles: list[dict[str, Any]],
        login: tuple[str, str] = (HANDLE, PASSWORD),
        finds: Callable[[str, str], bool] = lambda query, text: True,
    ) -> None:
        self.posts, self.profiles = list(posts), {p["did"]: p for p in profiles}
        self.account, self.finds = login, finds
        self.issued = 0
        self.access: str | None = None
        self.refresh: str | None = None
        replay.add("/xrpc/com.atproto.server.createSession", self.login, method="POST")
        replay.add("/xrpc/com.atproto.server.refreshSession", self.renew, method="POST")
        replay.add("/xrpc/app.bsky.feed.searchPosts", self.search)
        replay.add("/xrpc/app.bsky.actor.getProfiles", self.profile_views)

    def new_session(self) -> Reply:
        self.issued += 1
        self.access, self.refresh = f"access-{self.issued}", f"refresh-{self.issued}"
        handle = self.account[0]
        session = {"did": did_for(handle), "handle": handle, "active": True}
        return Reply(200, {**session, "accessJwt": self.access, "refreshJwt": self.refresh})

    def expire_access(self) -> None:
        self.access = "expired"

    def login(self, request: Any) -> Reply:
        body = json.loads(request.body)
        if (body.get("identifier"), body.get("password")) != self.account:
            error = {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
            return Reply(401, error)
        return self.new_session()

    def renew(self, request: Any) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.refresh}":
            return Reply(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
        return self.new_session()

    def refused(self, request: Any) -> Reply | None:
        token = request.headers.get("authorization")
        if token is None:
            return Reply(401, {"error": "AuthMissing", "message": "Authentication Required"})
        if token != f"Bearer {self.access}":
            return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return None

    def search(self, request: Any) -> Reply:
        refused = self.refused(request)
        if refused:
            return refused
        query, since = request.param("q") or "", request.param("since") or ""
        found = [
            p for p in self.posts if _sort_at(p) >= since and self.finds(query, p["record"]["text"])
        ]
        found.sort(key=_sort_at, reverse=True)
        start, limit = int(request.param("cursor") or 0), int(request.param("limit") or 25)
        answer: dict[str, Any] = {"hitsTotal": len(found), "posts": found[start : start + limit]}
        if start + limit < len(found):
            answer["cursor"] = str(start + limit)
        return Reply(200, answer, {"RateLimit-Limit": "3000", "RateLimit-Remaining": "2990"})

    def profile_views(self, request: Any) -> Reply:
        refused = self.refused(request)
        if refused:
            return refused
        actors = request.query.get("actors", [])
        if len(actors) > 25:
            error = "actors must not have more than 25 elements"
            return Reply(400, {"error": "InvalidRequest", "message": error})
        return Reply(200, {"profiles": [self.profiles[a] for a in actors if a in self.profiles]})


def _sort_at(view: dict[str, Any]) -> str:
    return min(view["record"]["createdAt"], view["indexedAt"])


def names_term(query: str, text: str) -> bool:
    """A crude search: the query, without its @ or #, appears in the text."""
    return query.lstrip("@#").casefold() in text.casefold()


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    views = [post_view(now, row) for row in POSTS]
    profiles = [
        {"did": did_for(handle), "handle": handle, "followersCount": followers}
        for _, _, handle, _, followers, *_ in POSTS
    ]
    Server(replay, views, profiles, finds=names_term)
    return {"type": "bluesky", "handle": HANDLE, "app_password": PASSWORD}
