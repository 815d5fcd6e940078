"""Live negative spikes: each target's hourly negative mentions, fed to the spike library.

The last four weeks of hourly counts (from the store's `mention_hours`) go through a
`SpikeDetector` one hour at a time, so each decision uses only data up to its own hour,
exactly as the library decides live. Within one process the replay carries on from cycle
to cycle; when a finished hour's count changes (posts collected late) it goes back to its
last checkpoint before that hour (one every six hours of the last two days), and starts
afresh when there is none or the settings change. A new process reads each target's
replay back from the store. The current, unfinished hour goes last, as a short bucket, to
a copy: a burst alerts within minutes and is judged again next cycle. A new target warms
up from its first mention. The alert's key is the target and the hour, so a re-run finds
the same alert; a spike found a few hours later by a replay that saw late posts is held
back by the cooldown against the alerts already stored.
"""

from __future__ import annotations

import ast
import base64
import binascii
import dataclasses
import hashlib
import inspect
import io
import itertools
import logging
import pickle
import sys
import textwrap
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo

from pydantic import Field, create_model

from monitor.alert import Alert, Severity
from monitor.analysis import series, spikes, surprise
from monitor.analysis.spikes import PARAM_BOUNDS, Spike, SpikeDetector, SpikeParams
from monitor.config import Target
from monitor.detectors.base import Context, Detector, DetectorOptions
from monitor.i18n import N_, Nn_, language, nphrase, phrase
from monitor.responses import about, alert_post, reach
from monitor.store import floor_hour

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
HISTORY = timedelta(days=29)  # four weeks of same-weekday medians, and a day to spare
RECENT = timedelta(hours=6)  # live: spikes this recent are still news after a pause
TOP_POSTS = 5
CHECKPOINT_EVERY = 6  # hours between a replay's checkpoints...
LATE = timedelta(days=2)  # ...kept for posts collected this late


class _SpikeOptions(DetectorOptions):
    def params(self) -> SpikeParams:
        return SpikeParams(**self.model_dump(exclude={"enabled"}))


def _attribute_docs(cls: type) -> dict[str, str]:
    """The docstring written under each attribute of a class, by attribute name."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body
    docs = {}
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _spike_fields() -> dict[str, Any]:
    """Every `SpikeParams` field as an option with its name, type, default, bound and
    description, so the settings never lag behind the library (nor `kulak detect-series`),
    and a value out of bounds is said at its own key and line."""
    types = get_type_hints(SpikeParams)
    docs = _attribute_docs(SpikeParams)
    fields = {}
    for f in dataclasses.fields(SpikeParams):
        bound = PARAM_BOUNDS[f.name]
        limit = {"gt" if bound.open else "ge": bound.least}
        fields[f.name] = (types[f.name], Field(f.default, description=docs.get(f.name), **limit))
    return fields


Options = create_model("Options", __base__=_SpikeOptions, **_spike_fields())


class NegativeSpike(Detector):
    name = "spike"
    Options = Options
    emoji = ":chart_with_upwards_trend:"
    next_steps = N_(
        "Open the top posts to see what people are reacting to; check for an outage, a "
        "price change or a viral post; reply to the loudest ones and post a status update "
        "if many people hit the same problem."
    )
    heading = N_("Spikes")
    noun = N_("spike")
    counted = Nn_("{n} spike", "{n} spikes")
    prominence = 10
    digest_place = "target"
    in_subject = True

    def detect(self, ctx: Context, options: _SpikeOptions) -> list[Alert]:
        targets = ctx.settings.targets
        zone = ZoneInfo(ctx.settings.general.timezone)
        report_from = ctx.start(ctx.now - RECENT)
        history_from = floor_hour(report_from - HISTORY)
        ctx.store.refresh_mention_hours()
        counts = ctx.store.mention_hours(history_from, [t.name for t in targets])
        params = options.params()
        started = ctx.store.sources_started(history_from, timedelta(days=params.warmup_days))
        read_at = {source: at for _, source, at in started}
        saved = {}
        if not ctx.backtest and any(_kept(ctx, name) is None for name in counts):
            saved = ctx.store.detector_states(SAVED)  # a new process: what the last one fed
        alerts = []
        replays = {}
        for target in targets:
            hours = counts.get(target.name)
            if not hours:
                continue
            # A source whose coverage begins within the target's warm-up is part of it.
            warm = min(hours) + timedelta(days=params.warmup_days)
            added = tuple((at, source) for at, source, _ in started if at >= warm)
            setup = _Setup(params, zone, added)
            replay = _replay_for(
                ctx, target.name, history_from, hours, setup, saved.get(SAVED + target.name)
            )
            replays[target.name] = replay
            for hour, spike in replay.up_to(ctx.now, hours):
                # A source added is news when kulak first read it, however far back its
                # first posts go.
                news = read_at.get(spike.source, hour) if spike.kind == "source" else hour
                if max(hour, news) + HOUR <= report_from:
                    continue
                if spike.kind != "spike" or not _cooling_down(ctx, target, hour, params):
                    alerts.append(_alert(ctx, target, hour, spike, zone))
        if not ctx.backtest:
            _save(ctx, replays)
        return alerts


Counts = dict[datetime, tuple[int, int]]


@dataclass(frozen=True)
class _Setup:
    """What a replay is made with: when any of it changes, it is made again."""

    params: SpikeParams
    zone: ZoneInfo
    added: tuple[tuple[datetime, str], ...] = ()
    """(where its coverage begins, source) of each source added after the target's warm-up."""

    def saved(self) -> dict[str, Any]:
        """As the store keeps it beside a replay."""
        return {
            "params": repr(self.params),
            "zone": self.zone.key,
            "added": [[at.isoformat(), source] for at, source in self.added],
        }


