"""Opportunities come from people: a headline or a broadcast channel is no one to answer.
How alerts name authors and sources: as each source shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.render import alert_text
from alerts.slack_blocks import render
from monitor.detect import detect_once
from monitor.registry import spider_classes
from monitor.store import Store
from tests.helpers import make_settings, record

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def post_on(source: str, n: int, author: str, name: str | None = None, **details):
    made = record(n, NOW - timedelta(hours=2), "Demlik", "neg", ("complaint",), author, **details)
    made.post.source = source
    made.post.author_name = name
    return made


@pytest.mark.parametrize(
    ("source", "people"),
    [
        ("googlenews", False),
        ("rss", False),
        ("telegram", False),
        ("appstore", True),
        ("eksisozluk", True),
        ("reddit", True),
        ("hackernews", True),
        ("sikayetvar", True),
        ("x", True),
    ],
)
def test_every_source_says_whether_its_authors_are_people(source, people):
    assert spider_classes()[source].authors_are_people is people
    assert spider_classes()[source].display_name


def test_news_and_channels_are_no_opportunity_people_are(store: Store):
    text = "Demlik Kafe üçüncü kez zam yaptı, müşteriler şikayetçi"
    store.save(
        [
            post_on("googlenews", 1, "", "İstanbul Gündem", text=text),
            post_on("telegram", 2, "istanbulkahve", "İstanbul Kahve Haberleri", text=text),
            post_on("eksisozluk", 3, "levent beyaz yaka", text="demlik cafe berbat"),
            post_on("appstore", 4, "", "Kahve Sever 34", text="Demlik app keeps crashing"),
        ]
    )

    found = detect_once(store, make_settings(), NOW)

    opportunities = {a.posts[0].source: a for a in found if a.kind == "opportunity"}
    assert sorted(opportunities) == ["appstore", "eksisozluk"]
    eksi, appstore = opportunities["eksisozluk"], opportunities["appstore"]
    assert eksi.summary.startswith("levent beyaz yaka wrote about Demlik on Ekşi Sözlük 2 h ago")
    assert appstore.summary.startswith("Kahve Sever 34 wrote about Demlik on App Store 2 h ago")
    assert "Whether Demlik answered is unknown: App Store shows no replies." in appstore.summary

    mail = alert_text(eksi)
    assert "- levent beyaz yaka · 10 followers · Ekşi Sözlük ·" in mail
    assert "@levent" not in mail
    blocks = render(appstore)["blocks"]
    buttons = [b for b in blocks if b["type"] == "actions"]
    assert buttons[0]["elements"][0]["text"]["text"] == "Open on App Store to reply"
    context = next(b for b in blocks if b["type"] == "context")["elements"][0]["text"]
    assert context.startswith("*Kahve Sever 34* · 10 followers · App Store ·")


def test_handles_are_written_as_their_source_writes_them(store: Store):
    store.save(
        [
            post_on("reddit", 1, "bora_k", text="Demlik Cafe lost my order"),
            post_on("x", 2, "levent_dev", "Levent", text="Demlik Cafe app is broken"),
        ]
    )

    found = detect_once(store, make_settings(), NOW)

    posts = {a.posts[0].source: a.posts[0] for a in found if a.kind == "opportunity"}
    assert posts["reddit"].author_shown == "u/bora_k"
    assert posts["x"].author_shown == "Levent (@levent_dev)"
