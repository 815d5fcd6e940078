"""`kulak run` in this process: scheduled collections against local replays, time-outs,
delivery after each collection, retention and the run lock (digests: test_digests.py)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.demo.live import SEARCH, LiveFeed
from monitor.registry import channels
from monitor.replay import ReplayServer, Reply
from monitor.service import Service
from monitor.store import AlreadyRunning, Store, floor_hour
from tests.helpers import make_settings, run
from tests.service.conftest import POSTS, RISK

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def serve_until(service: Service, done: Callable[[], bool], limit: float = 20) -> None:
    """Run the service until `done()` holds (checked every 50 ms), then stop it."""

    async def main() -> None:
        stop = asyncio.Event()

        async def watch() -> None:
            while not done():
                await asyncio.sleep(0.05)
            stop.set()

        watcher = asyncio.ensure_future(watch())
        try:
            await asyncio.wait_for(service.run(stop), limit)
        finally:
            watcher.cancel()

    run(main())


def service_for(extra: str, store: Store, **options: Any) -> Service:
    settings = make_settings(extra)
    return Service(settings, store, channels(settings), **options)


def jsonl_keys(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_collects_on_schedule_then_detects_and_delivers(cafe_feed, sqlite_store, tmp_path):
    out = tmp_path / "alerts.jsonl"
    service = service_for(
        f"""
sources:
  hackernews:
    base_url: {cafe_feed.url}
    interval: 200ms
    jitter: 0s
channels:
  jsonl:
    path: {out}
""",
        sqlite_store,
    )
    searches = cafe_feed.replay.seen

    serve_until(service, lambda: len(jsonl_keys(out)) == 2 and len(searches(SEARCH)) > 8)

    assert sqlite_store.count_posts() == len(POSTS)
    demlik = [p.object_id for p in cafe_feed.posts if "Demlik" in p.text]
    assert sorted(jsonl_keys(out)) == [f"opportunity:Demlik:hackernews:{i}" for i in demlik]
    asked = [r for r in searches(SEARCH) if r.param("query") == "Demlik Cafe"]
    since = [int(r.param("numericFilters").split(">")[1]) for r in asked]
    assert since[0] == 0 and since[-1] > 0  # later runs ask only for what is new
    state = sqlite_store.state("hackernews")
    assert state["status"] == "ok" and state["runs"] >= 2


def slow_endless_pages(replay: ReplayServer, spans: list[tuple[float, float]]) -> None:
    """A source that always has one more page and takes 300 ms to answer each."""

    def answer(request: Any) -> Reply:
        started = time.monotonic()
        time.sleep(0.3)
        spans.append((started, time.monotonic()))
        page = int(request.param("page"))
        return Reply(200, {"hits": [], "nbHits": 10**6, "page": page, "nbPages": 10**4})

    replay.add(SEARCH, answer)


def test_a_slow_source_times_out_alone_and_its_runs_never_overlap(replay, sqlite_store):
    spans: list[tuple[float, float]] = []
    slow_endless_pages(replay, spans)
    with ReplayServer() as fast:
        feed = LiveFeed(fast)
        for text in POSTS:
            feed.post(text, written=time.time() - 60)
        service = service_for(
            f"""
sources:
  slow:
    type: hackernews
    base_url: {replay.url}
    interval: 100ms
    jitter: 0s
    timeout: 1s
    max_pages: 100
    queries: [Kahve Durağı]
  fast:
    type: hackernews
    base_url: {fast.url}
    interval: 100ms
    jitter: 0s
    queries: [Demlik Cafe]
""",
            sqlite_store,
        )
        serve_until(service, lambda: (sqlite_store.state("slow").get("runs") or 0) >= 2)

    slow, fast_state = sqlite_store.state("slow"), sqlite_store.state("fast")
    # (the run the test's own stop interrupts is not a failure, so look at the last failure)
    assert slow["last_failure_at"] is not None
    assert slow["last_error"] == "still running after 1s; stopped"
    assert fast_state["status"] == "ok" and fast_state["runs"] > slow["runs"]
    assert sqlite_store.count_posts() == 2  # the posts naming Demlik Cafe
    # runs of one source never overlap: its requests follow one another
    ordered = sorted(spans)
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(ordered))


def test_interrupted_sends_of_a_killed_run_are_sent_at_start(sqlite_store, tmp_path):
    out = tmp_path / "alerts.jsonl"
    service = service_for(f"channels:\n  jsonl:\n    path: {out}\n", sqlite_store)
    sqlite_store.add_alert(RISK, ["jsonl"])
    (due,) = sqlite_store.due_deliveries("jsonl")

    assert sqlite_store.claim_delivery(due.id, datetime.now(UTC))  # claimed, then the process died

    serve_until(service, lambda: bool(jsonl_keys(out)))

    assert jsonl_keys(out) == [RISK.key]
    assert sqlite_store.delivery_counts() == {("jsonl", "sent"): 1}


def test_retention_deletes_old_posts_with_their_mentions(store):
    from monitor.records import Mention, Record
    from spiders.items import Post

    def record(external_id: str, age: timedelta) -> Record:
        post = Post(
            "hackernews", external_id, f"https://x.test/{external_id}", "Demlik Cafe", NOW - age
        )
        return Record(post, [Mention("Demlik", "competitor", [(0, 11)], ["Demlik Cafe"])], "en")

    store.save([record("old", timedelta(days=200)), record("new", timedelta(days=3))])
    store.refresh_mention_hours()
    service = service_for("", store, clock=lambda: NOW)  # retention: 180d by default

    assert service.apply_retention() == 1

    (kept,) = list(store.iter_posts())
    assert kept["external_id"] == "new" and len(kept["mentions"]) == 1
    hours = store.mention_hours(NOW - timedelta(days=365), ["Demlik"])["Demlik"]
    assert list(hours) == [floor_hour(NOW - timedelta(days=3))]
    assert service.apply_retention() == 0


def test_only_one_run_serves_a_database(store):
    other = Store(store.engine)
    assert not other.serving()
    with store.run_lock():
        assert other.serving()  # what `kulak status` asks
        with pytest.raises(AlreadyRunning, match="another `kulak run`"), other.run_lock():
            pass
    with other.run_lock():  # released when the first run ends
        pass
    assert not store.serving()


def test_a_failing_detector_does_not_hold_back_delivery(store, tmp_path):
    from sqlalchemy import text

    from tests.helpers import record

    out = tmp_path / "alerts.jsonl"
    service = service_for(f"channels:\n  jsonl:\n    path: {out}\n", store)
    store.save([record(1, datetime.now(UTC) - timedelta(hours=1), "Demlik", "neg", ("complaint",))])
    with store.engine.begin() as conn:  # the spike detector's hourly counts are missing
        conn.execute(text("DROP TABLE mention_hours"))

    run(service.process.run())

    assert jsonl_keys(out) == ["opportunity:Demlik:hackernews:1"]


def test_a_running_service_learns_labels_given_since_it_started(sqlite_store):
    """Each collection's child learns the team's labels as it starts: a label given while
    the service runs counts from the next crawl."""
    from tests.triage.test_corrections import team_labels

    with ReplayServer() as replay:
        feed = LiveFeed(replay)
        service = service_for(
            f"""
