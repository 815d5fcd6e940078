"""How improbable is the latest value of a series? A streaming, calibrated tail probability.

Each choice is made so that it holds whatever the series, without tuning to it:

- Usual is a median, which the spikes themselves do not move, under one of three models: the
  same hour of the day over the last week, the same weekday and hour over the last four weeks,
  or simply the last day. Each bucket uses the model whose residuals have lately been the
  smallest, so daily or weekly seasonality counts only where the data shows it. A bucket
  as surprising as an alert under the hour or weekday model is learned by those two as the
  usual value it broke: a median resists a storm of a few buckets, not one that fills its
  hour on most days of a week, or its weekday and hour on two of four weeks. The last day
  learns every value, so a lasting change is followed, and takes over until the hours and
  weekdays have learned it.
- The residual (value minus usual, on the caller's variance-stabilised scale) is averaged over a
  few spans ending now: a burst shows in the latest bucket, a slow rise over hours.
- Calibration: each span's residual (under the model in use) is compared with the same
  statistic's last four weeks. An exponential tail through its 90% and 99% quantiles (a
  generalised Pareto tail of shape 0, as in streaming peaks-over-threshold detectors) gives
  the chance of a value at least as high, so the score means the same on every series
  whatever its unit, level or noise: it is -log10 of that chance, corrected for testing
  several spans (3 = one bucket in a thousand). Values as improbable as an alert are left
  out of the tail, so a burst does not make the next one look usual. For counts
  (`noise_tail`), past the 99% quantile the chance falls at least as fast as Gaussian noise
  as wide as the floor: a rise many Poisson deviations beyond anything usual is that
  improbable, however wide the four weeks' tail happened to be.
- A span counts only when its statistic is a record: beyond every value it has had in the
  last four weeks, alerts included. The extrapolated tail says how far beyond; the record
  says the series has truly not done this lately, which an exponential tail fitted to a
  heavier one can get wrong. An alert raises the bar: a storm as big as one already
  alerted on is no news for four weeks, a bigger one is.
- The least a span's residual varies by is the caller's floor (Poisson noise for counts) or,
  without one, the series' own resolution: the smallest step seen between two consecutive
  values. A metric that has sat flat for weeks is then surprised by a move of a few steps,
  not infinitely by any move at all (which, never learned into the tail, left such a series
  surprised for good). Beyond `MAX_SURPRISE` decades the tail is
  extrapolated far past four weeks of data, so every such value counts as equally certain.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.analysis.series import RollingMedian, RollingRange, RollingSum

WEEK = timedelta(days=7)
DAY = timedelta(days=1)
TAIL_SPAN = 4 * WEEK
TAIL_LOW, TAIL_HIGH = 0.90, 0.99  # a decade of probability apart
MIN_TAIL = 60  # values before the tail is trusted: two and a half days of hours
MODELS = ("hour", "weekday", "day")  # on a tie, the earlier one
MAX_SURPRISE = 10.0  # one in ten billion: past this, a four-week tail tells nothing more


@dataclass(frozen=True)
class Reading:
    """What the scorer makes of one bucket."""

    surprise: float
    """-log10 of the chance of so extreme a value, corrected for the spans tested; 0 when
    not in the tail or not yet learned, `MAX_SURPRISE` at most."""
    buckets: int
    """How many buckets, ending with this one, the most surprising span holds."""
    usual: float
    """The usual value of this bucket under the model used, in the series' own unit."""
    model: str
    """Which model of usual: 'hour', 'weekday' or 'day'."""
    usuals: dict[str, float]
    """The usual value under every model that has one."""
    rising: bool
    """Whether this bucket is above usual (away from it in either direction when two-sided)."""
    calm: bool = True
    """Whether every span is within its usual range, short of its tail: a burst is over only
    then, not as soon as it is no longer surprising enough to alert on."""