@dataclass
class _Replay:
    """One target's detector, fed every finished hour so far, and the spikes it found."""

    setup: _Setup
    detector: SpikeDetector
    next_hour: datetime
    fed: Counts = field(default_factory=dict)
    found: list[tuple[datetime, Spike]] = field(default_factory=list)
    snapshot: bytes | None = field(default=None, repr=False)
    """The detector pickled as of `next_hour`: copied from for each unfinished hour."""
    saved_hour: datetime | None = field(default=None, repr=False)
    """`next_hour` when the replay was last saved to the store or read from it."""
    checkpoints: list[tuple[datetime, bytes]] = field(default_factory=list, repr=False)
    """(next_hour, the detector pickled and compressed) every few hours of the last days:
    posts collected late into a finished hour replay from the checkpoint before it, not
    from four weeks back. A cycle makes one at most, at the first of those hours it feeds:
    one costs some thirty hours fed, and the hours after a checkpoint are replayed each
    cycle that late posts reach back past them (each checkpoint among them made again)."""

    def up_to(self, now: datetime, hours: Counts) -> list[tuple[datetime, Spike]]:
        """Spikes up to `now`. Finished hours are fed for good; the unfinished hour goes to
        a copy, so the next cycle judges it again with whatever arrived since."""
        finished = floor_hour(now)
        checkpoint = True
        while self.next_hour < finished:
            counts = hours.get(self.next_hour, (0, 0))
            self._step(self.detector, self.next_hour, self.next_hour + HOUR, counts, self.found)
            self.fed[self.next_hour] = counts
            self.next_hour += HOUR
            self.snapshot = None
            if self.next_hour.hour % CHECKPOINT_EVERY == 0 and finished - self.next_hour < LATE:
                if checkpoint:
                    self.checkpoints.append((self.next_hour, zlib.compress(self.pickled(), 1)))
                checkpoint = False
        self.checkpoints = [c for c in self.checkpoints if finished - c[0] < LATE]
        found = list(self.found)
        if now > finished:
            counts = hours.get(finished, (0, 0))
            # A copy through pickle: several times faster than deepcopy.
            self._step(pickle.loads(self.pickled()), finished, now, counts, found)
        return found

    def pickled(self) -> bytes:
        """The detector as pickle bytes, made once per finished hour fed, not per cycle."""
        if self.snapshot is None:
            self.snapshot = pickle.dumps(self.detector, protocol=pickle.HIGHEST_PROTOCOL)
        return self.snapshot

    def _step(
        self,
        detector: SpikeDetector,
        hour: datetime,
        end: datetime,
        counts: tuple[int, int],
        found: list[tuple[datetime, Spike]],
    ) -> None:
        total, negative = counts
        zone = self.setup.zone
        for at, source in self.setup.added:
            if hour <= at < end:
                found.append((hour, detector.source_added(at.astimezone(zone), source)))
        spike = detector.step(end.astimezone(zone), negative, total)
        if spike is not None:
            found.append((hour, spike))

    def resumed(self, setup: _Setup, now: datetime, hours: Counts) -> _Replay | None:
        """This replay, if it has the same setup, is not ahead of `now` and every
        finished hour still counts as fed; else set back to the last checkpoint before the
        first hour that changed; None when there is none."""
        if setup != self.setup or self.next_hour > floor_hour(now):
            return None
        start = min(hours)
        fed = {h: c for h, c in self.fed.items() if h >= start and c != (0, 0)}
        now_fed = {h: c for h, c in hours.items() if h < self.next_hour}
        changed = [h for h in fed.keys() | now_fed.keys() if fed.get(h) != now_fed.get(h)]
        if changed:
            first = min(changed)
            usable = [c for c in self.checkpoints if c[0] <= first]
            detector = _unpacked_detector(usable[-1][1]) if usable else None
            if detector is None:
                return None
            hour = usable[-1][0]
            self.detector, self.next_hour, self.snapshot = detector, hour, None
            self.fed = {h: c for h, c in self.fed.items() if h < hour}
            self.found = [(h, spike) for h, spike in self.found if h < hour]
            self.checkpoints = [c for c in self.checkpoints if c[0] <= hour]
        return self

    def anchor(self) -> list[str] | None:
        """The oldest checkpoint, packed, as the store keeps it: a new process that finds
        posts collected late replays from it, not from four weeks back."""
        if not self.checkpoints:
            return None
        hour, packed = self.checkpoints[0]
        return [hour.isoformat(), base64.b64encode(packed).decode("ascii")]


