import json
import time
from datetime import UTC, datetime

import pytest
from scrapy.http import Request, TextResponse

from monitor.config import ConfigError
from monitor.crawl import collect
from monitor.replay import Reply
from spiders import x
from spiders.base import TargetTerms
from spiders.middlewares import PolitenessMiddleware
from spiders.x import XSpider, build_queries, parse_search, since_id_usable
from tests.helpers import (
    check_and_collect,
    fixture_text,
    make_settings,
    run,
    runtime_for,
)

SEARCH = "/2/tweets/search/recent"
TOKEN_ENV = {"X_BEARER_TOKEN": "test-bearer-token"}
NEWEST = "2123706664350650368"
# The fixtures' posts are from the morning of 2026-11-20: an hour later, they are recent.
FIXTURE_NOW = datetime(2026, 11, 20, 10, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixture_clock(monkeypatch):
    """X's seven-day window is measured from the fixtures' morning, not from today."""
    monkeypatch.setattr(x, "utcnow", lambda: FIXTURE_NOW)


def x_settings(replay_url: str, extra: str = ""):
    return make_settings(
        f"""
sources:
  x:
    base_url: {replay_url}
    backoff: 10ms
    bearer_token: ${{X_BEARER_TOKEN}}
{extra}""",
        env=TOKEN_ENV,
    )


def test_parser_resolves_retweets_and_keeps_what_x_gives():
    data = json.loads(fixture_text("x", "page0.json"))
    posts = {p.external_id: p for p in parse_search(data, "q")}

    # The retweet of a deleted post (X names it in `errors`) is not kept; the Greek
    # retweet becomes its original, once, with the retweeter noted.
    assert list(posts) == [
        "2123706664350650368",
        "2123538053329850368",
        "2123695339729850368",
        "2123690306565050368",
    ]
    reply = posts["2123706664350650368"]
    assert reply.text.startswith("@kahveduragi Kadıköy şubesinde priz yok")
    assert "bekliyorum & kimse ilgilenmedi 😤" in reply.text
    assert reply.url == "https://x.com/ayse_k/status/2123706664350650368"
    assert reply.created_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    assert (reply.author_handle, reply.author_name, reply.author_followers) == (
        "ayse_k",
        "Ayşe K.",
        1830,
    )
    assert reply.parent_id == reply.conversation_id == "2123385800094650368"
    assert (reply.likes, reply.reposts, reply.replies, reply.views) == (4, 1, 0, 310)
    assert reply.lang == "tr" and reply.query == "q"

    original = posts["2123538053329850368"]
    assert original.text.startswith("Το Φρέσκο Καφέ στην Ερμού")
    assert original.author_handle == "nikos_p" and original.author_followers == 2950
    assert original.reposts == 7 and original.extra == {"retweeted_by": ["mert_dev"]}

    quote = posts["2123695339729850368"]
    assert quote.extra == {
        "quotes": "2123483946808250368",
        "edit_history": ["2123694080438650368", "2123695339729850368"],
    }

    bare = posts["2123690306565050368"]  # author not returned, no metrics, no language
    assert bare.url == "https://x.com/i/web/status/2123690306565050368"
    assert bare.author_handle is None and bare.author_followers is None
    assert bare.lang is None and bare.likes is None and bare.conversation_id is None


def test_a_post_over_280_characters_is_stored_whole_from_its_note_tweet():
    data = json.loads(fixture_text("x", "long_post.json"))
    long, short = parse_search(data, "q")

    assert long.text == data["data"][0]["note_tweet"]["text"] and len(long.text) > 280
    assert long.text.endswith("başvuracağım. #KahveDuragi")
    assert short.text == "Short one: Demlik Cafe finally has oat milk ☕"


def test_the_search_asks_for_note_tweet_and_stores_long_posts_whole(replay, sqlite_store):
    replay.add(SEARCH, Reply(200, json.loads(fixture_text("x", "long_post.json"))))
    runtime = runtime_for(x_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("x")))

    assert report.ok and "note_tweet" in replay.seen(SEARCH)[0].param("tweet.fields").split(",")
    (stored,) = [p for p in sqlite_store.iter_posts() if p["external_id"] == "2124001122334455667"]
    assert stored["text"].endswith("#KahveDuragi") and len(stored["text"]) > 280


