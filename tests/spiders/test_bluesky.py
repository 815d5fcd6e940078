import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.crawl import collect
from monitor.demo.sources.bluesky import Server
from monitor.replay import ReplayServer, Reply
from spiders import bluesky
from spiders.bluesky import BlueskySpider, parse_followers, parse_posts
from tests.helpers import BASE_SETTINGS, fixture_text, make_settings, run, runtime_for

LOGIN = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
PROFILES = "/xrpc/app.bsky.actor.getProfiles"
ENV = {"BLUESKY_HANDLE": "kulak-monitor.bsky.social", "BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop"}


def saved(name: str) -> dict:
    return json.loads(fixture_text("bluesky", name))


def bluesky_settings(base_url: str, extra: str = "", env=ENV):
    # `extra` may choose other queries; a key written twice is a settings error.
    queries = "" if "queries:" in extra else "queries: [Kahve Durağı]"
    return make_settings(
        f"""
sources:
  bluesky:
    base_url: {base_url}
    backoff: 10ms
    limit: 4
    {queries}
    handle: ${{BLUESKY_HANDLE}}
    app_password: ${{BLUESKY_APP_PASSWORD}}
    {extra}
""",
        env=env,
    )


@pytest.fixture(autouse=True)
def _no_session_from_another_test():
    bluesky._SESSIONS.clear()
    yield
    bluesky._SESSIONS.clear()


def fake_bluesky(replay: ReplayServer, posts: list[dict]) -> Server:
    """Every search finds every post it is given (that is the search's business)."""
    return Server(replay, posts, saved("profiles.json")["profiles"], login=tuple(ENV.values()))


def every_post() -> list[dict]:
    return saved("search_page0.json")["posts"] + saved("search_page1.json")["posts"]


# -- parser ----------------------------------------------------------------------------


def test_parser_makes_permalinks_threads_and_sort_times():
    found = list(parse_posts(saved("search_page0.json"), "Kahve Durağı"))

    (_, reply), (_, complaint), (_, greek), (anon_sort, anon) = found
    assert (
        complaint.external_id
        == "at://did:plc:ayse4k7q3xw5v6n4m2r8t1bz/app.bsky.feed.post/3lbq2xk7ma22c"
    )
    assert complaint.url == "https://bsky.app/profile/ayse.bsky.social/post/3lbq2xk7ma22c"
    assert complaint.text.endswith("hiç priz yok 😤 Laptop kapandı, kimse ilgilenmedi.")
    assert complaint.created_at == datetime(2026, 11, 20, 9, 41, tzinfo=UTC)
    assert (complaint.likes, complaint.reposts, complaint.replies) == (14, 2, 1)
    assert complaint.lang == "tr" and complaint.author_name == "Ayşe K."
    assert reply.parent_id == reply.conversation_id == complaint.external_id
    assert complaint.parent_id is None and complaint.conversation_id is None
    # A quote of a deleted post keeps what it quoted.
    assert greek.lang == "el" and greek.extra == {
        "quotes": "at://did:plc:niko5p7r9s2t4v6w8x3y5zab/app.bsky.feed.post/3lbpzzzz2222a"
    }
    # No handle, no display name, no langs; sorted by when it was indexed, not its clock.
    assert (
        anon.url == "https://bsky.app/profile/did:plc:anon3c5e7g9j2k4m6n8p3qrs/post/3lbq1k2j3h42b"
    )
    assert anon.author_name is None and anon.lang is None
    assert anon_sort == datetime(2026, 11, 20, 8, 40, 0, 250000, tzinfo=UTC)


def test_a_post_without_text_is_skipped():
    posts = [post for _, post in parse_posts(saved("search_page1.json"), "q")]
    assert [p.author_handle for p in posts] == ["jo.bsky.social"]


def test_followers_by_did_leave_deleted_accounts_out():
    followers = parse_followers(saved("profiles.json"))
    assert followers["did:plc:kdur2m5n7p9q3r4s6t8v2wxy"] == 5120
    assert "did:plc:anon3c5e7g9j2k4m6n8p3qrs" not in followers