class _Unpickler(pickle.Unpickler):
    """Builds only the spike library's objects and the standard values they hold: a
    replay read back from the store can make nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _zone_getattr  # how pickle refers to ZoneInfo._unpickle
        if module in REPLAY_MODULES or (module, name) in REPLAY_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a spike replay")


REPLAY_MODULES = {"monitor.analysis.spikes", "monitor.analysis.series", "monitor.analysis.surprise"}
REPLAY_GLOBALS = {
    ("collections", "deque"),
    ("functools", "partial"),
    ("datetime", "datetime"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("zoneinfo", "ZoneInfo"),
}


def _zone_getattr(owner: Any, name: str) -> Any:
    if owner is ZoneInfo and name == "_unpickle":
        return ZoneInfo._unpickle
    raise pickle.UnpicklingError(f"getattr({owner!r}, {name!r}) is not part of a spike replay")


def _read_back(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


def _unpacked_detector(packed: bytes) -> SpikeDetector | None:
    """The detector of a checkpoint; None when bytes read back from the store do not make
    one."""
    try:
        detector = _read_back(zlib.decompress(packed))
    except (pickle.UnpicklingError, zlib.error, ValueError, TypeError, KeyError, EOFError):
        detector = None
    if not isinstance(detector, SpikeDetector):
        log.warning("a saved spike checkpoint could not be read; replaying from the counts")
        return None
    return detector


# Live cycles in one process carry each target's replay on instead of starting over. A
# replay is rebuilt when the settings change or a finished hour's count differs from what
# it was fed (posts collected late); a backtest always starts afresh.
_REPLAYS: dict[tuple[str, str], _Replay] = {}
MAX_REPLAYS = 1000


def forget_replays() -> None:
    """Start afresh, as a new process does (for benchmarks and tests)."""
    _REPLAYS.clear()


# Replays outlive the process too: each target's replay is kept in `detector_state` when it
# has fed another finished hour, with its oldest checkpoint, so a new process (`kulak detect
# --once`, a restart) reads it back instead of replaying four weeks of hours. It is used only
# if this very code (the spike library's and this file's) saved it with the same settings;
# when an hour it was fed counts differently now (posts collected late, or since it was
# saved), it goes back to that checkpoint; otherwise the replay starts afresh from the counts.
SAVED = "spike replay "  # + the target's name


@cache
def _code() -> str:
    """A fingerprint of the code a saved replay depends on."""
    sources = (
        inspect.getsource(module) for module in (spikes, surprise, series, sys.modules[__name__])
    )
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()


def _save(ctx: Context, replays: dict[str, _Replay]) -> None:
    advanced = {t: r for t, r in replays.items() if r.saved_hour != r.next_hour}
    values = {}
    for target, replay in advanced.items():
        rest = pickle.dumps((replay.next_hour, replay.fed, replay.found), pickle.HIGHEST_PROTOCOL)
        values[SAVED + target] = {
            "code": _code(),
            **replay.setup.saved(),
            "detector": _packed(replay.pickled()),
            "fed": _packed(rest),
            "anchor": replay.anchor(),
        }
    ctx.store.save_detector_states(values)
    for replay in advanced.values():
        replay.saved_hour = replay.next_hour


def _restored(saved: dict[str, Any] | None, setup: _Setup) -> _Replay | None:
    """A replay read back from the store, or None when it cannot be used as it is."""
    if not saved or saved.get("code") != _code():
        return None
    if any(saved.get(key) != value for key, value in setup.saved().items()):
        return None
    try:
        snapshot = _unpacked(saved["detector"])
        detector = _read_back(snapshot)
        next_hour, fed, found = _read_back(_unpacked(saved["fed"]))
        anchor = saved.get("anchor")
        checkpoints = []
        if anchor is not None:  # read back when a late post needs it
            hour, packed = anchor
            checkpoints = [(datetime.fromisoformat(hour), base64.b64decode(packed, validate=True))]
    except (pickle.UnpicklingError, zlib.error, binascii.Error, ValueError, TypeError, KeyError):
        log.warning("a saved spike replay could not be read; replaying from the counts")
        return None
    # Bytes the guarded unpickler took refer to nothing else: later copies may skip it.
    return _Replay(setup, detector, next_hour, fed, found, snapshot, next_hour, checkpoints)


def _packed(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 1)).decode("ascii")


def _unpacked(text: str) -> bytes:
    return zlib.decompress(base64.b64decode(text, validate=True))


def _kept(ctx: Context, target: str) -> _Replay | None:
    return _REPLAYS.get((ctx.store.engine.url.render_as_string(hide_password=True), target))


def _replay_for(
    ctx: Context,
    target: str,
    history_from: datetime,
    hours: Counts,
    setup: _Setup,
    saved: dict[str, Any] | None = None,
) -> _Replay:
    key = (ctx.store.engine.url.render_as_string(hide_password=True), target)
    replay = _REPLAYS.get(key) or _restored(saved, setup)
    if not ctx.backtest and replay is not None:
        replay = replay.resumed(setup, ctx.now, hours)
    if ctx.backtest or replay is None:
        replay = _Replay(setup, SpikeDetector(setup.params), min(hours))
    if not ctx.backtest:
        if len(_REPLAYS) >= MAX_REPLAYS:
            _REPLAYS.clear()
        _REPLAYS[key] = replay
    for old in [h for h in replay.fed if h < history_from]:
        del replay.fed[old]
    replay.found = [(h, s) for h, s in replay.found if h >= history_from]
    return replay


def _cooling_down(ctx: Context, target: Target, hour: datetime, params: SpikeParams) -> bool:
    """A spike of this target alerted within the cooldown already (live runs only)."""
    if ctx.backtest:
        return False
    since = hour - timedelta(hours=params.cooldown_hours)
    earlier = ctx.store.alerts(since=since, kind="spike", target=target.name)
    own = _key(target, hour)
    return any(alert.key != own and alert.key.startswith("spike:") for alert in earlier)


def _key(target: Target, hour: datetime, kind: str = "spike") -> str:
    """A step or a source added has its own key, so it neither replaces nor holds back a
    spike's alert."""
    prefix = "spike" if kind == "spike" else f"spike-{kind}"
    return f"{prefix}:{target.name}:{hour:%Y-%m-%dT%H}"


