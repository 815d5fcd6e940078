"""The outbox's state changes: claiming a delivery, recording its outcome, queueing again.

The store owns every statement on `deliveries`; `monitor.deliver` decides when to send and
how long to wait, and records what happened through these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update

from monitor.store import schema


class OutboxWrites:
    """Mixed into `Store`."""

    engine: Engine
    redact: Callable[[str], str]

    def redacted(self, values: dict[str, Any]) -> dict[str, Any]:
        """Column values with the error text masked (a failing URL may carry a token)."""
        error = values.get("last_error")
        return {**values, "last_error": self.redact(error)} if error else values

    def claim_delivery(self, delivery_id: int, now: datetime) -> bool:
        """Mark a pending delivery `sending` before its send; False if another took it."""
        d = schema.deliveries
        with self.engine.begin() as conn:
            result = conn.execute(
                update(d)
                .where(d.c.id == delivery_id, d.c.status == "pending")
                .values(status="sending", claimed_at=now, attempts=d.c.attempts + 1)
            )
        return result.rowcount == 1

    def record_delivery(self, delivery_id: int, outcome: dict[str, Any]) -> None:
        """What became of a claimed send (status, next attempt, last error, sent_at)."""
        d = schema.deliveries
        with self.engine.begin() as conn:
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id, d.c.status == "sending")
                .values(self.redacted(outcome))
            )

    def requeue_sending(self, channel: str | None, claimed_before: datetime) -> int:
        """Sends claimed before `claimed_before` and never recorded go back to `pending`."""
        d = schema.deliveries
        query = update(d).where(d.c.status == "sending", d.c.claimed_at < claimed_before)
        if channel is not None:
            query = query.where(d.c.channel == channel)
        with self.engine.begin() as conn:
            result = conn.execute(query.values(status="pending", next_attempt_at=claimed_before))
        return result.rowcount

    def requeue_failed(self, channel: str | None, now: datetime) -> int:
        """Failed deliveries queued again from scratch, once a person fixed the cause."""
        d = schema.deliveries
        query = update(d).where(d.c.status == "failed")
        if channel is not None:
            query = query.where(d.c.channel == channel)
        with self.engine.begin() as conn:
            result = conn.execute(query.values(status="pending", attempts=0, next_attempt_at=now))
        return result.rowcount
