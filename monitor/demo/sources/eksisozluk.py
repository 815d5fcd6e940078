"""Invented Ekşi Sözlük topics about the demo cafés, one page each."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from monitor.replay import ReplayServer, Reply
from spiders.base import ISTANBUL

# topic path, title, entries: (id, author, favourites, hours ago, text)
TOPICS = [
    (
        "kahve-duragi--7012345",
        "kahve durağı",
        [
            (152000101, "moda sakini", 6, 28, "salepli latte kışın en iyi sebebi, tavsiye ederim."),
            (152000102, "sessiz okur", 2, 10, "çalışmak için sakin bir yer, çalışanlar ilgili."),
        ],
    ),
    (
        "demlik-cafe--7054321",
        "demlik cafe",
        [
            (
                152000201,
                "levent beyaz yaka",
                4,
                6,
                "sadakat uygulaması damgalarımı sildi, destek hattı cevap vermiyor. berbat.",
            ),
        ],
    ),
]


def _date(when: datetime) -> str:
    return f"{when.astimezone(ISTANBUL):%d.%m.%Y %H:%M}"


def _page(title: str, entries: list[tuple], now: datetime) -> str:
    items = "".join(
        f'<li data-id="{entry_id}" data-author="{escape(author)}" '
        f'data-favorite-count="{favourites}"><div class="content">{escape(text)}</div>'
        f'<footer><a class="entry-date permalink" href="/entry/{entry_id}">'
        f"{_date(now - timedelta(hours=hours))}</a></footer></li>"
        for entry_id, author, favourites, hours, text in entries
    )
    return (
        '<!DOCTYPE html><html lang="tr"><head><meta charset="utf-8"></head><body>'
        f'<h1 id="title" data-title="{escape(title)}">{escape(title)}</h1>'
        f'<ul id="entry-item-list">{items}</ul></body></html>'
    )


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    for path, title, entries in TOPICS:
        replay.add(f"/{path}", Reply(200, _page(title, entries, now)))
    return {"type": "eksisozluk", "topics": [path for path, _, _ in TOPICS]}
