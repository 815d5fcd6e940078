"""`kulak status`: what an operator checks first, read from the store.

A source that is configured but has never run is listed too: silence is what operators
of listening tools complain about most, so it must be visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.config import Settings
from monitor.store import Store


@dataclass(frozen=True)
class SourceStatus:
    name: str
    status: str  # ok, new, or the last problem (auth_failed, timeout, ...)
    last_success: str | None
    last_failure: str | None
    last_error: str | None
    posts_last_day: int
    enabled: bool = True


@dataclass(frozen=True)
class ChannelStatus:
    name: str
    queued: int  # waiting, retrying, or being sent
    failed: int
    sent: int


@dataclass(frozen=True)
class Status:
    sources: list[SourceStatus]
    channels: list[ChannelStatus]


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else None


def gather(store: Store, settings: Settings, now: datetime | None = None) -> Status:
    now = now or datetime.now(UTC)
    posts = store.posts_per_source(now - timedelta(days=1))
    states = {state["source"]: state for state in store.states()}
    configured = {source.name: source.enabled for source in settings.sources}
    sources = []
    for name in sorted(configured.keys() | states.keys()):
        state = states.get(name) or store.state(name)
        sources.append(
            SourceStatus(
                name=name,
                status=state["status"],
                last_success=_when(state.get("last_success_at")),
                last_failure=_when(state.get("last_failure_at")),
                last_error=state.get("last_error") if state.get("last_failure_at") else None,
                posts_last_day=posts.get(name, 0),
                enabled=configured.get(name, False),
            )
        )
    counts = store.delivery_counts()
    names = {c.name for c in settings.enabled_channels} | {channel for channel, _ in counts}
    channels = [
        ChannelStatus(
            name=name,
            queued=counts.get((name, "pending"), 0) + counts.get((name, "sending"), 0),
            failed=counts.get((name, "failed"), 0),
            sent=counts.get((name, "sent"), 0),
        )
        for name in sorted(names)
    ]
    return Status(sources, channels)