def test_without_a_login_the_source_is_not_ready_and_says_why(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(BASE_SETTINGS + "sources:\n  bluesky:\n    handle: kulak.bsky.social\n")

    result = CliRunner().invoke(main, ["sources", "--config", str(path)])

    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith("bluesky"))
    assert "[not ready: Bluesky search needs a login: set handle and app_password" in line
    options = bluesky_settings("https://bsky.social").source("bluesky").options
    assert BlueskySpider.missing_credentials(options) is None


# -- crawls ----------------------------------------------------------------------------


def test_first_run_logs_in_pages_through_and_counts_followers(replay, sqlite_store):
    fake_bluesky(replay, every_post())
    runtime = runtime_for(bluesky_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.ok
    assert [r.path for r in replay.seen()] == [LOGIN, SEARCH, PROFILES, SEARCH, PROFILES]
    first, second = replay.seen(SEARCH)
    assert first.param("sort") == "latest" and second.param("cursor") == "4"
    assert first.headers["authorization"] == "Bearer access-1"
    assert len(replay.seen(PROFILES)[0].query["actors"]) == 4
    stored = {p["author_handle"]: p for p in sqlite_store.iter_posts()}
    assert set(stored) == {
        "ayse.bsky.social",
        "kahveduragi.com.tr",
        "eleni.bsky.social",
        "handle.invalid",
        "jo.bsky.social",
    }
    assert stored["ayse.bsky.social"]["author_followers"] == 214
    assert stored["handle.invalid"]["author_followers"] is None
    cursor = sqlite_store.state("bluesky")["cursor"]["Kahve Durağı"]
    assert cursor == {
        "newest": "2026-11-20T10:05:00+00:00",
        "ids": ["at://did:plc:kdur2m5n7p9q3r4s6t8v2wxy/app.bsky.feed.post/3lbq3a2bc4d2k"],
    }


def test_authors_found_by_several_queries_are_asked_for_once(replay, sqlite_store):
    fake_bluesky(replay, every_post())
    settings = bluesky_settings(replay.url, "queries: [Kahve Durağı, KahveDuragi, Kadıköy]")
    runtime = runtime_for(settings, sqlite_store)

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.ok and len(replay.seen(SEARCH)) == 6
    asked = [did for r in replay.seen(PROFILES) for did in r.query["actors"]]
    assert len(asked) == len(set(asked)) == 5  # four authors on the first pages, one after
    stored = {p["author_handle"]: p["author_followers"] for p in sqlite_store.iter_posts()}
    assert stored["jo.bsky.social"] == 12 and stored["kahveduragi.com.tr"] == 5120


def test_steady_state_poll_reuses_the_session_and_asks_since_the_mark(replay, sqlite_store):
    server = fake_bluesky(replay, every_post())
    runtime = runtime_for(bluesky_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("bluesky")))
    server.posts.append(saved("search_newer.json")["posts"][0])
    before = len(replay.seen())

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    # No new login; one search (the newest post of last time comes back and is skipped)
    # and one getProfiles call for the new post's author.
    assert [r.path for r in replay.seen()[before:]] == [SEARCH, PROFILES]
    assert (report.requests, report.new_posts) == (2, 1)
    assert replay.seen(SEARCH)[-1].param("since") == "2026-11-20T10:05:00.000Z"
    mark = sqlite_store.state("bluesky")["cursor"]["Kahve Durağı"]
    assert mark["newest"] == "2026-11-20T11:00:00+00:00"


def test_an_expired_token_is_refreshed_once_then_the_search_repeated(replay, sqlite_store):
    server = fake_bluesky(replay, saved("search_page1.json")["posts"])
    runtime = runtime_for(bluesky_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("bluesky")))
    server.expire_access()
    server.posts.append(saved("search_newer.json")["posts"][0])
    before = len(replay.seen())

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.ok and report.new_posts == 1
    assert [r.path for r in replay.seen()[before:]] == [SEARCH, REFRESH, SEARCH, PROFILES]
    assert replay.seen(REFRESH)[0].headers["authorization"] == "Bearer refresh-1"
    assert replay.seen(SEARCH)[-1].headers["authorization"] == "Bearer access-2"