class SurpriseScorer:
    """Streaming scorer for one series; `step` takes buckets in time order.

    `transform` puts values on a scale where their noise is about the same at every level;
    `floor(usual, buckets)` is the least a span's residual can vary by (such as Poisson noise
    for counts), so a series that has been perfectly flat is not infinitely surprised.
    Statistics at least `learn_below` surprising (the alert threshold) are left out of the
    tails, so a burst does not make the next one look usual. A span is news only beyond
    every value it took in the last `record_span`, alerts included.
    """

    def __init__(
        self,
        spans: Sequence[timedelta],
        transform: Callable[[float], float] = float,
        floor: Callable[[float, int], float] | None = None,
        two_sided: bool = False,
        learn_below: float = math.inf,
        record_span: timedelta = TAIL_SPAN,
        noise_tail: bool = False,
    ) -> None:
        self.spans = tuple(spans)
        self.transform = transform
        self.floor = floor
        self.noise_tail = noise_tail
        self.two_sided = two_sided
        self.learn_below = learn_below
        self.record_span = record_span
        self._first: datetime | None = None
        self._by_hour = [RollingMedian(WEEK) for _ in range(24)]
        self._by_week_hour = [RollingMedian(4 * WEEK) for _ in range(7 * 24)]
        self._last_day = RollingMedian(DAY)
        self._residuals = {model: deque[float]() for model in MODELS}
        self._fit = {model: RollingSum(WEEK) for model in MODELS}  # absolute residuals
        self._tails: dict[int, RollingMedian] = {}
        self._ranges: dict[int, RollingRange] = {}  # every value, alerts too
        self._previous: float | None = None
        self._resolution = math.inf

    def step(self, ts: datetime, value: float, width: timedelta, learn: bool = True) -> Reading:
        """Score the bucket ending at `ts`; `width` is the series' usual bucket width. With
        `learn` off, the bucket teaches usual levels but not the tails nor the records: what
        it shows is known not to be noise (a source being added)."""
        if self._first is None:
            self._first = ts
        usuals = self._usuals(ts)
        model = self._best(ts, usuals)
        lengths = sorted({max(1, round(span / width)) for span in self.spans})
        tests = len(lengths) * (2 if self.two_sided else 1)
        best = (0.0, 1)
        calm = True
        anomalous = False  # the bucket on its own as surprising as an alert
        y = self.transform(value)
        for name, usual in usuals.items():
            residuals = self._residuals[name]
            residuals.append(y - self.transform(usual))
            while len(residuals) > lengths[-1]:
                residuals.popleft()
            if "hour" not in usuals:  # compared over the same buckets, or a tie is not one
                continue
            fit = self._fit[name]
            fit.expire(ts)
            fit.add(ts, abs(residuals[-1]))
        if model is not None:
            residuals = self._residuals[model]
            for length in (n for n in lengths if n <= len(residuals)):
                mean = sum(itertools.islice(residuals, len(residuals) - length, None)) / length
                tail = self._tails.setdefault(length, RollingMedian(TAIL_SPAN))
                tail.expire(ts)
                seen = self._ranges.setdefault(length, RollingRange(self.record_span))
                seen.expire(ts)
                record = len(seen) > 0 and (
                    mean > seen.high() or (self.two_sided and mean < seen.low())
                )
                if learn:
                    seen.add(ts, mean)
                if len(tail) >= MIN_TAIL:
                    least = self._least(usuals[model], length)
                    surprise = _tail_surprise(tail, mean, least, self.two_sided)
                    if self.noise_tail:
                        surprise = max(surprise, _noise_surprise(tail, mean, least))
                    calm = calm and surprise == 0
                    surprise -= math.log10(tests)
                    if record:
                        best = max(best, (surprise, length))
                    if surprise >= self.learn_below:
                        anomalous = anomalous or length == lengths[0]
                        continue  # an anomaly does not teach what noise is
                if learn:
                    tail.add(ts, mean)
        defended = learn and anomalous and model is not None and model != "day"
        self._remember(ts, value, usuals[model] if defended else value)
        if self._previous is not None and y != self._previous:  # after judging: a burst is
            self._resolution = min(self._resolution, abs(y - self._previous))  # not a step
        self._previous = y
        if model is None:
            return Reading(0.0, 1, 0.0, "day", usuals, False)
        latest = self._residuals[model][-1]
        rising = latest != 0 if self.two_sided else latest > 0
        surprise = min(max(best[0], 0.0), MAX_SURPRISE)
        return Reading(surprise, best[1], usuals[model], model, usuals, rising, calm)

    def rebase(self) -> None:
        """Forget the seasonal history: the level has changed for good (a new source), so
        the last day is usual until the hours and weekdays are learned again."""
        for rolling in (*self._by_hour, *self._by_week_hour, *self._fit.values()):
            rolling.clear()

    def rescale(self, factor: float, before: datetime) -> None:
        """The level has changed by a known `factor` from `before` (a source added): the
        usual values learned until then are scaled to it, seasonality kept."""
        for rolling in (*self._by_hour, *self._by_week_hour, self._last_day):
            rolling.scale(factor, before)

    def _least(self, usual: float, length: int) -> float:
        """The caller's floor, else one step of the series' resolution in the mean of
        `length` values."""
        if self.floor:
            least = self.floor(usual, length)
        else:
            least = self._resolution / length if math.isfinite(self._resolution) else 0.0
        return max(least, 1e-12 * (1 + abs(usual)))

    def _usuals(self, ts: datetime) -> dict[str, float]:
        assert self._first is not None
        usuals: dict[str, float] = {}
        by_hour = self._by_hour[ts.hour]
        by_hour.expire(ts)
        if len(by_hour):
            usuals["hour"] = by_hour.median()
        if ts - self._first >= WEEK:
            by_week_hour = self._by_week_hour[ts.weekday() * 24 + ts.hour]
            by_week_hour.expire(ts)
            if len(by_week_hour):
                usuals["weekday"] = by_week_hour.median()
        self._last_day.expire(ts)
        if len(self._last_day):
            usuals["day"] = self._last_day.median()
        return usuals

    def _best(self, ts: datetime, usuals: dict[str, float]) -> str | None:
        """The model with the smallest mean residual over the last week: a mean, not a
        median, so a pattern of a few hours a week (busy Monday mornings) counts."""
        fits = []
        for rank, name in enumerate(MODELS):
            if name not in usuals:
                continue
            residuals = self._fit[name]
            residuals.expire(ts)
            fit = residuals.total / len(residuals) if len(residuals) else math.inf
            fits.append((fit, rank, name))
        return min(fits)[2] if fits else None

    def _remember(self, ts: datetime, value: float, seasonal: float) -> None:
        """The last day learns every value, so a new level is followed; the hours and
        weekdays learn an anomaly as the usual value it broke, so a storm does not make
        its hour look usual, nor does leaving it out bias them low."""
        self._last_day.add(ts, value)
        self._by_hour[ts.hour].add(ts, seasonal)
        self._by_week_hour[ts.weekday() * 24 + ts.hour].add(ts, seasonal)


