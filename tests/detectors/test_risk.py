"""Brand risks, on posts stored (and collected again) through the real store.

The store stamps a post with the time it was collected, so these posts are dated from
the real clock: how fast a post grows is its interactions over the hours until then.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.detect import backtest, detect_once
from monitor.store import Store
from tests.helpers import make_settings, record

SETTINGS = make_settings()
BRAND = "Kahve Durağı"


def ago(**kwargs: float) -> datetime:
    return datetime.now(UTC) - timedelta(**kwargs)


def test_a_widely_seen_complaint_about_you_is_a_risk_once(store: Store) -> None:
    store.save(
        [
            record(
                1,
                ago(hours=5),
                BRAND,
                "neg",
                ("complaint",),
                author="sam_writes",
                followers=154000,
                text="Kahve Durağı charged me twice and support has ignored me for 3 days.",
            ),
            # not risks: few followers and slow, praise, your own post, a competitor's problem
            record(2, ago(hours=5), BRAND, "neg", ("complaint",), followers=40, likes=3),
            record(3, ago(hours=5), BRAND, "pos", followers=90000),
            record(4, ago(hours=5), BRAND, "neg", author="kahveduragi", followers=9000),
            record(5, ago(hours=5), "Demlik", "neg", followers=90000),
        ]
    )

    [alert] = detect_once(store, SETTINGS)

    assert alert.key == "risk:Kahve Durağı:hackernews:1"
    assert alert.title == "High-reach negative post about Kahve Durağı"
    assert alert.summary == (
        "A negative post about Kahve Durağı by sam_writes on Hacker News (154000 followers). "
        "Whether Kahve Durağı answered is unknown: Hacker News shows no replies."
    )
    assert (alert.severity, alert.facts["reach"]) == ("warning", 154000)
    assert alert.posts[0].text.startswith("Kahve Durağı charged me twice")
    assert detect_once(store, SETTINGS) == []
    assert [a.key for a in store.alerts(kind="risk")] == [alert.key]


def test_a_small_post_taking_off_alerts_when_collected_again(store: Store) -> None:
    posted = ago(hours=1)
    small = {"author": "ayse_k", "followers": 300, "text": "Kahve Durağı uygulaması yine çöktü"}
    store.save([record(1, posted, BRAND, "neg", ("complaint",), likes=8, **small)])
    assert detect_once(store, SETTINGS) == []

    store.save([record(1, posted, BRAND, "neg", ("complaint",), likes=230, reposts=41, **small)])
    [alert] = detect_once(store, SETTINGS)

    assert alert.title == "Fast-growing negative post about Kahve Durağı"
    assert "(300 followers, 230 likes, 41 reposts). It gains 271 interactions an hour." in (
        alert.summary
    )
    assert alert.facts["reach"] == 300 + 10 * 271
    assert detect_once(store, SETTINGS) == []


def test_settings_set_what_counts_as_high_reach(store: Store) -> None:
    store.save([record(1, ago(hours=1), BRAND, "neg", followers=2000)])
    sensitive = make_settings("detectors:\n  risk:\n    min_reach: 1000\n")

    assert detect_once(store, SETTINGS) == []
    assert [a.key for a in detect_once(store, sensitive)] == ["risk:Kahve Durağı:hackernews:1"]


def test_backtest_looks_past_the_recent_window(store: Store) -> None:
    store.save([record(1, ago(days=10), BRAND, "neg", followers=80000)])

    assert detect_once(store, SETTINGS) == []  # ten days old: no longer news
    assert len(backtest(store, SETTINGS, since=ago(days=30))["risk"]) == 1
