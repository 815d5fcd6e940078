"""Answers made to break a collector: whatever a parser raises is a failed run, never a
success, and an answer past the source's size cap (a decompression bomb too) is refused
and reported naming the cap."""

from __future__ import annotations

import gzip
import json

import pytest

from monitor.crawl import collect
from monitor.replay import Reply
from tests.helpers import make_settings, run, runtime_for, source_settings

SEARCH = "/api/v1/search_by_date"
MiB = 1024 * 1024


def collect_hn(replay, store, **options):
    settings = source_settings("hackernews", replay.url, queries="[Kahve Durağı]", **options)
    runtime = runtime_for(settings, store)
    return run(collect(runtime, settings.source("hackernews")))


def json_reply(body: bytes, **headers: str) -> Reply:
    return Reply(200, body, {"Content-Type": "application/json", **headers})


HIT_FROM_THE_FAR_FUTURE = {
    "hits": [
        {
            "objectID": "1",
            "author": "mert",
            "comment_text": "Kahve Durağı priz yok",
            "created_at_i": 1e20,  # OverflowError, not one of the ValueErrors parsers expect
            "_tags": ["comment"],
        }
    ],
    "nbPages": 1,
}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (json.dumps(HIT_FROM_THE_FAR_FUTURE).encode(), "OverflowError"),
        (b"[" * 200_000 + b"]" * 200_000, "RecursionError"),
    ],
    ids=["overflow", "nested-200000-deep"],
)
def test_any_parser_error_is_a_malformed_run_not_a_success(replay, sqlite_store, body, error):
    replay.add(SEARCH, json_reply(body))

    report = collect_hn(replay, sqlite_store)

    (status, reason), *_ = report.problems
    assert status == "malformed" and error in reason
    state = sqlite_store.state("hackernews")
    assert state["status"] == "malformed" and state["cursor"] == {}


def test_an_answer_over_the_cap_is_refused_and_the_cap_named(replay, sqlite_store):
    page = json.dumps({**HIT_FROM_THE_FAR_FUTURE, "padding": "x" * 4096}).encode()
    replay.add(SEARCH, json_reply(page))

    report = collect_hn(replay, sqlite_store, max_response_size="2KB")

    (status, reason), *_ = report.problems
    assert status == "too_large" and "cap of 2,000 bytes" in reason
    assert "max_response_size" in reason
    assert sqlite_store.state("hackernews")["status"] == "too_large"


def test_an_answer_that_does_not_say_its_size_is_cut_at_the_cap(replay, sqlite_store):
    """No Content-Length: the cap is checked as the body arrives, not trusted to a header."""
    endless = b'{"hits": [' + b'{"objectID": "1"}, ' * 200_000 + b'{}], "nbPages": 1}'
    replay.add(SEARCH, Reply(200, endless, {"Content-Type": "application/json"}, streamed=True))

    report = collect_hn(replay, sqlite_store, max_response_size="1MB")

    (status, reason), *_ = report.problems
    assert status == "too_large" and "cap of 1,000,000 bytes" in reason


def test_a_gzip_bomb_is_stopped_at_the_default_cap(replay, sqlite_store):
    """64 KiB on the wire, 64 MiB of zeros inflated: decompression stops at 10 MiB."""
    bomb = gzip.compress(b"\0" * (64 * MiB), compresslevel=9)
    assert len(bomb) < 100_000
    replay.add(SEARCH, json_reply(bomb, **{"Content-Encoding": "gzip"}))

    report = collect_hn(replay, sqlite_store)

    (status, reason), *_ = report.problems
    assert status == "too_large" and "cap of 10 MiB" in reason


NESTED = b"[" * 200_000 + b"]" * 200_000


def test_an_error_answer_nested_too_deep_is_still_the_error_it_is(replay, sqlite_store):
    replay.add(SEARCH, Reply(500, NESTED))

    report = collect_hn(replay, sqlite_store, retries=0)

    (status, reason), *_ = report.problems
    assert status == "unreachable" and reason.startswith("HTTP 500: [[[")


def test_an_error_outside_the_parsers_fails_the_run_as_a_crash(replay, sqlite_store):
    """YouTube reads its error bodies before the shared guard does: a RecursionError
    there is no parser's, and the run must still not count as a success."""
    replay.add("/youtube/v3/commentThreads", Reply(403, NESTED))
    settings = make_settings(
        f"sources:\n  youtube:\n    base_url: {replay.url}\n    api_key: k\n"
        "    videos: [kD9xQ2mB7aE]\n"
    )
    runtime = runtime_for(settings, sqlite_store)

    report = run(collect(runtime, settings.source("youtube")))

    (status, reason), *_ = report.problems
    assert status == "crashed" and reason.startswith("RecursionError")
    assert sqlite_store.state("youtube")["status"] == "crashed"
