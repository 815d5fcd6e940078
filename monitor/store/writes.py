"""A page's posts, mentions and cursor in a few plain statements: the collection hot path.

Every stored post passes here, so the statements are written once as SQL text and run on
the driver's own cursor with tuples, values converted by SQLAlchemy's own bind processors
(the stored bytes are those SQLAlchemy would write). Posts are upserted returning their
id: no lookup of which posts are known, whose plan on PostgreSQL depends on table
statistics a new database does not have yet (a lookup read every post of the source
before the first ANALYZE). A post was new when the row returned carries the collection
time of this save. On PostgreSQL a page's posts are one statement, as are its mentions:
each column goes as one array, and the rows are `unnest` of them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Dialect, String, Table

from monitor.records import Record
from monitor.store import schema

ENGAGEMENT = ("likes", "reposts", "replies", "score", "views", "author_followers")
POST_COLUMNS = (
    "source",
    "external_id",
    "url",
    "text",
    "created_at",
    "collected_at",
    "updated_at",
    "author_handle",
    "author_name",
    "lang",
    "parent_id",
    "conversation_id",
    "query",
    "extra",
    *ENGAGEMENT,
)
#: a post collected again keeps when it was first collected (and where, by its key)
KEPT = ("source", "external_id", "collected_at")
MENTION_COLUMNS = (
    "post_id",
    "target",
    "lang",
    "compound",
    "label",
    "intents",
    "matched",
    "by_target",
    "target_kind",
    "created_at",
)
POST_KEY = ("source", "external_id")
#: rows in one statement at most, and what it returns to tell them apart
MANY = 64
MANY_RETURNING = "RETURNING id, collected_at, source, external_id"
#: lists of words whose JSON is kept, at most
KNOWN_LISTS = 4096
#: PostgreSQL: a page's commit does not wait for its WAL to reach the disk (the wait was
#: most of a page's time). A crash may lose the last pages stored, at most a fraction of a
#: second's, but each whole with its cursor, so the next run fetches them again; and any
#: later commit that waits (a run's record, the detectors' alerts) makes them durable too.
ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"
#: SQLite answers INSERT ... RETURNING from 3.35 on
RETURNING_SQLITE = (3, 35, 0)


def _upsert(
    table: Table, columns: Sequence[str], keys: Sequence[str], mark: str, rows: int = 1
) -> str:
    """INSERT of `rows` rows of `columns` updating the others than `keys` (and `KEPT`) on
    conflict; engagement a source stops reporting (NULL) is kept, not erased."""
    row = f"({', '.join([mark] * len(columns))})"
    return _upsert_rows(table, columns, keys, f"VALUES {', '.join([row] * rows)}")


def _upsert_arrays(table: Table, columns: Sequence[str], keys: Sequence[str]) -> str:
    """The same INSERT on PostgreSQL of as many rows as its parameters, one array per
    column, have values. Text goes as text[], so a value too long for its column fails
    as a row would (a cast to varchar(n) would cut it)."""
    from sqlalchemy.dialects import postgresql  # here: a SQLite store never loads it (2.2 MiB)

    dialect = postgresql.dialect()

    def array(column: str) -> str:
        kind = table.c[column].type
        return f"%b::{'TEXT' if isinstance(kind, String) else kind.compile(dialect=dialect)}[]"

    arrays = ", ".join(map(array, columns))
    return _upsert_rows(table, columns, keys, f"SELECT * FROM unnest({arrays})")


def _upsert_rows(table: Table, columns: Sequence[str], keys: Sequence[str], rows: str) -> str:
    def updated(column: str) -> str:
        if column in ENGAGEMENT:
            return f"{column} = coalesce(excluded.{column}, {table.name}.{column})"
        return f"{column} = excluded.{column}"

    changed = [c for c in columns if c not in keys and c not in KEPT]
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) {rows} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(map(updated, changed))}"
    )


JSON_STATE = {"cursor", "started"}  # collector_state's JSON columns a page writes


class PageWriter:
    """The hot path's statements for one dialect, with the value conversions they need."""

    def __init__(self, dialect: Dialect) -> None:
        self.postgresql = dialect.name == "postgresql"
        mark = "%s" if self.postgresql else "?"
        posts, mentions = schema.posts, schema.mentions
        self.post_upsert = _upsert(posts, POST_COLUMNS, POST_KEY, mark)
        self._many: dict[int, str] = {}
        self.returning = self.postgresql or sqlite3.sqlite_version_info >= RETURNING_SQLITE
        if self.returning:
            self.post_upsert += " RETURNING id, collected_at"
        self.post_lookup = (
            f"SELECT id, collected_at FROM posts WHERE source = {mark} AND external_id = {mark}"
        )
        mention_key = ("post_id", "target")
        self.mention_upsert = _upsert(mentions, MENTION_COLUMNS, mention_key, mark)
        if self.postgresql:
            self.post_arrays = f"{_upsert_arrays(posts, POST_COLUMNS, POST_KEY)} {MANY_RETURNING}"
            self.mention_arrays = _upsert_arrays(mentions, MENTION_COLUMNS, mention_key)
        self.cursor_read = (
            f"SELECT cursor, runs, started FROM collector_state WHERE source = {mark}"
        )
        self.mark = mark
        self.time = _processor(posts, "created_at", dialect)
        self.json = _processor(posts, "extra", dialect)
        #: a JSON column's value in a page's rows (on PostgreSQL its text, see `_as_sent`)
        self.value = _as_sent(self.json) if self.postgresql else self.json
        self.words = _words(self.value)
        self.empty = self.value({})
        self.flag = _processor(mentions, "by_target", dialect)
        self.number = _processor(mentions, "compound", dialect)
        self.cursor_loads = schema.collector_state.c.cursor.type._cached_result_processor(
            dialect, None
        ) or (lambda value: value)

    def page(
        self,
        cursor: Any,
        records: list[Record],
        now: datetime,
        source: str | None = None,
        advance: Callable[[bool, dict[str, Any], dict[str, str] | None], dict[str, Any]]
        | None = None,
    ) -> int:
        """Upsert the posts, then their mentions; how many posts were new. With `source`,
        its state is read alongside the posts and `advance(found, cursor, started)` gives
        the values written alongside the mentions (`started` is None once the source's
        first run has ended). On PostgreSQL it is all one pipeline: a
        round trip for the posts' ids and one for the rest (two pipelines paid a third,
        to end the first)."""
        stamp = self.time(now)
        created = [self.time(record.post.created_at) for record in records]
        rows = [self._post_row(r, at, stamp) for r, at in zip(records, created, strict=True)]
        reading = cursor.connection.cursor() if source is not None else None
        with self._pipeline(cursor):
            if self.postgresql:
                cursor.execute(ASYNC_COMMIT)
            if reading is not None:
                reading.execute(self.cursor_read, (source,))
            found = self._upsert_posts(cursor, rows) if rows else []
            state = reading.fetchone() if reading is not None else None
            if reading is not None:
                reading.close()
            mentions = [
                (
                    post_id,
                    mention.target,
                    record.lang or "und",
                    self.number(mention.compound),
                    mention.label,
                    self.words(mention.intents),
                    self.words(mention.matched),
                    self.flag(mention.by_target),
                    mention.target_kind,
                    at,
                )
                for (post_id, _), record, at in zip(found, records, created, strict=True)
                for mention in record.mentions
            ]
            values = None
            if source is not None and advance is not None:
                current = (self.cursor_loads(state[0]) if state else None) or {}
                # The start is kept up to date until the source's first run ends.
                starting = state is None or state[1] == 0
                started = (
                    ((self.cursor_loads(state[2]) if state else None) or {}) if starting else None
                )
                values = advance(state is not None, current, started)
            if mentions and self.postgresql:
                # One statement updates a row once: a target named twice keeps its last
                # mention, as one upsert after the other would.
                latest = list({row[:2]: row for row in mentions}.values())
                cursor.execute(self.mention_arrays, _columns(latest), binary=True)
            elif mentions:
                cursor.executemany(self.mention_upsert, mentions)
            if values is not None:
                self.write_cursor(cursor, source, values)
        return sum(row[1] == stamp for row in found)

    def _upsert_posts(self, cursor: Any, rows: list[tuple]) -> list[tuple[int, Any]]:
        """(id, collected_at) of each post, in order."""
        if self.postgresql:
            cursor.execute(self.post_arrays, _columns(rows), binary=True)
            return _in_order(rows, cursor.fetchall())
        if self.returning:
            return self._upsert_sqlite_posts(cursor, rows)
        found = []
        for row in rows:
            cursor.execute(self.post_upsert, row)
            found.append(cursor.execute(self.post_lookup, row[:2]).fetchone())
        return found

    def _upsert_sqlite_posts(self, cursor: Any, rows: list[tuple]) -> list[tuple[int, Any]]:
        """A few statements of many rows each (sqlite3 runs one at a time, and each costs
        more than its rows): 32, 16 and 2 rows for a page of 50, so the driver keeps
        seven statements at most, not one per page length."""
        found: list[tuple] = []
        start = 0
        while start < len(rows):
            size = min(1 << (len(rows) - start).bit_length() - 1, MANY)
            chunk = rows[start : start + size]
            start += size
            statement = self._many.get(size)
            if statement is None:
                statement = _upsert(schema.posts, POST_COLUMNS, POST_KEY, "?", size)
                statement = self._many[size] = f"{statement} {MANY_RETURNING}"
            found.extend(cursor.execute(statement, list(chain.from_iterable(chunk))))
        return _in_order(rows, found)

    def _post_row(self, record: Record, created: Any, stamp: Any) -> tuple:
        post = record.post
        return (
            post.source,
            post.external_id,
            post.url,
            post.text,
            created,
            stamp,
            stamp,
            post.author_handle,
            post.author_name,
            record.lang or post.lang,
            post.parent_id,
            post.conversation_id,
            post.query,
            self.empty if post.extra == {} else self.value(post.extra),
            post.likes,
            post.reposts,
            post.replies,
            post.score,
            post.views,
            post.author_followers,
        )

    def _pipeline(self, cursor: Any) -> Any:
        """Statements sent together, their results read at the end (PostgreSQL)."""
        return cursor.connection.pipeline() if self.postgresql else nullcontext()

    def write_cursor(self, cursor: Any, source: str, values: dict[str, Any]) -> None:
        """Set the cursor (and the conditional-request validators given) of a source."""
        names = list(values)
        setting = ", ".join(f"{name} = {self.mark}" for name in names)
        params = [self.json(v) if n in JSON_STATE else v for n, v in values.items()]
        cursor.execute(
            f"UPDATE collector_state SET {setting} WHERE source = {self.mark}", (*params, source)
        )


