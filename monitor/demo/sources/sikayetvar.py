"""Invented Şikayetvar complaints about the demo cafés, one answered by the brand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from html import escape
from typing import Any

from monitor.replay import ReplayServer, Reply
from spiders.base import ISTANBUL
from spiders.sikayetvar import MONTHS

MONTH_NAMES = {number: name.capitalize() for name, number in MONTHS.items()}

# brand slug, complaint slug, author, hours ago, title, text, brand's answer (hours ago, text)
COMPLAINTS = [
    (
        "kahve-duragi",
        "siparisim-eksik-geldi",
        "Elif S.",
        7,
        "Kahve Durağı Siparişim Eksik Geldi",
        "Uygulamadan iki filtre kahve ve bir simit söyledim, simit gelmedi. "
        "Kurye de bilmiyorum dedi. Çok kötü bir deneyim.",
        (5, "Merhaba Elif Hanım, eksik ürün için özür dileriz. Tutarı iade ettik."),
    ),
    (
        "demlik-cafe",
        "sadakat-kartimdaki-puanlar-silindi",
        "Burak T.",
        9,
        "Demlik Cafe Sadakat Kartımdaki Puanlar Silindi",
        "Uygulama güncellendi, biriken 14 damgam sıfırlandı. Üç kez yazdım, cevap yok. Rezalet.",
        None,
    ),
]


def _turkish(when: datetime) -> str:
    local = when.astimezone(ISTANBUL)
    return f"{local.day} {MONTH_NAMES[local.month]} {local.year} {local:%H:%M}"


def _list_page(brand: str, now: datetime) -> str:
    cards = "".join(
        f'<article class="card-v2"><div class="profile-details">'
        f'<span class="username">{escape(author)}</span> '
        f'<span class="time">{hours} saat önce</span></div>'
        f'<h2 class="complaint-title"><a class="complaint-layer" href="/{brand}/{slug}">'
        f"{escape(title)}</a></h2>"
        f'<p class="complaint-description">{escape(text[:60])}...</p></article>'
        for b, slug, author, hours, title, text, _ in COMPLAINTS
        if b == brand
    )
    return (
        '<!DOCTYPE html><html lang="tr"><head><meta charset="utf-8"></head><body>'
        f'<div class="complaint-list">{cards}</div>'
        '<ul class="pagination"><li class="active"><a href="?page=1">1</a></li></ul>'
        "</body></html>"
    )


def _complaint_page(complaint: tuple, now: datetime) -> str:
    brand, slug, author, hours, title, text, answer = complaint
    published = now - timedelta(hours=hours)
    data = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "headline": title,
        "url": f"https://www.sikayetvar.com/{brand}/{slug}",
        "mainEntity": {
            "@type": "Article",
            "articleBody": text,
            "datePublished": published.astimezone(ISTANBUL).isoformat(),
            "author": {"@type": "Person", "name": author},
        },
    }
    answers = ""
    if answer is not None:
        answered = now - timedelta(hours=answer[0])
        answers = (
            '<div class="complaint-answer-container" data-id="answer-1">'
            f'<span class="time" title="{_turkish(answered)}">{answer[0]} saat önce</span>'
            f'<div class="complaint-answer"><p>{escape(answer[1])}</p></div></div>'
        )
    return (
        '<!DOCTYPE html><html lang="tr"><head><meta charset="utf-8">'
        '<script type="application/ld+json">'
        f"{json.dumps(data, ensure_ascii=False)}</script></head><body>"
        f'<main class="complaint-detail"><h1 class="complaint-title">{escape(title)}</h1>'
        '<span class="js-view-count">312</span>'
        f'<section class="complaint-answers">{answers}</section></main></body></html>'
    )


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    brands = sorted({c[0] for c in COMPLAINTS})
    for brand in brands:
        replay.add(f"/{brand}", Reply(200, _list_page(brand, now)))
    for complaint in COMPLAINTS:
        replay.add(f"/{complaint[0]}/{complaint[1]}", Reply(200, _complaint_page(complaint, now)))
    return {"type": "sikayetvar", "brands": brands}
