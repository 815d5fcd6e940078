import json
from datetime import UTC, datetime

import pytest

from monitor.config import ConfigError
from monitor.crawl import collect
from monitor.replay import Reply
from spiders.youtube import parse_threads
from tests.helpers import check_and_collect, fixture_text, make_settings, run, runtime_for

THREADS = "/youtube/v3/commentThreads"
VIDEO = "kD9xQ2mB7aE"
CHANNEL = "UCk4hV3dUr4g1TmQ0bX9cAfE"
KEY_ENV = {"YOUTUBE_API_KEY": "test-youtube-key"}
TOP = "UgzT1kq8sLm3Xy0fN9Z4AaABAg"
BRAND_REPLY = f"{TOP}.9xYzAbCdEfG9xYzQrStUvW"
GREEK_REPLY = f"{TOP}.9xYzAbCdEfG9xYzAbCdEfH"


def yt_settings(replay_url: str, extra: str = "    videos: [kD9xQ2mB7aE]\n"):
    return make_settings(
        f"""
sources:
  youtube:
    base_url: {replay_url}
    backoff: 10ms
    api_key: ${{YOUTUBE_API_KEY}}
    about: Kahve Durağı
{extra}""",
        env=KEY_ENV,
    )


def test_parser_gives_each_comment_then_its_replies():
    data = json.loads(fixture_text("youtube", "page0.json"))
    posts = [post for thread in parse_threads(data, about="Kahve Durağı") for post in thread]

    assert [p.external_id for p in posts] == [
        TOP,
        GREEK_REPLY,
        BRAND_REPLY,
        "UgwP4rS6tU8vW0xY2zA4Ab4AaABAg",
        "UgxQ5sT7uV9wX1yZ3aB5Cc6AaABAg",
    ]
    top, greek, brand, latte, anonymous = posts
    assert top.text == "Kadıköy şubesinde hiç priz yok, laptopla gidenler dikkat 😤"
    assert top.url == f"https://www.youtube.com/watch?v={VIDEO}&lc={TOP}"
    assert top.created_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    assert (top.author_handle, top.author_name) == ("ayse_k", "@ayse_k")
    assert (top.likes, top.replies, top.parent_id) == (12, 2, None)
    assert top.conversation_id == TOP and top.about == "Kahve Durağı"
    assert top.extra == {
        "video_id": VIDEO,
        "by_brand": False,
        "author_channel_id": "UCa1YsEkQ7mT3nB5vC9xZ2wD",
    }

    assert greek.parent_id == TOP and greek.conversation_id == TOP
    assert greek.text.startswith("Στο Φρέσκο Καφέ")
    assert greek.extra["edited_at"] == "2026-11-20T09:45:00+00:00"
    # The video's own channel answering is the brand answering.
    assert brand.author_handle == "kahveduragi" and brand.extra["by_brand"] is True
    assert latte.replies == 0 and "❤️" in latte.text

    # No author left (a closed account), no textOriginal: the display text, decoded.
    assert anonymous.author_handle is None and anonymous.author_name is None
    assert anonymous.text == "Demlik'ten daha iyi & daha ucuz"


def test_authors_without_a_handle_are_known_by_name_not_as_a_handle():
    data = json.loads(fixture_text("youtube", "no_handles.json"))
    ((top, reply),) = parse_threads(data)

    assert (top.author_handle, top.author_name) == (None, "Ayşe Kaya")
    assert top.extra["author_channel_id"] == "UCq8Wm2Xn4Yp6Zr8As0Bt2Cu"
    assert (reply.author_handle, reply.author_name) == (None, "Γιώργος Π.")