sources:
  hackernews:
    base_url: {feed.url}
    interval: 100ms
    jitter: 0s
    queries: [Demlik]
""",
            sqlite_store,
        )
        later = "Demlik'te bugün de kuyruk vardı"  # neutral to the scorer alone

        labelled = []

        def labelled_then_collected() -> bool:
            if sqlite_store.state("hackernews").get("runs", 0) < 1:
                return False
            if not labelled:
                labelled.append(True)
                for label in team_labels():
                    sqlite_store.put_label(label)
                feed.post(later, written=time.time() - 60)
            return sqlite_store.count_posts() == 1

        serve_until(service, labelled_then_collected)

    (post,) = sqlite_store.iter_posts()
    assert post["text"] == later
    assert [m["label"] for m in post["mentions"]] == ["neg"]


def children_of_this_process() -> list[int]:
    """Child processes of this one's threads (those that end meanwhile aside)."""
    children = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            children.extend(int(pid) for pid in (task / "children").read_text().split())
    return children


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_a_collection_whose_process_dies_is_that_sources_failure_and_the_next_run_refetches(
    sqlite_store,
):
    """A collection runs in a child process (monitor.collector); one killed mid-crawl (the
    kernel's OOM killer, a crash in a C library) is recorded as its source's failure, the
    service goes on, and the next run fetches what the dead one had not stored."""
    asked, killed = threading.Event(), threading.Event()
    with ReplayServer() as replay:
        feed = LiveFeed(replay)
        for text in POSTS:
            feed.post(text, written=time.time() - 60)

        def first_answer_hangs(request: Any) -> Reply:
            if not asked.is_set():
                asked.set()
                killed.wait(10)
            return feed.answer(request)

        replay.add(SEARCH, first_answer_hangs)
        service = service_for(
            f"""
sources:
  hackernews:
    base_url: {feed.url}
    interval: 100ms
    jitter: 0s
""",
            sqlite_store,
        )
        failures: list[str | None] = []

        def killed_then_collected() -> bool:
            if asked.is_set() and not killed.is_set():
                for pid in children_of_this_process():
                    os.kill(pid, signal.SIGKILL)
                killed.set()
            state = sqlite_store.state("hackernews")
            failures.append(state.get("last_error"))
            return state.get("status") == "ok" and sqlite_store.count_posts() == len(POSTS)

        serve_until(service, killed_then_collected)

    assert "the collector process was killed by SIGKILL" in failures
    assert sqlite_store.state("hackernews")["runs"] >= 2


def test_a_service_on_an_in_memory_database_is_refused_with_a_reason():
    """Its collections' child process could never see that database."""
    from monitor.config import ConfigError

    with pytest.raises(ConfigError, match="in-memory SQLite database; give it a file"):
        service_for("", Store.open("sqlite://"))


def test_a_stop_mid_crawl_ends_the_childs_crawl_gracefully(replay, sqlite_store):
    """The service tells its collections' child to stop; the child stops its crawl as a
    stop in one process did (pages in flight stored, the run not a failure), well within
    the grace a child that ignored it would be killed after."""
    spans: list[tuple[float, float]] = []
    slow_endless_pages(replay, spans)
    service = service_for(
        f"""
sources:
  slow:
    type: hackernews
    base_url: {replay.url}
    interval: 1h
    timeout: 1h
    max_pages: 100
    queries: [Kahve Durağı]
""",
        sqlite_store,
    )
    stopped_at: list[float] = []

    def crawling() -> bool:
        if len(spans) >= 2 and not stopped_at:
            stopped_at.append(time.monotonic())
        return bool(stopped_at)

    serve_until(service, crawling)

    assert time.monotonic() - stopped_at[0] < 10  # the grace is 30 s
    state = sqlite_store.state("slow")
    assert state["runs"] == 1 and state["status"] == "ok"
    assert state.get("last_error") is None
