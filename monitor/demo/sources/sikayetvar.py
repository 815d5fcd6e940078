"""Invented Şikayetvar complaints about the demo cafés, one answered by the brand."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from monitor.replay import ReplayServer, Reply
from spiders.parsing import ISTANBUL
from spiders.sikayetvar import MONTHS

MONTH_NAMES = {number: name.capitalize() for name, number in MONTHS.items()}


@dataclass(frozen=True)
class Complaint:
    """A complaint as the demo and the benchmark publish it."""

    path: str  # <brand>/<title-slug>
    author: str
    published: datetime
    title: str
    text: str
    answer: tuple[datetime, str] | None = None  # the brand's, when it has answered


def turkish_date(when: datetime) -> str:
    """How Şikayetvar writes an absolute time: "20 Kasım 2026 14:05", Istanbul's."""
    local = when.astimezone(ISTANBUL)
    return f"{local.day} {MONTH_NAMES[local.month]} {local.year} {local:%H:%M}"


def list_page(complaints: list[Complaint], page: int = 1, pages: int = 1) -> str:
    """A brand's complaint list page, newest first, with its pagination."""
    cards = "".join(
        f'<article class="card-v2"><div class="profile-details">'
        f'<span class="username">{escape(c.author)}</span> '
        f'<span class="time">{turkish_date(c.published)}</span></div>'
        f'<h2 class="complaint-title"><a class="complaint-layer" href="/{c.path}">'
        f"{escape(c.title)}</a></h2>"
        f'<p class="complaint-description">{escape(c.text[:60])}...</p></article>'
        for c in complaints
    )
    active = ' class="active"'
    links = "".join(
        f'<li{active if n == page else ""}><a href="?page={n}">{n}</a></li>'
        for n in range(1, pages + 1)
    )
    return (
        '<!DOCTYPE html><html lang="tr"><head><meta charset="utf-8"></head><body>'
        f'<div class="complaint-list">{cards}</div><ul class="pagination">{links}</ul>'
        "</body></html>"
    )


def complaint_page(complaint: Complaint) -> str:
    """A complaint page: the JSON-LD with the full text, and the brand's answer if any."""
    data = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "headline": complaint.title,
        "url": f"https://www.sikayetvar.com/{complaint.path}",
        "mainEntity": {
            "@type": "Article",
            "articleBody": complaint.text,
            "datePublished": complaint.published.astimezone(ISTANBUL).isoformat(),
            "author": {"@type": "Person", "name": complaint.author},
        },
    }
    answers = ""
    if complaint.answer is not None:
        answered, text = complaint.answer
        answers = (
            '<div class="complaint-answer-container" data-id="answer-1">'
            f'<span class="time" title="{turkish_date(answered)}"></span>'
            f'<div class="complaint-answer"><p>{escape(text)}</p></div></div>'
        )
    return (
        '<!DOCTYPE html><html lang="tr"><head><meta charset="utf-8">'
        '<script type="application/ld+json">'
        f"{json.dumps(data, ensure_ascii=False)}</script></head><body>"
        f'<main class="complaint-detail"><h1 class="complaint-title">{escape(complaint.title)}</h1>'
        '<span class="js-view-count">312</span>'
        f'<section class="complaint-answers">{answers}</section></main></body></html>'
    )


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    complaints = [
        Complaint(
            "kahve-duragi/siparisim-eksik-geldi",
            "Elif S.",
            now - timedelta(hours=7),
            "Kahve Durağı Siparişim Eksik Geldi",
            "Uygulamadan iki filtre kahve ve bir simit söyledim, simit gelmedi. "
            "Kurye de bilmiyorum dedi. Çok kötü bir deneyim.",
            (
                now - timedelta(hours=5),
                "Merhaba Elif Hanım, eksik ürün için özür dileriz. Tutarı iade ettik.",
            ),
        ),
        Complaint(
            "demlik-cafe/sadakat-kartimdaki-puanlar-silindi",
            "Burak T.",
            now - timedelta(hours=9),
            "Demlik Cafe Sadakat Kartımdaki Puanlar Silindi",
            "Uygulama güncellendi, biriken 14 damgam sıfırlandı. Üç kez yazdım, cevap yok. "
            "Rezalet.",
        ),
    ]
    brands = sorted({c.path.split("/")[0] for c in complaints})
    for brand in brands:
        mine = [c for c in complaints if c.path.startswith(f"{brand}/")]
        replay.add(f"/{brand}", Reply(200, list_page(mine)))
    for complaint in complaints:
        replay.add(f"/{complaint.path}", Reply(200, complaint_page(complaint)))
    return {"type": "sikayetvar", "brands": brands}
