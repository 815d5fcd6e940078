"""Alerts into the outbox: one delivery row per channel that takes the alert's kind."""

from __future__ import annotations

from collections.abc import Iterable

from monitor.alert import Alert
from monitor.config import Settings
from monitor.store import Store


def channel_names_for(settings: Settings, alert: Alert) -> list[str]:
    if not alert.pages:
        return []  # stored for the digest only
    enabled = settings.enabled_channels
    if not enabled:
        return ["console"]
    return [c.name for c in enabled if c.takes(alert.kind)]


def queue(store: Store, settings: Settings, alerts: Iterable[Alert]) -> list[Alert]:
    """Queue alerts not seen before; return those that are new."""
    return store.add_alerts((a, channel_names_for(settings, a)) for a in alerts)