def test_a_thread_that_cannot_be_read_is_skipped_and_the_page_stored(replay, sqlite_store):
    page = json.loads(fixture_text("youtube", "page0.json"))
    del page["items"][1]["snippet"]["topLevelComment"]["snippet"]["publishedAt"]
    replay.add(THREADS, Reply(200, {key: v for key, v in page.items() if key != "nextPageToken"}))
    runtime = runtime_for(yt_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.ok and (report.skipped, report.items) == (1, 3)
    assert "publishedAt" in report.skip_example
    assert sqlite_store.state("youtube")["cursor"] != {}


def test_without_about_comments_are_only_what_they_say():
    data = json.loads(fixture_text("youtube", "page1.json"))
    ((post,),) = parse_threads(data)
    assert post.about is None and "by_brand" not in post.extra
    assert post.extra["video_id"] == VIDEO


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("api_key: k\n", "list at least one video id"),
        ("api_key: k\n    videos: [x]\n    queries: [Demlik]\n", "at most 0 items"),
    ],
)
def test_options_say_what_is_wrong(entry, problem):
    with pytest.raises(ConfigError) as caught:
        make_settings(f"sources:\n  youtube:\n    {entry}")
    assert "sources.youtube" in str(caught.value) and problem in str(caught.value)


def serve_threads(replay, *extra_threads):
    pages = [json.loads(fixture_text("youtube", f"page{n}.json")) for n in (0, 1)]
    pages[0]["items"][:0] = extra_threads

    def answer(request):
        return Reply(200, pages[1] if request.param("pageToken") else pages[0])

    replay.add(THREADS, answer)


def test_crawl_pages_through_with_the_key_in_a_header(replay, sqlite_store):
    serve_threads(replay)
    runtime = runtime_for(yt_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.ok and report.requests == 2 and report.new_posts == 6
    stored = {p["external_id"]: p for p in sqlite_store.iter_posts()}
    # Comments on the brand's video are about the brand, named or not.
    assert {m["target"] for m in stored[TOP]["mentions"]} == {"Kahve Durağı"}
    assert [m["by_target"] for m in stored[BRAND_REPLY]["mentions"]] == [True]
    assert sqlite_store.state("youtube")["cursor"] == {
        f"video:{VIDEO}": {"newest": "2026-11-20T09:15:00+00:00", "ids": [TOP]}
    }
    first, second = replay.seen(THREADS)
    assert first.headers["x-goog-api-key"] == "test-youtube-key"
    assert first.param("key") is None and first.param("videoId") == VIDEO
    assert first.param("order") == "time" and first.param("part") == "snippet,replies"
    assert second.param("pageToken", "").startswith("QURTSl9p")


def test_second_run_stops_at_the_newest_comment_it_has(replay, sqlite_store):
    serve_threads(replay)
    runtime = runtime_for(yt_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("youtube")))

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.ok and report.requests == 1 and report.new_posts == 0


def test_a_new_comment_costs_one_request(replay, sqlite_store):
    serve_threads(replay)
    runtime = runtime_for(yt_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("youtube")))
    newer = json.loads(fixture_text("youtube", "page1.json"))["items"][0]
    newer = json.loads(
        json.dumps(newer)
        .replace("UgyR6tU8vW0xY2zA4bC6Dd7AaABAg", "UgzN3wC0mMeNt5fR0mToDaY7AaABAg")
        .replace("2026-11-19T20:00:00Z", "2026-11-20T11:00:00Z")
    )
    serve_threads(replay, newer)

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.requests == 1 and report.new_posts == 1
    cursor = sqlite_store.state("youtube")["cursor"][f"video:{VIDEO}"]
    assert cursor == {
        "newest": "2026-11-20T11:00:00+00:00",
        "ids": ["UgzN3wC0mMeNt5fR0mToDaY7AaABAg"],
    }


def test_channels_are_read_with_a_cursor_each(replay, sqlite_store):
    serve_threads(replay)
    settings = yt_settings(replay.url, f"    videos: [{VIDEO}]\n    channels: [{CHANNEL}]\n")
    runtime = runtime_for(settings, sqlite_store)

    run(collect(runtime, runtime.settings.source("youtube")))

    asked = {r.param("allThreadsRelatedToChannelId") for r in replay.seen(THREADS)}
    assert CHANNEL in asked
    assert set(sqlite_store.state("youtube")["cursor"]) == {f"video:{VIDEO}", f"channel:{CHANNEL}"}


