"""Competitor opportunities, on posts stored through the real store."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from monitor.detect import DetectorsFailed, backtest, detect_once
from monitor.store import Store
from tests.helpers import make_settings, record

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SETTINGS = make_settings()


def ago(**kwargs: float) -> datetime:
    return NOW - timedelta(**kwargs)


def stored_posts(store: Store) -> None:
    store.save(
        [
            # answered by Demlik's own account 30 minutes later
            record(
                1,
                ago(hours=3),
                "Demlik",
                "neg",
                ("complaint",),
                author="mert",
                followers=200,
                text="Demlik Cafe'de kahvem yine soğuk geldi, garson da ilgilenmedi.",
            ),
            record(2, ago(hours=2, minutes=30), "Demlik", author="demlikcafe", parent=1),
            # unanswered, and asking where else to go
            record(
                3,
                ago(hours=1),
                "Demlik",
                "neg",
                ("complaint", "question", "switching"),
                author="zeynep",
                followers=150,
                likes=4,
                text="Demlik'te wifi hiç çalışmıyor, Kadıköy'de çalışmak için başka yer?",
            ),
            # the Greek competitor, a question from a well-followed account
            record(
                4,
                ago(minutes=20),
                "Φρέσκο",
                "neg",
                ("question",),
                author="eleni",
                followers=3000,
                text="Το Φρέσκο Καφέ έκλεισε νωρίς πάλι; Ξέρει κανείς κάτι ανοιχτό;",
            ),
            # not openings: Demlik's own post, a neutral question, a negative post with
            # no complaint intent, a complaint from two days ago, a complaint about you
            record(5, ago(hours=1), "Demlik", "neg", ("complaint",), author="DemlikCafe"),
            record(6, ago(hours=1), "Demlik", "neu", ("question",)),
            record(7, ago(hours=1), "Demlik", "neg"),
            record(8, ago(days=2), "Demlik", "neg", ("complaint",)),
            record(9, ago(hours=1), "Kahve Durağı", "neg", ("complaint",)),
        ]
    )


def test_competitor_complaints_become_opportunities_best_first(store: Store) -> None:
    stored_posts(store)

    alerts = detect_once(store, SETTINGS, NOW)

    # by reach, halved every six hours of age: 3000 followers 20 minutes ago first, then
    # 150 followers and 4 likes an hour ago (reach 190) before 200 followers 3 hours ago
    assert [a.key for a in alerts] == [
        "opportunity:Φρέσκο:hackernews:4",
        "opportunity:Demlik:hackernews:3",
        "opportunity:Demlik:hackernews:1",
    ]
    fresko, zeynep, mert = alerts
    assert fresko.title == "Φρέσκο customer is asking"
    assert zeynep.title == "Demlik customer is leaving"
    assert zeynep.summary == (
        "zeynep wrote about Demlik on Hacker News 60 min ago (switching, question, complaint). "
        "Demlik has not answered, 60 min after the post."
    )
    assert zeynep.facts == {
        "reach": 190,
        "intents": "switching, question, complaint",
        "answered": "no",
    }
    assert mert.title == "Unhappy Demlik customer"
    assert mert.summary.endswith("Demlik answered after 30 min.")
    assert (mert.facts["answered"], mert.facts["minutes_to_answer"]) == ("yes", 30)
    assert [p.answered for p in mert.posts] == [True]
    assert mert.posts[0].text.startswith("Demlik Cafe'de kahvem")
    assert (mert.target, mert.target_kind, mert.severity) == ("Demlik", "competitor", "info")


def test_a_rerun_and_a_later_run_add_nothing(store: Store) -> None:
    stored_posts(store)
    first = detect_once(store, SETTINGS, NOW)

    assert detect_once(store, SETTINGS, NOW) == []
    # the competitor answers later: still the same event, not a new alert
    store.save([record(10, ago(minutes=5), "Demlik", author="demlikcafe", parent=3)])
    assert detect_once(store, SETTINGS, NOW + timedelta(minutes=10)) == []
    assert len(store.alerts(kind="opportunity")) == len(first) == 3


def test_options_narrow_the_openings(store: Store) -> None:
    stored_posts(store)
    settings = make_settings(
        "detectors:\n  opportunity:\n    intents: [switching, question]\n"
        "    unanswered_only: true\n    min_reach: 100\n"
    )

    alerts = detect_once(store, settings, NOW)

    assert [a.key for a in alerts] == [
        "opportunity:Φρέσκο:hackernews:4",
        "opportunity:Demlik:hackernews:3",
    ]


def test_unknown_when_the_source_never_shows_replies(store: Store) -> None:
    store.save([record(1, ago(hours=1), "Demlik", "neg", ("complaint",))])

    [alert] = detect_once(store, SETTINGS, NOW)

    assert alert.summary.endswith(
        "Whether Demlik answered is unknown: Hacker News shows no replies."
    )
    assert "answered" not in alert.facts
    assert alert.posts[0].answered is None


def test_backtest_counts_every_opening_since_then(store: Store) -> None:
    stored_posts(store)

    found = backtest(store, SETTINGS, since=NOW - timedelta(days=30), now=NOW)

    assert len(found["opportunity"]) == 4  # the one from two days ago too
    assert store.alerts() == []


def test_a_failing_detector_never_stops_the_others(store: Store) -> None:
    stored_posts(store)
    with store.engine.begin() as conn:  # a store whose spike counts are missing
        conn.execute(text("DROP TABLE mention_hours"))

    with pytest.raises(DetectorsFailed) as failed:
        detect_once(store, SETTINGS, NOW)

    assert list(failed.value.failures) == ["spike"]
    assert "detector spike failed" in str(failed.value)
    assert len(failed.value.queued) == 3
    assert len(store.alerts(kind="opportunity")) == 3
    assert gc.isenabled()  # the cycle collector is back, failure or not


def test_a_cycle_runs_without_the_cycle_collector_and_leaves_it_as_it_was(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored_posts(store)
    during = []

    def add_alerts(queued: object) -> list:
        during.append(gc.isenabled())
        return Store.add_alerts(store, queued)

    monkeypatch.setattr(store, "add_alerts", add_alerts)
    assert len(detect_once(store, SETTINGS, NOW)) == 3
    assert during == [False]
    assert gc.isenabled()
    gc.disable()  # paused by someone else: left paused
    try:
        detect_once(store, SETTINGS, NOW)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_customer_leaving_is_an_opening_even_when_the_words_score_positive(
    store: Store,
) -> None:
    # VADER reads "loyalty" and "support" as warm words; the intents say what she wants.
    store.save(
        [
            record(
                1,
                ago(hours=1),
                "Demlik",
                "pos",
                ("complaint", "question", "switching"),
                author="ayla",
                text="Any alternative to Demlik Cafe? Their app keeps losing my loyalty stamps.",
            ),
            record(2, ago(hours=1), "Demlik", "pos", ("question",), author="can"),
        ]
    )

    (alert,) = detect_once(store, SETTINGS, NOW)

    assert alert.key == "opportunity:Demlik:hackernews:1"
    assert alert.title == "Demlik customer is leaving"
