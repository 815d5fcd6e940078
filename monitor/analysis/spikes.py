"""Negative spike detector: is the latest count far above what is usual for this time?

A pure, streaming library: fed one bucket at a time per series, it decides using only the
buckets seen so far, so replaying history alerts exactly where live running would have.

"Usual" is the median count of the same hour of the day over the last week and, once a week
is known, of the same hour of the same weekday over the last four weeks. The higher of the two
is used, so a busy Monday morning is not news on a Monday morning; taking the higher can only
quiet the detector, so one earlier Monday is enough to learn from. Medians are not moved by
the spikes themselves.

How far above usual is measured on a scale where counts vary by about the same amount
whatever their level: the square root for small counts, as for Poisson counts, turning
logarithmic for large ones, whose noise grows in proportion to the count (social counts are
burstier than Poisson). The unit is this series' own typical deviation from usual over the
last week (a median, so bursts do not inflate it). The same test runs over three spans ending now:
the latest bucket, the last hour and the last few hours, so a sudden burst alerts at once and
a rise that builds over an afternoon alerts as well; longer spans average out noise and need a
smaller deviation. One alert per episode: a new one waits until nothing has been spiking for
the cooldown.
"""

from __future__ import annotations

import csv
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from monitor.analysis.series import RollingMedian, RollingSum

HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
MAD_TO_SD = 1.4826  # the median absolute deviation of normal noise, in standard deviations
POISSON_SD = 0.5  # the standard deviation of sqrt(count) for Poisson counts


