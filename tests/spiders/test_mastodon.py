import json
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import ConfigError
from monitor.crawl import collect
from monitor.demo.sources.mastodon import Timeline
from monitor.replay import ReplayServer, Reply
from spiders.items import Skipped
from spiders.mastodon import hashtag, link_params, parse_statuses
from spiders.status import reset_wait_seconds
from tests.helpers import fixture_text, make_settings, run, runtime_for

TAG = "/api/v1/timelines/tag/kahveduragi"
SEARCH = "/api/v2/search"


def statuses(*names: str) -> list[dict]:
    return [s for name in names for s in json.loads(fixture_text("mastodon", name))]


def mastodon_settings(base_url: str, extra: str = "tags: [kahveduragi]", env=None):
    return make_settings(
        f"""
sources:
  mastodon:
    base_url: {base_url}
    backoff: 10ms
    limit: 5
    {extra}
""",
        env=env,
    )


# -- parser ----------------------------------------------------------------------------


def test_parser_resolves_boosts_and_keeps_edits_replies_and_reach():
    posts = list(parse_statuses(statuses("tag_page0.json"), "https://mastodon.social", "#x"))

    # The media-only status has no text and is skipped.
    reply, complaint, boosted, demlik = posts
    assert complaint.external_id == "mastodon.social/115600000000000040"
    assert complaint.text == (
        "Kahve Durağı Kadıköy'de cam kenarında hiç priz yok 😤 İki saat oturdum, laptop kapandı,"
        " kimse ilgilenmedi.\nBir daha gelmem. #KahveDurağı"
    )
    assert complaint.created_at == datetime(2026, 11, 20, 9, 41, tzinfo=UTC)
    assert complaint.extra == {"edited_at": "2026-11-20T09:44:30.120Z"}
    assert complaint.author_followers == 214 and complaint.author_name == "Ayşe K."
    assert (complaint.likes, complaint.reposts, complaint.replies) == (11, 3, 1)
    assert (
        complaint.lang == "tr"
        and complaint.url == "https://mastodon.social/@ayse/115600000000000040"
    )
    assert reply.parent_id == "mastodon.social/115600000000000040"
    assert reply.author_handle == "kahveduragi" and reply.text.startswith("@ayse Merhaba Ayşe")
    # The boost is stored as the Greek original, by its home instance's id.
    assert boosted.external_id == "kafe.social/115599999999999900"
    assert boosted.author_handle == "eleni@kafe.social" and boosted.lang == "el"
    assert boosted.text.startswith("Το Φρέσκο Καφέ στην Ερμού") and "& freddo" in boosted.text
    # No edited_at key, no url, no language, no display name.
    assert demlik.url == "https://toot.community/users/mert/statuses/115600000000000020"
    assert demlik.lang is None and demlik.author_name is None and demlik.extra == {}


def test_content_warning_comes_before_the_text():
    (latte, cookie) = parse_statuses(statuses("tag_page1.json"), "https://mastodon.social", "#x")
    assert (
        latte.text
        == "coffee opinions\nOat latte at Kahve Durağı is honestly the best in Istanbul ☕✨"
    )
    assert cookie.text == "Kahve Durağı'nın yeni kurabiyesi fena değil."


def test_keywords_become_tags_as_mastodon_normalises_them():
    assert hashtag("Kahve Durağı") == "kahveduragi"
    assert hashtag("#KahveDurağı") == "kahveduragi"
    assert hashtag("İstanbul'da Çay Ocağı") == "istanbuldacayocagi"
    assert hashtag("Φρέσκο Καφέ") == "φρέσκοκαφέ"
    assert hashtag("Demlik Cafe!") == "demlikcafe"
    assert hashtag("☕ ☕") == ""


def test_link_header_gives_the_paging_parameters():
    header = (
        b'<https://mastodon.social/api/v1/timelines/tag/x?limit=40&max_id=12>; rel="next", '
        b'<https://mastodon.social/api/v1/timelines/tag/x?limit=40&min_id=34>; rel="prev"'
    )
    assert link_params(header) == {"next": {"max_id": "12"}, "prev": {"min_id": "34"}}
    assert link_params(None) == {}


def test_rate_limit_reset_is_read_as_mastodon_writes_it():
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp()
    assert reset_wait_seconds(b"2026-11-20T09:05:00.000Z", now=now) == 300
    assert reset_wait_seconds("1795165500", now=1795165200.0) == 300
    assert reset_wait_seconds("30", now=now) == 30
    assert reset_wait_seconds("soon", now=now) is None


