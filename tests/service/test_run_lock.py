"""One `kulak run` per PostgreSQL database, through a network break: the run lock dies with
its connection, so the service notices, takes it again, or stops when another run has
it. The break is a TCP proxy on the loopback in front of the test server, cut and
restored by the test."""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, suppress

import pytest
from sqlalchemy.engine import make_url

from monitor.store import AlreadyRunning, Store
from tests.helpers import BASE_SETTINGS, postgres_schema
from tests.service.conftest import KulakRun

POSTGRES_URL = os.environ.get("KULAK_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="set KULAK_TEST_POSTGRES_URL to run the PostgreSQL lock tests"
)


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to the server. `cut` closes every connection and turns
    new ones away (as a network break looks to both ends); `restore` lets them through."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.closed = False
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
            with self.lock:
                self.pairs.append((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def cut(self) -> None:
        self.down = True
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                _close(sock)

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.thread.join(timeout=5)
        self.listener.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    _close(sink)
    _close(source)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def database() -> Iterator[tuple[str, str, CuttableProxy]]:
    """A schema of its own: its URL direct, the same through a proxy, and the proxy."""
    assert POSTGRES_URL
    with postgres_schema(POSTGRES_URL, "kulak_lock") as direct:
        url = make_url(direct)
        proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
        proxied = url.set(host="127.0.0.1", port=proxy.port)
        try:
            yield direct, proxied.render_as_string(hide_password=False), proxy
        finally:
            proxy.close()


def taken_by(other: Store, stack: ExitStack) -> bool:
    """Try, as a second `kulak run` would, to take the lock; keep it when taken."""
    try:
        stack.enter_context(other.run_lock())
    except AlreadyRunning:
        return False
    return True


def test_a_dropped_connection_takes_the_lock_again_and_keeps_others_out(database):
    direct, proxied, proxy = database
    store, other = Store.open(proxied), Store.open(direct)
    try:
        with store.run_lock() as held:
            assert held() and other.serving()
            proxy.cut()
            assert held()  # the server cannot be reached: asked again next time
            proxy.restore()
            assert held()  # taken again, on a new connection
            assert other.serving()
            with pytest.raises(AlreadyRunning):
                other.run_lock().__enter__()
        assert not other.serving()  # let go at the end, on the new connection
    finally:
        store.close()
        other.close()


def test_a_lock_taken_by_another_run_during_the_break_is_not_ours(database):
    direct, proxied, proxy = database
    store, other = Store.open(proxied), Store.open(direct)
    with ExitStack() as stack, store.run_lock() as held:
        proxy.cut()
        # The server ends the broken session within moments; then the lock is free.
        assert any(taken_by(other, stack) for _ in range(2000))
        proxy.restore()
        assert not held()
    store.close()  # leaving the lock raised nothing, though its session was gone
    other.close()


@pytest.fixture
def serving(database, tmp_path, kulak_run) -> Iterator[tuple[KulakRun, Store, CuttableProxy]]:
    """`kulak run` serving the database through the proxy, and a store of the test's own
    on a direct connection."""
    direct, proxied, proxy = database
    path = tmp_path / "settings.yaml"
    path.write_text(
        BASE_SETTINGS.replace("kulak:\n", f"kulak:\n  database: {proxied}\n"), encoding="utf-8"
    )
    first = kulak_run(path).start()
    probe = Store.open(direct)
    try:
        first.wait_until(lambda: "scheduled" in first.output())
        yield first, probe, proxy
    finally:
        probe.close()


def test_kulak_run_stops_cleanly_when_another_run_took_its_database(serving):
    first, probe, proxy = serving
    proxy.cut()
    with ExitStack() as stack:
        first.wait_until(lambda: taken_by(probe, stack))
        proxy.restore()
        assert first.process.wait(timeout=60) == 1
        log = first.output()
        assert "another `kulak run` took over this database; stopping" in log
        assert "Stopped: another `kulak run` took over this database" in log
        # Jobs that met the break logged it; the stop itself went cleanly.
        assert "Traceback" not in log.split("took over this database; stopping")[-1]


def test_kulak_run_takes_its_lock_again_and_stops_cleanly_after_a_break(serving):
    first, probe, proxy = serving
    proxy.cut()
    first.wait_until(lambda: "cannot be reached" in first.output())
    proxy.restore()
    first.wait_until(lambda: "the lock is taken again" in first.output())
    assert probe.serving()
    before = len(first.output())
    assert first.signal(signal.SIGTERM) == 0
    assert "Traceback" not in first.output()[before:]  # the lock let go cleanly
