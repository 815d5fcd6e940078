"""Rolling statistics over a time series, bounded by time rather than by row count.

Bounding by time keeps a baseline meaning "the last week" whatever the bucket width is.

A live detector's state is pickled every cycle, so these keep arrival times as integer
microseconds (not datetime objects, each pickled as an object of its own) and pickle as
two packed arrays: a quarter of the bytes, and read back without building an object per
value. The sorted copy a median keeps is rebuilt from the values, not stored.
"""

from __future__ import annotations

import bisect
import statistics
from array import array
from collections import deque
from datetime import datetime, timedelta
from typing import Any

_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def _micros(ts: datetime) -> int:
    """`ts` as integer microseconds of its wall clock, as datetime compares two times of one
    zone: exact, so "older than the span" never rounds."""
    return (ts.replace(tzinfo=None) - _EPOCH) // _MICROSECOND


class _Rolling:
    """Values with their arrival times, forgotten `span` after they arrived."""

    def __init__(self, span: timedelta) -> None:
        self.span = span
        self._span = span // _MICROSECOND
        self._times: deque[int] = deque()
        self._values: deque[float] = deque()

    def __len__(self) -> int:
        return len(self._values)

    def _add(self, ts: datetime, value: float) -> None:
        self._times.append(_micros(ts))
        self._values.append(value)

    def _expired(self, now: datetime) -> list[float]:
        """Forget the values older than `span` before `now`, and return them."""
        times, values, gone = self._times, self._values, []
        if not times:
            return gone
        oldest = _micros(now) - self._span
        while times and times[0] <= oldest:
            times.popleft()
            gone.append(values.popleft())
        return gone

    def clear(self) -> None:
        self._times.clear()
        self._values.clear()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_times"] = array("q", self._times).tobytes()
        state["_values"] = array("d", self._values).tobytes()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        times, values = array("q"), array("d")
        times.frombytes(state.pop("_times"))
        values.frombytes(state.pop("_values"))
        self.__dict__.update(state, _times=deque(times), _values=deque(values))


class RollingMedian(_Rolling):
    """Median (and any quantile) of the values seen within `span` of the newest one."""

    def __init__(self, span: timedelta) -> None:
        super().__init__(span)
        self._sorted: list[float] = []

    def add(self, ts: datetime, value: float) -> None:
        self._add(ts, value)
        bisect.insort(self._sorted, value)

    def expire(self, now: datetime) -> None:
        """Forget values older than `span` before `now`."""
        for value in self._expired(now):
            del self._sorted[bisect.bisect_left(self._sorted, value)]

    def clear(self) -> None:
        super().clear()
        self._sorted.clear()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        del state["_sorted"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._sorted = sorted(self._values)

    def scale(self, factor: float, before: datetime) -> None:
        """Multiply the values that arrived before `before` by `factor` (above 0)."""
        edge = _micros(before)
        self._values = deque(
            v * factor if t < edge else v for t, v in zip(self._times, self._values, strict=True)
        )
        self._sorted = sorted(self._values)

    def sum_lowest(self, count: int) -> float:
        """The sum of the `count` lowest values (a trimmed sum, which bursts do not move)."""
        return sum(self._sorted[:count])

    def median(self) -> float:
        values = self._sorted
        middle = len(values) // 2
        if len(values) % 2:
            return values[middle]
        return (values[middle - 1] + values[middle]) / 2

    def quantile(self, share: float) -> float:
        """The value below which `share` of the values lie, interpolating between ranks."""
        values = self._sorted
        position = share * (len(values) - 1)
        below = int(position)
        above = min(below + 1, len(values) - 1)
        return values[below] + (values[above] - values[below]) * (position - below)


class RollingSum(_Rolling):
    """Sum of the values seen within `span` of the newest one."""

    def __init__(self, span: timedelta) -> None:
        super().__init__(span)
        self.total = 0.0

    def add(self, ts: datetime, value: float) -> None:
        self._add(ts, value)
        self.total += value

    def expire(self, now: datetime) -> None:
        for value in self._expired(now):
            self.total -= value

    def clear(self) -> None:
        super().clear()
        self.total = 0.0


class RollingRange:
    """Highest and lowest of the values seen within `span` of the newest one.

    Each side keeps only the values that a later one has not beaten (a monotonic queue), so
    it holds a handful of values, not the whole span."""

    def __init__(self, span: timedelta) -> None:
        self.span = span
        self._span = span // _MICROSECOND
        self._high: deque[tuple[int, float]] = deque()
        self._low: deque[tuple[int, float]] = deque()

    def __len__(self) -> int:
        return len(self._high)

    def add(self, ts: datetime, value: float) -> None:
        now = _micros(ts)
        while self._high and self._high[-1][1] <= value:
            self._high.pop()
        self._high.append((now, value))
        while self._low and self._low[-1][1] >= value:
            self._low.pop()
        self._low.append((now, value))

    def expire(self, now: datetime) -> None:
        oldest = _micros(now) - self._span
        for side in (self._high, self._low):
            while side and side[0][0] <= oldest:
                side.popleft()

    def high(self) -> float:
        return self._high[0][1]

    def low(self) -> float:
        return self._low[0][1]


class Cadence:
    """A series' usual gap between rows: the median of its last `KEPT` gaps.

    Not the shortest gap seen: one early or repeated row, as sensors that report at uneven
    times send, would make "the last hour" count many more rows than an hour holds, for
    good. Not a gap over the whole series either, which live running cannot know."""

    KEPT = 63

    def __init__(self) -> None:
        self._gaps: deque[float] = deque(maxlen=self.KEPT)  # in seconds
        self._last: datetime | None = None

    def add(self, ts: datetime) -> None:
        """Take the next row's time; a row not after the last one is no gap."""
        if self._last is None or ts > self._last:
            if self._last is not None:
                self._gaps.append((ts - self._last).total_seconds())
            self._last = ts

    def width(self, default: timedelta) -> timedelta:
        """The usual gap, or `default` before there is one."""
        return timedelta(seconds=statistics.median(self._gaps)) if self._gaps else default
