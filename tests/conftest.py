"""Shared fixtures: settings from YAML text, real stores (SQLite file, PostgreSQL), crawls."""

from __future__ import annotations

import os
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from monitor import reactor
from monitor.config import Settings, parse_settings
from monitor.registry import source_options
from monitor.replay import ReplayServer
from monitor.runtime import Runtime
from monitor.store import Store

POSTGRES_URL = os.environ.get("KULAK_TEST_POSTGRES_URL")

BASE_SETTINGS = """
kulak:
  timezone: Europe/Istanbul
targets:
  - name: Kahve Durağı
    kind: brand
    keywords: [Kahve Durağı, KahveDuragi]
    handles: ["@kahveduragi"]
  - name: Demlik
    kind: competitor
    keywords: [Demlik Cafe, Demlik]
    handles: ["@demlikcafe"]
  - name: Φρέσκο
    kind: competitor
    keywords: [Φρέσκο Καφέ, Fresko Cafe]
"""


def make_settings(extra: str = "", base: str = BASE_SETTINGS, env: dict | None = None) -> Settings:
    return parse_settings(
        textwrap.dedent(base) + textwrap.dedent(extra),
        source_options=source_options(),
        channel_options={},
        env=env or {},
    )


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


def _postgres_url() -> Iterator[str]:
    schema = f"kulak_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, and PostgreSQL when it is configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kulak.sqlite3'}"
    elif POSTGRES_URL:
        yield from _postgres_url()
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


def runtime_for(settings: Settings, store: Store) -> Runtime:
    return Runtime(settings=settings, store=store)


def run(coro):
    """Drive a coroutine on the asyncio reactor's loop (Scrapy needs that loop)."""
    return reactor.run(coro)


FIXTURES = Path(__file__).parent / "spiders" / "fixtures"


def fixture_text(source: str, name: str) -> str:
    return (FIXTURES / source / name).read_text(encoding="utf-8")


def fixture_response(source: str, name: str, url: str = "http://replay.test/", **meta):
    """A saved answer of a source as the Scrapy response its parser receives."""
    from scrapy.http import Request, TextResponse

    return TextResponse(
        url=url,
        body=(FIXTURES / source / name).read_bytes(),
        encoding="utf-8",
        request=Request(url, meta=meta),
    )


@pytest.fixture(scope="session", autouse=True)
def _stop_twisted_threads() -> Iterator[None]:
    yield
    reactor.shutdown()