def test_used_up_quota_is_its_own_problem_not_a_bad_key(replay, sqlite_store):
    replay.add(THREADS, Reply(403, json.loads(fixture_text("youtube", "quota_exceeded.json"))))
    runtime = runtime_for(yt_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.problems == [
        (
            "rate_limited",
            "quota exhausted until midnight Pacific time (HTTP 403: The request cannot be "
            "completed because you have exceeded your quota.)",
        )
    ]
    assert len(replay.seen(THREADS)) == 1
    assert sqlite_store.state("youtube")["status"] == "rate_limited"


# Google's answer to a bad key today (reason in `details`) and its older form (`keyInvalid`).
LEGACY_KEY_INVALID = {
    "error": {
        "code": 400,
        "message": "Bad Request",
        "errors": [{"domain": "usageLimits", "reason": "keyInvalid", "message": "Bad Request"}],
    }
}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            json.loads(fixture_text("youtube", "key_invalid.json")),
            "API key not valid. Please pass a valid API key.",
        ),
        (LEGACY_KEY_INVALID, "Bad Request"),
    ],
)
def test_a_refused_key_is_auth_failed(replay, sqlite_store, body, message):
    replay.add(THREADS, Reply(400, body))
    runtime = runtime_for(yt_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.problems == [("auth_failed", f"API key refused: {message}")]
    assert "test-youtube-key" not in sqlite_store.state("youtube")["last_error"]


def test_a_video_without_comments_does_not_stop_the_others(replay, sqlite_store):
    pages = [json.loads(fixture_text("youtube", f"page{n}.json")) for n in (0, 1)]
    disabled = json.loads(fixture_text("youtube", "comments_disabled.json"))

    def answer(request):
        if request.param("videoId") == "cl0sEdV1d30":
            return Reply(403, disabled)
        return Reply(200, pages[1] if request.param("pageToken") else pages[0])

    replay.add(THREADS, answer)
    settings = yt_settings(replay.url, f"    videos: [cl0sEdV1d30, {VIDEO}]\n")
    runtime = runtime_for(settings, sqlite_store)

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.problems == [
        (
            "not_found",
            "comments are turned off: The video identified by the videoId parameter "
            "has disabled comments.",
        )
    ]
    assert sqlite_store.count_posts() == 6


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    page = json.loads(fixture_text("youtube", "page1.json"))
    replay.add(THREADS, Reply(429, "Too Many Requests", {"Retry-After": "1"}), Reply(200, page))
    runtime = runtime_for(yt_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.ok and len(replay.seen(THREADS)) == 2 and sqlite_store.count_posts() == 1


def test_server_errors_leave_the_cursor_alone_and_are_recorded(replay, sqlite_store):
    backend = {"error": {"code": 503, "message": "The service is currently unavailable."}}
    replay.add(THREADS, Reply(503, backend))
    runtime = runtime_for(yt_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.problems == [("unreachable", "HTTP 503: The service is currently unavailable.")]
    assert sqlite_store.state("youtube")["cursor"] == {}
    assert len(replay.seen(THREADS)) == 4


def test_malformed_body_keeps_earlier_posts_and_cursor(replay, sqlite_store):
    serve_threads(replay)
    runtime = runtime_for(yt_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("youtube")))
    cursor = sqlite_store.state("youtube")["cursor"]
    replay.add(THREADS, Reply(200, {"items": [{"id": "x", "snippet": {}}]}))

    report = run(collect(runtime, runtime.settings.source("youtube")))

    assert report.problems[0][0] == "malformed" and "topLevelComment" in report.problems[0][1]
    assert sqlite_store.count_posts() == 6
    assert sqlite_store.state("youtube")["cursor"] == cursor


def test_missing_key_is_one_clear_line_in_check_and_collect(tmp_path):
    checked, skipped = check_and_collect(tmp_path, "youtube: {videos: [kD9xQ2mB7aE]}\n")

    assert "Source youtube (youtube): not ready, every 15m — no API key" in checked
    assert skipped == [
        "Skipping youtube: no API key (write api_key: ${YOUTUBE_API_KEY} and set it)"
    ]
