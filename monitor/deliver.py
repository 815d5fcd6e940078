"""Delivery from the outbox: each pending (alert, channel) row sent once, retried with
exponential backoff, one thread per channel so a channel that is down or slow never holds
up the others.

Crash between sending and recording: we chose at-least-once. A row is claimed (status
`sending`, attempts + 1, `claimed_at`) and committed *before* the send; the result is
recorded right after. If the process dies in between, the row stays `sending`; once its
claim is older than `RetryPolicy.lease` (longer than any channel's time-out, so a slow
but live sender is never doubled) it goes back to `pending` and is sent again. The other
choice, at-most-once, would lose the alert whenever the crash came before the send, and a
lost alert is the one failure this product must not have. The rare duplicate is
recognisable: email keeps the same Message-ID, Slack messages carry the alert key in their
metadata and footer, JSON lines carry `key`.

A `failed` row (bad credentials, a refused message, or retries exhausted) is kept with its
reason; `retry_failed` puts such rows back in the queue once a person has fixed the cause.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.base import Channel, SendResult
from monitor.digest import Digest
from monitor.store import DigestRecord, Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 24  # about 18 hours of trying at the default base and cap
    lease: timedelta = timedelta(minutes=15)

    def delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """Wait before attempt `attempts + 1`: doubling from `base` up to `cap`, and never
        less than the peer's Retry-After."""
        backoff = min(self.cap, self.base * 2 ** max(attempts - 1, 0))
        return max(backoff, timedelta(seconds=retry_after or 0))


@dataclass
class ChannelReport:
    channel: str
    sent: int = 0
    for_digest: int = 0  # done with, not sent: the channel's daily digest shows them
    retrying: int = 0
    failed: int = 0
    deferred: int = 0  # due, but left queued because the channel just reported trouble
    recovered: int = 0  # `sending` rows of a crashed run put back in the queue
    error: str | None = None


def deliver_once(
    store: Store,
    channels: Mapping[str, Channel],
    *,
    policy: RetryPolicy | None = None,
    clock: Clock = utcnow,
) -> list[ChannelReport]:
    """Send what is due on every channel (keyed by the channel's name in settings)."""
    policy = policy or RetryPolicy()
    if not channels:
        return []
    with ThreadPoolExecutor(max_workers=len(channels), thread_name_prefix="deliver") as pool:
        futures = [
            pool.submit(_deliver_channel, store, name, channel, policy, clock)
            for name, channel in channels.items()
        ]
        return [future.result() for future in futures]


def _deliver_channel(
    store: Store, name: str, channel: Channel, policy: RetryPolicy, clock: Clock
) -> ChannelReport:
    report = ChannelReport(name)
    try:
        report.recovered = _recover_stale(store, name, clock() - policy.lease)
        due = store.due_deliveries(name, clock())
        for index, delivery in enumerate(due):
            if not store.claim_delivery(delivery.id, clock()):
                continue  # another deliverer took it
            result = channel.send(delivery.alert)
            attempts = delivery.attempts + 1
            store.record_delivery(delivery.id, _outcome(result, attempts, policy, clock()))
            if result.ok and result.for_digest:
                report.for_digest += 1
            elif result.ok:
                report.sent += 1
            elif result.status == "retry" and delivery.attempts + 1 < policy.max_attempts:
                report.retrying += 1
                report.deferred = len(due) - index - 1
                report.error = result.reason
                break  # the peer is down or throttling: the rest would only fail too
            else:
                report.failed += 1
                report.error = result.reason
    except Exception as exc:  # the store itself failing: report it, other channels go on
        log.exception("delivery on channel %s stopped", name)
        report.error = f"{type(exc).__name__}: {exc}"
    return report


def _recover_stale(store: Store, channel: str | None, claimed_before: datetime) -> int:
    count = store.requeue_sending(channel, claimed_before)
    if count:
        where = f"channel {channel}" if channel else "all channels"
        log.warning("%s: %d interrupted sends queued again", where, count)
    return count


def recover_interrupted(store: Store, started_at: datetime) -> int:
    """At the start of the only deliverer (`kulak run` holds the store's run lock), every
    `sending` row was claimed by a process that died: queue them again now rather than
    after the lease. These are the sends that may reach a channel twice."""
    return _recover_stale(store, None, started_at)


def _outcome(
    result: SendResult, attempts: int, policy: RetryPolicy, now: datetime
) -> dict[str, Any]:
    """What the outbox (or the digests table) records after attempt number `attempts`."""
    if result.ok:
        return {"status": "sent", "sent_at": now, "last_error": result.reason or None}
    if result.status == "retry" and attempts < policy.max_attempts:
        wait = policy.delay(attempts, result.retry_after)
        return {"status": "pending", "next_attempt_at": now + wait, "last_error": result.reason}
    if result.status == "retry":
        return {"status": "failed", "last_error": f"gave up after {attempts}: {result.reason}"}
    return {"status": "failed", "last_error": result.reason}


def retry_failed(store: Store, channel: str | None = None, clock: Clock = utcnow) -> int:
    """Queue failed deliveries again (after fixing a token, say); returns how many."""
    return store.requeue_failed(channel, clock())


def digest_due(record: DigestRecord | None, now: datetime) -> bool:
    """Whether a digest with this record (None: never tried) is to be sent now: not tried
    yet, or its retry is due. One sent, or refused for good, is not."""
    if record is None:
        return True
    return record.status == "pending" and (record.next_attempt_at or now) <= now


def send_digest(
    store: Store,
    name: str,
    channel: Channel,
    digest: Digest,
    *,
    policy: RetryPolicy | None = None,
    clock: Clock = utcnow,
) -> SendResult:
    """Send a digest on one channel and record the outcome under (channel, local day), with
    the outbox's backoff. A crash between the send and the record sends it again."""
    policy = policy or RetryPolicy()
    before = store.digest_record(name, digest.day)
    attempts = (before.attempts if before else 0) + 1
    result = channel.send_digest(digest)
    store.record_digest(name, digest.day, attempts, **_outcome(result, attempts, policy, clock()))
    return result
