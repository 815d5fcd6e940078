import base64
import json
from datetime import UTC, datetime

import pytest

from monitor.config import ConfigError
from monitor.crawl import collect
from monitor.replay import Reply
from spiders import reddit
from spiders.base import TargetTerms
from spiders.reddit import build_queries, feed_entry_post, parse_listing
from spiders.rss import parse_feed
from tests.helpers import fixture_text, make_settings, run, runtime_for

SCOPE = "/r/istanbul+Turkey+greece"
SEARCH, COMMENTS = f"{SCOPE}/search", f"{SCOPE}/comments"
CREDENTIALS = {"REDDIT_CLIENT_ID": "kulak-app-id", "REDDIT_CLIENT_SECRET": "kulak-app-secret"}
STORED = {"t3_1gx9q4d", "t3_1gx8m3c", "t3_1gx7k2b", "t3_1gx6j1a", "t1_m3k8z2q", "t1_m3k5z8m"}


@pytest.fixture(autouse=True)
def no_tokens():
    """Tokens live as long as the process: each test starts logged out."""
    reddit._TOKENS.clear()
    yield
    reddit._TOKENS.clear()


def reddit_settings(replay_url: str, oauth: bool = True):
    login = "    client_id: ${REDDIT_CLIENT_ID}\n    client_secret: ${REDDIT_CLIENT_SECRET}\n"
    return make_settings(
        f"""
sources:
  reddit:
    base_url: {replay_url}
    www_url: {replay_url}
    backoff: 10ms
    subreddits: [istanbul, r/Turkey, greece]
{login if oauth else ""}""",
        env=CREDENTIALS,
    )


def fixture_json(name: str):
    return json.loads(fixture_text("reddit", name))


def test_listing_posts_and_comments_without_the_deleted_ones():
    posts = {
        p.external_id: p
        for name in ("search0.json", "comments.json")
        for p in parse_listing(fixture_json(name), "q")
    }

    # The [deleted] and [removed] comments are gone; the post whose body was removed
    # keeps its title, its deleted author is no one.
    assert set(posts) == STORED - {"t3_1gx6j1a"}
    question = posts["t3_1gx9q4d"]
    assert question.text.startswith("Kadıköy'de laptopla çalışılacak kafe?\nKahve Durağı Kadıköy")
    assert question.url == (
        "https://www.reddit.com/r/istanbul/comments/1gx9q4d/kadıköyde_laptopla_çalışılacak_kafe/"
    )
    assert question.created_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    assert (question.author_handle, question.score, question.replies) == ("ayse_k", 14, 6)
    assert question.conversation_id == "t3_1gx9q4d" and question.extra == {"subreddit": "istanbul"}
    removed = posts["t3_1gx8m3c"]
    assert removed.text == "Φρέσκο Καφέ ή Demlik Cafe για δουλειά;"
    assert removed.author_handle is None and removed.extra["body_removed"] is True
    link = posts["t3_1gx7k2b"]
    assert link.text == "Demlik Cafe raised the price of a tea to 60 TL & nobody noticed? ☕📈"
    assert link.extra["edited_at"] == "2026-11-20T08:15:00+00:00"
    answer = posts["t1_m3k5z8m"]
    assert answer.text == "Demlik'e git, her masada priz var & çay da güzel 🫖"
    assert answer.parent_id == "t1_m3k5w9n" and answer.conversation_id == "t3_1gx9q4d"
    assert answer.extra["post_title"] == "Kadıköy'de laptopla çalışılacak kafe?"


def test_items_without_a_permalink_get_a_link_built_from_their_ids():
    comment, post, link = parse_listing(fixture_json("no_permalink.json"), "q")

    assert comment.url == "https://www.reddit.com/comments/1gz2a7k/_/m4a1b2c/"
    assert comment.text.startswith("Το Φρέσκο Καφέ") and comment.conversation_id == "t3_1gz2a7k"
    assert post.url == "https://www.reddit.com/comments/1gz1f0e/"
    assert link.url == "https://www.reddit.com/comments/1gz0c9d/"
    assert link.text == "Kahve Durağı opened a branch near Galata, anyone tried it?"


