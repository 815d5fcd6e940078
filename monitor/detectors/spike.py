"""Negative spike detector: is this bucket's count far above what is usual for this hour?

A pure, streaming library: fed one bucket at a time per series, it decides using only the
buckets seen so far, so replaying history alerts exactly where live running would have.

"Usual" is the median count of the same hour of the day over the last week and, once a week
is known, of the same hour of the same weekday over the last four weeks. The higher of the two
is used, so a busy Monday morning is not news on a Monday morning; taking the higher can only
quiet the detector, so one earlier Monday is enough to learn from. Medians are not moved by
the spikes themselves. Social counts are bursty, so the rule is a plain multiple of usual plus
a minimum count, rather than a variance model that every burst would inflate.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from monitor.detectors.series import RollingMedian, RollingSum

WEEK = timedelta(days=7)
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True)
class SpikeParams:
    """The detector's settings; the defaults are the shipped ones."""

    factor: float = 10.0
    """Alert only when the bucket holds at least this many times the usual count."""
    min_count: float = 10.0
    """...and at least this many mentions: a jump from 1 to 4 is not an event."""
    cooldown_hours: float = 24.0
    """A new alert needs this long without a spiking bucket since the last one."""
    warmup_days: float = 3.0
    """No alert before this much history: three samples of every hour of the day."""
    share_factor: float = 1.5
    """When totals are given, the negative share must also be this many times its usual."""

    def __post_init__(self) -> None:
        for name in ("factor", "share_factor"):
            if not getattr(self, name) >= 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("min_count", "cooldown_hours", "warmup_days"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")


@dataclass(frozen=True)
class Spike:
    """One alert: the bucket that raised it, how it compares with usual, and why in words."""

    ts: datetime
    value: float
    baseline: float
    factor: float | None
    """How many times usual; None when usually there are none."""
    share: float | None
    usual_share: float | None
    explanation: str


class SpikeDetector:
    """Streaming detector for one series; feed its buckets in time order to `step`."""

    def __init__(self, params: SpikeParams | None = None) -> None:
        self.params = params or SpikeParams()
        self._first: datetime | None = None
        self._last: datetime | None = None
        self._width: timedelta | None = None
        self._last_spiking: datetime | None = None
        self._by_hour = [RollingMedian(WEEK) for _ in range(24)]
        self._by_week_hour = [RollingMedian(4 * WEEK) for _ in range(7 * 24)]
        self._values = RollingSum(WEEK)
        self._totals = RollingSum(WEEK)

    def step(self, ts: datetime, value: float, total: float | None = None) -> Spike | None:
        """Take the bucket ending at `ts` (count `value` out of `total` mentions, if known)."""
        self._check(ts, value, total)
        if self._last is not None:
            gap = ts - self._last
            self._width = gap if self._width is None else min(self._width, gap)
        else:
            self._first = ts
        self._last = ts
        spike = self._judge(ts, value, total)
        self._remember(ts, value, total)
        return spike

    def _check(self, ts: datetime, value: float, total: float | None) -> None:
        if self._last is not None and not _after(ts, self._last, f"bucket {ts.isoformat()}"):
            raise ValueError(f"bucket {ts.isoformat()} is not after {self._last.isoformat()}")
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"bucket {ts.isoformat()}: count must be >= 0, got {value}")
        if total is not None and not (math.isfinite(total) and total >= value):
            raise ValueError(f"bucket {ts.isoformat()}: total {total} is below count {value}")

    def _judge(self, ts: datetime, value: float, total: float | None) -> Spike | None:
        params = self.params
        assert self._first is not None
        if ts - self._first < timedelta(days=params.warmup_days) or value < params.min_count:
            return None
        baseline, usual_when = self._usual(ts)
        if value < params.factor * baseline:
            return None
        share = usual_share = None
        self._values.expire(ts)
        self._totals.expire(ts)
        if total is not None and self._totals.total > 0:
            share = value / total
            usual_share = self._values.total / self._totals.total
            if share < params.share_factor * usual_share:
                return None
        calm_since = self._last_spiking
        self._last_spiking = ts
        if calm_since is not None and ts - calm_since < timedelta(hours=params.cooldown_hours):
            return None
        factor = value / baseline if baseline > 0 else None
        words = _explain(value, baseline, factor, self._span(ts), usual_when, share, usual_share)
        return Spike(ts, value, baseline, factor, share, usual_share, words)

    def _usual(self, ts: datetime) -> tuple[float, str]:
        """The usual count for this bucket, and words saying which history it comes from."""
        by_hour = self._by_hour[ts.hour]
        by_hour.expire(ts)
        baseline = by_hour.median() if len(by_hour) else 0.0
        when = f"at {ts.hour:02d}:00"
        assert self._first is not None
        if ts - self._first >= WEEK:
            by_week_hour = self._by_week_hour[ts.weekday() * 24 + ts.hour]
            by_week_hour.expire(ts)
            weekly = by_week_hour.median() if len(by_week_hour) else 0.0
            if weekly > baseline:
                baseline = weekly
                when = f"on {WEEKDAYS[ts.weekday()]} at {ts.hour:02d}:00"
        return baseline, when

    def _remember(self, ts: datetime, value: float, total: float | None) -> None:
        for rolling in (self._by_hour[ts.hour], self._by_week_hour[ts.weekday() * 24 + ts.hour]):
            rolling.expire(ts)
            rolling.add(ts, value)
        if total is not None:
            self._values.add(ts, value)
            self._totals.add(ts, total)

    def _span(self, ts: datetime) -> str:
        width = self._width or timedelta(hours=1)
        start = ts - width
        if width == timedelta(days=1):
            return f"on {start:%Y-%m-%d}"
        if width == timedelta(hours=1):
            return f"in the hour to {ts:%H:%M}"
        minutes = round(width.total_seconds() / 60)
        if minutes < 60:
            return f"in the {minutes} minutes to {ts:%H:%M}"
        return f"in the {minutes / 60:g} hours to {ts:%Y-%m-%d %H:%M}"


