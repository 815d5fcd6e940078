"""Live cycles of the opportunity and risk detectors carry their choice on from cycle to
cycle: they read what changed, never the whole window again, and answer as if they had."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.analysis.complaints import forget_choices
from monitor.detect import detect_once
from monitor.detectors.base import Context
from monitor.detectors.opportunity import Opportunity
from monitor.store import Store
from tests.helpers import make_settings, record

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SETTINGS = make_settings()


@pytest.fixture(autouse=True)
def _new_process():
    forget_choices()
    yield
    forget_choices()


def window_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The targets of each read of a whole window of negative mentions, from now on."""
    reads: list[str] = []
    whole_window = store.mentions_between

    def counted(*args, **kwargs):
        if kwargs.get("label") == "neg":
            reads.append(",".join(kwargs["targets"]))
        return whole_window(*args, **kwargs)

    monkeypatch.setattr(store, "mentions_between", counted)
    return reads


def test_a_later_cycle_reads_only_what_changed(store: Store, monkeypatch) -> None:
    store.save([record(1, NOW - timedelta(hours=1), "Demlik", "neg", ("complaint",))])
    store.save([record(2, NOW - timedelta(hours=1), "Demlik", "neg")])  # no intent yet
    assert [a.key for a in detect_once(store, SETTINGS, NOW)] == ["opportunity:Demlik:hackernews:1"]
    reads = window_reads(store, monkeypatch)

    store.save(
        [
            record(2, NOW - timedelta(hours=1), "Demlik", "neg", ("question",)),  # edited
            record(3, NOW - timedelta(minutes=5), "Demlik", "neg", ("switching",)),
            record(4, NOW - timedelta(minutes=5), "Kahve Durağı", "neg", ("complaint",)),
        ]
    )
    later = detect_once(store, SETTINGS, NOW + timedelta(minutes=15))

    assert sorted(a.key for a in later) == [
        "opportunity:Demlik:hackernews:2",
        "opportunity:Demlik:hackernews:3",
    ]
    assert reads == []


def test_a_choice_not_queued_follows_edits_and_the_window(store: Store) -> None:
    """Run without queueing (as a preview would), a choice is carried unalerted: an edit
    that takes the complaint back, or time passing it by, drops it."""
    options = Opportunity.Options()
    store.save(
        [
            record(1, NOW - timedelta(hours=1), "Demlik", "neg", ("complaint",)),
            record(2, NOW - timedelta(hours=20), "Demlik", "neg", ("complaint",)),
        ]
    )
    first = Opportunity().detect(Context(store, SETTINGS, NOW), options)
    assert sorted(a.key.rsplit(":", 1)[1] for a in first) == ["1", "2"]

    store.save([record(1, NOW - timedelta(hours=1), "Demlik", "pos")])  # taken back
    later = Opportunity().detect(Context(store, SETTINGS, NOW + timedelta(hours=5)), options)

    assert later == []


def test_a_new_process_reads_only_the_posts_not_alerted_yet(store: Store, monkeypatch) -> None:
    for n in (1, 2):
        store.save([record(n, NOW - timedelta(hours=n), "Demlik", "neg", ("complaint",))])
    assert len(detect_once(store, SETTINGS, NOW)) == 2
    forget_choices()  # as `kulak detect --once` starts
    store.save([record(3, NOW - timedelta(minutes=5), "Demlik", "neg", ("complaint",))])
    read: list[str] = []
    whole_window = store.mentions_between

    def counted(*args, **kwargs):
        for post, mention in whole_window(*args, **kwargs):
            read.append(f"{mention['target']}/{post['external_id']}")
            yield post, mention

    monkeypatch.setattr(store, "mentions_between", counted)

    later = detect_once(store, SETTINGS, NOW + timedelta(minutes=15))

    assert [a.key for a in later] == ["opportunity:Demlik:hackernews:3"]
    assert read == ["Demlik/3"]