def test_a_status_that_cannot_be_read_is_skipped_and_the_others_kept():
    page = [{"id": "1", "content": "<p>hi</p>"}, *statuses("tag_page1.json")]

    broken, *posts = parse_statuses(page, "https://m.test", "#x")

    assert isinstance(broken, Skipped) and broken.reason == "KeyError: 'account'"
    assert broken.sample.startswith('{"id": "1"') and len(posts) == 2


def test_mastodon_4_activitypub_ids_key_statuses_as_their_replies_name_them():
    reply, remote, complaint = parse_statuses(
        statuses("tag_ap_ids.json"), "https://kahve.example", "#kahveduragi"
    )

    assert complaint.external_id == "kahve.example/115700000000000010"
    assert reply.parent_id == complaint.external_id
    assert reply.external_id == "kahve.example/115700000000000031"
    # Read from another instance, a status keeps its home's id.
    assert remote.external_id == "kafe.example/115699000000000077"


def test_akkoma_string_ids_key_statuses_and_link_replies():
    reply, remote, complaint = parse_statuses(
        statuses("akkoma_tag.json"), "https://akkoma.example", "#kahveduragi"
    )

    assert complaint.external_id == "akkoma.example/AoWp1Tq9b2NeXkA2Lw"
    assert reply.parent_id == complaint.external_id and reply.author_handle == "kahveduragi"
    assert remote.external_id == "social.example/115698000000000123"
    assert remote.author_handle == "mark@social.example"
    assert complaint.text.startswith("Kahve Durağı Kadıköy'de cam kenarında priz yok")


def test_gotosocial_ulids_key_statuses_and_link_replies():
    reply, complaint = parse_statuses(
        statuses("gotosocial_tag.json"), "https://gts.example", "#kahveduragi"
    )

    assert complaint.external_id == "gts.example/01JD3Q5X8Z7K2M4N6P8R0T2V4W"
    assert reply.parent_id == complaint.external_id


def test_a_token_for_an_instance_not_read_is_a_settings_error():
    with pytest.raises(ConfigError) as error:
        mastodon_settings("https://mastodon.social", "tokens: {https://other.example: abc}")
    assert "sources.mastodon" in str(error.value)
    assert "https://other.example is not one of the instances read" in str(error.value)


def test_an_instance_without_its_scheme_is_a_settings_error_on_its_line():
    with pytest.raises(ConfigError) as error:
        mastodon_settings("https://mastodon.social", "instances: [mastodon.social]")
    assert "sources.mastodon.instances[0] (line" in str(error.value)
    assert "'mastodon.social' is not a URL: write it with https://" in str(error.value)
    with pytest.raises(ConfigError) as error:
        mastodon_settings("mastodon.social")
    assert "sources.mastodon.base_url" in str(error.value)


# -- crawls ----------------------------------------------------------------------------


def test_first_run_pages_back_and_stores_each_status_once(replay, sqlite_store):
    Timeline(replay, "kahveduragi", statuses("tag_page0.json", "tag_page1.json"))
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    assert report.ok and report.requests == 2
    first, second = replay.seen(TAG)
    assert "min_id" not in first.query and second.param("max_id") == "115600000000000010"
    stored = {p["external_id"]: p for p in sqlite_store.iter_posts()}
    assert set(stored) == {
        "mastodon.social/115600000000000050",
        "mastodon.social/115600000000000040",
        "kafe.social/115599999999999900",
        "toot.community/115600000000000020",
        "mastodon.social/115600000000000005",
        "mastodon.social/115600000000000001",
    }
    assert stored["mastodon.social/115600000000000040"]["author_followers"] == 214
    cursor = sqlite_store.state("mastodon")["cursor"]
    assert cursor == {f"{replay.url} #kahveduragi": "115600000000000050"}
    assert first.headers["user-agent"].startswith("kulak/")


def test_steady_state_poll_asks_from_the_cursor_and_costs_one_request(replay, sqlite_store):
    instance = Timeline(replay, "kahveduragi", statuses("tag_page0.json", "tag_page1.json"))
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("mastodon")))
    instance.post(*statuses("tag_newer.json"))

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    assert (report.requests, report.new_posts) == (1, 1)
    assert replay.seen(TAG)[-1].param("min_id") == "115600000000000050"
    assert sqlite_store.state("mastodon")["cursor"][f"{replay.url} #kahveduragi"] == (
        "115600000000000060"
    )