def _alert(ctx: Context, target: Target, hour: datetime, spike: Spike, zone: ZoneInfo) -> Alert:
    end = min(hour + HOUR, ctx.now)
    negative = ctx.store.mentions_between(hour, end, targets=[target.name], label="neg")
    # Most seen first; among equally seen posts, the angriest.
    pairs = sorted(
        (pair for pair in negative if about(pair[1], target)),
        key=lambda p: (-reach(p[0]), p[1]["compound"]),
    )
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
    name, usual = target.name, round(spike.baseline, 1)
    title = phrase("Negative spike for {name}", name=name)
    # in other languages, the explanation is said from its figures
    said = [
        phrase(
            "{name}: {now} negative mentions in the hour, against a usual {usual}.",
            name=name,
            now=int(spike.value),
            usual=usual,
        )
    ]
    severity: Severity = "critical" if target.kind == "brand" else "info"
    if spike.kind == "step":  # worth saying, not worth paging for
        title = phrase("New usual level of negative mentions for {name}", name=name)
        said = [
            phrase(
                "{name}: negative mentions have settled at a new level, {now} an hour "
                "against {usual} before.",
                name=name,
                now=round(spike.value, 1),
                usual=usual,
            )
        ]
        severity, posts = "info", ()
        facts.update(now=round(spike.value, 1), step=True)
    if spike.kind == "source":  # known, so said as what it is
        source = spike.source
        title = phrase("New source for {name}: {source}", name=name, source=source)
        said = [
            phrase(
                "{source} was added: its mentions of {name} count from now on, so spikes "
                "are judged again after a day of the new level.",
                name=name,
                source=source,
            )
        ]
        severity, posts = "info", ()
        facts = {"window": facts["window"], "source": source}
    if posts:
        summary += f" The {len(posts)} most-seen negative posts of that hour are below."
        said.append(
            nphrase(
                "The {n} most-seen negative post of that hour is below.",
                "The {n} most-seen negative posts of that hour are below.",
                len(posts),
            )
        )
    return Alert(
        key=_key(target, hour, spike.kind),
        kind="spike",
        title=language("en").say(title),
        summary=summary,
        phrases={"title": title, "summary": said},
        created_at=ctx.stamp(end),
        happened_at=hour,
        target=target.name,
        target_kind=target.kind,
        severity=severity,
        posts=posts,
        pages=spike.kind == "spike",
        facts=facts,
    )
