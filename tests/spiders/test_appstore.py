import json
from datetime import UTC, datetime

import pytest

from monitor.config import ConfigError
from monitor.crawl import collect
from monitor.replay import Reply
from spiders.appstore import last_page, parse_reviews
from tests.helpers import fixture_text, make_settings, run, runtime_for

APP = "1580000001"
PAGE = "/tr/rss/customerreviews/page={}/id=1580000001/sortby=mostrecent/json"


def page(name: str) -> dict:
    return json.loads(fixture_text("appstore", name))


def store_settings(replay_url: str, apps: str = f"{{{APP}: Kahve Durağı}}", countries="[tr]"):
    return make_settings(
        f"""
sources:
  appstore:
    base_url: {replay_url}
    backoff: 10ms
    apps: {apps}
    countries: {countries}
"""
    )


def serve(replay, first, second=None) -> None:
    replay.add(PAGE.format(1), *first)
    replay.add(PAGE.format(2), *(second or [Reply(200, page("page2.json"))]))


def later_page1() -> dict:
    """Page 1 a day later: a new review on top, and the "Slow app" review edited."""
    data = page("page1.json")
    entries = data["feed"]["entry"]
    edited = next(e for e in entries if e["id"]["label"] == "11300000002")
    entries.remove(edited)
    edited["updated"]["label"] = "2026-11-20T09:00:00-07:00"
    edited["im:rating"]["label"] = "4"
    edited["content"]["label"] = "Update fixed the map, Kadıköy shows as open now. Still slow."
    new = json.loads(json.dumps(entries[0]))
    new["id"]["label"] = "11300000005"
    new["updated"]["label"] = "2026-11-20T10:30:00-07:00"
    new["title"]["label"] = "Sipariş kayboldu"
    new["content"]["label"] = "Ödeme alındı ama sipariş şubeye düşmedi."
    data["feed"]["entry"] = [new, edited, *entries]
    return data


def test_reviews_keep_rating_author_and_time_in_utc():
    posts = parse_reviews(page("page1.json"), APP, "tr", about="Kahve Durağı")

    assert [p.external_id for p in posts] == ["11300000004", "11300000003", "11300000002"]
    lost = posts[0]
    assert lost.text == (
        "Sadakat puanlarım silindi 😡\nKahve Durağı uygulaması güncellemeden sonra tüm "
        "puanlarımı sildi. Destek & iletişim formu çalışmıyor."
    )
    assert lost.created_at == datetime(2026, 11, 20, 6, 10, 5, tzinfo=UTC)
    assert lost.author_name == "kahvesever34" and lost.about == "Kahve Durağı"
    assert lost.extra == {
        "rating": 1,
        "app_id": APP,
        "country": "tr",
        "version": "4.2.0",
        "votes": 3,
        "helpful_votes": 2,
        "author_uri": "https://itunes.apple.com/tr/reviews/id918273604",
    }
    assert lost.url == f"https://itunes.apple.com/tr/review?id={APP}&type=Purple%20Software"
    assert posts[1].text == "Harika\nMobil siparişle sıra beklemeden aldım, çok pratik ☕"
    assert last_page(page("page1.json")) == 2


def test_a_lone_review_is_an_object_and_optional_fields_may_be_missing():
    (review,) = parse_reviews(page("single.json"), APP, "tr")
    assert review.text == "Fena değil ama kampanyalar görünmüyor."
    assert "version" not in review.extra and review.extra["rating"] == 3
    assert parse_reviews(page("empty.json"), APP, "tr") == []
    assert last_page(page("empty.json")) == 1


def test_greek_review_without_author_uri():
    (review,) = parse_reviews(page("page2.json"), APP, "gr")
    assert review.text.startswith("Καλή εφαρμογή\nΠαρήγγειλα από την Αθήνα")
    assert review.author_name == "Νίκος Π." and "author_uri" not in review.extra


def test_reviews_without_their_own_time_are_dated_by_the_feed():
    posts = parse_reviews(page("undated.json"), APP, "tr", about="Kahve Durağı")

    assert [p.external_id for p in posts] == ["11300000031", "11300000030", "11300000029"]
    assert {p.created_at for p in posts} == {datetime(2026, 11, 22, 10, 0, 12, tzinfo=UTC)}
    assert all(p.extra["undated"] for p in posts)
    assert posts[1].text.startswith("Κολλάει συνέχεια\nΗ εφαρμογή")


def test_undated_reviews_are_stored_once_and_keep_their_date(replay, sqlite_store):
    later = page("undated.json")
    later["feed"]["updated"]["label"] = "2026-11-22T09:30:00-07:00"
    replay.add(PAGE.format(1), Reply(200, page("undated.json")), Reply(200, later))
    runtime = runtime_for(store_settings(replay.url), sqlite_store)

    first = run(collect(runtime, runtime.settings.source("appstore")))
    second = run(collect(runtime, runtime.settings.source("appstore")))

    assert first.ok and first.new_posts == 3
    assert second.ok and (second.new_posts, second.stored) == (0, 0)
    dates = {p["created_at"].astimezone(UTC) for p in sqlite_store.iter_posts()}
    assert dates == {datetime(2026, 11, 22, 10, 0, 12, tzinfo=UTC)}
    cursor = sqlite_store.state("appstore")["cursor"][f"tr/{APP}"]
    assert cursor["undated"] == ["11300000031", "11300000030", "11300000029"]


