"""Collector health from the collector state the real store records after each run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.detect import detect_once
from monitor.store import Store
from spiders.items import SourceProblem
from tests.helpers import make_settings

SETTINGS = make_settings("sources:\n  hackernews: {}\n")
T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
REFUSED = SourceProblem("auth_failed", "401 Unauthorized", "https://hn.algolia.com/api/v1/x")


def run(store: Store, minutes: int, *problems: SourceProblem) -> datetime:
    at = T0 + timedelta(minutes=minutes)
    store.record_run("hackernews", problems=list(problems), requests=1, new_posts=0, at=at)
    return at


def health(store: Store, now: datetime) -> list[str]:
    return [alert.key for alert in detect_once(store, SETTINGS, now) if alert.kind == "health"]


def test_a_source_that_keeps_failing_alerts_once_then_once_when_it_recovers(store: Store):
    run(store, 0)  # a good run
    run(store, 15, REFUSED)
    run(store, 30, REFUSED)
    assert health(store, T0 + timedelta(minutes=31)) == []  # two failures may be a blip

    at = run(store, 45, REFUSED)
    [failing] = detect_once(store, SETTINGS, at)
    assert failing.key == "health:hackernews:failing:2026-11-21 08:00 UTC"
    assert failing.title == "Source hackernews keeps failing"
    assert failing.summary == (
        "3 runs of hackernews in a row failed: its credentials were refused "
        "(last success 2026-11-21 08:00 UTC). "
        "Last error: 401 Unauthorized (https://hn.algolia.com/api/v1/x)."
    )
    assert failing.severity == "critical"
    assert failing.facts == {
        "source": "hackernews",
        "status": "auth_failed",
        "consecutive_failures": 3,
        "last_success": "2026-11-21 08:00 UTC",
    }

    for minutes in (60, 75, 90):  # failing for longer is the same event
        assert health(store, run(store, minutes, REFUSED)) == []

    back = run(store, 105)
    [recovered] = detect_once(store, SETTINGS, back)
    assert recovered.key == "health:hackernews:recovered:2026-11-21 08:00 UTC"
    assert recovered.summary == (
        "hackernews collected successfully at 2026-11-21 09:45 UTC after failing "
        "(auth_failed; the success before: 2026-11-21 08:00 UTC)."
    )
    assert health(store, run(store, 120)) == []

    # a new episode later is a new alert
    for minutes in (135, 150, 165):
        run(store, minutes, SourceProblem("malformed", "expected JSON, got HTML"))
    assert health(store, T0 + timedelta(hours=3)) == [
        "health:hackernews:failing:2026-11-21 10:00 UTC"
    ]


def test_rate_limits_pass_and_unconfigured_sources_are_not_watched(store: Store):
    limited = SourceProblem("rate_limited", "429 Too Many Requests")
    for minutes in range(0, 60, 10):
        run(store, minutes, limited)
        store.record_run("old-feed", problems=[REFUSED], requests=1, new_posts=0, at=T0)

    assert health(store, T0 + timedelta(hours=1)) == []
    strict = make_settings(
        "sources:\n  hackernews: {}\ndetectors:\n  health:\n    failures: [rate_limited]\n"
    )
    [alert] = detect_once(store, strict, T0 + timedelta(hours=1))
    assert alert.summary.startswith(
        "6 runs of hackernews in a row failed: the site keeps limiting kulak's requests "
        "(it has never succeeded)."
    )
