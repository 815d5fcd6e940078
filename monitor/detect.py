"""One detection cycle: every enabled detector over the store, new alerts into the outbox.

Detectors only read; queueing happens here, through the outbox, whose stable keys make a
second run of the same cycle add nothing.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from monitor import outbox
from monitor.alert import Alert
from monitor.config import Settings
from monitor.detectors.base import Context
from monitor.registry import detector_classes
from monitor.store import Store

log = logging.getLogger(__name__)


class DetectorsFailed(Exception):
    """Some detectors failed; the others ran and their new alerts (`queued`) are queued."""

    def __init__(self, failures: dict[str, Exception], queued: list[Alert]) -> None:
        self.failures = failures
        self.queued = queued
        super().__init__(
            "; ".join(f"detector {name} failed: {exc!r}" for name, exc in failures.items())
        )


def _run(ctx: Context) -> tuple[dict[str, list[Alert]], dict[str, Exception]]:
    """Each enabled detector's alerts; one that fails is reported and never stops the rest."""
    found: dict[str, list[Alert]] = {}
    failures: dict[str, Exception] = {}
    for name, detector in detector_classes().items():
        options = ctx.settings.detectors.get(name) or detector.Options()
        if not options.enabled:
            continue
        try:
            found[name] = detector().detect(ctx, options)
        except Exception as exc:  # isolate each detector; report them all
            log.exception("detector %s failed", name)
            failures[name] = exc
    return found, failures


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a detection cycle, back as it was after.

    A cycle makes and drops tens of thousands of rows and values; the collections they
    set off walk every object the process holds (a full one took 0.2 s of a 1 s cycle
    at a million posts), though almost all of those rows are freed by their reference
    counts when the cycle ends. What is left in cycles is collected after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def detect_once(store: Store, settings: Settings, now: datetime | None = None) -> list[Alert]:
    """Run every enabled detector once and queue what is new; return the new alerts.

    If a detector fails, the others' alerts are queued first, then `DetectorsFailed`
    names every failure.
    """
    with _collector_paused():
        found, failures = _run(Context(store, settings, now or datetime.now(UTC)))
        alerts = [alert for found_by in found.values() for alert in found_by]
        new = outbox.queue(store, settings, alerts)
    if failures:
        raise DetectorsFailed(failures, new)
    return new


def backtest(
    store: Store, settings: Settings, since: datetime, now: datetime | None = None
) -> dict[str, list[Alert]]:
    """What each enabled detector would have raised since `since`; nothing is queued."""
    found, failures = _run(Context(store, settings, now or datetime.now(UTC), since=since))
    if failures:
        raise DetectorsFailed(failures, [])
    return found
