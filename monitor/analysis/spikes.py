"""Negative spike detector: is the latest count far above what is usual for this time?

A pure, streaming library: fed one bucket at a time per series, it decides using only the
buckets seen so far, so replaying history alerts exactly where live running would have.

How unusual a count is comes from `monitor.analysis.surprise`: a median baseline by hour of
day, by weekday and hour, or over the last day, whichever has lately fitted this series best;
the excess over it averaged over the latest bucket, the last hour and the last few hours; and
each excess turned into the chance of so high a value, from that statistic's own last four
weeks. One threshold on that chance holds across series of any level or noise, so there is no
threshold per span or per series to tune.

Counts go through a variance-stabilising transform first: the square root for small counts,
as for Poisson counts, turning logarithmic for large ones, whose noise grows in proportion to
the count (social counts are burstier than Poisson). Poisson noise is the least a count can
vary by, so a series that has been flat is not surprised by one extra mention.

On top of the chance, what makes a spike worth a person's attention: enough mentions, a real
multiple of usual, a negative share above usual when totals are known, and one alert per
episode: an episode lasts until every span is back within its usual range, and a new alert
also needs the cooldown since the last one. A
rise that lasts becomes the new usual; when the last day's level has stood well above the
last four weeks', that is reported once as a step (such as a newly added source), not paged.
A source known to be added (`source_added`: kulak knows where a new source's coverage
begins) is said at once instead: nothing is judged for a day while the new level is
measured, and then the usual counts learned before are scaled to it.
"""

from __future__ import annotations

import csv
import io
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from statistics import NormalDist
from typing import Literal

from monitor.analysis.series import Cadence, RollingMedian, RollingSum
from monitor.analysis.surprise import DAY, Reading, SurpriseScorer
from monitor.utf8 import NotUtf8, read_utf8

HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
POISSON_SD = 0.5  # the standard deviation of sqrt(count) for Poisson counts
LEVEL_SPAN = 4 * WEEK  # a new level is measured against, and reported once within, this span


@dataclass(frozen=True)
class SpikeParams:
    """The detector's settings; the defaults are the shipped ones."""

    threshold: float = 3.0
    """How improbable a count must be to alert, in powers of ten: 3 means a count (or a sum
    over the last hour or hours) that this series exceeds about once in a thousand buckets."""
    factor: float = 1.5
    """Alert only when the count holds at least this many times the usual count."""
    min_count: float = 10.0
    """...and at least this many mentions: a jump from 1 to 4 is not an event."""
    cooldown_hours: float = 6.0
    """A new alert needs this long since the last one, and the episode before it over (every
    span back within its usual range); and, being a four-week record, a bigger count than the
    last alert's."""
    warmup_days: float = 3.0
    """No alert before this much history: three samples of every hour of the day."""
    share_factor: float = 1.5
    """When totals are given, the negative share must also be this many times its usual."""
    sustained_hours: float = 4.0
    """The longest span tested, which catches a rise that builds over hours."""
    burstiness: float = 0.2
    """Squared relative noise of a large count beyond Poisson; 0 treats counts as Poisson."""
    record_weeks: float = 4.0
    """A spike must beat every count of its span in this many past weeks, alerts included:
    with 1, a storm as big as last week's pages again (more storms found, more pages)."""

    def __post_init__(self) -> None:
        problems = [
            f"{name} {bound.words}, got {getattr(self, name)}"
            for name, bound in PARAM_BOUNDS.items()
            if not bound.holds(getattr(self, name))
        ]
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class Bound:
    """The least a setting may be; `open`: that value itself is not allowed."""

    least: float
    open: bool = False

    def holds(self, value: float) -> bool:
        return value > self.least if self.open else value >= self.least  # NaN holds neither

    @property
    def words(self) -> str:
        if self.open:
            return f"must be above {self.least:g}"
        return "must not be negative" if self.least == 0 else f"must be at least {self.least:g}"


#: Every `SpikeParams` setting's bound, for the settings' options too.
PARAM_BOUNDS = {
    **dict.fromkeys(("factor", "share_factor"), Bound(1)),
    **dict.fromkeys(("min_count", "cooldown_hours", "warmup_days", "burstiness"), Bound(0)),
    **dict.fromkeys(("threshold", "sustained_hours", "record_weeks"), Bound(0, open=True)),
}


@dataclass(frozen=True)
class Spike:
    """One alert: the span that raised it, how it compares with usual, and why in words.

    `kind` is 'spike' for a burst worth paging about, 'step' for a lasting new level, and
    'source' for a source added: both worth saying, not paging for."""

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
    kind: Literal["spike", "step", "source"] = "spike"
    source: str | None = None
    """For 'source': the source added."""