def test_a_later_boost_of_an_edited_status_updates_the_stored_one(replay, sqlite_store):
    instance = Timeline(replay, "kahveduragi", statuses("tag_page0.json", "tag_page1.json"))
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("mastodon")))
    original = statuses("tag_page0.json")[1]
    edited = {
        **original,
        "content": "<p>Kahve Durağı Kadıköy&#39;e priz eklemiş, teşekkürler! ☕</p>",
        "edited_at": "2026-11-21T08:00:00.000Z",
    }
    booster = statuses("tag_page1.json")[0]["account"]
    boost = {**original, "id": "115600000000000090", "reblog": edited, "account": booster}
    instance.post(boost)

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    assert (report.new_posts, report.stored) == (0, 1)
    stored = {p["external_id"]: p for p in sqlite_store.iter_posts()}
    post = stored["mastodon.social/115600000000000040"]
    assert post["text"] == "Kahve Durağı Kadıköy'e priz eklemiş, teşekkürler! ☕"
    assert post["extra"] == {"edited_at": "2026-11-21T08:00:00.000Z"}
    key = f"{replay.url} #kahveduragi"
    assert sqlite_store.state("mastodon")["cursor"][key] == "115600000000000090"


def test_a_backlog_is_walked_up_from_the_cursor_page_by_page(replay, sqlite_store):
    instance = Timeline(replay, "kahveduragi", statuses("tag_page1.json"))
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("mastodon")))
    instance.post(*statuses("tag_page0.json", "tag_newer.json"))

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    # Six statuses are newer than the cursor: a full page of five, then one.
    asked = [r.param("min_id") for r in replay.seen(TAG)[1:]]
    assert asked == ["115600000000000005", "115600000000000050"]
    assert report.ok and report.new_posts == 5
    key = f"{replay.url} #kahveduragi"
    assert sqlite_store.state("mastodon")["cursor"][key] == "115600000000000060"


