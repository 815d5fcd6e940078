"""The store: posts, mentions, collector state, the alert outbox and the digests sent, on
SQLite or PostgreSQL.

Writes are idempotent upserts keyed by what identifies a thing in the world (a post by
source and external id, an alert by its stable key), so collecting or detecting again
never makes a second row.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, partial
from importlib import import_module
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    Text,
    and_,
    case,
    cast,
    create_engine,
    delete,
    event,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from monitor import private
from monitor.alert import Alert
from monitor.records import Record
from monitor.store import schema
from monitor.store.connect import OPEN_ERRORS, ping_when_idle, unavailable
from monitor.store.migrate import upgrade
from monitor.store.outbox import OutboxWrites
from monitor.store.runlock import AdvisoryLock, AlreadyRunning
from monitor.store.triage import TriageWrites
from monitor.store.writes import PageWriter
from spiders.items import PageDone, SourceProblem

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
REFRESH_OVERLAP = timedelta(minutes=15)
#: how much one run moves a source's usual share of skipped items (a moving average)
SKIP_SHARE_WEIGHT = 0.2
# What choosing a mention needs: who, when, how far it reached, what it wants.
BRIEF_POST = (
    "id",
    "source",
    "external_id",
    "author_handle",
    "author_followers",
    "likes",
    "reposts",
    "replies",
    "created_at",
    "updated_at",
)
BRIEF_MENTION = ("id", "target", "created_at", "label", "intents", "by_target")
#: values in one IN list at most (a power of two, as `one_of` pads to)
IN_LIMIT = 1024
MODEL_USE = "sentiment_model"  # its row in detector_state


def utcnow() -> datetime:
    return datetime.now(UTC)


def one_of(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`, the list padded to a power of two with its last value.

    Each length of an IN list is a statement of its own, which the driver prepares and
    keeps per connection (sqlite3 keeps its 128 latest, some 170 bytes per value). A list
    that grew by one from cycle to cycle (the alert keys a detector checks) filled that
    cache with ever larger statements: tens of MiB per connection in a long run. Padded,
    a query has a dozen lengths at most.
    """
    size = 1 << max(len(values) - 1, 0).bit_length()
    return column.in_([*values, *values[-1:] * (size - len(values))])


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SaveResult:
    new: int
    updated: int


@dataclass(frozen=True)
class Delivery:
    id: int
    alert: Alert
    channel: str
    attempts: int
    status: str


@dataclass(frozen=True)
class DigestRecord:
    channel: str
    day: date  # the local day the digest is about
    status: str  # sent, pending (tried again at next_attempt_at), failed
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None


