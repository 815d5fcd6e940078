"""Hourly mention counts: kept up to date from the posts changed since the last refresh,
always equal to counting every stored mention again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.store import Store, schema
from tests.helpers import record

HOUR = timedelta(hours=1)
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def counted_from_scratch(store: Store) -> dict:
    """What a first refresh of a copy would find: drop the counts and count everything."""
    with store.engine.begin() as conn:
        conn.execute(schema.mention_hours.delete())
        conn.execute(schema.detector_state.delete())
    store.refresh_mention_hours()
    return store.mention_hours(T0 - 24 * HOUR, ["Kahve Durağı", "Demlik"])


def test_refresh_counts_what_changed_and_matches_a_full_count(store: Store) -> None:
    store.save(
        [
            record(1, T0 + timedelta(minutes=5), "Kahve Durağı", "neg"),
            record(2, T0 + timedelta(minutes=50), "Kahve Durağı", "pos"),
            record(3, T0 + HOUR, "Demlik", "neg"),  # the first instant of the next hour
            record(4, T0, "Kahve Durağı", "neg", author="kahveduragi", by_target=True),
        ]
    )
    first = store.refresh_mention_hours()
    assert first == {"Kahve Durağı": {T0}, "Demlik": {T0 + HOUR}}
    assert store.mention_hours(T0, ["Kahve Durağı", "Demlik", "Φρέσκο"]) == {
        "Kahve Durağı": {T0: (2, 1)},  # the brand's own post is not a mention
        "Demlik": {T0 + HOUR: (1, 1)},
    }
    assert store.refresh_mention_hours() == {}  # nothing new

    store.save(
        [
            record(2, T0 + timedelta(minutes=50), "Kahve Durağı", "neg"),  # scored again
            record(5, T0 - 20 * HOUR, "Demlik", "neg"),  # collected late
        ]
    )
    assert store.refresh_mention_hours() == {
        "Kahve Durağı": {T0},
        "Demlik": {T0 - 20 * HOUR},
    }
    kept = store.mention_hours(T0 - 24 * HOUR, ["Kahve Durağı", "Demlik"])
    assert kept == {
        "Kahve Durağı": {T0: (2, 2)},
        "Demlik": {T0 - 20 * HOUR: (1, 1), T0 + HOUR: (1, 1)},
    }
    assert kept == counted_from_scratch(store)


def test_an_empty_store_has_nothing_to_count(store: Store) -> None:
    assert store.refresh_mention_hours() == {}
    assert store.mention_hours(T0, ["Kahve Durağı"]) == {}
