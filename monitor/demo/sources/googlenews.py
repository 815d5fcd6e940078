"""Invented news about the demo cafés, answered as Google News search feeds per edition."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from monitor.demo.sources.rss import Item, conditional, rss_document
from monitor.replay import ReplayServer

ARTICLE = "https://news.google.com/rss/articles/CBMi{}?oc=5"


#: (edition language, "Headline - Publisher", article slug, hours ago, publisher's site)
NEWS = [
    (
        "tr",
        "Kahve Durağı Ankara'ya geliyor: beş yeni şube - Ekonomi Postası",
        "a2FodmUtZHVyYWdpLWFua2FyYQ",
        6,
        "https://ekonomipostasi.example",
    ),
    (
        "tr",
        "Demlik Kafe üçüncü kez zam yaptı, müşteriler tepkili - İstanbul Gündem",
        "ZGVtbGlrLXphbQ",
        7,
        "https://istanbulgundem.example",
    ),
    (
        "el",
        "Το Φρέσκο Καφέ ανοίγει στη Θεσσαλονίκη - Καθημερινά Νέα",
        "ZnJlc2tvLXRoZXNzYWxvbmlraQ",
        8,
        "https://kathimerina-nea.example",
    ),
]


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    news: dict[str, list[Item]] = {}
    for lang, title, slug, hours, site in NEWS:
        publisher = (title.rpartition(" - ")[2], site)
        item = Item(title, ARTICLE.format(slug), now - timedelta(hours=hours), publisher=publisher)
        news.setdefault(lang, []).append(item)

    def search(request: Any) -> bytes:
        words = (request.param("q") or "").strip('"').casefold().split()
        found = [
            item
            for item in news.get(request.param("hl") or "", [])
            if words and all(word in item.title.casefold() for word in words)
        ]
        return rss_document(f"{request.param('q')} - Google News", found)

    replay.add("/rss/search", conditional(search, "application/xml; charset=UTF-8"))
    return {"type": "googlenews", "editions": [{"hl": "tr", "gl": "TR"}, {"hl": "el", "gl": "GR"}]}