@dataclass
class Episodes:
    """One alert per episode: an episode runs from a spiking bucket until a calm one, whose
    every span is back within its usual range, and an alert also needs `cooldown` since the
    last one. So a storm that lasts hours, ebbing and swelling, alerts once, at its start."""

    cooldown: timedelta
    last_alert: datetime | None = None
    ongoing: bool = False

    def starts(self, ts: datetime, spiking: bool, calm: bool) -> bool:
        """Whether the bucket at `ts` starts an episode worth an alert."""
        ongoing = self.ongoing
        self.ongoing = spiking or (ongoing and not calm)
        if not spiking or ongoing:
            return False
        if self.last_alert is not None and ts - self.last_alert < self.cooldown:
            return False
        self.last_alert = ts
        return True


@dataclass(frozen=True)
class _Stats:
    count: float
    raw: float
    """Mean count."""
    mean: float
    """Mean stabilised count."""
    variance: float
    """Variance of the stabilised counts."""


class _Level:
    """Mean and spread of the values within `span` of the newest one, raw and stabilised."""

    def __init__(self, span: timedelta) -> None:
        self._sums = [RollingSum(span) for _ in range(3)]  # raw, stabilised, squared

    def add(self, ts: datetime, raw: float, stabilised: float) -> None:
        for rolling, amount in zip(self._sums, (raw, stabilised, stabilised**2), strict=True):
            rolling.expire(ts)
            rolling.add(ts, amount)

    def stats(self, now: datetime) -> _Stats:
        for rolling in self._sums:
            rolling.expire(now)
        raw, total, squares = (max(rolling.total, 0.0) for rolling in self._sums)
        count = max(float(len(self._sums[0])), 1.0)
        mean = total / count
        return _Stats(count, raw / count, mean, max(squares / count - mean**2, 0.0))


@dataclass(frozen=True)
class _Bucket:
    start: datetime
    ts: datetime
    value: float
    baseline: float
    total: float | None


