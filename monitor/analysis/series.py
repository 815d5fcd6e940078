"""Rolling statistics over a time series, bounded by time rather than by row count.

Bounding by time keeps a baseline meaning "the last week" whatever the bucket width is.
"""

from __future__ import annotations

import bisect
from collections import deque
from datetime import datetime, timedelta


class RollingMedian:
    """Median (and any quantile) of the values seen within `span` of the newest one."""

    def __init__(self, span: timedelta) -> None:
        self.span = span
        self._arrivals: deque[tuple[datetime, float]] = deque()
        self._sorted: list[float] = []

    def __len__(self) -> int:
        return len(self._sorted)

    def add(self, ts: datetime, value: float) -> None:
        self._arrivals.append((ts, value))
        bisect.insort(self._sorted, value)

    def expire(self, now: datetime) -> None:
        """Forget values older than `span` before `now`."""
        while self._arrivals and self._arrivals[0][0] <= now - self.span:
            _, value = self._arrivals.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, value)]

    def clear(self) -> None:
        self._arrivals.clear()
        self._sorted.clear()

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


class RollingSum:
    """Sum of the values seen within `span` of the newest one."""

    def __init__(self, span: timedelta) -> None:
        self.span = span
        self._arrivals: deque[tuple[datetime, float]] = deque()
        self.total = 0.0

    def add(self, ts: datetime, value: float) -> None:
        self._arrivals.append((ts, value))
        self.total += value

    def expire(self, now: datetime) -> None:
        while self._arrivals and self._arrivals[0][0] <= now - self.span:
            self.total -= self._arrivals.popleft()[1]

    def clear(self) -> None:
        self._arrivals.clear()
        self.total = 0.0