def test_a_revoked_refresh_token_means_logging_in_again(replay, sqlite_store):
    server = fake_bluesky(replay, saved("search_page1.json")["posts"])
    runtime = runtime_for(bluesky_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("bluesky")))
    server.expire_access()
    server.refresh = "revoked"
    before = len(replay.seen())

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.ok
    assert [r.path for r in replay.seen()[before:]] == [SEARCH, REFRESH, LOGIN, SEARCH]


def test_a_wrong_app_password_is_reported_once_and_nothing_else_asked(replay, sqlite_store):
    fake_bluesky(replay, every_post())
    env = {**ENV, "BLUESKY_APP_PASSWORD": "wrong"}
    settings = bluesky_settings(replay.url, "queries: [Kahve Durağı, Demlik, Φρέσκο]", env=env)
    runtime = runtime_for(settings, sqlite_store)

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.problems == [
        ("auth_failed", "HTTP 401: AuthenticationRequired: Invalid identifier or password")
    ]
    assert [r.path for r in replay.seen()] == [LOGIN]
    assert sqlite_store.state("bluesky")["status"] == "auth_failed"


def test_a_session_refused_by_search_is_one_problem_for_all_queries(replay, sqlite_store):
    replay.add(LOGIN, Reply(200, saved("session.json")), method="POST")
    replay.add(SEARCH, Reply(403, {"error": "AuthMissing", "message": "Authentication Required"}))
    settings = bluesky_settings(replay.url, "queries: [Kahve Durağı, Demlik, Φρέσκο]")
    runtime = runtime_for(settings, sqlite_store)

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.problems == [("auth_failed", "HTTP 403: AuthMissing: Authentication Required")]
    assert len(replay.seen(SEARCH)) == 3  # one per query, none repeated
    assert bluesky._SESSIONS == {}  # the next run logs in afresh


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    server = fake_bluesky(replay, saved("search_page1.json")["posts"])
    replay.add(
        SEARCH,
        Reply(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            {"Retry-After": "1"},
        ),
        server.search,
    )
    runtime = runtime_for(bluesky_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.ok and len(replay.seen(SEARCH)) == 2 and sqlite_store.count_posts() == 1


def test_server_errors_leave_the_cursor_alone_and_are_recorded(replay, sqlite_store):
    fake_bluesky(replay, [])
    replay.add(SEARCH, Reply(502, "<html>Bad gateway</html>"))
    runtime = runtime_for(bluesky_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.problems[0][0] == "unreachable"
    assert len(replay.seen(SEARCH)) == 4 and sqlite_store.state("bluesky")["cursor"] == {}


def test_posts_are_kept_when_follower_counts_fail(replay, sqlite_store):
    fake_bluesky(replay, saved("search_page1.json")["posts"])
    replay.add(PROFILES, Reply(200, {"profiles": "unavailable"}))
    runtime = runtime_for(bluesky_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.problems[0][0] == "malformed" and "unavailable" in report.problems[0][1]
    (post,) = sqlite_store.iter_posts()
    assert post["author_handle"] == "jo.bsky.social" and post["author_followers"] is None


def test_malformed_search_keeps_earlier_posts_and_cursor(replay, sqlite_store):
    server = fake_bluesky(replay, saved("search_page1.json")["posts"])
    runtime = runtime_for(bluesky_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("bluesky")))
    cursor = sqlite_store.state("bluesky")["cursor"]
    replay.add(SEARCH, Reply(200, {"posts": [{"uri": "at://x"}]}), server.search)

    report = run(collect(runtime, runtime.settings.source("bluesky")))

    assert report.problems[0][0] == "malformed" and "KeyError" in report.problems[0][1]
    assert sqlite_store.count_posts() == 1 and sqlite_store.state("bluesky")["cursor"] == cursor