def test_an_empty_result_has_no_posts():
    assert list(parse_search({"meta": {"result_count": 0}}, "q")) == []


BRAND = TargetTerms(
    "Kahve Durağı",
    keywords=("Kahve Durağı", "KahveDuragi"),
    handles=("@kahveduragi",),
    hashtags=("#kahveduragi",),
    exclude=("otobüs durağı",),
)
RIVAL = TargetTerms("Demlik", keywords=("Demlik Cafe",), handles=("@demlikcafe",))


def test_queries_join_targets_with_their_exclusions():
    (query,) = build_queries([BRAND, RIVAL])
    assert query == (
        '(("Kahve Durağı" OR KahveDuragi OR #kahveduragi OR @kahveduragi OR from:kahveduragi)'
        ' -"otobüs durağı") OR ("Demlik Cafe" OR @demlikcafe OR from:demlikcafe)'
    )
    (no_retweets,) = build_queries([RIVAL], suffix=" -is:retweet")
    assert no_retweets == '("Demlik Cafe" OR @demlikcafe OR from:demlikcafe) -is:retweet'


def test_queries_too_long_are_split_and_every_part_keeps_the_exclusions():
    many = TargetTerms(
        "Kahve Durağı",
        keywords=tuple(f"Kahve Durağı Şube {n}" for n in range(1, 41)),
        exclude=("otobüs durağı", "tramvay durağı"),
    )
    queries = build_queries([many, RIVAL])

    assert len(queries) > 1 and all(len(q) <= 512 for q in queries)
    brand_parts = [q for q in queries if "Şube" in q]
    assert all('-"otobüs durağı" -"tramvay durağı"' in q for q in brand_parts)
    searched = "".join(queries)
    assert all(searched.count(f'"Kahve Durağı Şube {n}"') == 1 for n in range(1, 41))
    assert "from:demlikcafe" in queries[-1]


def test_exclusions_that_leave_no_room_are_dropped_not_the_target():
    crowded = TargetTerms("Demlik", keywords=("Demlik",), exclude=("x" * 300, "y" * 300))
    assert build_queries([crowded]) == ["Demlik"]


def test_a_written_query_over_512_characters_is_a_settings_error():
    with pytest.raises(ConfigError) as caught:
        make_settings(
            f"sources:\n  x:\n    bearer_token: t\n    queries: [{'kahve ' * 90}]\n", env=TOKEN_ENV
        )
    assert "sources.x.queries" in str(caught.value) and "X allows 512" in str(caught.value)


def test_a_since_id_older_than_seven_days_is_not_sent():
    assert since_id_usable(NEWEST, FIXTURE_NOW)
    assert not since_id_usable(NEWEST, datetime(2026, 11, 27, 10, 0, tzinfo=UTC))


def serve_search(replay):
    pages = [json.loads(fixture_text("x", f"page{n}.json")) for n in (0, 1)]

    def answer(request):
        since = int(request.param("since_id", "0"))
        page = pages[1] if request.param("next_token") else pages[0]
        fresh = [t for t in page["data"] if int(t["id"]) > since]
        if not fresh:
            return Reply(200, {"meta": {"result_count": 0}})
        meta = {**page["meta"], "result_count": len(fresh), "newest_id": fresh[0]["id"]}
        return Reply(200, {**page, "data": fresh, "meta": meta})

    replay.add(SEARCH, answer)


STORED = {
    "2123706664350650368",
    "2123538053329850368",
    "2123695339729850368",
    "2123690306565050368",
    "2123686531691450368",
}


def test_crawl_pages_through_with_the_bearer_token(replay, sqlite_store):
    serve_search(replay)
    runtime = runtime_for(x_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("x")))

    assert report.ok and report.requests == 2
    assert {p["external_id"] for p in sqlite_store.iter_posts()} == STORED
    (query,) = sqlite_store.state("x")["cursor"]
    assert sqlite_store.state("x")["cursor"][query] == NEWEST
    first, second = replay.seen(SEARCH)
    assert first.headers["authorization"] == "Bearer test-bearer-token"
    assert first.param("since_id") is None and first.param("query") == query
    assert "from:kahveduragi" in query and "Φρέσκο Καφέ" in query
    assert first.param("expansions") == x.EXPANSIONS
    assert "public_metrics" in first.param("user.fields")
    assert second.param("next_token") == "b26v89c19zqg8o3fosbs2jfv7n1rmbk3hk0ty7fwd9ju5"
    assert second.param("since_id") is None and second.param("query") == query