def test_tags_derive_from_targets_and_unused_tags_are_no_problem(replay, sqlite_store):
    Timeline(replay, "kahveduragi", statuses("tag_page1.json"))
    runtime = runtime_for(mastodon_settings(replay.url, extra=""), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    # Tags other than #kahveduragi answer 404 "Record not found" (never used yet).
    assert report.ok and sqlite_store.count_posts() == 2
    asked = {r.path.rsplit("/", 1)[1] for r in replay.seen()}
    assert asked == {
        "kahveduragi",
        "demlikcafe",
        "demlik",
        "%CF%86%CF%81%CE%AD%CF%83%CE%BA%CE%BF%CE%BA%CE%B1%CF%86%CE%AD",
        "freskocafe",
    }


def test_a_status_seen_on_two_instances_is_stored_once(replay, sqlite_store):
    with ReplayServer() as other:
        Timeline(replay, "kahveduragi", statuses("tag_page0.json"))
        Timeline(other, "kahveduragi", [statuses("tag_page0.json")[2]["reblog"]])
        extra = f"instances: [{replay.url}, {other.url}/]\n    tags: [kahveduragi]"
        runtime = runtime_for(mastodon_settings(replay.url, extra), sqlite_store)

        report = run(collect(runtime, runtime.settings.source("mastodon")))
        other_key = f"{other.url} #kahveduragi"

    assert report.ok and sqlite_store.count_posts() == 4
    cursor = sqlite_store.state("mastodon")["cursor"]
    assert cursor[other_key] == "115599999999999900"
    assert cursor[f"{replay.url} #kahveduragi"] == "115600000000000050"


def test_full_text_search_where_a_token_is_given(replay, sqlite_store):
    Timeline(replay, "kahveduragi", [])
    found = json.loads(fixture_text("mastodon", "search.json"))

    def search(request):
        new = request.param("q") == "Demlik" and not request.param("min_id")
        return Reply(200, found if new else {**found, "statuses": []})

    replay.add(SEARCH, search)
    extra = f"tags: [kahveduragi]\n    tokens: {{{replay.url}: '${{MASTODON_TOKEN}}'}}"
    settings = mastodon_settings(replay.url, extra, env={"MASTODON_TOKEN": "s3cret"})
    runtime = runtime_for(settings, sqlite_store)

    run(collect(runtime, runtime.settings.source("mastodon")))
    report = run(collect(runtime, runtime.settings.source("mastodon")))

    searches = replay.seen(SEARCH)
    assert {r.param("q") for r in searches} == {
        "Kahve Durağı",
        "KahveDuragi",
        "@kahveduragi",
        "Demlik Cafe",
        "Demlik",
        "@demlikcafe",
        "Φρέσκο Καφέ",
        "Fresko Cafe",
    }
    assert all(r.headers["authorization"] == "Bearer s3cret" for r in searches)
    assert searches[0].param("type") == "statuses"
    # The second run asks the query that found a status only for newer ones.
    second = {r.param("q"): r.param("min_id") for r in searches[8:]}
    assert second.pop("Demlik") == "115600000000000070"
    assert set(second.values()) == {None}
    assert report.ok and sqlite_store.count_posts() == 1


def test_a_revoked_token_is_reported_and_tags_still_collected(replay, sqlite_store):
    Timeline(replay, "kahveduragi", statuses("tag_page1.json"))
    replay.add(SEARCH, Reply(401, {"error": "The access token is invalid"}))
    extra = f"tags: [kahveduragi]\n    queries: [Kahve Durağı]\n    tokens: {{{replay.url}: abc}}"
    runtime = runtime_for(mastodon_settings(replay.url, extra), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    assert report.problems == [("auth_failed", "HTTP 401: The access token is invalid")]
    assert len(replay.seen(SEARCH)) == 1 and sqlite_store.count_posts() == 2


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    replay.add(
        TAG,
        Reply(429, {"error": "Too many requests"}, {"Retry-After": "1"}),
        Reply(200, statuses("tag_page1.json")),
    )
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    assert report.ok and len(replay.seen(TAG)) == 2 and sqlite_store.count_posts() == 2


def test_a_429_whose_window_resets_in_an_hour_ends_the_run_at_once(replay, sqlite_store):
    reset = datetime.now(UTC) + timedelta(hours=1)
    headers = {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    replay.add(TAG, Reply(429, {"error": "Too many requests"}, headers))
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    # No retries into a spent window: the next scheduled run asks again.
    assert report.problems == [("rate_limited", "HTTP 429: Too many requests")]
    assert len(replay.seen(TAG)) == 1


def test_server_errors_leave_the_cursor_alone_and_are_recorded(replay, sqlite_store):
    replay.add(TAG, Reply(502, "<html>Bad gateway</html>"))
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    assert report.problems[0][0] == "unreachable"
    assert len(replay.seen(TAG)) == 4 and sqlite_store.state("mastodon")["cursor"] == {}


@pytest.mark.parametrize(
    ("fixture", "newest"),
    [
        ("akkoma_tag.json", "AoWpC1mZrT0yHa8KfQ"),
        ("gotosocial_tag.json", "01JD3Q9Y2B4C6D8E0F2G4H6J8K"),
    ],
)
def test_forks_with_string_ids_are_collected_and_polled_from_their_cursor(
    replay, sqlite_store, fixture, newest
):
    older, *newer = reversed(statuses(fixture))
    instance = Timeline(replay, "kahveduragi", [older])
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)
    first = run(collect(runtime, runtime.settings.source("mastodon")))
    instance.post(*newer)

    second = run(collect(runtime, runtime.settings.source("mastodon")))

    assert first.ok and second.ok and (first.new_posts, second.new_posts) == (1, len(newer))
    assert replay.seen(TAG)[-1].param("min_id") == older["id"]
    assert sqlite_store.state("mastodon")["cursor"] == {f"{replay.url} #kahveduragi": newest}


def test_one_bad_status_is_skipped_and_its_page_stored(replay, sqlite_store):
    page = statuses("tag_page1.json")
    del page[0]["account"]
    Timeline(replay, "kahveduragi", page)
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    assert report.ok and (report.skipped, report.items) == (1, 2)
    assert "KeyError: 'account'" in report.skip_example and report.new_posts == 1
    key = f"{replay.url} #kahveduragi"
    assert sqlite_store.state("mastodon")["cursor"] == {key: "115600000000000005"}


def test_malformed_body_keeps_earlier_posts_and_cursor(replay, sqlite_store):
    Timeline(replay, "kahveduragi", statuses("tag_page1.json"))
    runtime = runtime_for(mastodon_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("mastodon")))
    replay.add(TAG, Reply(200, {"statuses": "maintenance"}))

    report = run(collect(runtime, runtime.settings.source("mastodon")))

    assert report.problems[0][0] == "malformed" and "maintenance" in report.problems[0][1]
    assert sqlite_store.count_posts() == 2
    key = f"{replay.url} #kahveduragi"
    assert sqlite_store.state("mastodon")["cursor"] == {key: "115600000000000005"}
