"""Invented Mastodon statuses about the demo cafés, served as hashtag timelines."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from monitor.replay import ReplayServer, Reply
from spiders.mastodon import id_order

HOST = "mastodon.social"

# (id offset, hours ago, username, display name, followers, language, tag, HTML, reply to)
STATUSES = [
    (
        1,
        20,
        "ayse",
        "Ayşe K.",
        214,
        "tr",
        "kahveduragi",
        "<p>Kahve Durağı Moda şubesinde sipariş 25 dakika gecikti, soğuk geldi 😞</p>",
        None,
    ),
    (
        2,
        19,
        "kahveduragi",
        "Kahve Durağı ☕",
        5120,
        "tr",
        "kahveduragi",
        "<p>@ayse Çok özür dileriz Ayşe Hanım, bir sonraki kahveniz bizden. "
        "Moda ekibiyle konuştuk. #kahveduragi</p>",
        1,
    ),
    (
        3,
        6,
        "selin",
        "Selin",
        860,
        "en",
        "kahveduragi",
        "<p>The new cardamom latte at Kahve Durağı is wonderful, lovely staff too ✨</p>",
        None,
    ),
    (
        4,
        4,
        "dev_mert",
        "Mert",
        430,
        "en",
        "demlikcafe",
        "<p>Demlik Cafe charged my card twice. Terrible support, never answers. Looking for "
        "an alternative near Levent. #demlikcafe</p>",
        None,
    ),
    (
        5,
        3,
        "eleni",
        "Ελένη",
        310,
        "el",
        "φρέσκοκαφέ",
        "<p>Στο Φρέσκο Καφέ περίμενα μισή ώρα για έναν freddo. Απαράδεκτο 😠</p>",
        None,
    ),
]


def status(now: datetime, row: tuple) -> dict[str, Any]:
    offset, hours, user, name, followers, lang, tag, html, reply_to = row
    status_id = str(115600000000000000 + offset)
    created = now - timedelta(hours=hours)
    return {
        "id": status_id,
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "in_reply_to_id": str(115600000000000000 + reply_to) if reply_to else None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": lang,
        "uri": f"https://{HOST}/users/{user}/statuses/{status_id}",
        "url": f"https://{HOST}/@{user}/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 2,
        "edited_at": None,
        "content": html,
        "reblog": None,
        "account": {
            "id": str(109000000000000000 + offset),
            "username": user,
            "acct": user,
            "display_name": name,
            "followers_count": followers,
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": tag, "url": f"https://{HOST}/tags/{tag}"}],
        "emojis": [],
    }


class Timeline:
    """One hashtag's timeline as a Mastodon instance (or a fork) answers it: newest first,
    `limit` at most, `max_id` for older pages, `min_id` for the page just newer, a Link
    header for both. `post()` publishes more statuses (tests and benchmarks)."""

    def __init__(self, replay: ReplayServer, tag: str, statuses: list[dict[str, Any]]) -> None:
        self.replay, self.path, self.statuses = replay, f"/api/v1/timelines/tag/{quote(tag)}", []
        self.post(*statuses)
        replay.add(self.path, self.answer)

    def post(self, *statuses: dict[str, Any]) -> None:
        self.statuses = sorted(
            [*self.statuses, *statuses], key=lambda s: id_order(s["id"]), reverse=True
        )

    def answer(self, request: Any) -> Reply:
        limit = int(request.param("limit") or 20)
        if request.param("min_id"):
            since = id_order(request.param("min_id"))
            page = [s for s in self.statuses if id_order(s["id"]) > since][-limit:]
        else:
            below = id_order(request.param("max_id") or "z" * 40)
            page = [s for s in self.statuses if id_order(s["id"]) < below][:limit]
        if not page:
            return Reply(200, [])
        url = f"{self.replay.url}{self.path}?limit={limit}"
        older, newer_id = page[-1]["id"], page[0]["id"]
        link = f'<{url}&max_id={older}>; rel="next", <{url}&min_id={newer_id}>; rel="prev"'
        return Reply(200, page, {"Link": link})


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    statuses = [status(now, row) for row in STATUSES]
    for tag in sorted({row[6] for row in STATUSES}):
        Timeline(replay, tag, [s for s in statuses if s["tags"][0]["name"] == tag])
    return {"type": "mastodon"}
