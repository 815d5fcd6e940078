from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from monitor.crawl import collect
from monitor.replay import Reply
from spiders.items import PageDone
from spiders.telegram import TelegramOptions, count, parse_channel_page
from tests.helpers import fixture_text, run, runtime_for, source_settings

CHANNEL = "/s/istanbulkahve"
NEWEST = fixture_text("telegram", "channel-newest.html")
OLDER = fixture_text("telegram", "channel-before-1231.html")


def tg_settings(replay_url: str, **options):
    return source_settings("telegram", replay_url, channels="[istanbulkahve]", **options)


def collect_once(runtime):
    return run(collect(runtime, runtime.settings.source("telegram")))


def test_parser_reads_messages_views_edits_and_the_older_link():
    page = parse_channel_page(NEWEST, "istanbulkahve")

    # The service message and the photo without a caption carry no text.
    assert [message_id for message_id, _ in page.messages] == [1231, 1233, 1235]
    assert page.before == 1231
    opening, fresko, demlik = (post for _, post in page.messages)
    assert opening.external_id == "istanbulkahve/1231"
    assert opening.url == "https://t.me/istanbulkahve/1231"
    assert opening.text == (
        "☕ Kahve Durağı Kadıköy şubesi pazartesi yeniden açılıyor.\n"
        "Yeni menüde yulaf sütlü filtre kahve var!"
    )
    assert opening.created_at == datetime(2026, 11, 20, 6, 5, tzinfo=UTC)
    assert opening.views == 1200 and opening.author_followers == 12400
    assert opening.author_handle == "istanbulkahve"
    assert opening.author_name == "İstanbul Kahve Haberleri" and opening.extra == {}
    assert fresko.extra == {"edited": True} and fresko.views == 845
    assert fresko.text.endswith("& οι τιμές έμειναν ίδιες 👏")
    assert demlik.views == 3_400_000 and demlik.extra == {"forwarded_from": "Kahve Destek"}
    assert "<a" not in demlik.text and demlik.text.endswith("details")


def test_the_first_page_of_a_channel_has_no_older_link_and_may_lack_views():
    page = parse_channel_page(OLDER, "istanbulkahve")

    assert page.before is None
    assert [m for m, _ in page.messages] == [1228, 1229, 1230]
    assert page.messages[-1][1].views is None


def test_a_reply_keeps_its_own_text_not_the_quote_and_links_its_parent():
    page = parse_channel_page(fixture_text("telegram", "channel-replies.html"), "istanbulkahve")

    greek, turkish, english = (post for _, post in page.messages)
    assert greek.parent_id is None and greek.text.startswith("Το Φρέσκο Καφέ")
    assert turkish.text == (
        "Okurlarımızdan: Kahve Durağı Kadıköy'de de yulaf sütü bitmiş, iki gündür yok diyorlar."
    )
    assert turkish.parent_id == greek.external_id == "istanbulkahve/1240"
    assert english.text.startswith("Update: Kahve Durağı says")
    assert "Okurlarımızdan" not in english.text
    assert english.parent_id == "istanbulkahve/1241"


def test_a_page_that_is_no_channel_preview_is_told_apart():
    assert parse_channel_page(fixture_text("telegram", "not-a-channel.html"), "x") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("845", 845), ("1.2K", 1200), ("12K", 12000), ("3.4M", 3_400_000), ("1,5K", 1500)],
)
def test_counts_as_telegram_abbreviates_them(text, expected):
    assert count(text) == expected


def test_a_count_telegram_never_writes_is_malformed():
    with pytest.raises(ValueError, match="not a Telegram count"):
        count("lots")


@pytest.mark.parametrize(
    ("written", "username"),
    [
        ("istanbulkahve", "istanbulkahve"),
        ("@istanbulkahve", "istanbulkahve"),
        ("https://t.me/istanbulkahve", "istanbulkahve"),
        ("t.me/s/istanbulkahve", "istanbulkahve"),
    ],
)
def test_channels_may_be_written_as_people_write_them(written, username):
    assert TelegramOptions(channels=[written]).channels == [username]


def test_a_channel_that_is_no_username_is_a_settings_error():
    with pytest.raises(ValidationError, match="not a public Telegram channel"):
        TelegramOptions(channels=["kahve durağı"])


def serve_channel(replay):
    def page(request):
        return Reply(200, OLDER if request.param("before") == "1231" else NEWEST)

    replay.add(CHANNEL, page)


def test_crawl_pages_back_and_stores_matching_messages(replay, sqlite_store):
    serve_channel(replay)
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and report.requests == 3  # robots.txt and two pages
    assert [r.param("before") for r in replay.seen(CHANNEL)] == [None, "1231"]
    stored = {p["external_id"]: p for p in sqlite_store.iter_posts()}
    # 1228 names no target; the rest do.
    assert set(stored) == {f"istanbulkahve/{n}" for n in (1229, 1230, 1231, 1233, 1235)}
    assert sqlite_store.state("telegram")["cursor"] == {"istanbulkahve": 1235}
    assert replay.seen(CHANNEL)[0].headers["user-agent"].startswith("kulak/")