class SpikeDetector:
    """Streaming detector for one series; feed its buckets in time order to `step`.

    A bucket spans from the previous bucket's end to its own, but never more than the series'
    usual bucket width (the median of its recent gaps), so a gap in the data does not stretch
    it and a short, unfinished last bucket is judged as what it is.
    """

    def __init__(self, params: SpikeParams | None = None) -> None:
        self.params = params or SpikeParams()
        burstiness = self.params.burstiness
        self._scorer = SurpriseScorer(
            (timedelta(0), HOUR, timedelta(hours=self.params.sustained_hours)),
            transform=Stabiliser(burstiness),
            floor=partial(poisson_floor, burstiness=burstiness),
            learn_below=self.params.threshold,
            record_span=timedelta(weeks=self.params.record_weeks),
            noise_tail=True,
        )
        self._first: datetime | None = None
        self._last: datetime | None = None
        self._added: datetime | None = None  # when a source was last added...
        self._settled: datetime | None = None  # ...judging nothing till then...
        self._settling = [0.0, 0.0]  # ...while counting its mentions and the usual ones
        self._cadence = Cadence()
        self._episodes = Episodes(timedelta(hours=self.params.cooldown_hours))
        self._last_step: datetime | None = None
        self._recent: deque[_Bucket] = deque()
        self._day_counts = RollingMedian(DAY)
        self._day_stabilised = RollingMedian(DAY)
        self._today: _Stats | None = None
        self._daily_levels = _Level(LEVEL_SPAN)  # the day's level, as of every bucket
        self._values = RollingSum(WEEK)
        self._totals = RollingSum(WEEK)

    def step(self, ts: datetime, value: float, total: float | None = None) -> Spike | None:
        """Take the bucket ending at `ts` (count `value` out of `total` mentions, if known)."""
        self._check(ts, value, total)
        width = self._cadence.width(HOUR)
        if self._last is None:
            self._first = ts
            start = ts - width
        else:
            start = ts - min(ts - self._last, width)
        self._last = ts
        settling = self._settled is not None and ts < self._settled
        reading = self._scorer.step(ts, value, width, learn=not settling)
        if settling:
            self._settling[0] += value
            self._settling[1] += reading.usual
        elif self._settled is not None:
            self._settle()
        self._recent.append(_Bucket(start, ts, value, reading.usual, total))
        while self._recent[0].start < ts - timedelta(hours=self.params.sustained_hours):
            self._recent.popleft()
        spike = None if settling else self._judge(ts, reading) or self._step_up(ts, width)
        self._remember(ts, value, total, width)
        self._cadence.add(ts)
        return spike

    def source_added(self, ts: datetime, source: str) -> Spike:
        """A source joins the series at `ts`: what it brings is a new level, known, not a
        spike. Say so once, and judge nothing for a day while the new level is measured;
        then the usual counts are scaled to it (a burst in that day is missed: the price of
        not paging for every source added)."""
        self._added, self._settled = ts, ts + DAY
        self._settling = [0.0, 0.0]
        self._last_step = ts
        words = f"{source} was added: from now on its mentions count too, so the usual level"
        words += f" is measured again and spikes are judged from {self._settled:%Y-%m-%d %H:%M}"
        return Spike(ts, 0.0, 0.0, None, None, None, words, kind="source", source=source)

    def _settle(self) -> None:
        """A day after a source was added: the usual counts learned before it are scaled by
        how much more the day brought than usual, so hours and weekdays keep their shape."""
        assert self._added is not None
        brought, usual = self._settling
        if usual > 0:
            self._scorer.rescale(max(brought / usual, 1.0), self._added)
        else:
            self._scorer.rebase()
        self._added = self._settled = None

    def _check(self, ts: datetime, value: float, total: float | None) -> None:
        if self._last is not None and not _after(ts, self._last, f"bucket {ts.isoformat()}"):
            raise ValueError(f"bucket {ts.isoformat()} is not after {self._last.isoformat()}")
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"bucket {ts.isoformat()}: count must be >= 0, got {value}")
        if total is not None and not (math.isfinite(total) and total >= value):
            raise ValueError(f"bucket {ts.isoformat()}: total {total} is below count {value}")

    def _judge(self, ts: datetime, reading: Reading) -> Spike | None:
        """A spike starts an episode: improbable, big enough, once the last episode is over
        and the cooldown since the last alert has passed."""
        params = self.params
        assert self._first is not None
        buckets = list(self._recent)[-reading.buckets :]
        value = sum(bucket.value for bucket in buckets)
        baseline = sum(bucket.baseline for bucket in buckets)
        share, usual_share = self._shares(ts, self._recent[-1])
        spiking = (
            reading.rising
            and reading.surprise >= params.threshold
            and ts - self._first >= timedelta(days=params.warmup_days)
            and value >= params.min_count
            and value >= params.factor * baseline
            and (share is None or usual_share is None or share >= params.share_factor * usual_share)
        )
        if not self._episodes.starts(ts, spiking, reading.calm):
            return None
        return self._spike(ts, buckets, reading, share, usual_share)

    def _step_up(self, ts: datetime, width: timedelta) -> Spike | None:
        """Once in four weeks at most: the last day's level is as improbable among the last
        four weeks' daily levels as a spike must be, `factor` times their mean and
        `min_count` mentions a day above it. A day's level leaves out its busiest
        `sustained_hours`, so a burst, however big, is not a new level: most of the day
        must be higher."""
        params = self.params
        assert self._first is not None
        if ts - self._first < 2 * WEEK:
            return None
        if self._last_step is not None and ts - self._last_step < LEVEL_SPAN:
            return None
        day, weeks = self._today, self._daily_levels.stats(ts)
        if day is None:
            return None
        noise = POISSON_SD**2 / (1 + params.burstiness * weeks.raw) / day.count
        z = (day.mean - weeks.mean) / math.sqrt(max(weeks.variance, noise))
        if z < NormalDist().inv_cdf(1 - 10**-params.threshold):
            return None
        if (
            day.raw < params.factor * weeks.raw
            or (day.raw - weeks.raw) * (DAY / width) < params.min_count
        ):
            return None
        self._last_step = ts
        self._scorer.rebase()
        per = _per_bucket(width)
        factor = day.raw / weeks.raw if weeks.raw > 0 else None
        usual = f"usually {weeks.raw:.2g} {per}" if weeks.raw > 0 else f"usually none {per}"
        words = f"negative mentions have run at {day.raw:.2g} {per} for a day, {usual}: a new"
        words += " level (a newly added source, or more people talking), not a passing spike"
        return Spike(ts, day.raw, weeks.raw, factor, None, None, words, kind="step")

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
        buckets: list[_Bucket],
        reading: Reading,
        share: float | None,
        usual_share: float | None,
    ) -> Spike:
        """Explain the span from its first bucket above usual: "since" means since then."""
        while len(buckets) > 1 and buckets[0].value <= buckets[0].baseline:
            buckets.pop(0)
        value = sum(bucket.value for bucket in buckets)
        baseline = sum(bucket.baseline for bucket in buckets)
        start = buckets[0].start
        factor = value / baseline if baseline > 0 else None
        usual_when = _usual_words(ts, reading)
        if len(buckets) > 1:
            span = f"since {start:%H:%M}"
            if ts - start >= timedelta(days=1):
                span = f"since {start:%Y-%m-%d %H:%M}"
            usual_when = usual_when.replace(f"at {ts.hour:02d}:00", "at these hours")
        else:
            span = _bucket_words(start, ts)
        words = _explain(value, baseline, factor, span, usual_when, share, usual_share)
        return Spike(ts, value, baseline, factor, share, usual_share, words)

    def _remember(self, ts: datetime, value: float, total: float | None, width: timedelta) -> None:
        for rolling, amount in (
            (self._day_counts, value),
            (self._day_stabilised, self._scorer.transform(value)),
        ):
            rolling.expire(ts)
            rolling.add(ts, amount)
        busiest = round(timedelta(hours=self.params.sustained_hours) / width)
        kept = max(len(self._day_counts) - busiest, 1)
        raw = self._day_counts.sum_lowest(kept) / kept
        self._today = _Stats(kept, raw, self._day_stabilised.sum_lowest(kept) / kept, 0.0)
        self._daily_levels.add(ts, self._today.raw, self._today.mean)
        if total is not None:
            self._values.add(ts, value)
            self._totals.add(ts, total)


