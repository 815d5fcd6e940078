"""Why the store's database cannot be opened, said in one line a person can act on.

Every command opens the store; a wrong URL or a server that is down must read as a
problem to fix, not as a traceback. `probe` is what `kulak check` runs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError

#: a statement that reads the database (a SQLite file that is not a database fails it)
PING = {"sqlite": text("SELECT count(*) FROM sqlite_master"), "postgresql": text("SELECT 1")}

#: seconds a server connection may have sat in the pool and still be used without a ping
TRUSTED_IDLE = 5.0
_GIVEN_BACK = "kulak_given_back"

#: what opening a store raises when the database is unreachable or the URL unusable
OPEN_ERRORS = (DBAPIError, ArgumentError, ImportError)


class DatabaseUnavailable(Exception):
    """The database at `kulak.database` cannot be opened; the message says where and why."""


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def unavailable(url: str, exc: BaseException) -> DatabaseUnavailable:
    """The error to raise for `exc`, met opening `url`."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        lines = [line.strip() for line in str(exc.orig).splitlines() if line.strip()]
        reason = "; ".join(lines[:2]) or type(exc.orig).__name__
    elif isinstance(exc, ImportError):
        reason = f"its driver is not installed ({exc.name or exc})"
    else:
        reason = str(exc)
    return DatabaseUnavailable(f"cannot open the database {shown(url)}: {reason}")


def probe(url: str) -> str:
    """Connect to the database and say what it is; raise DatabaseUnavailable saying why
    not. A SQLite file not made yet is fine when its folder can take it."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            path = Path(parsed.database)
            if not path.exists():
                folder = path.parent
                if not folder.is_dir():
                    raise DatabaseUnavailable(
                        f"cannot open the database {shown(url)}: the folder {folder} does not exist"
                    )
                if not os.access(folder, os.W_OK):
                    raise DatabaseUnavailable(
                        f"cannot open the database {shown(url)}: the folder {folder} is not "
                        "writable"
                    )
                return f"SQLite file {path} (made on first use)"
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(PING[engine.dialect.name])
                version = engine.dialect.server_version_info or ()
        finally:
            engine.dispose()
    except OPEN_ERRORS as exc:
        raise unavailable(url, exc) from None
    if engine.dialect.name == "sqlite":
        return f"SQLite file {parsed.database}"
    release = ".".join(str(part) for part in version[:2])
    return f"PostgreSQL {release} at {shown(url)}"


def ping_when_idle(engine: Engine) -> None:
    """A server connection can die between uses (an idle timeout, a restart): one that sat
    in the pool longer than TRUSTED_IDLE is pinged before it is used again, and replaced if
    dead, as `pool_pre_ping` does for every use. One given back a moment ago is not: a
    ping before every stored page of a crawl was one round trip in four."""

    def given_back(dbapi_connection: Any, record: Any) -> None:
        record.info[_GIVEN_BACK] = time.monotonic()

    def taken(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_GIVEN_BACK)
        if since is not None and time.monotonic() - since < TRUSTED_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool replaces the connection and tries again
            raise DisconnectionError(f"the connection died while idle: {exc}") from exc

    event.listen(engine, "checkin", given_back)
    event.listen(engine, "checkout", taken)
