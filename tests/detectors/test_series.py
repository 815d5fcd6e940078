"""Rolling statistics bounded by time, and their state read back from a pickle."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.analysis.series import Cadence, RollingMedian, RollingRange, RollingSum

HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    "start",
    [
        datetime(2025, 3, 29, 12),
        datetime(2025, 3, 29, 12, tzinfo=UTC),
        datetime(2025, 3, 29, 12, tzinfo=ZoneInfo("Europe/Istanbul")),
        datetime(2025, 3, 29, 22, tzinfo=ZoneInfo("Europe/Athens")),  # over a clock change
    ],
)
def test_values_older_than_the_span_are_forgotten_exactly_at_its_end(start: datetime) -> None:
    median, total = RollingMedian(6 * HOUR), RollingSum(6 * HOUR)
    for hour in range(10):
        for rolling in (median, total):
            rolling.expire(start + hour * HOUR)
            rolling.add(start + hour * HOUR, float(hour))

    # hours 4..9 remain: a value exactly six hours old is gone
    assert (len(median), median.median(), median.quantile(0.0)) == (6, 6.5, 4.0)
    assert (len(total), total.total) == (6, 39.0)


def test_a_pickled_rolling_statistic_carries_on_as_if_never_pickled() -> None:
    start = datetime(2025, 3, 3, tzinfo=UTC)
    kept, copied = RollingMedian(24 * HOUR), None
    sums = RollingSum(24 * HOUR)
    for minute in range(0, 3 * 24 * 60, 7):
        ts, value = start + timedelta(minutes=minute), (minute * 37 % 101) / 7
        for rolling in (kept, sums) if copied is None else (kept, sums, *copied):
            rolling.expire(ts)
            rolling.add(ts, value)
        if minute == 7 * 24 * 6:  # a day in: read back a copy and feed both on
            copied = pickle.loads(pickle.dumps((kept, sums), protocol=pickle.HIGHEST_PROTOCOL))
    assert copied is not None
    median, total = copied

    assert [median.quantile(q) for q in (0.1, 0.5, 0.99)] == [
        kept.quantile(q) for q in (0.1, 0.5, 0.99)
    ]
    assert (len(median), median.sum_lowest(20)) == (len(kept), kept.sum_lowest(20))
    assert (len(total), total.total) == (len(sums), sums.total)


def test_the_pickle_holds_each_value_in_a_few_bytes() -> None:
    median = RollingMedian(28 * 24 * HOUR)
    start = datetime(2025, 3, 3, tzinfo=ZoneInfo("Europe/Istanbul"))
    for hour in range(28 * 24):
        median.add(start + hour * HOUR, hour / 3)

    # a time and a value, eight bytes each; the sorted copy is rebuilt, not stored
    assert len(pickle.dumps(median, protocol=pickle.HIGHEST_PROTOCOL)) < 17 * 28 * 24


def test_a_rolling_range_holds_the_highest_and_lowest_of_its_span() -> None:
    start = datetime(2025, 3, 3, tzinfo=UTC)
    seen = RollingRange(6 * HOUR)
    for hour, value in enumerate([5.0, 9.0, 1.0, 7.0, 3.0, 8.0, 2.0, 6.0, 4.0]):
        seen.expire(start + hour * HOUR)
        seen.add(start + hour * HOUR, value)

    # hours 3..8 remain: 7, 3, 8, 2, 6, 4; the 9 and the 1 have gone
    assert (seen.high(), seen.low()) == (8.0, 2.0)
    assert len(seen) < 6  # a value beaten by a later one is not kept


def test_the_usual_gap_is_the_median_not_the_shortest_and_follows_a_new_cadence() -> None:
    cadence, minute = Cadence(), timedelta(minutes=1)
    assert cadence.width(HOUR) == HOUR  # no gap yet
    ts = datetime(2025, 9, 1)
    for gap in [5, 10, 1, 5, 15, 5, 5, 0, 5] * 3:  # uneven readings, one repeated row
        ts += gap * minute
        cadence.add(ts)

    assert cadence.width(HOUR) == 5 * minute

    for _ in range(Cadence.KEPT // 2 + 1):
        ts += 10 * minute
        cadence.add(ts)

    assert cadence.width(HOUR) == 10 * minute
