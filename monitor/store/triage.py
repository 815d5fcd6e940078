"""The statements behind triage: an alert's state, the actions taken on it, the labels.

`monitor.triage` decides what an action means; this only reads and writes, each action
in one transaction with the row locked where the database can, so two people pressing
at once see one of them win.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from monitor.alert import Alert
from monitor.store import schema


@dataclass(frozen=True)
class TriageRow:
    alert_key: str
    state: str  # new, claimed, replied, not_relevant
    raised_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Label:
    source: str
    external_id: str
    target: str
    label: str
    text: str
    lang: str | None
    compound: float | None
    who: str
    at: datetime


class TriageWrites:
    """Mixed into `Store`."""

    engine: Engine
    dialect: str

    def triage_rows(self, keys: Iterable[str]) -> dict[str, TriageRow]:
        t = schema.triage
        wanted = list(keys)
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.alert_key.in_(wanted))).mappings().all()
        return {row["alert_key"]: _row(row) for row in rows}

    def triage_since(self, since: datetime) -> list[TriageRow]:
        """The triage of alerts raised since then (the team's response time reads these)."""
        t = schema.triage
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.raised_at >= since)).mappings().all()
        return [_row(row) for row in rows]

    def change_triage(self, key: str, raised_at: datetime, decide: Any) -> TriageRow:
        """Apply `decide(current) -> (new row or None, outcome words)` to the alert's row in
        one transaction; the event is recorded whatever was decided."""
        t = schema.triage
        with self.engine.begin() as conn:
            query = select(t).where(t.c.alert_key == key)
            if self.dialect == "postgresql":
                query = query.with_for_update()
            found = conn.execute(query).mappings().first()
            current = _row(found) if found else TriageRow(key, "new", raised_at)
            changed, action, who, at, outcome = decide(current)
            if changed is not None:
                values = {
                    "state": changed.state,
                    "claimed_by": changed.claimed_by,
                    "claimed_at": changed.claimed_at,
                    "closed_by": changed.closed_by,
                    "closed_at": changed.closed_at,
                    "updated_at": at,
                }
                if found:
                    conn.execute(update(t).where(t.c.alert_key == key).values(values))
                else:
                    conn.execute(insert(t).values(alert_key=key, raised_at=raised_at, **values))
            conn.execute(
                insert(schema.triage_events).values(
                    alert_key=key, action=action, who=who, at=at, outcome=outcome
                )
            )
        return changed or current

    def alert_by_key(self, key: str) -> Alert | None:
        table = schema.alerts
        with self.engine.connect() as conn:
            raw = conn.execute(select(table.c.payload).where(table.c.key == key)).scalar()
        return None if raw is None else Alert.from_json(raw)

    def posts_by_id(self, source: str, external_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Stored posts of one source, each with its mentions: the inbox shows a lead's
        post and its parent as stored now (edited text, new counts)."""
        p, m = schema.posts, schema.mentions
        wanted = sorted(set(external_ids))
        if not wanted:
            return []
        with self.engine.connect() as conn:
            query = select(p).where(p.c.source == source, p.c.external_id.in_(wanted))
            posts = [dict(row) for row in conn.execute(query).mappings()]
            mentions: dict[int, list[dict[str, Any]]] = {}
            if posts:
                query = select(m).where(m.c.post_id.in_([post["id"] for post in posts]))
                for row in conn.execute(query).mappings():
                    mentions.setdefault(row["post_id"], []).append(dict(row))
        for post in posts:
            post["created_at"] = _utc(post["created_at"])
            post["mentions"] = mentions.get(post["id"], [])
        return posts

    def put_label(self, label: Label) -> None:
        """The team's latest word on one mention replaces any earlier one."""
        table = schema.labels
        values = label.__dict__
        with self.engine.begin() as conn:
            done = conn.execute(
                update(table)
                .where(
                    table.c.source == label.source,
                    table.c.external_id == label.external_id,
                    table.c.target == label.target,
                )
                .values(values)
            )
            if not done.rowcount:
                conn.execute(insert(table).values(values))

    def iter_labels(self) -> Iterator[Label]:
        table = schema.labels
        with self.engine.connect() as conn:
            rows = conn.execute(select(table).order_by(table.c.at, table.c.id)).mappings().all()
        for row in rows:
            yield Label(**{k: _utc(row[k]) for k in Label.__dataclass_fields__})


def _row(row: Any) -> TriageRow:
    return TriageRow(**{k: _utc(row[k]) for k in TriageRow.__dataclass_fields__})


def _utc(value: Any) -> Any:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