def _columns(rows: list[tuple]) -> list[list[Any]]:
    """Rows as one list per column, what `_upsert_arrays` takes."""
    return [list(column) for column in zip(*rows, strict=True)]


def _in_order(rows: list[tuple], returned: Sequence[tuple]) -> list[tuple[int, Any]]:
    """(id, collected_at) of each post row, from rows returned in any order as `id,
    collected_at, source, external_id` (`MANY_RETURNING`)."""
    found = {(source, key): (post_id, at) for post_id, at, source, key in returned}
    return [found[row[:2]] for row in rows]


def _processor(table: Table, column: str, dialect: Dialect) -> Callable[[Any], Any]:
    """SQLAlchemy's conversion of a Python value for this column, or none at all."""
    convert = table.c[column].type._cached_bind_processor(dialect)
    return convert or (lambda value: value)


def _as_sent(convert: Callable[[Any], Any]) -> Callable[[Any], str]:
    """PostgreSQL: the JSON text psycopg sends for SQLAlchemy's value of a JSON column,
    made by psycopg's own dumper. Handed over as text, a list of words converted once
    (`_words`) is not serialised again for every mention; the server reads it as JSON."""
    from psycopg.types.json import Json, JsonDumper  # PostgreSQL's driver, there only

    dumper = JsonDumper(Json)
    return lambda value: bytes(dumper.dump(convert(value))).decode()


def _words(convert: Callable[[Any], Any]) -> Callable[[Sequence[str]], Any]:
    """The JSON of a list of words (a tuple is written as a list), each list converted
    once, not once per row: most mentions have no intents and name a target as the last
    one did."""
    known: dict[tuple[str, ...], Any] = {}

    def converted(words: Sequence[str]) -> Any:
        try:
            key = tuple(words)
            found = known.get(key)
        except TypeError:  # not words after all: converted as they are
            return convert(list(words) if type(words) is tuple else words)
        if found is None:
            found = convert(list(words))
            if all(type(word) is str for word in key):  # 1, 1.0 and True are one key
                if len(known) >= KNOWN_LISTS:
                    known.clear()
                known[key] = found
        return found

    return converted
