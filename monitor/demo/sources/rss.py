"""An invented café blog (RSS 2.0) and a Greek coffee site (Atom) about the demo cafés."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from monitor.replay import ReplayServer, Reply


@dataclass(frozen=True)
class Item:
    title: str
    link: str
    published: datetime
    description: str = ""
    creator: str | None = None
    publisher: tuple[str, str] | None = None  # (name, url) of an RSS <source>


def rss_document(title: str, items: list[Item]) -> bytes:
    """An RSS 2.0 feed as feed hosts write it (also Google News' shape)."""
    parts = []
    for item in items:
        extra = f"<dc:creator>{escape(item.creator)}</dc:creator>" if item.creator else ""
        if item.publisher:
            name, url = item.publisher
            extra += f"<source url={quoteattr(url)}>{escape(name)}</source>"
        parts.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f'<guid isPermaLink="false">{escape(item.link)}</guid>'
            f"<pubDate>{format_datetime(item.published)}</pubDate>"
            f"<description>{escape(item.description)}</description>{extra}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(title)}</title>{''.join(parts)}</channel></rss>"
    ).encode()


def atom_document(title: str, updated: datetime, entries: list[Item]) -> bytes:
    parts = [
        f"<entry><title>{escape(e.title)}</title><id>{escape(e.link)}</id>"
        f"<link href={quoteattr(e.link)}/><updated>{e.published.isoformat()}</updated>"
        f'<content type="html">{escape(e.description)}</content>'
        f"<author><name>{escape(e.creator or '')}</name></author></entry>"
        for e in entries
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><updated>{updated.isoformat()}</updated>"
        f"{''.join(parts)}</feed>"
    ).encode()


def conditional(document: Callable[[Any], bytes], content_type: str) -> Callable[[Any], Reply]:
    """Answers 304 to a poll that already has this version, as feed hosts do."""

    def answer(request: Any) -> Reply:
        body = document(request)
        etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, {"ETag": etag, "Content-Type": content_type})

    return answer


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    blog = "https://kahve-notlari.example/2026/"
    posts = [
        Item(
            "Demlik Kafe'de sadakat kartı karmaşası",
            blog + "demlik-kart",
            now - timedelta(hours=5),
            "<p>Demlik Kafe uygulaması yine damgalarımı <b>sildi</b>. "
            "Destek hattı cevap vermiyor.</p>",
            "Ayşe Kaya",
        ),
        Item(
            "Kahve Durağı's new Moda branch",
            blog + "moda",
            now - timedelta(hours=9),
            "<p>Kahve Durağı opened in Moda: bright, friendly staff &amp; "
            "a great filter coffee.</p>",
            "Jo Walker",
        ),
    ]
    athens = "https://kafeneia.example/"
    entries = [
        Item(
            "Φρέσκο Καφέ: μεγάλη αναμονή",
            athens + "41",
            now - timedelta(hours=4),
            "<p>Στο Φρέσκο Καφέ περίμενα 25 λεπτά για έναν freddo. Πολύ αργό σέρβις.</p>",
            "Νίκος Π.",
        ),
    ]
    blog_feed = rss_document("Kahve Notları", posts)
    athens_feed = atom_document("Καφενεία της Αθήνας", now, entries)
    replay.add("/feed/", conditional(lambda _: blog_feed, "application/rss+xml"))
    replay.add("/atom.xml", conditional(lambda _: athens_feed, "application/atom+xml"))
    return {"type": "rss", "feeds": ["/feed/", "/atom.xml"]}