def _after(ts: datetime, previous: datetime, where: str) -> bool:
    try:
        return ts > previous
    except TypeError:
        raise ValueError(f"{where}: mixes timezone-aware and naive timestamps") from None


def _explain(
    value: float,
    baseline: float,
    factor: float | None,
    span: str,
    usual_when: str,
    share: float | None,
    usual_share: float | None,
) -> str:
    words = f"{value:g} negative mentions {span}, "
    if factor is not None:
        words += f"usually {baseline:.3g} {usual_when} ({factor:.0f}x)"
    else:
        words += f"usually none {usual_when}"
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
        if header is None or [cell.strip().lower() for cell in header] != ["timestamp", "value"]:
            raise ValueError(f"{path}:1: expected the header 'timestamp,value', got {header}")
        for row in reader:
            if not "".join(row).strip():
                continue
            where = f"{path}:{reader.line_num}"
            rows.append(_parse_row(where, row, rows[-1][0] if rows else None))
    return rows


def _parse_row(where: str, row: list[str], previous: datetime | None) -> tuple[datetime, float]:
    if len(row) != 2:
        raise ValueError(f"{where}: expected 'timestamp,value', got {','.join(row)!r}")
    raw_ts, raw_value = row[0].strip(), row[1].strip()
    try:
        ts = datetime.fromisoformat(raw_ts)
    except ValueError:
        raise ValueError(f"{where}: {raw_ts!r} is not an ISO 8601 timestamp") from None
    try:
        value = float(raw_value)
    except ValueError:
        raise ValueError(f"{where}: {raw_value!r} is not a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{where}: the count must be a number >= 0, got {raw_value}")
    if previous is not None and not _after(ts, previous, where):
        raise ValueError(f"{where}: {raw_ts} is not after the previous row's timestamp")
    return ts, value


def run_detect_series(path: str | Path, params: SpikeParams | None = None) -> list[Spike]:
    """What `kulak detect-series FILE.csv` runs: read the file, replay it, return the alerts."""
    return detect_series(read_series_csv(path), params)