@dataclass(frozen=True)
class SpikeParams:
    """The detector's settings; the defaults are the shipped ones."""

    factor: float = 1.5
    """Alert only when the count holds at least this many times the usual count."""
    min_count: float = 10.0
    """...and at least this many mentions: a jump from 1 to 4 is not an event."""
    cooldown_hours: float = 24.0
    """A new alert needs this long without a spiking bucket since the last one."""
    warmup_days: float = 3.0
    """No alert before this much history: three samples of every hour of the day."""
    share_factor: float = 1.5
    """When totals are given, the negative share must also be this many times its usual."""
    threshold: float = 5.0
    """Deviations above usual (in this series' typical deviations) the last hour must reach."""
    burst_threshold: float = 6.0
    """The same for a single bucket shorter than an hour, whose counts are noisier."""
    sustained_threshold: float = 2.5
    """The same for the last `sustained_hours`, which catches a rise that builds slowly."""
    sustained_hours: float = 4.0
    """The longest span tested."""
    burstiness: float = 0.2
    """Squared relative noise of a large count beyond Poisson; 0 treats counts as Poisson."""

    def __post_init__(self) -> None:
        for name in ("factor", "share_factor"):
            if not getattr(self, name) >= 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("min_count", "cooldown_hours", "warmup_days", "burstiness"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        for name in ("threshold", "burst_threshold", "sustained_threshold", "sustained_hours"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be above 0, got {getattr(self, name)}")


@dataclass(frozen=True)
class Spike:
    """One alert: the span that raised it, how it compares with usual, and why in words."""

    ts: datetime
    value: float
    """The count over the span that alerted, which ends with the bucket at `ts`."""
    baseline: float
    """The usual count over that span."""
    factor: float | None
    """How many times usual; None when usually there are none."""
    share: float | None
    usual_share: float | None
    explanation: str


@dataclass(frozen=True)
class _Bucket:
    start: datetime
    ts: datetime
    value: float
    baseline: float
    total: float | None


@dataclass(frozen=True)
class _Window:
    """The latest buckets that fit in one span ending now, summed."""

    kind: int
    """0: the latest bucket alone; 1: the last hour; 2: the last `sustained_hours`."""
    start: datetime
    first_end: datetime
    buckets: int
    value: float
    baseline: float
    total: float | None


class SpikeDetector:
    """Streaming detector for one series; feed its buckets in time order to `step`.

    A bucket spans from the previous bucket's end to its own, but never more than the series'
    usual bucket width (the shortest gap seen), so a gap in the data does not stretch it and a
    short, unfinished last bucket is judged as what it is.
    """

    def __init__(self, params: SpikeParams | None = None) -> None:
        self.params = params or SpikeParams()
        self._first: datetime | None = None
        self._last: datetime | None = None
        self._width: timedelta | None = None
        self._last_spiking: datetime | None = None
        self._by_hour = [RollingMedian(WEEK) for _ in range(24)]
        self._by_week_hour = [RollingMedian(4 * WEEK) for _ in range(7 * 24)]
        self._recent: deque[_Bucket] = deque()
        self._deviations = [RollingMedian(WEEK) for _ in range(3)]
        self._values = RollingSum(WEEK)
        self._totals = RollingSum(WEEK)

    def step(self, ts: datetime, value: float, total: float | None = None) -> Spike | None:
        """Take the bucket ending at `ts` (count `value` out of `total` mentions, if known)."""
        self._check(ts, value, total)
        width = self._width or HOUR
        if self._last is None:
            self._first = ts
            start = ts - width
        else:
            start = ts - min(ts - self._last, width)
        self._last = ts
        baseline, usual_when = self._usual(ts)
        learned = len(self._by_hour[ts.hour]) > 0
        self._recent.append(_Bucket(start, ts, value, baseline, total))
        spike = self._judge(ts, width, usual_when, learned)
        self._remember(ts, value, total)
        self._width = min(width, ts - start) if len(self._recent) > 1 else self._width
        return spike

    def _check(self, ts: datetime, value: float, total: float | None) -> None:
        if self._last is not None and not _after(ts, self._last, f"bucket {ts.isoformat()}"):
            raise ValueError(f"bucket {ts.isoformat()} is not after {self._last.isoformat()}")
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"bucket {ts.isoformat()}: count must be >= 0, got {value}")
        if total is not None and not (math.isfinite(total) and total >= value):
            raise ValueError(f"bucket {ts.isoformat()}: total {total} is below count {value}")

    def _judge(
        self, ts: datetime, width: timedelta, usual_when: str, learned: bool
    ) -> Spike | None:
        """Test every window, shortest first; the bucket spikes if any window does."""
        params = self.params
        assert self._first is not None
        warmup = timedelta(days=params.warmup_days)
        latest = self._recent[-1]
        spiking: _Window | None = None
        for window in self._windows(ts):
            surprise = self._surprise(window, ts, learned)
            if spiking is not None or surprise < self._threshold(window.kind, width):
                continue
            if window.first_end - self._first < warmup:  # what happened in warm-up is not news
                continue
            if window.value < params.min_count or window.value < params.factor * window.baseline:
                continue
            spiking = window
        if spiking is None or latest.value <= latest.baseline:  # a rise that is over ends
            return None
        share, usual_share = self._shares(ts, latest)
        if (
            share is not None
            and usual_share is not None
            and share < (params.share_factor * usual_share)
        ):
            return None
        calm_since = self._last_spiking
        self._last_spiking = ts
        if calm_since is not None and ts - calm_since < timedelta(hours=params.cooldown_hours):
            return None
        return self._spike(ts, spiking, usual_when, share, usual_share)

    def _shares(self, ts: datetime, latest: _Bucket) -> tuple[float | None, float | None]:
        """The latest bucket's negative share and the last week's, when totals are known."""
        if latest.total is None or latest.total <= 0:
            return None, None
        self._values.expire(ts)
        self._totals.expire(ts)
        if self._totals.total <= 0:
            return None, None
        return latest.value / latest.total, self._values.total / self._totals.total

    def _spike(
        self,
        ts: datetime,
        window: _Window,
        usual_when: str,
        share: float | None,
        usual_share: float | None,
    ) -> Spike:
        """Explain the window from its first bucket above usual: "since" means since then."""
        buckets = list(self._recent)[-window.buckets :]
        while len(buckets) > 1 and buckets[0].value <= buckets[0].baseline:
            buckets.pop(0)
        value = sum(bucket.value for bucket in buckets)
        baseline = sum(bucket.baseline for bucket in buckets)
        start = buckets[0].start
        factor = value / baseline if baseline > 0 else None
        if len(buckets) > 1:
            span = f"since {start:%H:%M}"
            if ts - start >= timedelta(days=1):
                span = f"since {start:%Y-%m-%d %H:%M}"
            usual_when = usual_when.replace(f"at {ts.hour:02d}:00", "at these hours")
        else:
            span = _bucket_words(start, ts)
        words = _explain(value, baseline, factor, span, usual_when, share, usual_share)
        return Spike(ts, value, baseline, factor, share, usual_share, words)

    def _windows(self, ts: datetime) -> list[_Window]:
        """The latest bucket, the last hour and the last few hours; a window that holds no
        more buckets than a shorter one is left out."""
        spans = (timedelta(0), HOUR, timedelta(hours=self.params.sustained_hours))
        longest = max(spans)
        while self._recent[0].start < ts - longest and len(self._recent) > 1:
            self._recent.popleft()
        windows: list[_Window] = []
        value = baseline = 0.0
        total: float | None = 0.0
        buckets = 0
        recent = reversed(self._recent)
        bucket = next(recent, None)
        first_end = start = ts
        for kind, span in enumerate(spans):
            while bucket is not None and (buckets == 0 or bucket.start >= ts - span):
                start, first_end = bucket.start, bucket.ts
                value += bucket.value
                baseline += bucket.baseline
                total = None if total is None or bucket.total is None else total + bucket.total
                buckets += 1
                bucket = next(recent, None)
            if not windows or buckets > windows[-1].buckets:
                windows.append(_Window(kind, start, first_end, buckets, value, baseline, total))
        return windows

    def _surprise(self, window: _Window, ts: datetime, learned: bool) -> float:
        """How far above usual the window is, in this kind of window's typical deviations.

        The deviation is remembered (once the bucket's hour has history) to learn the unit.
        """
        burstiness = self.params.burstiness / window.buckets
        scale = _stabiliser(burstiness)
        deviation = scale(window.value) - scale(window.baseline)
        typical = self._deviations[window.kind]
        typical.expire(ts)
        unit = POISSON_SD / math.sqrt(1 + burstiness * window.baseline)  # no count varies less
        if len(typical):
            unit = max(unit, MAD_TO_SD * typical.median())
        if learned:
            typical.add(ts, abs(deviation))
        return deviation / unit

    def _threshold(self, kind: int, width: timedelta) -> float:
        """By the window's span: a lone bucket counts as long as the series' usual bucket."""
        params = self.params
        span = (width, HOUR, timedelta(hours=params.sustained_hours))[kind]
        if span < HOUR:
            return params.burst_threshold
        if span < timedelta(hours=params.sustained_hours):
            return params.threshold
        return params.sustained_threshold

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


def _stabiliser(burstiness: float) -> Callable[[float], float]:
    """The variance-stabilising transform of negative binomial counts with this burstiness.

    It is the square root for small counts and grows like a logarithm for large ones; a sum
    of k buckets is k times less bursty than one bucket.
    """
    if burstiness <= 0:
        return math.sqrt
    root = math.sqrt(burstiness)
    return lambda count: math.asinh(root * math.sqrt(count)) / root


def _bucket_words(start: datetime, ts: datetime) -> str:
    span = ts - start
    if span == timedelta(days=1):
        return f"on {start:%Y-%m-%d}"
    if span == HOUR:
        return f"in the hour to {ts:%H:%M}"
    minutes = round(span.total_seconds() / 60)
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
        times = f"{factor:.1f}" if factor < 10 else f"{factor:.0f}"
        words += f"usually {baseline:.3g} {usual_when} ({times}x)"
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
