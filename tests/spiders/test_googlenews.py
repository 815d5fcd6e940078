from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from monitor.config import ConfigError
from monitor.crawl import collect, target_terms
from monitor.replay import Reply
from spiders.base import CollectorContext
from spiders.googlenews import GoogleNewsSpider, news_post, split_title
from spiders.rss import parse_feed
from tests.helpers import fixture_text, make_settings, run, runtime_for

SEARCH = "/rss/search"
EDITIONS = '[{hl: tr, gl: TR}, {hl: el, gl: GR, ceid: "GR:el"}]'


def news_settings(replay_url: str = "http://replay.test", queries: str = "", editions=EDITIONS):
    return make_settings(
        f"""
sources:
  googlenews:
    base_url: {replay_url}
    backoff: 10ms
    editions: {editions}{queries}
"""
    )


def edition_feeds(validators: bool = True):
    """Google News answers by edition; with validators it answers 304 to a repeat poll."""

    def answer(request):
        hl = request.param("hl")
        etag = f'"{hl}-1"'
        if validators and request.headers.get("if-none-match") == etag:
            return Reply(304, b"")
        body = fixture_text("googlenews", f"search-{hl}.xml").encode()
        headers = {"Content-Type": "application/xml; charset=UTF-8"}
        if validators:
            headers["ETag"] = etag
        return Reply(200, body, headers)

    return answer


def test_headline_and_publisher_from_the_item():
    feed = parse_feed(fixture_text("googlenews", "search-tr.xml").encode())
    posts = [
        news_post(e, "https://news.google.com/rss/search?q=x", feed.updated) for e in feed.entries
    ]

    opening, rivalry, complaint = posts
    assert opening.text == "Kahve Durağı, Ankara'da beş yeni şube açıyor"
    assert opening.author_name == "Ekonomi Postası"
    assert opening.extra == {"author_uri": "https://ekonomipostasi.example"}
    assert opening.external_id.startswith("CBMiXmh0")
    assert opening.url.startswith("https://news.google.com/rss/articles/CBMiXmh0")
    assert opening.created_at == datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
    # A " - " inside the headline stays; only the publisher's suffix goes.
    assert rivalry.text == "Kahve Durağı - Demlik rekabeti kızışıyor: fiyatlar %20 arttı 📈"
    assert rivalry.author_name == "İstanbul Gündem"
    # No <source> and no description: the title's suffix still names the publisher.
    assert complaint.text == "Kahve Durağı müşterileri priz sorunundan şikayetçi"
    assert complaint.author_name == "Kadıköy Haber" and complaint.extra == {}


def test_greek_edition_decodes_entities_and_keeps_emoji():
    feed = parse_feed(fixture_text("googlenews", "search-el.xml").encode())
    thessaloniki, _ = (news_post(e, "u", feed.updated) for e in feed.entries)
    assert thessaloniki.text == "Το Φρέσκο Καφέ ανοίγει στη Θεσσαλονίκη & ψάχνει προσωπικό ☕"
    assert thessaloniki.author_name == "Καθημερινά Νέα"


@pytest.mark.parametrize(
    "title, publisher, expected",
    [
        ("Yeni şube - Ekonomi Postası", "Ekonomi Postası", ("Yeni şube", "Ekonomi Postası")),
        ("A - B - Athens Courier", None, ("A - B", "Athens Courier")),
        ("Demlik - Kahve Durağı", "Kadıköy Haber", ("Demlik - Kahve Durağı", "Kadıköy Haber")),
        ("Φρέσκο Καφέ", None, ("Φρέσκο Καφέ", None)),
    ],
)
def test_split_title(title, publisher, expected):
    assert split_title(title, publisher) == expected


def test_searches_each_keyword_in_each_edition_as_a_phrase():
    settings = news_settings()
    source = settings.source("googlenews")
    context = CollectorContext(
        source="googlenews", options=source.options, targets=target_terms(settings, "googlenews")
    )

    feeds = GoogleNewsSpider(context=context).feeds()

    searched = [parse_qs(urlsplit(url).query) for url in feeds]
    # Keywords only (no handles), each in both editions.
    assert len(searched) == 6 * 2
    assert {"q": ['"Kahve Durağı"'], "hl": ["tr"], "gl": ["TR"], "ceid": ["TR:tr"]} in searched
    assert {"q": ["Demlik"], "hl": ["el"], "gl": ["GR"], "ceid": ["GR:el"]} in searched
    assert not any(q["q"][0].startswith("@") for q in searched)
    assert set(feeds.values()) == {
        "Kahve Durağı",
        "KahveDuragi",
        "Demlik Cafe",
        "Demlik",
        "Φρέσκο Καφέ",
        "Fresko Cafe",
    }


