"""One post never stops a source: hostile text is stored clean, and a post the store
still refuses fails the run, loudly, without costing the posts beside it."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from monitor.crawl import collect
from monitor.detect import detect_once
from monitor.replay import ReplayServer, Reply
from monitor.store import Store
from tests.conftest import POSTGRES_URL
from tests.helpers import BASE_SETTINGS, kulak, make_settings, postgres_schema, run, runtime_for

SEARCH = "/api/v1/search_by_date"
T0 = 1795166100


def hit(object_id: str, text: str, author: str = "mert", at: int = T0) -> dict:
    return {
        "objectID": object_id,
        "author": author,
        "comment_text": f"Kahve Durağı {text}",
        "created_at_i": at,
        "_tags": ["comment"],
    }


def serve(replay: ReplayServer, hits: list[dict]) -> None:
    """Algolia's answer as JSON escapes it: a lone surrogate or a NUL is a legal escape."""
    body = json.dumps({"hits": hits, "nbPages": 1}).encode()
    replay.add(SEARCH, Reply(200, body, {"Content-Type": "application/json"}))


def settings(replay: ReplayServer):
    return make_settings(
        f"""
sources:
  hackernews:
    base_url: {replay.url}
    queries: [Kahve Durağı]
    backoff: 10ms
detectors:
  health:
    min_failures: 1
"""
    )


def test_hostile_text_and_long_ids_are_stored_and_the_source_goes_on(replay, store):
    long_id = "at://did:plc:" + "k" * 24 + "/app.bsky.feed.post/" + "3" * 250
    long_author = "kahvesever@" + "cok-uzun-bir-alan-adi." * 12 + "example"
    serve(
        replay,
        [
            hit("1", "priz yok \ud800 hâlâ"),  # a lone surrogate
            hit("2", "wifi\x00 yok", author="null\x00byte"),  # NULs, refused by PostgreSQL
            hit(long_id, "uzun kimlik", author=long_author),  # over 200 characters
            hit("4", "gayet iyi", at=T0 - 60),
        ],
    )
    runtime = runtime_for(settings(replay), store)

    report = run(collect(runtime, runtime.settings.source("hackernews")))

    assert report.ok and report.new_posts == 4
    posts = {p["external_id"]: p for p in store.iter_posts()}
    assert posts["1"]["text"] == "Kahve Durağı priz yok  hâlâ"
    assert (
        posts["2"]["text"] == "Kahve Durağı wifi yok" and posts["2"]["author_handle"] == "nullbyte"
    )
    assert posts[long_id]["author_handle"] == long_author
    state = store.state("hackernews")
    assert state["status"] == "ok" and state["cursor"] == {"Kahve Durağı": T0}


@contextmanager
def sqlite_length_limit(store: Store, limit: int) -> Iterator[None]:
    """A SQLite store that refuses strings longer than `limit` bytes (PostgreSQL refuses
    an index entry over 2704 bytes on its own)."""

    def limited(connection: sqlite3.Connection, _record: object) -> None:
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limit)

    if store.dialect != "sqlite":
        yield
        return
    event.listen(store.engine, "connect", limited)
    store.engine.dispose()
    try:
        yield
    finally:  # later steps (a detector's saved state) write long values again
        event.remove(store.engine, "connect", limited)
        store.engine.dispose()


def unstorable_id() -> str:
    """An id no index takes: 20,000 characters that do not compress."""
    return random.Random(7).randbytes(10_000).hex()


def test_a_post_the_store_refuses_fails_the_run_alerts_and_spares_the_others(replay, store):
    serve(replay, [hit("1", "priz yok"), hit(unstorable_id(), "zehirli"), hit("3", "wifi yok")])
    runtime = runtime_for(settings(replay), store)
    with sqlite_length_limit(store, 10_000):
        report = run(collect(runtime, runtime.settings.source("hackernews")))

    (status, reason), *_ = report.problems
    assert status == "store_failed" and "refused 1 of 3 posts" in reason
    assert report.set_aside == 1 and report.new_posts == 2
    assert {p["external_id"] for p in store.iter_posts()} == {"1", "3"}
    state = store.state("hackernews")
    # Not moved: the next run fetches the page again.
    assert state["status"] == "store_failed" and state["cursor"] == {}
    assert "refused 1 of 3 posts" in state["last_error"]
    now = datetime.now(UTC) + timedelta(minutes=1)
    (alert,) = [a for a in detect_once(store, runtime.settings, now) if a.kind == "health"]
    assert "could not be stored" in alert.summary


def test_a_full_disk_fails_the_run_and_keeps_the_cursor(replay, sqlite_store):
    """SQLite's max_page_count is a disk that is full: no page of posts fits any more."""
    serve(replay, [hit(str(n), f"şikayet {n} " + "uzun metin " * 300) for n in range(40)])
    runtime = runtime_for(settings(replay), sqlite_store)
    sqlite_store.state("hackernews")  # collector state, as a store in use has it
    run(collect(runtime, runtime.settings.source("hackernews")))
    cursor = sqlite_store.state("hackernews")["cursor"]
    stored = sqlite_store.count_posts()

    def full(connection: sqlite3.Connection, _record: object) -> None:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")

    later = [
        hit(str(100 + n), f"yeni şikayet {n} " + "uzun metin " * 300, at=T0 + n) for n in range(40)
    ]
    serve(replay, later)
    event.listen(sqlite_store.engine, "connect", full)
    sqlite_store.engine.dispose()
    report = run(collect(runtime, runtime.settings.source("hackernews")))

    (status, reason), *_ = report.problems
    assert status == "store_failed" and "full" in reason
    assert report.set_aside > 0
    state = sqlite_store.state("hackernews")
    assert state["status"] == "store_failed" and state["cursor"] == cursor
    assert sqlite_store.count_posts() == stored + report.new_posts


@pytest.mark.skipif(not POSTGRES_URL, reason="set KULAK_TEST_POSTGRES_URL")
def test_kulak_collect_exits_1_and_counts_what_the_store_refused(replay, tmp_path):
    """PostgreSQL refuses an index entry over 2704 bytes: the command says so."""
    serve(replay, [hit("1", "priz yok"), hit(unstorable_id(), "zehirli")])
    with postgres_schema(POSTGRES_URL, "kulak_test") as url:
        settings = BASE_SETTINGS.replace("kulak:\n", f"kulak:\n  database: {url}\n", 1)
        settings += f"sources:\n  hackernews:\n    base_url: {replay.url}\n    queries: [Kahve]\n"
        (tmp_path / "settings.yaml").write_text(settings, encoding="utf-8")

        collected = kulak("collect", "--once", "--config", "settings.yaml", cwd=tmp_path)

    assert collected.returncode == 1, collected.stdout + collected.stderr
    line = next(x for x in collected.stdout.splitlines() if x.startswith("hackernews:"))
    assert "1 new posts" in line and "1 posts set aside" in line
    assert "store_failed: the store refused 1 of 2 posts" in line
