"""An alert's title and summary in the reader's language: detectors keep the English text
for the store and logs, and the phrases a channel says in Turkish or Greek."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alerts.render import alert_text
from alerts.slack_blocks import render
from alerts.wording import summary, title
from monitor.alert import Alert
from monitor.detect import detect_once
from monitor.i18n import language
from monitor.store import Store
from tests.helpers import make_settings, record

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def found(store: Store) -> dict[str, Alert]:
    store.save(
        [
            record(
                1,
                NOW - timedelta(hours=3),
                "Kahve Durağı",
                "neg",
                ("complaint",),
                "ayse_k",
                followers=20000,
                likes=1200,
            ),
            record(
                2,
                NOW - timedelta(hours=2),
                "Demlik",
                "neg",
                ("complaint", "question"),
                "bora_k",
                text="Demlik yine geç kaldı, başka kafe önerisi?",
            ),
        ]
    )
    detect_once(store, make_settings(), NOW)
    # read back from the store: what a channel gets from the outbox
    return {a.kind: a for a in store.alerts(since=NOW - timedelta(days=1))}


def test_a_risk_and_an_opportunity_in_turkish_and_greek(store: Store) -> None:
    alerts = found(store)
    risk, opportunity = alerts["risk"], alerts["opportunity"]
    # English, as stored and logged, is unchanged
    assert risk.title == "High-reach negative post about Kahve Durağı"
    assert risk.summary.startswith(
        "A negative post about Kahve Durağı by ayse_k on Hacker News (20000 followers, 1200 likes)."
    )

    tr = language("tr")
    assert title(risk, tr) == "Kahve Durağı hakkında geniş erişimli olumsuz gönderi"
    assert summary(risk, tr).startswith(
        "Hacker News üzerinde ayse_k tarafından Kahve Durağı hakkında olumsuz bir gönderi"
        " (20.000 takipçi, 1.200 beğeni)."
    )
    assert summary(risk, tr).endswith(
        "Kahve Durağı yanıt verdi mi bilinmiyor: Hacker News yanıtları göstermiyor."
    )
    mail = alert_text(risk, "Europe/Istanbul", "tr")
    assert mail.startswith("RİSK · Kahve Durağı: Kahve Durağı hakkında geniş erişimli")

    el = language("el")
    assert title(opportunity, el) == "Πελάτης του Demlik ρωτά"
    assert summary(opportunity, el).startswith(
        "bora_k έγραψε για Demlik στο Hacker News πριν από 2 ώ. (ερώτηση, παράπονο)."
    )
    payload = render(opportunity, tz="Europe/Athens", lang=el)
    shown = json.dumps(payload, ensure_ascii=False)
    assert "Πελάτης του Demlik ρωτά" in shown and "wrote about" not in shown


def test_an_alert_stored_before_phrases_keeps_its_english() -> None:
    old = Alert.from_json(
        json.dumps(
            {
                "key": "risk:hackernews:1",
                "kind": "risk",
                "title": "High-reach complaint about Kahve Durağı",
                "summary": "A post by an account with 154k followers.",
                "created_at": NOW.isoformat(),
            }
        )
    )
    assert old.phrases == {}
    text = alert_text(old, "Europe/Istanbul", "tr")
    assert "RİSK: High-reach complaint about Kahve Durağı" in text
    assert "Sonraki adımlar:" in text  # the rest of the mail is Turkish
    again = Alert.from_json(replace(old, phrases={"title": {"msg": "x", "args": {}}}).to_json())
    assert again.phrases == {"title": {"msg": "x", "args": {}}}