def test_feed_entries_lose_reddits_footer_and_the_deleted_ones():
    fallback = datetime(2026, 11, 20, tzinfo=UTC)
    entries = [
        entry
        for name in ("search.rss", "comments.rss")
        for entry in parse_feed(fixture_text("reddit", name).encode()).entries
    ]
    posts = {
        p.external_id: p
        for e in entries
        if (p := feed_entry_post(e, "https://www.reddit.com/x.rss", "q", fallback)) is not None
    }

    assert set(posts) == STORED - {"t3_1gx6j1a"}
    assert posts["t3_1gx9q4d"].text.endswith("Başka bir yer önerir misiniz?")
    assert "submitted by" not in "".join(p.text for p in posts.values())
    assert posts["t3_1gx8m3c"].text == "Φρέσκο Καφέ ή Demlik Cafe για δουλειά;"
    assert posts["t3_1gx8m3c"].author_handle is None
    assert posts["t3_1gx7k2b"].text.startswith("Demlik Cafe raised the price")
    comment = posts["t1_m3k8z2q"]
    assert comment.text.startswith("Merhaba, Kahve Durağı olarak")  # not "/u/... on ..."
    assert comment.author_handle == "kahveduragi" and comment.conversation_id == "t3_1gx9q4d"
    assert comment.created_at == datetime(2026, 11, 20, 9, 50, tzinfo=UTC)


def test_queries_or_every_keyword_within_512_characters():
    brand = TargetTerms("Kahve Durağı", ("Kahve Durağı", "KahveDuragi"), hashtags=("#kahve",))
    assert build_queries([brand]) == ['"Kahve Durağı" OR KahveDuragi OR kahve']
    many = TargetTerms("Demlik", tuple(f"Demlik Şube {n}" for n in range(60)))
    queries = build_queries([brand, many])
    assert len(queries) > 1 and all(len(q) <= 512 for q in queries)
    assert sum(q.count('"Demlik Şube') for q in queries) == 60


def test_half_given_credentials_are_a_settings_error():
    with pytest.raises(ConfigError) as caught:
        make_settings("sources:\n  reddit:\n    client_id: abc\n")
    assert "sources.reddit" in str(caught.value) and "both client_id and client_secret" in str(
        caught.value
    )


def serve_api(replay):
    token = fixture_json("token.json")
    replay.add(reddit.TOKEN_PATH, Reply(200, token), method="POST")
    pages = [fixture_json("search0.json"), fixture_json("search1.json")]
    replay.add(SEARCH, lambda request: Reply(200, pages[1] if request.param("after") else pages[0]))
    replay.add(COMMENTS, Reply(200, fixture_json("comments.json")))
    return token["access_token"]


def test_oauth_crawl_logs_in_then_reads_searches_and_comments(replay, sqlite_store):
    token = serve_api(replay)
    runtime = runtime_for(reddit_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.ok and report.requests == 4
    assert {p["external_id"] for p in sqlite_store.iter_posts()} == STORED
    (login,) = replay.seen(reddit.TOKEN_PATH)
    basic = base64.b64encode(b"kulak-app-id:kulak-app-secret").decode()
    assert login.headers["authorization"] == f"Basic {basic}"
    assert login.body == b"grant_type=client_credentials"
    first, second = replay.seen(SEARCH)
    assert first.headers["authorization"] == f"bearer {token}"
    assert first.param("sort") == "new" and first.param("restrict_sr") == "on"
    assert first.param("q") == (
        '"Kahve Durağı" OR KahveDuragi OR "Demlik Cafe" OR Demlik OR "Φρέσκο Καφέ" OR "Fresko Cafe"'
    )
    assert second.param("after") == "t3_1gx7k2b"
    cursor = sqlite_store.state("reddit")["cursor"]
    assert cursor["comments"] == {"newest": "2026-11-20T09:50:00+00:00", "ids": ["t1_m3k8z2q"]}


def test_second_run_keeps_its_token_and_stops_at_what_it_has(replay, sqlite_store):
    serve_api(replay)
    runtime = runtime_for(reddit_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("reddit")))

    report = run(collect(runtime, runtime.settings.source("reddit")))

    # One request per listing: no login, no second page.
    assert report.ok and report.requests == 2 and report.new_posts == 0
    assert len(replay.seen(reddit.TOKEN_PATH)) == 1


