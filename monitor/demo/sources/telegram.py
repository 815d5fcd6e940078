"""An invented Istanbul coffee news channel on Telegram, as its t.me/s preview shows it."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from monitor.replay import ReplayServer, Reply

CHANNEL = "istanbulkahve"

# hours ago, views, text
MESSAGES = [
    (20, "2.1K", "Kahve Durağı Moda şubesi bu hafta sonu açılıyor, ilk kahve ikram ☕"),
    (
        11,
        "4.7K",
        "Demlik Cafe uygulaması yine çöktü, sadakat puanları silinmiş. Kullanıcılar çok kızgın.",
    ),
    (6, "1.3K", "Το Φρέσκο Καφέ φέρνει κρύο καφέ με βρώμη σε όλα τα καταστήματα 🎉"),
]


def _page(now: datetime) -> str:
    messages = "".join(
        f'<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        f'<div class="tgme_widget_message js-widget_message" data-post="{CHANNEL}/{500 + n}">'
        '<div class="tgme_widget_message_bubble">'
        '<div class="tgme_widget_message_author"><a class="tgme_widget_message_owner_name">'
        "<span>İstanbul Kahve Haberleri</span></a></div>"
        f'<div class="tgme_widget_message_text js-message_text">{escape(text)}</div>'
        '<div class="tgme_widget_message_info">'
        f'<span class="tgme_widget_message_views">{views}</span>'
        '<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date">'
        f'<time datetime="{(now - timedelta(hours=hours)).isoformat()}"></time></a></span>'
        "</div></div></div></div>"
        for n, (hours, views, text) in enumerate(MESSAGES)
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        '<div class="tgme_channel_info"><div class="tgme_channel_info_counter">'
        '<span class="counter_value">8.6K</span> <span class="counter_type">subscribers</span>'
        f'</div></div><section class="tgme_channel_history">{messages}</section></body></html>'
    )


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    replay.add(f"/s/{CHANNEL}", Reply(200, _page(now)))
    return {"type": "telegram", "channels": [CHANNEL]}
