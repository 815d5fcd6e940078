"""One detection cycle: every enabled detector over the store, new alerts into the outbox.

Detectors only read; queueing happens here, through the outbox, whose stable keys make a
second run of the same cycle add nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from monitor import outbox
from monitor.alert import Alert
from monitor.config import Settings
from monitor.detectors import health, negative_spike, opportunity, risk
from monitor.detectors.base import Context
from monitor.store import Store

DETECTORS: dict[str, ModuleType] = {
    "spike": negative_spike,
    "opportunity": opportunity,
    "risk": risk,
    "health": health,
}


def detector_options() -> dict[str, type[BaseModel]]:
    """Each detector's options model, by the name its `detectors:` entry takes."""
    return {name: module.Options for name, module in DETECTORS.items()}


def _run(ctx: Context) -> dict[str, list[Alert]]:
    found: dict[str, list[Alert]] = {}
    for name, module in DETECTORS.items():
        options = ctx.settings.detectors.get(name) or module.Options()
        if options.enabled:
            detect: Callable[[Context, Any], list[Alert]] = module.detect
            found[name] = detect(ctx, options)
    return found


def detect_once(store: Store, settings: Settings, now: datetime | None = None) -> list[Alert]:
    """Run every enabled detector once and queue what is new; return the new alerts."""
    ctx = Context(store, settings, now or datetime.now(UTC))
    found = _run(ctx)
    return outbox.queue(store, settings, [alert for alerts in found.values() for alert in alerts])


def backtest(
    store: Store, settings: Settings, since: datetime, now: datetime | None = None
) -> dict[str, list[Alert]]:
    """What each enabled detector would have raised since `since`; nothing is queued."""
    return _run(Context(store, settings, now or datetime.now(UTC), since=since))