def test_second_run_reads_one_page_and_refreshes_only_edited_messages(replay, sqlite_store):
    serve_channel(replay)
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)
    collect_once(runtime)
    edited = NEWEST.replace("άνοιξε δεύτερο κατάστημα", "άνοιξε τρίτο κατάστημα")
    replay.add(CHANNEL, Reply(200, edited))

    report = collect_once(runtime)

    assert report.ok and report.requests == 1 and report.new_posts == 0
    assert report.stored == 1  # the edited message, stored again with its new text
    fresko = next(p for p in sqlite_store.iter_posts() if p["external_id"].endswith("/1233"))
    assert "τρίτο κατάστημα" in fresko["text"]


def test_paging_back_stops_at_the_cursor(replay, sqlite_store):
    serve_channel(replay)
    sqlite_store.save([], "telegram", PageDone(cursor={"istanbulkahve": 1229}))
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert len(replay.seen(CHANNEL)) == 2 and report.new_posts == 4
    ids = {p["external_id"] for p in sqlite_store.iter_posts()}
    assert "istanbulkahve/1229" not in ids and "istanbulkahve/1230" in ids
    assert sqlite_store.state("telegram")["cursor"] == {"istanbulkahve": 1235}


def test_max_pages_bounds_the_paging(replay, sqlite_store):
    serve_channel(replay)
    runtime = runtime_for(tg_settings(replay.url, max_pages=1), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and len(replay.seen(CHANNEL)) == 1 and report.new_posts == 3


def test_robots_txt_that_disallows_stops_the_crawl(replay, sqlite_store):
    serve_channel(replay)
    replay.add("/robots.txt", Reply(200, "User-agent: kulak\nDisallow: /s/\n"))
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert replay.seen(CHANNEL) == [] and report.problems[0][0] == "blocked"


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    replay.add(
        CHANNEL,
        Reply(429, "<html><body>Too Many Requests</body></html>", {"Retry-After": "1"}),
        Reply(200, OLDER),
    )
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and len(replay.seen(CHANNEL)) == 2 and sqlite_store.count_posts() == 2


def test_server_errors_leave_the_cursor_alone(replay, sqlite_store):
    serve_channel(replay)
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)
    collect_once(runtime)
    replay.add(CHANNEL, Reply(500, "<html>Internal Server Error</html>"))

    report = collect_once(runtime)

    assert report.problems[0][0] == "unreachable"
    assert sqlite_store.state("telegram")["cursor"] == {"istanbulkahve": 1235}
    assert len(replay.seen(CHANNEL)) == 2 + 4  # the first run, then a try and three retries


def test_an_unknown_channel_is_not_found(replay, sqlite_store):
    replay.add(CHANNEL, Reply(200, fixture_text("telegram", "not-a-channel.html")))
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.problems[0][0] == "not_found" and "istanbulkahve" in report.problems[0][1]


def test_an_empty_page_is_malformed(replay, sqlite_store):
    replay.add(CHANNEL, Reply(200, ""))
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.problems[0][0] == "malformed" and "empty page" in report.problems[0][1]


def test_a_message_without_its_time_is_skipped_and_the_page_kept(replay, sqlite_store):
    broken = NEWEST.replace('<time datetime="2026-11-20T07:45:00+00:00"', "<time")
    replay.add(CHANNEL, Reply(200, broken))
    runtime = runtime_for(tg_settings(replay.url, max_pages=1), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and report.skipped == 1 and report.items == 3
    example = report.skip_example
    assert "istanbulkahve/1233" in example and "tgme_widget_message" in example
    ids = {p["external_id"] for p in sqlite_store.iter_posts()}
    assert ids == {"istanbulkahve/1231", "istanbulkahve/1235"}
    assert sqlite_store.state("telegram")["cursor"] == {"istanbulkahve": 1235}


def test_a_page_none_of_whose_messages_can_be_read_is_malformed(replay, sqlite_store):
    broken = OLDER.replace("<time datetime=", "<time data-x=")
    replay.add(CHANNEL, Reply(200, broken))
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    status, reason = report.problems[0]
    assert status == "malformed" and "none of the answer's 3" in reason
    assert sqlite_store.state("telegram")["cursor"] == {}


def test_a_bot_protection_page_is_blocked(replay, sqlite_store):
    replay.add(CHANNEL, Reply(200, fixture_text("sikayetvar", "challenge.html")))
    runtime = runtime_for(tg_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert [p[0] for p in report.problems] == ["blocked"] and sqlite_store.count_posts() == 0
