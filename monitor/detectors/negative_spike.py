"""Live negative spikes: each target's hourly negative mentions, fed to the spike library.

Every cycle replays the last four weeks of hourly counts through a fresh `SpikeDetector`,
so each decision uses only data up to its own hour, exactly as the library would have
decided live. The current, unfinished hour goes last, as a short bucket: a burst alerts
within minutes, judged against the usual count of the last full hour (a short bucket
holds fewer posts than a full one, so this errs on the quiet side). A new target warms up from its
first mention. The alert's key is the target and the hour, so replaying again finds the
same alert; a spike found again a few hours later by a replay that started elsewhere is
held back by the cooldown against the alerts already stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from monitor.alert import Alert
from monitor.config import Duration, Target
from monitor.detectors.base import Context, DetectorOptions
from monitor.detectors.spike import Spike, SpikeDetector, SpikeParams
from monitor.responses import about, alert_post, reach

HOUR = timedelta(hours=1)
HISTORY = timedelta(days=29)  # four weeks of same-weekday medians, and a day to spare
RECENT = timedelta(hours=6)  # live: spikes this recent are still news after a pause
TOP_POSTS = 5


class Options(DetectorOptions):
    factor: float = Field(
        SpikeParams.factor, description="Alert when an hour holds this many times the usual."
    )
    min_count: float = Field(
        SpikeParams.min_count, description="...and at least this many negative mentions."
    )
    share_factor: float = Field(
        SpikeParams.share_factor,
        description="...and a negative share this many times its usual share.",
    )
    cooldown: Duration = Field(
        timedelta(hours=SpikeParams.cooldown_hours),
        description="Quiet time needed after a spiking hour before a target alerts again.",
    )
    warmup: Duration = Field(
        timedelta(days=SpikeParams.warmup_days),
        description="History a target needs (from its first mention) before it can alert.",
    )

    @model_validator(mode="after")
    def valid_params(self) -> Options:
        self.params()
        return self

    def params(self) -> SpikeParams:
        return SpikeParams(
            factor=self.factor,
            min_count=self.min_count,
            cooldown_hours=self.cooldown.total_seconds() / 3600,
            warmup_days=self.warmup.total_seconds() / 86400,
            share_factor=self.share_factor,
        )


def floor_hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def detect(ctx: Context, options: Options) -> list[Alert]:
    targets = ctx.settings.targets
    zone = ZoneInfo(ctx.settings.general.timezone)
    report_from = ctx.start(ctx.now - RECENT)
    ctx.store.refresh_mention_hours()
    counts = ctx.store.mention_hours(floor_hour(report_from - HISTORY), [t.name for t in targets])
    alerts = []
    for target in targets:
        hours = counts.get(target.name)
        if not hours:
            continue
        for hour, spike in _replay(hours, ctx.now, zone, options.params()):
            if hour + HOUR > report_from and not _cooling_down(ctx, target, hour, options):
                alerts.append(_alert(ctx, target, hour, spike, zone))
    return alerts


def _replay(
    hours: dict[datetime, tuple[int, int]], now: datetime, zone: ZoneInfo, params: SpikeParams
) -> list[tuple[datetime, Spike]]:
    """Feed every hour from the first mention up to now (the last one unfinished)."""
    detector = SpikeDetector(params)
    found = []
    hour = min(hours)
    while hour < now:
        end = min(hour + HOUR, now)
        total, negative = hours.get(hour, (0, 0))
        spike = detector.step(end.astimezone(zone), negative, total)
        if spike is not None:
            found.append((hour, spike))
        hour += HOUR
    return found


def _cooling_down(ctx: Context, target: Target, hour: datetime, options: Options) -> bool:
    """A spike of this target alerted within the cooldown already (live runs only)."""
    if ctx.backtest:
        return False
    earlier = ctx.store.alerts(since=hour - options.cooldown, kind="spike", target=target.name)
    return any(alert.key != _key(target, hour) for alert in earlier)


def _key(target: Target, hour: datetime) -> str:
    return f"spike:{target.name}:{hour:%Y-%m-%dT%H}"


def _alert(ctx: Context, target: Target, hour: datetime, spike: Spike, zone: ZoneInfo) -> Alert:
    end = min(hour + HOUR, ctx.now)
    pairs = ctx.store.mentions_between(hour, end, targets=[target.name], label="neg")
    pairs = sorted((pair for pair in pairs if about(pair[1], target)), key=lambda p: -reach(p[0]))
    posts = tuple(alert_post(post, mention, None) for post, mention in pairs[:TOP_POSTS])
    facts: dict[str, object] = {"now": int(spike.value), "baseline": round(spike.baseline, 1)}
    if spike.factor is not None:
        facts["factor"] = round(spike.factor, 1)
    if spike.share is not None and spike.usual_share is not None:
        facts["negative_share"] = spike.share
        facts["baseline_share"] = spike.usual_share
    start_local, end_local = hour.astimezone(zone), end.astimezone(zone)
    facts["window"] = f"{start_local:%Y-%m-%d %H:%M}–{end_local:%H:%M} ({zone.key})"
    summary = f"{target.name}: {spike.explanation}."
    if posts:
        summary += f" The {len(posts)} most-seen negative posts of that hour are below."
    return Alert(
        key=_key(target, hour),
        kind="spike",
        title=f"Negative spike for {target.name}",
        summary=summary,
        created_at=ctx.stamp(end),
        target=target.name,
        target_kind=target.kind,
        severity="critical" if target.kind == "brand" else "info",
        posts=posts,
        facts=facts,
    )
