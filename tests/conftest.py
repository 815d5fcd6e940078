"""Shared fixtures: real stores (a SQLite file; PostgreSQL when configured), a replay server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import reactor
from monitor.replay import ReplayServer
from monitor.store import Store
from spiders.middlewares import CachedRobotsTxtMiddleware
from tests.helpers import postgres_schema

POSTGRES_URL = os.environ.get("KULAK_TEST_POSTGRES_URL")


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    # A new server may reuse an earlier one's port: its robots.txt must be asked again.
    CachedRobotsTxtMiddleware.fetched.clear()
    with ReplayServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, and PostgreSQL when it is configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kulak.sqlite3'}"
    elif POSTGRES_URL:
        with postgres_schema(POSTGRES_URL, "kulak_test") as url:
            yield url
    else:
        pytest.skip("set KULAK_TEST_POSTGRES_URL to run the PostgreSQL store tests")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store.open(store_url)
    yield store
    store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'kulak.sqlite3'}")
    yield store
    store.close()


@pytest.fixture(scope="session", autouse=True)
def _stop_twisted_threads() -> Iterator[None]:
    yield
    reactor.shutdown()
