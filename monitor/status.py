"""`kulak status`: what an operator checks first, read from the store.

A source that is configured but has never run is listed too, and so is a digest that is
failing or was never sent: silence is what operators of listening tools complain about
most, so it must be visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.config import Settings
from monitor.detectors.health import Options as HealthOptions
from monitor.detectors.health import failing
from monitor.sentiment.adjust import from_labels
from monitor.store import DigestRecord, Store
from monitor.triage import team_response


@dataclass(frozen=True)
class SourceStatus:
    name: str
    status: str  # ok, new, or the last problem (auth_failed, timeout, ...)
    last_success: str | None
    last_failure: str | None
    last_error: str | None
    posts_last_day: int
    enabled: bool = True
    # items of the last run that read any that could not be read, e.g. "3 of 50", and one
    skipped: str | None = None
    skip_example: str | None = None


@dataclass(frozen=True)
class ChannelStatus:
    name: str
    queued: int  # waiting, retrying, or being sent
    failed: int
    sent: int
    digest: str | None = None  # the latest digest on a channel that sends them


@dataclass(frozen=True)
class Status:
    sources: list[SourceStatus]
    channels: list[ChannelStatus]
    serving: bool  # a `kulak run` holds the database's run lock
    problems: list[str]  # what `kulak status --check` fails on, one line each
    sentiment: str = "offline scorer"  # which scorer, and how often the model fell back
    team: str = "no opportunities or risks in the last 7 days"  # its response time
    corrections: str = ""  # what the team's sentiment labels taught the scorer


def _sentiment(settings: Settings, use: dict[str, Any] | None) -> str:
    """The configured model, and what it scored and left to the offline scorer."""
    model = settings.sentiment.model
    if model is None:
        return "offline scorer (no sentiment.model configured)"
    line = f"{model.description} for {', '.join(model.languages)}"
    if not use or use.get("model") != model.description:
        return f"{line}; not used yet"
    fallback = use.get("fallback") or {}
    line += (
        f"; since {_when(datetime.fromisoformat(use['since']))}: {use['by_model']} texts "
        f"scored by the model, {sum(fallback.values())} by the offline scorer instead"
    )
    if fallback:
        line += " (" + ", ".join(f"{n} {why}" for why, n in sorted(fallback.items())) + ")"
    if use.get("last_problem"):
        at = _when(datetime.fromisoformat(use["last_problem_at"]))
        line += f"; last problem {at}: {use['last_problem']}"
    return line


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else None


def _digest(record: DigestRecord | None) -> str:
    if record is None:
        return "none yet"
    if record.status == "sent":
        return f"{record.day} sent {_when(record.sent_at)}"
    tries = f"{record.attempts} attempt{'' if record.attempts == 1 else 's'}"
    if record.status == "pending":
        tries += f", next {_when(record.next_attempt_at)}"
    return f"{record.day} failing ({tries}): {record.last_error}"


def _skipped(state: dict) -> str | None:
    skipped = state.get("last_skipped") or 0
    return f"{skipped} of {state['last_items']}" if skipped else None


def gather(store: Store, settings: Settings, now: datetime | None = None) -> Status:
    now = now or datetime.now(UTC)
    posts = store.posts_per_source(now - timedelta(days=1))
    states = {state["source"]: state for state in store.states()}
    configured = {source.name: source.enabled for source in settings.sources}
    health = settings.detectors.get("health") or HealthOptions()
    serving = store.serving()
    problems = [] if serving else ["no `kulak run` is serving this database"]
    sources = []
    for name in sorted(configured.keys() | states.keys()):
        state = states.get(name) or store.state(name)
        if configured.get(name) and failing(state, health):
            problems.append(
                f"source {name}: {state['consecutive_failures']} failed runs in a row, "
                f"the last {state['status']}: {state.get('last_error')}"
            )
        sources.append(
            SourceStatus(
                name=name,
                status=state["status"],
                last_success=_when(state.get("last_success_at")),
                last_failure=_when(state.get("last_failure_at")),
                last_error=state.get("last_error") if state.get("last_failure_at") else None,
                posts_last_day=posts.get(name, 0),
                enabled=configured.get(name, False),
                skipped=_skipped(state),
                skip_example=state.get("skip_example") if _skipped(state) else None,
            )
        )
    counts = store.delivery_counts()
    digests = store.latest_digests()
    names = {c.name for c in settings.enabled_channels} | {channel for channel, _ in counts}
    names |= digests.keys()
    digest_channels = {
        c.name for c in settings.enabled_channels if getattr(c.options, "digest", False)
    } | digests.keys()
    channels = [
        ChannelStatus(
            name=name,
            queued=counts.get((name, "pending"), 0) + counts.get((name, "sending"), 0),
            failed=counts.get((name, "failed"), 0),
            sent=counts.get((name, "sent"), 0),
            digest=_digest(digests.get(name)) if name in digest_channels else None,
        )
        for name in sorted(names)
    ]
    problems += [
        f"channel {name}: digest {_digest(record)}"
        for name, record in sorted(digests.items())
        if record.status != "sent"
    ]
    return Status(
        sources,
        channels,
        serving=serving,
        problems=problems,
        sentiment=_sentiment(settings, store.model_use()),
        team=_team(store, now),
        corrections=_corrections(store),
    )


def _corrections(store: Store) -> str:
    return from_labels(store.iter_labels()).describe()


def _team(store: Store, now: datetime) -> str:
    team = team_response(store, now - timedelta(days=7), now)
    if not team.raised:
        return Status.team
    taken = f"{_minutes(team.median_to_claim)} to take one" if team.claimed else "none taken"
    answered = f"{_minutes(team.median_to_reply)} to answer" if team.replied else "none answered"
    return (
        f"{team.replied} of {team.raised} leads answered in the last 7 days "
        f"({team.set_aside} set aside); median {taken}, {answered}"
    )


def _minutes(value: float | None) -> str:
    minutes = round(value or 0)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"
