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


def read(store: Store, minutes: int, items: int, skipped: int, example: str | None = None):
    at = T0 + timedelta(minutes=minutes)
    store.record_run(
        "hackernews",
        problems=[],
        requests=1,
        new_posts=0,
        items=items,
        skipped=skipped,
        skip_example=example,
        at=at,
    )
    return at


def test_a_jump_in_skipped_items_asks_whether_the_format_changed(store: Store):
    read(store, 0, items=50, skipped=1, example="KeyError: 'author'")
    read(store, 15, items=50, skipped=1, example="KeyError: 'author'")
    read(store, 30, items=0, skipped=0)  # nothing read: the last reading stands
    assert health(store, read(store, 45, items=48, skipped=2)) == []  # as usual

    example = "KeyError: 'created_at_i'; the item starts '{\"objectID\": \"41\"}' (https://x/)"
    at = read(store, 60, items=40, skipped=22, example=example)
    [alert] = [a for a in detect_once(store, SETTINGS, at) if a.kind == "health"]

    assert alert.key == "health-skips:hackernews:2026-11-21"
    assert alert.title == "Source hackernews skips items it cannot read: format changed?"
    assert alert.summary == (
        "22 of 40 items in hackernews's last run could not be read and were skipped "
        f"(55%; usually 2%); the rest were stored. One example: {example}."
    )
    assert alert.facts == {"source": "hackernews", "status": "skipping", "skipped": 22, "items": 40}
    # The same day's runs skipping as much are the same event.
    assert health(store, read(store, 75, items=40, skipped=22, example=example)) == []
    state = store.state("hackernews")
    assert state["status"] == "ok" and state["skip_example"] == example


def test_a_few_skipped_items_are_no_alert_however_small_the_run(store: Store):
    assert health(store, read(store, 0, items=2, skipped=2, example="ValueError: x")) == []
