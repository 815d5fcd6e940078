"""The surprise scorer: a tail probability that means the same on every series."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from monitor.analysis.surprise import SurpriseScorer

START = datetime(2025, 3, 3)  # a Monday
FIVE_MINUTES = timedelta(minutes=5)
SPANS = (timedelta(0), timedelta(hours=1), timedelta(hours=4))


def noise(days: int, seed: int = 7) -> list[tuple[datetime, float]]:
    rng = random.Random(seed)
    return [(START + (i + 1) * FIVE_MINUTES, 50 + rng.gauss(0, 5)) for i in range(days * 288)]


def surprises(rows, two_sided: bool = False) -> list[float]:
    scorer = SurpriseScorer(SPANS, two_sided=two_sided)
    return [scorer.step(ts, value, FIVE_MINUTES).surprise for ts, value in rows]


def test_on_plain_noise_a_surprise_of_two_is_about_one_bucket_in_a_hundred():
    scores = surprises(noise(14))[288:]  # after a day of learning

    share = sum(score >= 2 for score in scores) / len(scores)

    # 1% per span tested, less the correction for testing three: about 1% in all
    assert 0.003 < share < 0.02


def test_the_score_does_not_depend_on_the_unit():
    rows = noise(8)
    rows[-30] = (rows[-30][0], 90.0)
    in_thousands = [(ts, value * 1000) for ts, value in rows]

    assert surprises(in_thousands) == pytest.approx(surprises(rows), abs=1e-9)
    assert surprises(rows)[-30] > 5


def test_a_fall_is_surprising_only_when_both_directions_are_asked_for():
    rows = noise(8)
    rows[-30] = (rows[-30][0], 10.0)

    assert surprises(rows)[-30] == 0
    assert surprises(rows, two_sided=True)[-30] > 5


def test_daily_seasonality_is_used_where_the_data_shows_it():
    rng = random.Random(3)
    rows = []
    for i in range(10 * 288):
        ts = START + (i + 1) * FIVE_MINUTES
        busy = 100 if 9 <= ts.hour < 17 else 10  # office hours
        rows.append((ts, busy + rng.gauss(0, 2)))
    scorer = SurpriseScorer(SPANS)

    readings = [scorer.step(ts, value, FIVE_MINUTES) for ts, value in rows]

    assert {r.model for r in readings[-288:]} == {"hour"}
    assert max(r.surprise for r in readings[-288:]) < 3  # every morning's rise is usual


def test_a_flat_metric_is_surprised_by_a_move_in_steps_of_its_resolution_not_infinitely():
    # a gauge that reads 40 or 41 and, for weeks, mostly 40
    rows = [(ts, 41.0 if i % 97 == 0 else 40.0) for i, (ts, _) in enumerate(noise(10))]
    rows[-200] = (rows[-200][0], 43.0)  # three steps up
    rows[-120] = (rows[-120][0], 60.0)  # twenty steps up

    scores = surprises(rows, two_sided=True)

    assert 2 < scores[-200] < 5  # a few decades, not infinitely many
    assert scores[-120] > scores[-200]
    assert max(scores[-60:]) < 3  # four hours later, back at 40: nothing lingers


def test_no_value_is_more_than_ten_decades_surprising():
    rows = noise(8)
    rows[-30] = (rows[-30][0], 1e9)

    assert surprises(rows)[-30] == 10


def test_a_storm_does_not_teach_its_hour_what_is_usual():
    # office hours, and then a storm at three in the morning four nights running: most of
    # that hour's last week is storm, yet storm is not what that hour usually holds
    rng = random.Random(5)
    scorer = SurpriseScorer(SPANS, learn_below=3)
    stormy = {8, 9, 10, 11}
    readings = []
    for i in range(13 * 288):
        ts = START + (i + 1) * FIVE_MINUTES
        value = (100 if 9 <= ts.hour < 17 else 10) + rng.gauss(0, 2)
        if ts.hour == 3 and (ts - START).days in stormy:
            value = 1000.0
        readings.append((ts, scorer.step(ts, value, FIVE_MINUTES)))

    fifth_night = [r for ts, r in readings if (ts - START).days == 12 and ts.hour == 3]
    assert max(r.usuals["hour"] for r in fifth_night) < 20  # not 1000
    assert {r.model for r in fifth_night} == {"hour"}
    office = [r for ts, r in readings if (ts - START).days == 12 and ts.hour == 11]
    assert min(r.usuals["hour"] for r in office) > 90  # what is not a storm is learned