class Store(OutboxWrites, TriageWrites):
    def __init__(self, engine: Engine, redact: Callable[[str], str] = str) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        #: applied to every error text written (a failing feed URL may carry a token)
        self.redact = redact

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, redact: Callable[[str], str] = str) -> Store:
        # A server connection can die between uses; a SQLite file's cannot, and a ping
        # before every transaction would be one more statement per stored page.
        try:
            engine = create_engine(url, future=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
                _make_private(engine.url.database)
            else:
                ping_when_idle(engine)
            if migrate:
                upgrade(engine)
        except OPEN_ERRORS as exc:  # a wrong URL or a server that is down, said plainly
            raise unavailable(url, exc) from exc
        return cls(engine, redact)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def run_lock(self) -> Iterator[Callable[[], bool]]:
        """Held while `kulak run` serves this database, so a second one refuses to start.
        The operating system (SQLite: a lock file beside the database) or PostgreSQL
        (a session advisory lock) drops it when the process dies, even by SIGKILL.

        Yields the question the service asks regularly: is the lock still ours? (On
        PostgreSQL a dropped connection loses it; see `runlock`.)"""
        if self.dialect == "postgresql":
            lock = AdvisoryLock(self.engine.url)
            lock.take()
            try:
                yield lock.keep
            finally:
                lock.release()
            return
        database = self.engine.url.database
        if not database or database == ":memory:":
            yield _always
            return
        path = Path(f"{database}.run-lock")
        private.create(path)
        with path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise AlreadyRunning(f"another `kulak run` is serving {database}") from None
            try:
                yield _always
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def serving(self) -> bool:
        """Whether a `kulak run` serves this database now. Asked by taking the run lock for
        a moment: a `kulak run` starting in that very moment refuses to start, as if a
        second one were running, and its supervisor starts it again."""
        try:
            with self.run_lock():
                return False
        except AlreadyRunning:
            return True

    def _insert(self, table: schema.Table) -> Any:
        # The dialect's own module only: PostgreSQL's holds 2.2 MiB a SQLite store never needs.
        return import_module(f"sqlalchemy.dialects.{self.dialect}").insert(table)

    @cached_property
    def _page_writer(self) -> PageWriter:
        return PageWriter(self.engine.dialect)

    # -- posts -------------------------------------------------------------------------

    def save(
        self,
        records: Iterable[Record],
        source: str | None = None,
        page: PageDone | None = None,
        at: datetime | None = None,
    ) -> SaveResult:
        """Store posts with their mentions and, in the same transaction, advance the cursor.

        A page is its posts upserted returning their ids, its mentions upserted, and the
        cursor read and written (`PageWriter.page`). `at`: when collected (now)."""
        records = list(records)
        latest = list({(r.post.source, r.post.external_id): r for r in records}.values())
        writer = self._page_writer
        at = at or utcnow()
        with self.engine.begin() as conn:
            cursor = conn.connection.cursor()
            try:
                if source is not None and page is not None:
                    advance = partial(self._advance, conn, source, page, latest, at)
                    new = writer.page(cursor, latest, at, source, advance)
                else:
                    new = writer.page(cursor, latest, at)  # the last one of a key wins
            finally:
                cursor.close()
        return SaveResult(new, len(records) - new)

    # -- the sentiment model's use ----------------------------------------------------

    def record_model_use(
        self,
        model: str,
        by_model: int,
        fallback: Mapping[str, int],
        problem: str | None = None,
        problem_at: datetime | None = None,
    ) -> None:
        """Add to the running count of texts the model scored and texts that fell back to
        the offline scorer (by reason); a different model starts a new count."""
        state = schema.detector_state
        with self.engine.begin() as conn:
            value = (
                conn.execute(select(state.c.value).where(state.c.name == MODEL_USE)).scalar() or {}
            )
            if value.get("model") != model:
                value = {"model": model, "since": utcnow().isoformat(), "by_model": 0}
            value = {**value, "by_model": value["by_model"] + by_model}
            counts = dict(value.get("fallback") or {})
            for reason, count in fallback.items():
                counts[reason] = counts.get(reason, 0) + count
            value["fallback"] = counts
            if problem:
                value["last_problem"] = problem
                value["last_problem_at"] = (problem_at or utcnow()).isoformat()
            conn.execute(
                self._insert(state)
                .values(name=MODEL_USE, value=value)
                .on_conflict_do_update(index_elements=["name"], set_={"value": value})
            )

    def model_use(self) -> dict[str, Any] | None:
        """What `record_model_use` counted, for `kulak status`."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(schema.detector_state.c.value).where(
                    schema.detector_state.c.name == MODEL_USE
                )
            ).scalar()

    # -- what detectors keep between processes ----------------------------------------

    def detector_states(self, prefix: str) -> dict[str, Any]:
        """The values kept in `detector_state` under names starting with `prefix`."""
        state = schema.detector_state
        query = select(state.c.name, state.c.value).where(state.c.name.startswith(prefix))
        with self.engine.connect() as conn:
            return {name: value for name, value in conn.execute(query)}

    def save_detector_states(self, values: Mapping[str, Any]) -> None:
        """Keep these values in `detector_state`, by name, replacing earlier ones."""
        if not values:
            return
        stmt = self._insert(schema.detector_state)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"], set_={"value": stmt.excluded.value}
        )
        with self.engine.begin() as conn:
            conn.execute(stmt, [{"name": k, "value": v} for k, v in values.items()])

    # -- collector state ---------------------------------------------------------------

    def state(self, source: str) -> dict[str, Any]:
        table = schema.collector_state
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.source == source)).mappings().first()
        if row is None:
            return {"source": source, "cursor": {}, "status": "new", "consecutive_failures": 0}
        return _state(row)

    def states(self) -> list[dict[str, Any]]:
        """Every source's state, by name, in one query (the health detector reads them
        every cycle)."""
        table = schema.collector_state
        with self.engine.connect() as conn:
            rows = conn.execute(select(table)).mappings().all()
        return [_state(row) for row in sorted(rows, key=lambda row: row["source"])]

    def _ensure_state(self, conn: Any, source: str) -> None:
        stmt = (
            self._insert(schema.collector_state)
            .values(source=source, cursor={}, status="new", consecutive_failures=0)
            .on_conflict_do_nothing(index_elements=["source"])
        )
        conn.execute(stmt)

    def _advance(
        self,
        conn: Any,
        source: str,
        page: PageDone,
        records: list[Record],
        at: datetime,
        found: bool,
        current: dict[str, Any],
        started: dict[str, str] | None,
    ) -> dict[str, Any]:
        """What a page sets in its source's state, given its cursor now (and whether its
        state row exists: it is made if not). Until the source's first run ends
        (`started` is None after it), its pages also say where its coverage begins, at the
        oldest post that run brought: the spike detector is told of a new source there
        instead of paging for the level it adds."""
        values: dict[str, Any] = {}
        if started is not None:
            values["started"] = _coverage(source, records, started, at)
        if not found:
            self._ensure_state(conn, source)
        # A key set to None is done with (a Hacker News gap read to its end): drop it, so
        # cursors do not grow with every burst a source has ever had.
        merged = {k: v for k, v in {**current, **page.cursor}.items() if v is not None}
        values["cursor"] = merged
        if page.etag is not None:
            values["etag"] = page.etag
        if page.last_modified is not None:
            values["last_modified"] = page.last_modified
        return values

    def record_run(
        self,
        source: str,
        *,
        problems: list[SourceProblem],
        requests: int,
        new_posts: int,
        items: int = 0,
        skipped: int = 0,
        skip_example: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Close a collection run: success or the worst problem, and the counters. A run
        that read items (`items`, of which `skipped` could not be read) replaces the last
        reading of skipped items, and the reading it replaces joins the usual share."""
        at = at or utcnow()
        table = schema.collector_state
        with self.engine.begin() as conn:
            self._ensure_state(conn, source)
            base = {
                "last_run_at": at,
                "runs": table.c.runs + 1,
                "requests": table.c.requests + requests,
                "new_posts": table.c.new_posts + new_posts,
            }
            if items:
                base |= self._skip_reading(conn, source, items, skipped, skip_example)
            if problems:
                worst = problems[0]
                values = {
                    **base,
                    "status": worst.status,
                    "last_error": self.redact(
                        f"{worst.reason} ({worst.url})" if worst.url else worst.reason
                    ),
                    "last_failure_at": at,
                    "consecutive_failures": table.c.consecutive_failures + 1,
                }
            else:
                values = {
                    **base,
                    "status": "ok",
                    "last_success_at": at,
                    "consecutive_failures": 0,
                }
            conn.execute(table.update().where(table.c.source == source).values(**values))

    def sources_started(
        self, since: datetime, after: timedelta
    ) -> list[tuple[datetime, str, datetime]]:
        """(where its coverage begins, source, when first read) for each source whose
        coverage began after `since` and that was first read `after` the first source was,
        in order: the spike detector is told of them instead of paging for what they add.
        Sources read within `after` of the first are the install's own: all their history
        is new to kulak, none is a step."""
        table = schema.collector_state
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.source, table.c.started).where(table.c.started.is_not(None))
            ).all()
        read = [(times, src) for src, s in rows if (times := _coverage_times(src, s))]
        if not read:
            return []
        install = min(at for (_, at), _ in read)
        return sorted(
            (begins, source, at)
            for (begins, at), source in read
            if at >= install + after and begins >= since
        )

    def _skip_reading(
        self, conn: Any, source: str, items: int, skipped: int, example: str | None
    ) -> dict[str, Any]:
        table = schema.collector_state
        before = conn.execute(
            select(table.c.last_items, table.c.last_skipped, table.c.skip_share).where(
                table.c.source == source
            )
        ).one()
        usual = before.skip_share
        if before.last_items:
            share = before.last_skipped / before.last_items
            usual = share if usual is None else usual + SKIP_SHARE_WEIGHT * (share - usual)
        return {
            "last_items": items,
            "last_skipped": skipped,
            "skip_example": self.redact(example) if skipped and example else None,
            "skip_share": usual,
        }

    def delete_posts_before(self, cutoff: datetime, batch: int = IN_LIMIT) -> int:
        """Retention: delete posts created before `cutoff` with their mentions and the
        hourly counts of the hours they were in, in small transactions so collection never
        waits long behind it. Alerts keep their copies."""
        p, m, hours = schema.posts, schema.mentions, schema.mention_hours
        deleted = 0
        while True:
            with self.engine.begin() as conn:
                ids = (
                    conn.execute(select(p.c.id).where(p.c.created_at < cutoff).limit(batch))
                    .scalars()
                    .all()
                )
                if not ids:
                    conn.execute(delete(hours).where(hours.c.hour < floor_hour(cutoff)))
                    return deleted
                conn.execute(delete(m).where(one_of(m.c.post_id, ids)))
                deleted += conn.execute(delete(p).where(one_of(p.c.id, ids))).rowcount

    # -- reading -----------------------------------------------------------------------

    def posts_per_source(self, since: datetime) -> dict[str, int]:
        """Posts collected since `since`, by source: what `kulak status` shows."""
        p = schema.posts
        query = (
            select(p.c.source, func.count()).where(p.c.collected_at >= since).group_by(p.c.source)
        )
        with self.engine.connect() as conn:
            return {row[0]: row[1] for row in conn.execute(query)}

    def count_posts(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(schema.posts)).scalar_one()

    def iter_posts(self, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Posts with their mentions, oldest first."""
        p, m = schema.posts, schema.mentions
        query = select(p).order_by(p.c.created_at, p.c.id)
        if since is not None:
            query = query.where(p.c.created_at >= since)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            by_post: dict[int, list[dict[str, Any]]] = {}
            mention_query = select(m).order_by(m.c.post_id, m.c.target)
            if since is not None:
                mention_query = mention_query.where(m.c.created_at >= since)
            for mention in conn.execute(mention_query).mappings():
                by_post.setdefault(mention["post_id"], []).append(dict(mention))
        for row in rows:
            post = dict(row)
            post["created_at"] = as_utc(post["created_at"])
            post["mentions"] = by_post.get(post["id"], [])
            yield post

    def refresh_mention_hours(self) -> dict[str, set[datetime]]:
        """Bring the hourly counts up to date with the posts stored or changed since the
        last refresh; return, per target, the hours whose counts changed.

        Only the hours those posts were written in are counted again, so a cycle costs
        what was collected since the last one, not the size of the store. The first refresh
        counts everything. Posts saved while the last refresh ran are caught by looking
        `REFRESH_OVERLAP` further back.
        """
        p, state = schema.posts, schema.detector_state
        with self.engine.begin() as conn:
            mark = conn.execute(
                select(state.c.value).where(state.c.name == "mention_hours")
            ).scalar()
            newest = as_utc(conn.execute(select(func.max(p.c.updated_at))).scalar())
            if newest is None:
                return {}
            hours = None
            if mark is not None:
                since = datetime.fromisoformat(mark["updated_at"]) - REFRESH_OVERLAP
                created = conn.execute(select(p.c.created_at).where(p.c.updated_at >= since))
                hours = {floor_hour(as_utc(at)) for at in created.scalars()}
            changed = self._recount_hours(conn, hours)
            value = {"updated_at": newest.isoformat()}
            conn.execute(
                self._insert(state)
                .values(name="mention_hours", value=value)
                .on_conflict_do_update(index_elements=["name"], set_={"value": value})
            )
        return changed

    def _recount_hours(self, conn: Any, hours: set[datetime] | None) -> dict[str, set[datetime]]:
        """Count the given hours (None: all) from the mentions; store what differs."""
        m, table = schema.mentions, schema.mention_hours
        if self.dialect == "postgresql":
            hour = func.to_char(func.timezone("UTC", m.c.created_at), "YYYY-MM-DD HH24")
        else:  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC
            hour = func.substr(m.c.created_at, 1, 13)
        count = (
            select(m.c.target, hour, func.count(), func.sum(case((m.c.label == "neg", 1), else_=0)))
            .where(m.c.by_target == false())
            .group_by(m.c.target, hour)
        )
        stored = select(table.c.target, table.c.hour, table.c.mentions, table.c.negative)
        if hours is not None:
            if not hours:
                return {}
            spans = _spans(sorted(hours))
            count = count.where(
                or_(*[and_(m.c.created_at >= a, m.c.created_at < b) for a, b in spans])
            )
            stored = stored.where(
                or_(*[and_(table.c.hour >= a, table.c.hour < b) for a, b in spans])
            )
        new = {
            (target, datetime.fromisoformat(text).replace(tzinfo=UTC)): (total, negative or 0)
            for target, text, total, negative in conn.execute(count)
        }
        old = {
            (target, as_utc(at).astimezone(UTC)): (total, negative)
            for target, at, total, negative in conn.execute(stored)
        }
        changed: dict[str, set[datetime]] = {}
        upserts = []
        for key in new.keys() | old.keys():
            if new.get(key) == old.get(key):
                continue
            target, at = key
            changed.setdefault(target, set()).add(at)
            if key in new:
                total, negative = new[key]
                upserts.append(
                    {"target": target, "hour": at, "mentions": total, "negative": negative}
                )
            else:
                conn.execute(table.delete().where(table.c.target == target, table.c.hour == at))
        if upserts:
            stmt = self._insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=["target", "hour"],
                set_={"mentions": stmt.excluded.mentions, "negative": stmt.excluded.negative},
            )
            conn.execute(stmt, upserts)
        return changed

    def mention_hours(
        self, start: datetime, targets: Iterable[str]
    ) -> dict[str, dict[datetime, tuple[int, int]]]:
        """Per target and UTC hour from `start`: (mentions, negative mentions), as of the
        last `refresh_mention_hours`. Mentions by the target's own accounts are left out."""
        # On the driver's cursor: SQLAlchemy's handling of four weeks of hours for twenty
        # targets cost more than the query itself, every detection cycle. SQLite keeps
        # the hours as UTC text.
        targets = list(targets)
        mark = self._page_writer.mark
        query = (
            "SELECT target, hour, mentions, negative FROM mention_hours "
            f"WHERE hour >= {mark} AND target IN ({', '.join([mark] * len(targets))})"
        )
        counts: dict[str, dict[datetime, tuple[int, int]]] = {}
        if not targets:
            return counts
        with self.engine.connect() as conn:
            cursor = conn.connection.cursor()
            try:
                rows = cursor.execute(query, (self._page_writer.time(start), *targets)).fetchall()
            finally:
                cursor.close()
        hours: dict[Any, datetime] = {}  # each hour parsed once, not once per target
        for target, at, total, negative in rows:
            hour = hours.get(at)
            if hour is None:
                hour = hours[at] = (
                    datetime.fromisoformat(at).replace(tzinfo=UTC)
                    if isinstance(at, str)
                    else at.astimezone(UTC)
                )
            counts.setdefault(target, {})[hour] = (total, negative)
        return counts

    def mentions_between(
        self,
        start: datetime,
        end: datetime,
        *,
        targets: Iterable[str],
        label: str | None = None,
        or_intents: Iterable[str] = (),
        brief: bool = False,
        not_alerted_as: str | None = None,
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(post, mention) pairs of the targets' mentions in [start, end), oldest first.

        With `label`, only mentions of that label, or showing one of `or_intents`.
        `brief` reads only who wrote it, when, its reach and what it wants: enough to
        choose, before reading the chosen ones whole with `mentions_by_id`. Pairs come one
        by one as they are read: a detector choosing among a day's mentions every cycle
        holds what it keeps, not the whole day (3 MiB for 2,400 mentions).
        `not_alerted_as` (a kind) leaves out the mentions with an alert keyed
        `kind:target:source:external_id` in the outbox: the database tells them apart
        down the alerts' key index, instead of every key being read and asked about.
        """
        p, m, a = schema.posts, schema.mentions, schema.alerts
        kept = true()
        if label is not None:
            intents = cast(m.c.intents, Text)
            kept = or_(m.c.label == label, *(intents.like(f'%"{i}"%') for i in or_intents))
        where = [m.c.target.in_(list(targets)), m.c.created_at >= start, m.c.created_at < end]
        if not_alerted_as is not None:
            key = literal(f"{not_alerted_as}:") + m.c.target + ":" + p.c.source + ":"
            where.append(~exists().where(a.c.key == key + p.c.external_id))
        return self._mention_pairs(*where, kept, brief=brief)

    def mentions_changed(
        self, changed_since: datetime, created_from: datetime, *, targets: Iterable[str]
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Brief (post, mention) pairs of the targets' mentions whose post was stored or
        updated since `changed_since`, or that were created since `created_from`,
        whatever their label: what a detector carrying its choice from cycle to cycle
        has to look at again (in no order; a pair may come twice)."""
        p, m = schema.posts, schema.mentions
        targets = list(targets)
        # Two queries, each down its own index: an OR of the two reads every mention, and
        # so does the first one with the targets or an order in SQL (SQLite, without
        # statistics, walks the targets' or the creation times' index), so neither is.
        changed = self._mention_pairs(p.c.updated_at >= changed_since, brief=True, ordered=False)
        yield from ((post, m) for post, m in changed if m["target"] in targets)
        yield from self._mention_pairs(
            m.c.target.in_(targets), m.c.created_at >= created_from, brief=True
        )

    def newest_update(self) -> datetime | None:
        """When a post was last stored or updated."""
        with self.engine.connect() as conn:
            return as_utc(conn.execute(select(func.max(schema.posts.c.updated_at))).scalar())

    def mentions_by_id(self, ids: Iterable[int]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(post, mention) pairs, whole, of these mention ids, oldest first."""
        ids = list(ids)
        pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for start in range(0, len(ids), IN_LIMIT):
            pairs += self._mention_pairs(
                one_of(schema.mentions.c.id, ids[start : start + IN_LIMIT])
            )
        return sorted(pairs, key=lambda pair: (pair[1]["created_at"], pair[1]["id"]))

    def _mention_pairs(
        self, *where: Any, brief: bool = False, ordered: bool = True
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        p, m = schema.posts, schema.mentions
        post_columns = [p.c[name] for name in BRIEF_POST] if brief else list(p.c)
        mention_columns = [m.c[name] for name in BRIEF_MENTION] if brief else list(m.c)
        query = select(*post_columns, *mention_columns).join(p, p.c.id == m.c.post_id)
        query = query.where(*where)
        if ordered:
            query = query.order_by(m.c.created_at, m.c.id)
        post_names = [c.name for c in post_columns]
        mention_names = [c.name for c in mention_columns]
        split = len(post_names)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                post = dict(zip(post_names, row[:split], strict=True))
                mention = dict(zip(mention_names, row[split:], strict=True))
                for key in ("created_at", "collected_at", "updated_at"):
                    if key in post:
                        post[key] = as_utc(post[key])
                if "created_at" in mention:
                    mention["created_at"] = as_utc(mention["created_at"])
                yield post, mention

    def replies_to(self, posts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stored replies to these posts, each with its mentions (to know who wrote it)."""
        p, m = schema.posts, schema.mentions
        by_source: dict[str, set[str]] = {}
        for post in posts:
            by_source.setdefault(post["source"], set()).add(post["external_id"])
        if not by_source:
            return []
        wanted = or_(
            *[
                and_(p.c.source == source, one_of(p.c.parent_id, sorted(ids)))
                for source, ids in by_source.items()
            ]
        )
        with self.engine.connect() as conn:
            replies = [dict(row) for row in conn.execute(select(p).where(wanted)).mappings()]
            ids = [reply["id"] for reply in replies]
            mentions: dict[int, list[dict[str, Any]]] = {}
            if ids:
                query = select(m).where(one_of(m.c.post_id, ids))
                for row in conn.execute(query).mappings():
                    mentions.setdefault(row["post_id"], []).append(dict(row))
        for reply in replies:
            reply["created_at"] = as_utc(reply["created_at"])
            reply["mentions"] = mentions.get(reply["id"], [])
        return replies

    def showing_replies(self, sources: Iterable[str]) -> set[str]:
        """Which of these sources have ever given us a reply, so "unanswered" can be told:
        one query (it was one per source, each with a connection of its own), each source
        asked down the (source, parent_id) index."""
        p = schema.posts
        asked = [
            select(literal(source)).where(
                exists().where(p.c.source == source, p.c.parent_id.is_not(None))
            )
            for source in sorted(set(sources))
        ]
        if not asked:
            return set()
        with self.engine.connect() as conn:
            return set(conn.execute(union_all(*asked)).scalars())

    # -- outbox ------------------------------------------------------------------------

    def add_alert(self, alert: Alert, channels: Iterable[str]) -> bool:
        """Queue an alert for each channel; False if an alert with this key exists already."""
        return bool(self.add_alerts([(alert, list(channels))]))

    def add_alerts(self, queued: Iterable[tuple[Alert, list[str]]]) -> list[Alert]:
        """Queue alerts, each for its channels, in one transaction; return the new ones.

        An alert whose key exists already is left as it is (and gets no deliveries).
        """
        first: dict[str, tuple[Alert, list[str]]] = {}
        for alert, channels in queued:
            first.setdefault(alert.key, (alert, channels))
        queued = list(first.values())
        if not queued:
            return []
        now = utcnow()
        table = schema.alerts
        rows = [
            {
                "key": alert.key,
                "kind": alert.kind,
                "target": alert.target,
                "severity": alert.severity,
                "title": alert.title,
                "created_at": alert.created_at,
                "payload": alert.to_json(),
            }
            for alert, _ in queued
        ]
        stmt = (
            self._insert(table)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(table.c.key, table.c.id)
        )
        with self.engine.begin() as conn:
            ids = dict(conn.execute(stmt, rows).all())
            deliveries = [
                {
                    "alert_id": ids[alert.key],
                    "channel": channel,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for alert, channels in queued
                if alert.key in ids
                for channel in channels
            ]
            if deliveries:
                conn.execute(schema.deliveries.insert(), deliveries)
        return [alert for alert, _ in queued if alert.key in ids]

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these alert keys are in the outbox already (one query per `IN_LIMIT`)."""
        keys = list(dict.fromkeys(keys))
        table = schema.alerts
        known: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(keys), IN_LIMIT):
                chunk = keys[start : start + IN_LIMIT]
                query = select(table.c.key).where(one_of(table.c.key, chunk))
                known.update(conn.execute(query).scalars())
        return known

    def alerts(
        self, since: datetime | None = None, kind: str | None = None, target: str | None = None
    ) -> list[Alert]:
        table = schema.alerts
        query = select(table.c.payload).order_by(table.c.created_at, table.c.id)
        if since is not None:
            query = query.where(table.c.created_at >= since)
        if kind is not None:
            query = query.where(table.c.kind == kind)
        if target is not None:
            query = query.where(table.c.target == target)
        with self.engine.connect() as conn:
            return [Alert.from_json(raw) for raw in conn.execute(query).scalars()]

    def due_deliveries(self, channel: str, now: datetime | None = None) -> list[Delivery]:
        now = now or utcnow()
        d, a = schema.deliveries, schema.alerts
        query = (
            select(d.c.id, d.c.channel, d.c.attempts, d.c.status, a.c.payload)
            .join(a, a.c.id == d.c.alert_id)
            .where(d.c.channel == channel, d.c.status == "pending", d.c.next_attempt_at <= now)
            .order_by(a.c.created_at, d.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Delivery(row.id, Alert.from_json(row.payload), row.channel, row.attempts, row.status)
            for row in rows
        ]

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        d = schema.deliveries
        query = select(d.c.channel, d.c.status, func.count()).group_by(d.c.channel, d.c.status)
        with self.engine.connect() as conn:
            return {(row[0], row[1]): row[2] for row in conn.execute(query)}

    # -- digests -----------------------------------------------------------------------

    def digest_record(self, channel: str, day: date) -> DigestRecord | None:
        table = schema.digests
        query = select(table).where(table.c.channel == channel, table.c.day == day)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _digest_record(row)

    def latest_digests(self) -> dict[str, DigestRecord]:
        """Per channel, the record of the latest day it has one for."""
        table = schema.digests
        latest = (
            select(table.c.channel, func.max(table.c.day).label("day"))
            .group_by(table.c.channel)
            .subquery()
        )
        query = select(table).join(
            latest, and_(table.c.channel == latest.c.channel, table.c.day == latest.c.day)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return {row["channel"]: _digest_record(row) for row in rows}

    def record_digest(self, channel: str, day: date, attempts: int, **outcome: Any) -> None:
        """Write how the latest attempt at this digest went (`status` and what goes with
        it); what an earlier attempt left in the other columns is cleared."""
        cleared = {"last_error": None, "next_attempt_at": None, "sent_at": None}
        values = {**cleared, **self.redacted(outcome), "attempts": attempts}
        stmt = self._insert(schema.digests).values(channel=channel, day=day, **values)
        with self.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["channel", "day"], set_=values))


def _always() -> bool:
    """A file lock is the process's until it ends."""
    return True


def _make_private(database: str | None) -> None:
    """A new SQLite file made for its owner only, before SQLite makes it with the umask's
    mode (its journal files take the file's mode)."""
    if database and database != ":memory:" and Path(database).parent.is_dir():
        private.create(Path(database))


def _coverage_times(source: str, started: Any) -> tuple[datetime, datetime] | None:
    """(where coverage begins, when first read) from a source's `started`; None for a source
    from before they were kept, or a value that is not two aware ISO times (said once per
    cycle, and the source then counts as old)."""
    if started == {}:
        return None
    try:
        begins, at = (datetime.fromisoformat(started[key]) for key in ("from", "at"))
        if begins.tzinfo is None or at.tzinfo is None:
            raise ValueError("a time without its UTC offset")
    except (KeyError, TypeError, ValueError) as error:
        log.warning("collector_state.started of %s is unreadable (%s): %r", source, error, started)
        return None
    return begins, at


def _coverage(
    source: str, records: list[Record], known: dict[str, str], now: datetime
) -> dict[str, str]:
    """`known` with its "from" moved back to the oldest post of `records`, where a
    source's coverage begins whatever targets its posts name (a burst may be the first
    time a source names one, and is no less a burst), and "at", when it was first read."""
    times = [as_utc(record.post.created_at) for record in records]
    at = now
    if (before := _coverage_times(source, known)) is not None:
        times.append(before[0])
        at = before[1]
    if not times:
        return known
    return {"from": min(times).isoformat(), "at": at.isoformat()}


def _state(row: Any) -> dict[str, Any]:
    state = dict(row)
    for key in ("last_run_at", "last_success_at", "last_failure_at"):
        state[key] = as_utc(state[key])
    return state


def _digest_record(row: Any) -> DigestRecord:
    times = {key: as_utc(row[key]) for key in ("next_attempt_at", "sent_at")}
    return DigestRecord(**{**row, **times})


def floor_hour(at: datetime) -> datetime:
    """The UTC hour `at` falls in."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _spans(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Sorted hours as few [first, last + 1h) ranges: runs of consecutive hours merge."""
    spans: list[tuple[datetime, datetime]] = []
    for at in hours:
        if spans and spans[-1][1] == at:
            spans[-1] = (spans[-1][0], at + HOUR)
        else:
            spans.append((at, at + HOUR))
    return spans


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
