"""An invented Istanbul coffee news channel on Telegram, as its t.me/s preview shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from monitor.replay import ReplayServer, Reply

CHANNEL = "istanbulkahve"


@dataclass(frozen=True)
class Message:
    id: int
    when: datetime
    views: str
    text: str


def channel_page(channel: str, messages: list[Message], before: int | None = None) -> str:
    """A t.me/s page: messages oldest first, and the link to older ones when there are."""
    more = (
        f'<a class="tme_messages_more js-messages_more" data-before="{before}" '
        f'href="/s/{channel}?before={before}"></a>'
        if before is not None
        else ""
    )
    body = "".join(
        f'<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        f'<div class="tgme_widget_message js-widget_message" data-post="{channel}/{m.id}">'
        '<div class="tgme_widget_message_bubble">'
        '<div class="tgme_widget_message_author"><a class="tgme_widget_message_owner_name">'
        "<span>İstanbul Kahve Haberleri</span></a></div>"
        f'<div class="tgme_widget_message_text js-message_text">{escape(m.text)}</div>'
        '<div class="tgme_widget_message_info">'
        f'<span class="tgme_widget_message_views">{m.views}</span>'
        '<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date">'
        f'<time datetime="{m.when.isoformat()}"></time></a></span>'
        "</div></div></div></div>"
        for m in messages
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        '<div class="tgme_channel_info"><div class="tgme_channel_info_counter">'
        '<span class="counter_value">8.6K</span> <span class="counter_type">subscribers</span>'
        f'</div></div><section class="tgme_channel_history">{more}{body}</section></body></html>'
    )


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    messages = [
        Message(
            500,
            now - timedelta(hours=20),
            "2.1K",
            "Kahve Durağı Moda şubesi bu hafta sonu açılıyor, ilk kahve ikram ☕",
        ),
        Message(
            501,
            now - timedelta(hours=11),
            "4.7K",
            "Demlik Cafe uygulaması yine çöktü, sadakat puanları silinmiş. "
            "Kullanıcılar çok kızgın.",
        ),
        Message(
            502,
            now - timedelta(hours=6),
            "1.3K",
            "Το Φρέσκο Καφέ φέρνει κρύο καφέ με βρώμη σε όλα τα καταστήματα 🎉",
        ),
    ]
    replay.add(f"/s/{CHANNEL}", Reply(200, channel_page(CHANNEL, messages)))
    return {"type": "telegram", "channels": [CHANNEL]}