def test_editions_must_agree_and_ceid_is_derived():
    with pytest.raises(
        ConfigError,
        match=r"editions\[0\] \(line \d+\): ceid 'GR:el' must start with the country 'TR'",
    ):
        news_settings(editions='[{hl: tr, gl: TR, ceid: "GR:el"}]')
    options = news_settings(editions="[{hl: en-US, gl: US}]").source("googlenews").options
    assert options.editions[0].ceid == "US:en"


def test_first_run_collects_and_the_second_is_answered_304(replay, sqlite_store):
    replay.add(SEARCH, edition_feeds())
    settings = news_settings(replay.url, "\n    queries: [Kahve Durağı, Φρέσκο Καφέ]")
    runtime = runtime_for(settings, sqlite_store)

    first = run(collect(runtime, runtime.settings.source("googlenews")))
    second = run(collect(runtime, runtime.settings.source("googlenews")))

    # Two queries in two editions; the same article found twice is stored once.
    assert first.ok and first.requests == 4 and first.new_posts == 5
    assert sqlite_store.count_posts() == 5
    assert second.ok and second.requests == 4 and second.not_modified == 4
    assert second.new_posts == 0
    assert all("if-none-match" in seen.headers for seen in replay.seen(SEARCH)[4:])
    stored = {p["text"]: p for p in sqlite_store.iter_posts()}
    assert stored["Fresko Cafe fined over late-night noise in Psyrri"]["author_name"] == (
        "Athens Courier"
    )


def test_without_validators_the_newest_item_mark_still_skips_old_news(replay, sqlite_store):
    replay.add(SEARCH, edition_feeds(validators=False))
    settings = news_settings(replay.url, "\n    queries: [Kahve Durağı]")
    runtime = runtime_for(settings, sqlite_store)
    run(collect(runtime, runtime.settings.source("googlenews")))

    report = run(collect(runtime, runtime.settings.source("googlenews")))

    assert report.requests == 2 and report.not_modified == 0
    assert report.new_posts == 0 and report.stored == 0  # nothing re-sent to the store


@pytest.mark.parametrize(
    "reply, status",
    [
        (Reply(503, "<html>Service Unavailable</html>"), "unreachable"),
        (Reply(200, "<rss><channel><item><title>Kahve Durağı".encode()), "malformed"),
        (Reply(200, b""), "malformed"),
        (Reply(429, "<html>unusual traffic</html>", {"Retry-After": "600"}), "rate_limited"),
    ],
)
def test_failures_are_reported_and_keep_the_cursor(replay, sqlite_store, reply, status):
    replay.add(SEARCH, reply)
    settings = news_settings(replay.url, "\n    queries: [Kahve Durağı]")
    runtime = runtime_for(settings, sqlite_store)

    report = run(collect(runtime, runtime.settings.source("googlenews")))

    assert {problem[0] for problem in report.problems} == {status}
    assert sqlite_store.state("googlenews")["cursor"] == {}
    assert sqlite_store.count_posts() == 0


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    replay.add(
        SEARCH, Reply(429, "<html>unusual traffic</html>", {"Retry-After": "1"}), edition_feeds()
    )
    settings = news_settings(
        replay.url, "\n    queries: [Φρέσκο Καφέ]", editions="[{hl: el, gl: GR}]"
    )
    runtime = runtime_for(settings, sqlite_store)

    report = run(collect(runtime, runtime.settings.source("googlenews")))

    assert report.ok and report.new_posts == 2 and len(replay.seen(SEARCH)) == 2


LATE = (
    "<item><title>Demlik Kafe ve Kahve Durağı fiyat karşılaştırması - Tüketici Rehberi</title>"
    "<link>https://news.google.com/rss/articles/CBMiLATE?oc=5</link>"
    '<guid isPermaLink="false">CBMiLATE</guid><pubDate>Wed, 18 Nov 2026 10:00:00 GMT</pubDate>'
    '<source url="https://tuketicirehberi.example">Tüketici Rehberi</source></item>'
)


def test_an_older_article_indexed_late_is_still_collected(replay, sqlite_store):
    body = fixture_text("googlenews", "search-tr.xml")
    later = body.replace("</channel>", LATE + "</channel>")
    replay.add(SEARCH, Reply(200, body.encode()), Reply(200, later.encode()))
    settings = news_settings(
        replay.url, "\n    queries: [Kahve Durağı]", editions="[{hl: tr, gl: TR}]"
    )
    runtime = runtime_for(settings, sqlite_store)
    run(collect(runtime, runtime.settings.source("googlenews")))

    report = run(collect(runtime, runtime.settings.source("googlenews")))

    # Dated two days before the newest article, but listed for the first time.
    assert report.new_posts == 1 and report.stored == 1
    assert "Demlik Kafe ve Kahve Durağı fiyat karşılaştırması" in {
        p["text"] for p in sqlite_store.iter_posts()
    }
