"""Invented news about the demo cafés, answered as Google News search feeds per edition."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from monitor.demo.sources.rss import Item, conditional, rss_document
from monitor.replay import ReplayServer

ARTICLE = "https://news.google.com/rss/articles/CBMi{}?oc=5"


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    news = {
        "tr": [
            Item(
                "Kahve Durağı Ankara'ya geliyor: beş yeni şube - Ekonomi Postası",
                ARTICLE.format("a2FodmUtZHVyYWdpLWFua2FyYQ"),
                now - timedelta(hours=6),
                publisher=("Ekonomi Postası", "https://ekonomipostasi.example"),
            ),
            Item(
                "Demlik Kafe üçüncü kez zam yaptı, müşteriler tepkili - İstanbul Gündem",
                ARTICLE.format("ZGVtbGlrLXphbQ"),
                now - timedelta(hours=7),
                publisher=("İstanbul Gündem", "https://istanbulgundem.example"),
            ),
        ],
        "el": [
            Item(
                "Το Φρέσκο Καφέ ανοίγει στη Θεσσαλονίκη - Καθημερινά Νέα",
                ARTICLE.format("ZnJlc2tvLXRoZXNzYWxvbmlraQ"),
                now - timedelta(hours=8),
                publisher=("Καθημερινά Νέα", "https://kathimerina-nea.example"),
            ),
        ],
    }

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
