"""Invented Ekşi Sözlük topics about the demo cafés, one page each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from monitor.replay import ReplayServer, Reply
from spiders.parsing import ISTANBUL


@dataclass(frozen=True)
class Entry:
    id: int
    author: str
    favourites: int
    when: datetime
    text: str


def topic_page(title: str, entries: list[Entry], page: int = 1, pages: int = 1) -> str:
    """One page of a topic: its entries oldest first, and the pager."""
    items = "".join(
        f'<li data-id="{e.id}" data-author="{escape(e.author)}" '
        f'data-favorite-count="{e.favourites}"><div class="content">{escape(e.text)}</div>'
        f'<footer><a class="entry-date permalink" href="/entry/{e.id}">'
        f"{e.when.astimezone(ISTANBUL):%d.%m.%Y %H:%M}</a></footer></li>"
        for e in entries
    )
    return (
        '<!DOCTYPE html><html lang="tr"><head><meta charset="utf-8"></head><body>'
        f'<h1 id="title" data-title="{escape(title)}">{escape(title)}</h1>'
        f'<div class="pager" data-currentpage="{page}" data-pagecount="{pages}"></div>'
        f'<ul id="entry-item-list">{items}</ul></body></html>'
    )


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    topics = {
        "kahve-duragi--7012345": (
            "kahve durağı",
            [
                Entry(
                    152000101,
                    "moda sakini",
                    6,
                    now - timedelta(hours=28),
                    "salepli latte kışın en iyi sebebi, tavsiye ederim.",
                ),
                Entry(
                    152000102,
                    "sessiz okur",
                    2,
                    now - timedelta(hours=10),
                    "çalışmak için sakin bir yer, çalışanlar ilgili.",
                ),
            ],
        ),
        "demlik-cafe--7054321": (
            "demlik cafe",
            [
                Entry(
                    152000201,
                    "levent beyaz yaka",
                    4,
                    now - timedelta(hours=6),
                    "sadakat uygulaması damgalarımı sildi, destek hattı cevap vermiyor. berbat.",
                ),
            ],
        ),
    }
    for path, (title, entries) in topics.items():
        replay.add(f"/{path}", Reply(200, topic_page(title, entries)))
    return {"type": "eksisozluk", "topics": list(topics)}
