"""The PostgreSQL advisory lock `kulak run` holds, so two services never serve one
database.

The lock lives as long as the session holding it: a connection that drops (the server
restarts, the network breaks) takes the lock with it, and a second `kulak run` could then
start beside the first. So the lock has a connection of its own, with TCP keepalives so a
dead peer is noticed, and `keep` is asked regularly: it finds a dropped connection and
takes the lock again on a new one, or says another run took it (the service then stops).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

#: any fixed number; "kulak" in ASCII
RUN_LOCK_KEY = 0x6B756C616B
#: libpq options for the lock's connection: a peer silent for ~30 s is taken for dead
KEEPALIVE = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


MASK = 0xFFFFFFFF
#: who holds the lock: a bigint key is kept as its two 32-bit halves
HOLDER = text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = :high AND objid = :low AND objsubid = 1"
)


class AlreadyRunning(RuntimeError):
    """Another `kulak run` serves this database."""


class OwnSessionLingers(AlreadyRunning):
    """The lock is held by this process's own session from before a network break."""


class AdvisoryLock:
    def __init__(self, url: URL) -> None:
        self.engine = create_engine(url, poolclass=NullPool, connect_args=KEEPALIVE)
        self.conn: Connection | None = None
        self.session: int | None = None  # the server process of the session holding it

    def take(self) -> None:
        """Take the lock on a new connection; AlreadyRunning when another run holds it."""
        conn = self.engine.connect()
        try:
            got = conn.execute(select(func.pg_try_advisory_lock(RUN_LOCK_KEY))).scalar()
            conn.commit()
            if not got:
                self._end_own_old_session(conn)
                raise AlreadyRunning("another `kulak run` is serving this PostgreSQL database")
            session = conn.execute(select(func.pg_backend_pid())).scalar()
            conn.rollback()
        except BaseException:
            conn.close()
            raise
        self.conn, self.session = conn, session

    def _end_own_old_session(self, conn: Connection) -> None:
        """After a network break the server may not have noticed yet that this process's
        old session is gone, and it still holds the lock: end it, so the next `keep`
        takes the lock again, rather than taking it for another run's."""
        holder = conn.execute(HOLDER, {"high": RUN_LOCK_KEY >> 32, "low": RUN_LOCK_KEY & MASK})
        pid = holder.scalar()
        if pid is not None and pid == self.session:
            conn.execute(select(func.pg_terminate_backend(pid)))
            conn.rollback()
            raise OwnSessionLingers

    def keep(self) -> bool:
        """Whether the lock is still this process's. A dropped connection is replaced and
        the lock taken again; False when another `kulak run` took it meanwhile. While the
        server cannot be reached the answer is True: nothing can be written through this
        process then either, and the lock is asked for again next time."""
        if self.conn is not None:
            try:
                self.conn.execute(select(1))
                self.conn.rollback()
                return True  # the session, and the lock with it, lives
            except DBAPIError:
                self._drop()
        try:
            self.take()
        except OwnSessionLingers:
            log.warning("run lock: still held by this run's dropped session; ended it")
            return True
        except AlreadyRunning:
            return False
        except DBAPIError as exc:
            log.warning("run lock: the database cannot be reached (%s); asking again", _first(exc))
            return True
        log.warning("run lock: the connection holding it dropped; the lock is taken again")
        return True

    def release(self) -> None:
        """Let go; a connection that is gone took the lock with it already."""
        if self.conn is not None:
            try:
                self.conn.execute(select(func.pg_advisory_unlock(RUN_LOCK_KEY)))
                self.conn.commit()
            except DBAPIError:
                pass
            self._drop()
        self.engine.dispose()

    def _drop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except DBAPIError:
                pass


def _first(exc: Any) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