def test_a_review_that_cannot_be_read_is_skipped_and_the_rest_stored(replay, sqlite_store):
    broken = page("page1.json")
    del broken["feed"]["entry"][1]["content"]
    serve(replay, [Reply(200, broken)])
    runtime = runtime_for(store_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("appstore")))

    assert report.ok and (report.skipped, report.items) == (1, 4)
    assert "KeyError: 'content'" in report.skip_example and report.new_posts == 3
    assert f"tr/{APP}" in sqlite_store.state("appstore")["cursor"]


def test_first_run_reads_every_page_and_reviews_count_as_about_the_app(replay, store):
    serve(replay, [Reply(200, page("page1.json"))])
    runtime = runtime_for(store_settings(replay.url), store)

    report = run(collect(runtime, runtime.settings.source("appstore")))

    assert report.ok and report.requests == 2 and report.new_posts == 4
    greek = next(p for p in store.iter_posts() if p["external_id"] == "11300000001")
    # The review never names the brand; the app it is written on does.
    assert [m["target"] for m in greek["mentions"]] == ["Kahve Durağı"]
    assert store.state("appstore")["cursor"] == {
        f"tr/{APP}": {"newest": "2026-11-20T06:10:05+00:00", "ids": ["11300000004"]}
    }
    assert replay.seen(PAGE.format(1))[0].headers["user-agent"].startswith("kulak/")


def test_an_edited_review_is_updated_not_duplicated_and_paging_stops_at_seen(replay, store):
    serve(replay, [Reply(200, page("page1.json")), Reply(200, later_page1())])
    runtime = runtime_for(store_settings(replay.url), store)
    run(collect(runtime, runtime.settings.source("appstore")))

    report = run(collect(runtime, runtime.settings.source("appstore")))

    # One request: page 1 ends in reviews already stored, so page 2 is not asked for.
    assert report.requests == 1 and report.new_posts == 1 and report.stored == 2
    assert len(replay.seen(PAGE.format(2))) == 1
    assert store.count_posts() == 5
    edited = next(p for p in store.iter_posts() if p["external_id"] == "11300000002")
    assert (
        edited["text"] == "Slow app\nUpdate fixed the map, Kadıköy shows as open now. Still slow."
    )
    assert edited["extra"]["rating"] == 4
    cursor = store.state("appstore")["cursor"][f"tr/{APP}"]
    assert cursor == {"newest": "2026-11-20T17:30:00+00:00", "ids": ["11300000005"]}


def test_a_page_failing_half_way_keeps_the_old_mark(replay, sqlite_store):
    serve(
        replay,
        [Reply(200, page("page1.json"))],
        [Reply(200, "<html>Bad Request</html>"), Reply(200, page("page2.json"))],
    )
    runtime = runtime_for(store_settings(replay.url), sqlite_store)

    broken = run(collect(runtime, runtime.settings.source("appstore")))
    cursor = sqlite_store.state("appstore")["cursor"]
    again = run(collect(runtime, runtime.settings.source("appstore")))

    assert broken.problems[0][0] == "malformed" and broken.new_posts == 3
    assert cursor == {}  # so page 2 is read again
    assert again.ok and again.requests == 2 and again.new_posts == 1


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    serve(
        replay,
        [Reply(429, "", {"Retry-After": "1"}), Reply(200, page("single.json"))],
    )
    runtime = runtime_for(store_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("appstore")))

    assert report.ok and report.new_posts == 1 and len(replay.seen(PAGE.format(1))) == 2


@pytest.mark.parametrize(
    "reply, status",
    [
        (Reply(503, "<html>Service Unavailable</html>"), "unreachable"),
        (Reply(200, "<html><body>Bir hata oluştu</body></html>"), "malformed"),
        (Reply(200, b""), "malformed"),
        (Reply(200, {"feed": {"entry": [{"im:rating": {"label": "5"}}]}}), "malformed"),
    ],
)
def test_failures_are_reported_and_keep_the_cursor(replay, sqlite_store, reply, status):
    serve(replay, [reply])
    runtime = runtime_for(store_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("appstore")))

    assert [problem[0] for problem in report.problems] == [status]
    assert sqlite_store.state("appstore")["cursor"] == {}


def test_each_app_and_country_is_asked_for(replay, sqlite_store):
    replay.add(PAGE.format(1), Reply(200, page("single.json")))
    replay.add(PAGE.format(1).replace("/tr/", "/gr/"), Reply(200, page("empty.json")))
    settings = store_settings(replay.url, countries="[TR, gr]")
    runtime = runtime_for(settings, sqlite_store)

    report = run(collect(runtime, runtime.settings.source("appstore")))

    assert report.ok and report.requests == 2 and report.new_posts == 1
    assert set(sqlite_store.state("appstore")["cursor"]) == {f"tr/{APP}", f"gr/{APP}"}


@pytest.mark.parametrize(
    "apps, countries, why",
    [
        ("{kahve-duragi: Kahve Durağı}", "[tr]", "app id 'kahve-duragi' must be the digits"),
        (f"{{{APP}: Kahve Durağı}}", "[turkey]", "country 'turkey' must be a two-letter code"),
        ("{}", "[tr]", "apps .*at least 1 item"),
    ],
)
def test_bad_options_name_the_problem(apps, countries, why):
    with pytest.raises(ConfigError, match=why):
        store_settings("http://replay.test", apps=apps, countries=countries)
