"""Invented Mastodon statuses about the demo cafés, served as hashtag timelines."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from monitor.replay import ReplayServer, Reply

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


def _status(now: datetime, row: tuple) -> dict[str, Any]:
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


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    statuses = [_status(now, row) for row in STATUSES]
    for tag in {row[6] for row in STATUSES}:

        def timeline(request: Any, tag: str = tag) -> Reply:
            since = int(request.param("min_id") or 0)
            tagged = [s for s in reversed(statuses) if s["tags"][0]["name"] == tag]
            return Reply(200, [s for s in tagged if int(s["id"]) > since])

        replay.add(f"/api/v1/timelines/tag/{quote(tag)}", timeline)
    return {"type": "mastodon"}
