"""Invented App Store reviews of the demo cafés' apps, in Apple's customer-reviews JSON."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from monitor.replay import ReplayServer, Reply

#: Apple writes review times in Cupertino's offset
PACIFIC = timezone(timedelta(hours=-8))

APPS = {"1580000001": "Kahve Durağı", "1580000002": "Demlik Kafe"}

#: (app id, store country, review id, hours ago, stars, author, title, review)
REVIEWS = [
    ("1580000001", "tr", 1, 2, 5, "selin_k", "Çok pratik", "Mobil sipariş harika, sıra yok ☕"),
    (
        "1580000001",
        "tr",
        2,
        30,
        2,
        "kahvesever34",
        "Puanlar gitti",
        "Güncellemeden sonra sadakat puanlarım sıfırlandı.",
    ),
    (
        "1580000002",
        "tr",
        3,
        5,
        1,
        "dev_mert",
        "Damgalar kayboluyor",
        "Uygulama damgalarımı yine sildi, destek cevap vermiyor. Çok kötü.",
    ),
    (
        "1580000001",
        "gr",
        4,
        9,
        4,
        "Νίκος Π.",
        "Καλή εφαρμογή",
        "Εύκολη παραγγελία, αλλά λείπουν τα ελληνικά στο μενού.",
    ),
]


def review_entry(
    review_id: int, updated: datetime, stars: int, author: str, title: str, text: str
) -> dict[str, Any]:
    """One review as Apple writes it: every value wrapped in {"label": ...}."""
    return {
        "author": {"name": {"label": author}, "label": ""},
        "updated": {"label": updated.astimezone(PACIFIC).isoformat(timespec="seconds")},
        "im:rating": {"label": str(stars)},
        "im:version": {"label": "4.2.0"},
        "id": {"label": str(review_id)},
        "title": {"label": title},
        "content": {"label": text, "attributes": {"type": "text"}},
        "im:voteSum": {"label": "0"},
        "im:voteCount": {"label": "0"},
    }


def reviews_path(app: str, country: str, page: int = 1) -> str:
    return f"/{country}/rss/customerreviews/page={page}/id={app}/sortby=mostrecent/json"


def reviews_page(
    app: str, country: str, entries: list[dict[str, Any]], last: int = 1
) -> dict[str, Any]:
    """A page of reviews whose links say how many pages there are."""
    href = "https://itunes.apple.com" + reviews_path(app, country, last).replace("/json", "/xml")
    return {"feed": {"link": [{"attributes": {"rel": "last", "href": href}}], "entry": entries}}


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    pages: dict[tuple[str, str], list[dict[str, Any]]] = {}
    # Most recent first, as sortby=mostrecent answers.
    for app, country, review_id, hours, stars, author, title, text in sorted(
        REVIEWS, key=lambda review: review[3]
    ):
        entry = review_entry(
            11300000100 + review_id, now - timedelta(hours=hours), stars, author, title, text
        )
        pages.setdefault((app, country), []).append(entry)
    for app in APPS:
        for country in ("tr", "gr"):
            replay.add(
                reviews_path(app, country),
                Reply(200, reviews_page(app, country, pages.get((app, country), []))),
            )
    return {"type": "appstore", "apps": APPS, "countries": ["tr", "gr"]}