def test_second_run_asks_only_for_newer_posts(replay, sqlite_store):
    serve_search(replay)
    runtime = runtime_for(x_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("x")))

    report = run(collect(runtime, runtime.settings.source("x")))

    assert report.ok and report.requests == 1 and report.new_posts == 0
    assert replay.seen(SEARCH)[-1].param("since_id") == NEWEST
    assert sqlite_store.count_posts() == len(STORED)
    assert list(sqlite_store.state("x")["cursor"].values()) == [NEWEST]


def test_a_stale_cursor_searches_the_whole_window_again(replay, sqlite_store, monkeypatch):
    serve_search(replay)
    runtime = runtime_for(x_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("x")))
    monkeypatch.setattr(x, "utcnow", lambda: datetime(2026, 12, 1, tzinfo=UTC))

    run(collect(runtime, runtime.settings.source("x")))

    assert replay.seen(SEARCH)[-2].param("since_id") is None


def test_without_retweets_every_query_says_so(replay, sqlite_store):
    serve_search(replay)
    settings = x_settings(replay.url, "    retweets: false\n    queries: [Demlik OR Fresko]\n")
    runtime = runtime_for(settings, sqlite_store)

    run(collect(runtime, runtime.settings.source("x")))

    assert replay.seen(SEARCH)[0].param("query") == "(Demlik OR Fresko) -is:retweet"


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    page = json.loads(fixture_text("x", "page1.json"))
    too_many = {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}
    replay.add(SEARCH, Reply(429, too_many, {"Retry-After": "1"}), Reply(200, page))
    runtime = runtime_for(x_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("x")))

    assert report.ok and len(replay.seen(SEARCH)) == 2
    assert sqlite_store.count_posts() == 1


def test_rate_limit_headers_pause_the_next_request():
    request = Request("http://replay.test/")
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 60)}
    response = TextResponse("http://replay.test/", body=b"{}", headers=headers, request=request)
    middleware = PolitenessMiddleware(rate_limit_headers=XSpider.rate_limit_headers)

    middleware._note_rate_limit(request, response)

    assert middleware.paused_until > time.monotonic() + 30


def test_server_errors_leave_the_cursor_alone_and_are_recorded(replay, sqlite_store):
    replay.add(SEARCH, Reply(503, {"title": "Service Unavailable", "status": 503}))
    runtime = runtime_for(x_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("x")))

    assert report.problems[0] == ("unreachable", "HTTP 503: Service Unavailable")
    assert sqlite_store.state("x")["cursor"] == {}
    assert len(replay.seen(SEARCH)) == 4  # the first try and three polite retries


def test_malformed_body_keeps_earlier_posts_and_cursor(replay, sqlite_store):
    serve_search(replay)
    runtime = runtime_for(x_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("x")))
    cursor = sqlite_store.state("x")["cursor"]
    replay.add(SEARCH, Reply(200, {"data": [{"id": "1", "text": "Demlik"}]}))

    report = run(collect(runtime, runtime.settings.source("x")))

    assert report.problems[0][0] == "malformed" and "KeyError" in report.problems[0][1]
    assert sqlite_store.count_posts() == len(STORED)
    assert sqlite_store.state("x")["cursor"] == cursor


def test_a_revoked_token_is_auth_failed_without_retrying(replay, sqlite_store):
    unauthorized = {"title": "Unauthorized", "type": "about:blank", "status": 401}
    replay.add(SEARCH, Reply(401, {**unauthorized, "detail": "Unauthorized"}))
    runtime = runtime_for(x_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("x")))

    assert report.problems == [("auth_failed", "HTTP 401: Unauthorized")]
    assert len(replay.seen(SEARCH)) == 1
    assert sqlite_store.state("x")["status"] == "auth_failed"


def test_missing_token_is_one_clear_line_in_check_and_collect(tmp_path):
    checked, skipped = check_and_collect(tmp_path, "x: {}\n")

    assert "Source x (x): not ready, every 15m — no bearer token" in checked
    assert skipped == [
        "Skipping x: no bearer token (write bearer_token: ${X_BEARER_TOKEN} and set it)"
    ]