def _usual_words(ts: datetime, reading: Reading) -> str:
    """Which history the usual count comes from; a weekday's usual that is no different from
    every day's is said as every day's."""
    if reading.model == "day":
        return "over the last day"
    if reading.model == "weekday" and reading.usuals.get("hour") != reading.usual:
        return f"on {WEEKDAYS[ts.weekday()]} at {ts.hour:02d}:00"
    return f"at {ts.hour:02d}:00"


def _per_bucket(width: timedelta) -> str:
    if width == HOUR:
        return "an hour"
    return f"per {round(width.total_seconds() / 60)} minutes"


def poisson_floor(usual: float, buckets: int, burstiness: float) -> float:
    """The least a mean over `buckets` stabilised counts varies by: Poisson noise."""
    return POISSON_SD / math.sqrt(buckets * (1 + burstiness * usual))


@dataclass(frozen=True)
class Stabiliser:
    """The variance-stabilising transform of negative binomial counts with this burstiness.

    It is the square root for small counts and grows like a logarithm for large ones. The
    3/8 added (Anscombe's) keeps the noise of counts near zero as even as the rest, so one
    mention on a night that usually has none is not as surprising as a burst by day. A
    class, not a closure, so a detector can be copied through pickle.
    """

    burstiness: float

    def __call__(self, count: float) -> float:
        count += 3 / 8
        if self.burstiness <= 0:
            return math.sqrt(count)
        root = math.sqrt(self.burstiness)
        return math.asinh(root * math.sqrt(count)) / root


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
    rows: Iterable[tuple[datetime, float]],
    params: SpikeParams | None = None,
    sources_added: Iterable[tuple[datetime, str]] = (),
) -> list[Spike]:
    """Replay a series through a fresh detector, exactly as live running would see it;
    each source added is told to it before the first bucket that ends after it."""
    detector = SpikeDetector(params)
    added = deque(sorted(sources_added))
    spikes = []
    for ts, value in rows:
        while added and added[0][0] < ts:
            spikes.append(detector.source_added(*added.popleft()))
        spike = detector.step(ts, value)
        if spike is not None:
            spikes.append(spike)
    return spikes


def read_series_csv(path: str | Path) -> list[tuple[datetime, float]]:
    """Read a `timestamp,value` CSV with a header row; errors name the file and line. A
    spreadsheet's byte-order mark is allowed: exports from Excel start with one."""
    path = Path(path)
    try:
        text = read_utf8(path)
    except NotUtf8 as exc:
        raise ValueError(f"{path}:{exc.line}: {exc.problem}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or [cell.strip().lower() for cell in header] != ["timestamp", "value"]:
        raise ValueError(f"{path}:1: expected the header 'timestamp,value', got {header}")
    rows: list[tuple[datetime, float]] = []
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


def run_detect_series(
    path: str | Path, params: SpikeParams | None = None, sources_added: Iterable[str] = ()
) -> list[Spike]:
    """What `kulak detect-series FILE.csv` runs: read the file, replay it, return the alerts.
    Each of `sources_added` is 'TIME' or 'TIME=NAME', told as a source added then."""
    rows = read_series_csv(path)
    added = [_source_added(text, rows[0][0] if rows else None) for text in sources_added]
    return detect_series(rows, params, added)


def _source_added(text: str, first: datetime | None) -> tuple[datetime, str]:
    when, _, name = text.partition("=")
    try:
        at = datetime.fromisoformat(when.strip())
    except ValueError:
        raise ValueError(f"source added {text!r}: {when!r} is not an ISO 8601 time") from None
    if first is not None and (at.tzinfo is None) != (first.tzinfo is None):
        zone = "without" if first.tzinfo is None else "with"
        raise ValueError(f"source added {text!r}: the series' times are {zone} a UTC offset")
    return at, name.strip() or "a new source"
