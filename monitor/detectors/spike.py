"""Negative spike detector: is this bucket's count far above what is usual for this hour?

A pure, streaming library. It is fed one bucket at a time per series and decides using only
the buckets seen so far, so a replay of history alerts exactly where live running would have.

"Usual" is the median count of the same hour of the day over the last week and, once three
weeks are known, of the same hour of the same weekday over the last four weeks; the higher of
the two is used, so a busy Monday morning is not news on a Monday morning. Medians ignore the
spikes themselves, and counts need no scale model beyond "a multiple of usual, and enough of
them to matter".
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from monitor.detectors.series import RollingMedian, RollingSum

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class SpikeParams:
    """The detector's settings; the defaults are the shipped ones."""

    factor: float = 4.0
    """Alert only when the bucket holds at least this many times the usual count."""
    min_count: float = 10.0
    """...and at least this many mentions: a jump from 1 to 4 is not an event."""
    cooldown_hours: float = 12.0
    """No second alert for the same series within this time after an alert."""
    warmup_days: float = 3.0
    """No alert before this much history: three samples of every hour of the day."""
    share_factor: float = 1.5
    """When totals are given, the negative share must also be this many times its usual."""

    def __post_init__(self) -> None:
        for name in ("factor", "share_factor"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("min_count", "cooldown_hours", "warmup_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")


@dataclass(frozen=True)
class Spike:
    """One alert: the bucket that raised it, how it compares with usual, and why in words."""

    ts: datetime
    value: float
    baseline: float
    factor: float
    share: float | None
    usual_share: float | None
    explanation: str


class SpikeDetector:
    """Streaming detector for one series; feed buckets in time order with `step`."""

    def __init__(self, params: SpikeParams | None = None) -> None:
        self.params = params or SpikeParams()
        self._first: datetime | None = None
        self._last: datetime | None = None
        self._last_alert: datetime | None = None
        self._by_hour = [RollingMedian(WEEK) for _ in range(24)]
        self._by_week_hour = [RollingMedian(4 * WEEK) for _ in range(7 * 24)]
        self._values = RollingSum(WEEK)
        self._totals = RollingSum(WEEK)

    def step(self, ts: datetime, value: float, total: float | None = None) -> Spike | None:
        """Take the bucket ending at `ts`; return a Spike if it should alert now."""
        if self._last is not None and ts <= self._last:
            raise ValueError(f"bucket {ts.isoformat()} is not after {self._last.isoformat()}")
        if value < 0 or not math.isfinite(value):
            raise ValueError(f"bucket {ts.isoformat()}: count must be >= 0, got {value}")
        if total is not None and total < value:
            raise ValueError(f"bucket {ts.isoformat()}: total {total} is below count {value}")
        if self._first is None:
            self._first = ts
        self._last = ts
        for rolling in (*self._by_hour, *self._by_week_hour, self._values, self._totals):
            rolling.expire(ts)
        spike = self._judge(ts, value, total)
        self._remember(ts, value, total)
        if spike is not None:
            self._last_alert = ts
        return spike

    def _judge(self, ts: datetime, value: float, total: float | None) -> Spike | None:
        params = self.params
        assert self._first is not None
        if ts - self._first < params.warmup_days * DAY:
            return None
        if self._last_alert is not None and ts - self._last_alert < timedelta(
            hours=params.cooldown_hours
        ):
            return None
        if value < params.min_count:
            return None
        baseline, context = self._usual(ts)
        if value < params.factor * baseline:
            return None
        share = usual_share = None
        if total is not None and self._totals.total > 0:
            share = value / total if total else 0.0
            usual_share = self._values.total / self._totals.total
            if share < params.share_factor * usual_share:
                return None
        factor = value / baseline if baseline > 0 else math.inf
        return Spike(
            ts=ts,
            value=value,
            baseline=baseline,
            factor=factor,
            share=share,
            usual_share=usual_share,
            explanation=_explain(value, baseline, factor, context, share, usual_share),
        )

    def _usual(self, ts: datetime) -> tuple[float, str]:
        by_hour = self._by_hour[ts.hour]
        baseline = by_hour.median() if len(by_hour) else 0.0
        context = f"at {ts.hour:02d}:00"
        assert self._first is not None
        by_week_hour = self._by_week_hour[ts.weekday() * 24 + ts.hour]
        if ts - self._first >= 3 * WEEK and len(by_week_hour):
            weekly = by_week_hour.median()
            if weekly > baseline:
                baseline = weekly
                context = f"on a {WEEKDAYS[ts.weekday()]} at {ts.hour:02d}:00"
        return baseline, context

    def _remember(self, ts: datetime, value: float, total: float | None) -> None:
        self._by_hour[ts.hour].add(ts, value)
        self._by_week_hour[ts.weekday() * 24 + ts.hour].add(ts, value)
        if total is not None:
            self._values.add(ts, value)
            self._totals.add(ts, total)


def _explain(
    value: float,
    baseline: float,
    factor: float,
    context: str,
    share: float | None,
    usual_share: float | None,
) -> str:
    times = f"{factor:.0f}x" if math.isfinite(factor) else "usually none"
    words = f"{value:g} negative mentions in this bucket, usually {baseline:.3g} {context} ({times})"
    if share is not None and usual_share is not None:
        words += f"; {share:.0%} of all mentions, usually {usual_share:.0%}"
    return words


def detect_series(
    rows: Iterable[tuple[datetime, float]], params: SpikeParams | None = None
) -> list[Spike]:
    """Replay a series through a fresh detector, exactly as live running would see it."""
    detector = SpikeDetector(params)
    spikes = []
    for ts, value in rows:
        spike = detector.step(ts, value)
        if spike is not None:
            spikes.append(spike)
    return spikes


def read_series_csv(path: str | Path) -> list[tuple[datetime, float]]:
    """Read a `timestamp,value` CSV with a header row; errors name the file and line."""
    path = Path(path)
    rows: list[tuple[datetime, float]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [cell.strip().lower() for cell in header[:2]] != [
            "timestamp",
            "value",
        ]:
            raise ValueError(f"{path}:1: expected a header row 'timestamp,value', got {header}")
        for row in reader:
            line = reader.line_num
            if not row or not "".join(row).strip():
                continue
            rows.append(_parse_row(path, line, row, rows[-1][0] if rows else None))
    return rows


def _parse_row(
    path: Path, line: int, row: list[str], previous: datetime | None
) -> tuple[datetime, float]:
    if len(row) < 2:
        raise ValueError(f"{path}:{line}: expected 'timestamp,value', got {','.join(row)!r}")
    raw_ts, raw_value = row[0].strip(), row[1].strip()
    try:
        ts = datetime.fromisoformat(raw_ts)
    except ValueError:
        raise ValueError(f"{path}:{line}: {raw_ts!r} is not an ISO 8601 timestamp") from None
    try:
        value = float(raw_value)
    except ValueError:
        raise ValueError(f"{path}:{line}: {raw_value!r} is not a number") from None
    if value < 0 or not math.isfinite(value):
        raise ValueError(f"{path}:{line}: count must be a finite number >= 0, got {raw_value}")
    if previous is not None and ts <= previous:
        raise ValueError(f"{path}:{line}: {raw_ts} is not after the previous row's timestamp")
    return ts, value


def run_detect_series(path: str | Path, params: SpikeParams | None = None) -> list[Spike]:
    """What `kulak detect-series FILE.csv` runs: read the file, replay it, return the alerts."""
    return detect_series(read_series_csv(path), params)
