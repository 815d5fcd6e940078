"""A new process reads each target's spike replay back from the store instead of feeding
four weeks of hours to a new detector, and finds what a fresh replay finds; a saved replay
from other code, other settings, or not made by kulak is never used."""

from __future__ import annotations

import base64
import pickle
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.analysis.spikes import SpikeDetector
from monitor.detect import detect_once
from monitor.detectors import spike
from monitor.detectors.base import Context
from monitor.detectors.spike import NegativeSpike
from monitor.store import Store
from tests.helpers import burst, make_settings, quiet_days

START = datetime(2026, 11, 16, tzinfo=UTC)
SPIKE_HOUR = START + timedelta(days=4, hours=9)
SETTINGS = make_settings()
KEY = "spike:Kahve Durağı:2026-11-20T09"
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _new_process():
    spike.forget_replays()
    yield
    spike.forget_replays()


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The hours every spike detector is fed, from now on."""
    fed: list[datetime] = []
    step = SpikeDetector.step

    def counted(self, ts, value, total=None):
        fed.append(ts)
        return step(self, ts, value, total)

    monkeypatch.setattr(SpikeDetector, "step", counted)
    return fed


def test_a_new_process_carries_on_from_the_saved_replay(store: Store, steps) -> None:
    store.save(quiet_days(START, 5))
    detect_once(store, SETTINGS, SPIKE_HOUR)  # four days of hours replayed, then saved
    store.save(burst(SPIKE_HOUR, 25, first_id=1000))
    steps.clear()
    spike.forget_replays()  # as `kulak detect --once` starts

    alerts = detect_once(store, SETTINGS, SPIKE_HOUR + timedelta(hours=1, minutes=5))

    assert [a.key for a in alerts] == [KEY]
    assert len(steps) == 2  # the finished spike hour, and the unfinished one after it


def test_a_replay_saved_with_other_settings_is_not_used(store: Store, steps) -> None:
    store.save(quiet_days(START, 5))
    detect_once(store, SETTINGS, SPIKE_HOUR)
    spike.forget_replays()
    steps.clear()

    other = make_settings("detectors:\n  spike:\n    cooldown_hours: 3\n")
    detect_once(store, other, SPIKE_HOUR + timedelta(minutes=5))

    assert len(steps) > 24 * 4  # replayed from the counts


def test_a_planted_replay_runs_nothing_and_is_replaced(store: Store, tmp_path: Path) -> None:
    store.save(quiet_days(START, 5))
    store.save(burst(SPIKE_HOUR, 25, first_id=1000))
    detect_once(store, SETTINGS, SPIKE_HOUR)
    name = spike.SAVED + "Kahve Durağı"
    saved = store.detector_states(name)[name]
    planted = tmp_path / "planted"
    payload = pickle.dumps(_Planted(str(planted)))
    store.save_detector_states({name: {**saved, "detector": spike._packed(payload)}})
    spike.forget_replays()

    alerts = detect_once(store, SETTINGS, SPIKE_HOUR + timedelta(hours=1, minutes=5))

    assert not planted.exists()
    assert [a.key for a in alerts] == [KEY]


class _Planted:
    """What a hostile row could hold: unpickling it would write a file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def resumed_then_afresh(store: Store, detector, options, steps) -> tuple[list, int, list, int]:
    """Alerts and hours fed, five minutes past the spike hour: resumed from what was kept,
    then replayed from scratch with nothing kept to read back."""
    later = Context(store, SETTINGS, SPIKE_HOUR + timedelta(minutes=5))
    steps.clear()
    resumed = detector.detect(later, options)
    fed = len(steps)
    spike.forget_replays()
    store.save_detector_states({spike.SAVED + "Kahve Durağı": {}})  # nothing to read back
    steps.clear()
    afresh = detector.detect(later, options)
    return resumed, fed, afresh, len(steps)


def test_posts_collected_late_replay_from_a_checkpoint(store: Store, steps) -> None:
    """A late burst into a finished hour is judged again from the checkpoint before it,
    and found as a replay from the start finds it."""
    store.save(quiet_days(START, 5))
    detector, options = NegativeSpike(), NegativeSpike.Options()
    detector.detect(Context(store, SETTINGS, SPIKE_HOUR - 4 * HOUR), options)
    detector.detect(Context(store, SETTINGS, SPIKE_HOUR), options)  # 06:00 kept on the way
    store.save(burst(SPIKE_HOUR - 3 * HOUR, 25, first_id=1000))  # collected late
    resumed, fed, afresh, _ = resumed_then_afresh(store, detector, options, steps)

    assert [a.key for a in resumed] == ["spike:Kahve Durağı:2026-11-20T06"]
    assert resumed == afresh
    assert fed <= 4  # 06:00 (its checkpoint) to 09:00 and the unfinished hour


def test_a_new_process_replays_late_posts_from_the_saved_checkpoint(store: Store, steps) -> None:
    """The saved replay keeps its oldest checkpoint (two days back at most): posts collected
    late are replayed from it, not from the first day, and found as a fresh replay finds."""
    store.save(quiet_days(START, 5))
    detector, options = NegativeSpike(), NegativeSpike.Options()
    detector.detect(Context(store, SETTINGS, SPIKE_HOUR), options)
    store.save(burst(SPIKE_HOUR - 3 * HOUR, 25, first_id=1000))  # collected late
    spike.forget_replays()  # a new process
    resumed, fed, afresh, fed_afresh = resumed_then_afresh(store, detector, options, steps)

    assert [a.key for a in resumed] == ["spike:Kahve Durağı:2026-11-20T06"]
    assert resumed == afresh
    assert fed <= 46 < fed_afresh  # from 12:00 two days before, not from the first hour


def test_a_planted_checkpoint_runs_nothing(store: Store, tmp_path: Path) -> None:
    store.save(quiet_days(START, 5))
    detector, options = NegativeSpike(), NegativeSpike.Options()
    detector.detect(Context(store, SETTINGS, SPIKE_HOUR), options)
    name = spike.SAVED + "Kahve Durağı"
    saved = store.detector_states(name)[name]
    planted = tmp_path / "planted"
    payload = base64.b64encode(zlib.compress(pickle.dumps(_Planted(str(planted))))).decode()
    store.save_detector_states({name: {**saved, "anchor": [saved["anchor"][0], payload]}})
    store.save(burst(SPIKE_HOUR - 3 * HOUR, 25, first_id=1000))  # collected late
    spike.forget_replays()

    alerts = detector.detect(Context(store, SETTINGS, SPIKE_HOUR + timedelta(minutes=5)), options)

    assert not planted.exists()
    assert [a.key for a in alerts] == ["spike:Kahve Durağı:2026-11-20T06"]