def test_refused_credentials_are_auth_failed_in_one_request(replay, sqlite_store):
    refused = {"message": "Unauthorized", "error": 401}
    replay.add(reddit.TOKEN_PATH, Reply(401, refused), method="POST")
    runtime = runtime_for(reddit_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.problems == [
        ("auth_failed", "Reddit refused the app's client id and secret (HTTP 401)")
    ]
    assert len(replay.seen()) == 1
    assert "kulak-app-secret" not in sqlite_store.state("reddit")["last_error"]


def test_a_private_subreddit_is_not_found_not_bad_credentials(replay, sqlite_store):
    serve_api(replay)
    private = {"reason": "private", "message": "Forbidden", "error": 403}
    replay.add(COMMENTS, Reply(403, private))
    runtime = runtime_for(reddit_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.problems == [("not_found", "Reddit answers 403: private")]
    assert sqlite_store.count_posts() == 4  # the searches still went through


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    serve_api(replay)
    page = fixture_json("search1.json")
    replay.add(
        SEARCH,
        Reply(429, {"message": "Too Many Requests", "error": 429}, {"Retry-After": "1"}),
        Reply(200, page),
    )
    runtime = runtime_for(reddit_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.ok and len(replay.seen(SEARCH)) == 2
    assert "t3_1gx6j1a" in {p["external_id"] for p in sqlite_store.iter_posts()}


def test_server_errors_leave_the_cursor_alone_and_are_recorded(replay, sqlite_store):
    serve_api(replay)
    replay.add(SEARCH, Reply(502, "<html><body>Bad Gateway</body></html>"))
    runtime = runtime_for(reddit_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.problems[0][0] == "unreachable" and "Bad Gateway" in report.problems[0][1]
    assert len(replay.seen(SEARCH)) == 4
    assert set(sqlite_store.state("reddit")["cursor"]) == {"comments"}


def test_a_thing_that_cannot_be_read_is_skipped_and_its_listing_stored(replay, sqlite_store):
    serve_api(replay)
    comments = fixture_json("comments.json")
    del comments["data"]["children"][0]["data"]["created_utc"]
    replay.add(COMMENTS, Reply(200, comments))
    runtime = runtime_for(reddit_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.ok and report.skipped == 1 and "created_utc" in report.skip_example
    assert "t1_m3k8z2q" not in {p["external_id"] for p in sqlite_store.iter_posts()}
    assert "comments" in sqlite_store.state("reddit")["cursor"]


def test_malformed_body_keeps_earlier_posts_and_cursor(replay, sqlite_store):
    serve_api(replay)
    runtime = runtime_for(reddit_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("reddit")))
    cursor = sqlite_store.state("reddit")["cursor"]
    replay.add(COMMENTS, Reply(200, {"kind": "Listing", "data": {"children": [{"kind": "t1"}]}}))

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.problems[0][0] == "malformed" and "KeyError" in report.problems[0][1]
    assert sqlite_store.count_posts() == len(STORED)
    assert sqlite_store.state("reddit")["cursor"] == cursor


def serve_feeds(replay):
    atom = {"Content-Type": "application/atom+xml; charset=UTF-8", "ETag": '"reddit-1"'}

    def feed(name):
        def answer(request):
            if request.headers.get("if-none-match") == '"reddit-1"':
                return Reply(304, b"")
            return Reply(200, fixture_text("reddit", name).encode(), atom)

        return answer

    replay.add(f"{SEARCH}.rss", feed("search.rss"))
    replay.add(f"{COMMENTS}.rss", feed("comments.rss"))


def test_without_credentials_the_rss_listings_are_read(replay, sqlite_store):
    serve_feeds(replay)
    runtime = runtime_for(reddit_settings(replay.url, oauth=False), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.ok and report.requests == 2
    assert {p["external_id"] for p in sqlite_store.iter_posts()} == STORED - {"t3_1gx6j1a"}
    (search,) = replay.seen(f"{SEARCH}.rss")
    assert search.param("restrict_sr") == "on" and "authorization" not in search.headers


def test_without_credentials_an_unchanged_feed_costs_one_304(replay, sqlite_store):
    serve_feeds(replay)
    runtime = runtime_for(reddit_settings(replay.url, oauth=False), sqlite_store)
    run(collect(runtime, runtime.settings.source("reddit")))

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.ok and report.requests == 2 and report.new_posts == 0


def test_a_refused_anonymous_feed_says_to_give_credentials(replay, sqlite_store):
    replay.add(f"{SEARCH}.rss", Reply(403, "<html>forbidden</html>"))
    replay.add(f"{COMMENTS}.rss", Reply(403, "<html>forbidden</html>"))
    runtime = runtime_for(reddit_settings(replay.url, oauth=False), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("reddit")))

    assert report.problems[0] == (
        "blocked",
        "Reddit refused the anonymous .rss request; give client_id and client_secret (HTTP 403)",
    )