def _sides(tail: RollingMedian, least: float, two_sided: bool) -> list[tuple[float, float, float]]:
    """Each tail as (sign, edge, decade): values beyond the edge are in the top 10%, and
    each `decade` further is ten times rarer; the lower tail is mirrored."""
    edge, decade = tail.quantile(TAIL_LOW), tail.quantile(TAIL_HIGH) - tail.quantile(TAIL_LOW)
    sides = [(1.0, edge, max(decade, least))]
    if two_sided:
        low = tail.quantile(1 - TAIL_LOW)
        sides.append((-1.0, -low, max(low - tail.quantile(1 - TAIL_HIGH), least)))
    return sides


def _noise_surprise(tail: RollingMedian, value: float, least: float) -> float:
    """Decades of improbability of `value` beyond the 99% quantile if what lies past it were
    Gaussian noise as wide as the floor: for counts, whose floor is their Poisson noise, a
    rise many floors past anything usual is that improbable however wide the empirical tail."""
    top = tail.quantile(TAIL_HIGH)
    if value <= top:
        return 0.0
    chance = math.erfc((value - top) / (least * math.sqrt(2)))  # 1 at the quantile itself
    return 2 - math.log10(max(chance, 10.0 ** -(2 * MAX_SURPRISE)))


def _tail_surprise(tail: RollingMedian, value: float, least: float, two_sided: bool) -> float:
    """Decades of improbability of `value` under an exponential tail through the 90% and
    99% quantiles of `tail` (0 inside the central 80%)."""
    surprise = 0.0
    for sign, edge, decade in _sides(tail, least, two_sided):
        if sign * value > edge:
            surprise = max(surprise, 1 + (sign * value - edge) / decade)
    return surprise
