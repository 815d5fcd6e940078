from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from monitor.crawl import collect
from monitor.replay import Reply
from spiders.eksisozluk import EksiSozlukOptions, entry_dates, parse_topic_page
from tests.helpers import fixture_text, run, runtime_for, source_settings

TOPIC = "/kahve-duragi--7012345"
PAGES = {n: fixture_text("eksisozluk", f"topic-p{n}.html") for n in (1, 2, 3)}
CHALLENGE = fixture_text("sikayetvar", "challenge.html")


def eksi_settings(replay_url: str, **options):
    return source_settings("eksisozluk", replay_url, topics=f"[{TOPIC[1:]}]", **options)


def collect_once(runtime):
    return run(collect(runtime, runtime.settings.source("eksisozluk")))


def with_page_count(html: str, count: int) -> str:
    return html.replace('data-pagecount="2"', f'data-pagecount="{count}"')


def test_parser_reads_entries_authors_favourites_and_edits():
    page = parse_topic_page(PAGES[2])

    assert page.title == "kahve durağı" and page.page == 2 and page.page_count == 2
    assert [entry_id for entry_id, _ in page.entries] == [151200010, 151200011, 151200012]
    priz, visitor, switcher = (post for _, post in page.entries)
    assert priz.url == "https://eksisozluk.com/entry/151200010"
    assert priz.author_handle == "tiryaki mühendis" and priz.likes == 3
    assert priz.created_at == datetime(2026, 11, 19, 18, 10, tzinfo=UTC)  # 21:10 in Istanbul
    assert priz.text.endswith("garson umursamadı bile 😤 rezalet.")
    assert priz.about == "kahve durağı" and priz.conversation_id == "7012345"
    assert visitor.likes is None and "φρέσκο καφέ" in visitor.text
    assert switcher.extra == {"topic": "kahve durağı", "edited_at": "2026-11-20T09:10:00+00:00"}


def test_links_become_their_words_and_paragraphs_stay():
    page = parse_topic_page(PAGES[1])

    _, bkz, edited = (post for _, post in page.entries)
    assert bkz.text == "fiyatlar yükseldi ama porsiyon küçüldü. (bkz: zam)" and bkz.likes == 0
    assert edited.text.split("\n") == [
        "sabahları laptopla çalışanlar için iyi bir yer, wifi hızlı.",
        "edit: wifi artık şifreli, kasaya sormak gerekiyor.",
    ]


@pytest.mark.parametrize(
    ("text", "written", "edited"),
    [
        ("20.11.2026 14:05", datetime(2026, 11, 20, 11, 5, tzinfo=UTC), None),
        (
            "20.11.2026 14:05 ~ 15:30",
            datetime(2026, 11, 20, 11, 5, tzinfo=UTC),
            datetime(2026, 11, 20, 12, 30, tzinfo=UTC),
        ),
        (
            "31.12.2026 23:50 ~ 01.01.2027 00:20",
            datetime(2026, 12, 31, 20, 50, tzinfo=UTC),
            datetime(2026, 12, 31, 21, 20, tzinfo=UTC),
        ),
        # Before 2016 Turkey kept summer time: Istanbul was UTC+3 in July, UTC+2 in January.
        ("01.07.2012 12:00", datetime(2012, 7, 1, 9, 0, tzinfo=UTC), None),
        ("15.01.2012 12:00", datetime(2012, 1, 15, 10, 0, tzinfo=UTC), None),
    ],
)
def test_entry_dates_are_istanbul_wall_times(text, written, edited):
    assert entry_dates(text) == (written, edited)


@pytest.mark.parametrize("text", ["dün 14:05", "2026-11-20 14:05", "20.11.2026 14:05 ~"])
def test_other_dates_are_malformed(text):
    with pytest.raises(ValueError, match="not an Ekşi Sözlük date"):
        entry_dates(text)


@pytest.mark.parametrize(
    "written",
    [
        "kahve-duragi--7012345",
        "/kahve-duragi--7012345",
        "https://eksisozluk.com/kahve-duragi--7012345?p=3",
        "eksisozluk.com/kahve-duragi--7012345",
    ],
)
def test_topics_may_be_written_as_links(written):
    assert EksiSozlukOptions(topics=[written]).topics == ["kahve-duragi--7012345"]


def test_a_bare_slug_is_kept_for_the_search():
    assert EksiSozlukOptions(topics=["kahve-duragi"]).topics == ["kahve-duragi"]


@pytest.mark.parametrize("written", ["kahve durağı", "Kahve-Duragi", "kahve--duragi"])
def test_what_is_no_topic_is_a_settings_error(written):
    with pytest.raises(ValidationError, match="not an Ekşi Sözlük topic"):
        EksiSozlukOptions(topics=[written])


def test_a_page_that_is_no_topic_is_malformed():
    with pytest.raises(ValueError, match="h1#title"):
        parse_topic_page("<html><body><p>aradığınız şey bulunamadı</p></body></html>")


def serve_topic(replay, pages=None):
    pages = pages or PAGES

    def topic(request):
        return Reply(200, pages[int(request.param("p", "1"))])

    replay.add(TOPIC, topic)


def test_crawl_reads_the_topic_and_stores_its_entries(replay, sqlite_store):
    serve_topic(replay)
    runtime = runtime_for(eksi_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and report.requests == 3  # robots.txt and both pages
    assert [r.param("p") for r in replay.seen(TOPIC)] == [None, "2"]
    stored = {p["external_id"]: p for p in sqlite_store.iter_posts()}
    assert len(stored) == 6
    # Entries in the topic "kahve durağı" are about the brand though most never name it.
    first = stored["150900001"]
    assert [m["target"] for m in first["mentions"]] == ["Kahve Durağı"]
    assert {m["target"] for m in stored["151200012"]["mentions"]} == {"Kahve Durağı", "Demlik"}
    cursor = sqlite_store.state("eksisozluk")["cursor"]
    assert cursor == {TOPIC[1:]: {"path": TOPIC[1:], "page": 2, "last_id": 151200012}}


def test_second_run_asks_for_the_last_page_only(replay, sqlite_store):
    serve_topic(replay)
    runtime = runtime_for(eksi_settings(replay.url), sqlite_store)
    collect_once(runtime)

    report = collect_once(runtime)

    assert report.ok and report.requests == 1 and report.new_posts == 0
    assert replay.seen(TOPIC)[-1].param("p") == "2"
    assert report.stored == 1  # the edited entry on that page, stored again


def test_a_bare_slug_is_searched_once_then_read_by_its_path(replay, sqlite_store):
    serve_topic(replay)
    replay.add("/", Reply(302, "", {"Location": TOPIC}))
    runtime = runtime_for(
        source_settings("eksisozluk", replay.url, topics="[kahve-duragi]"), sqlite_store
    )

    first = collect_once(runtime)
    second = collect_once(runtime)

    (search,) = replay.seen("/")
    assert search.param("q") == "kahve duragi"
    assert first.ok and first.new_posts == 6 and second.ok and second.new_posts == 0
    assert replay.seen(TOPIC)[-1].param("p") == "2"
    cursor = sqlite_store.state("eksisozluk")["cursor"]
    assert cursor == {"kahve-duragi": {"path": TOPIC[1:], "page": 2, "last_id": 151200012}}


def test_a_new_page_is_followed_forward(replay, sqlite_store):
    serve_topic(replay)
    runtime = runtime_for(eksi_settings(replay.url), sqlite_store)
    collect_once(runtime)
    serve_topic(replay, {2: with_page_count(PAGES[2], 3), 3: PAGES[3]})

    report = collect_once(runtime)

    assert [r.param("p") for r in replay.seen(TOPIC)][-2:] == ["2", "3"]
    assert report.new_posts == 1
    cursor = sqlite_store.state("eksisozluk")["cursor"][TOPIC[1:]]
    assert cursor == {"path": TOPIC[1:], "page": 3, "last_id": 151200020}


def test_the_first_visit_of_a_long_topic_skips_to_its_newest_pages(replay, sqlite_store):
    serve_topic(replay, {1: with_page_count(PAGES[1], 3), 3: PAGES[3]})
    runtime = runtime_for(eksi_settings(replay.url, max_pages=2), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and [r.param("p") for r in replay.seen(TOPIC)] == [None, "3"]
    assert sqlite_store.state("eksisozluk")["cursor"][TOPIC[1:]]["page"] == 3


def test_a_topic_that_shrank_is_read_from_its_new_last_page(replay, sqlite_store):
    serve_topic(replay)
    runtime = runtime_for(eksi_settings(replay.url), sqlite_store)
    collect_once(runtime)
    serve_topic(replay, {2: with_page_count(PAGES[2], 3), 3: PAGES[3]})
    collect_once(runtime)
    # Entries on page 3 were deleted: asked for it, the site shows an empty page 3 of 2.
    emptied = PAGES[3].replace('data-pagecount="3"', 'data-pagecount="2"')
    emptied = emptied[: emptied.index("<li ")] + emptied[emptied.index("</ul>") :]
    serve_topic(replay, {2: PAGES[2], 3: emptied})

    report = collect_once(runtime)

    assert report.ok and [r.param("p") for r in replay.seen(TOPIC)][-2:] == ["3", "2"]
    assert sqlite_store.state("eksisozluk")["cursor"][TOPIC[1:]]["page"] == 2


def test_robots_txt_that_disallows_stops_the_crawl(replay, sqlite_store):
    serve_topic(replay)
    replay.add("/robots.txt", Reply(200, "User-agent: *\nDisallow: /kahve-duragi--7012345\n"))
    runtime = runtime_for(eksi_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert replay.seen(TOPIC) == [] and report.problems[0][0] == "blocked"


def test_robots_txt_is_asked_again_when_it_could_not_be_fetched(replay, sqlite_store):
    serve_topic(replay)
    replay.add("/robots.txt", Reply(500, "<html>down</html>"), Reply(200, "User-agent: *\n"))
    runtime = runtime_for(eksi_settings(replay.url, retries=0), sqlite_store)

    unreachable = collect_once(runtime)
    second = collect_once(runtime)
    third = collect_once(runtime)

    # RFC 9309: an unreachable robots.txt forbids the whole site until it answers.
    (problem,) = unreachable.problems
    assert problem[0] == "blocked" and "robots.txt unreachable (HTTP 500)" in problem[1]
    assert second.ok and second.new_posts == 6 and third.ok
    # 500, then 200, which is kept for the third run
    assert len(replay.seen("/robots.txt")) == 2


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    replay.add(
        TOPIC,
        Reply(429, "<html><body>çok fazla istek</body></html>", {"Retry-After": "1"}),
        Reply(200, PAGES[3].replace('data-pagecount="3"', 'data-pagecount="1"')),
    )
    runtime = runtime_for(eksi_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and len(replay.seen(TOPIC)) == 2 and sqlite_store.count_posts() == 1


def test_server_errors_leave_the_cursor_alone(replay, sqlite_store):
    serve_topic(replay)
    runtime = runtime_for(eksi_settings(replay.url), sqlite_store)
    collect_once(runtime)
    replay.add(TOPIC, Reply(502, "<html><body>502 Bad Gateway</body></html>"))

    report = collect_once(runtime)

    assert report.problems[0][0] == "unreachable"
    cursor = sqlite_store.state("eksisozluk")["cursor"]
    assert cursor == {TOPIC[1:]: {"path": TOPIC[1:], "page": 2, "last_id": 151200012}}


@pytest.mark.parametrize("body", ["", "<html><body><h2>bakımdayız</h2></body></html>"])
def test_empty_or_foreign_pages_are_malformed(replay, sqlite_store, body):
    replay.add(TOPIC, Reply(200, body))
    runtime = runtime_for(eksi_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.problems[0][0] == "malformed" and sqlite_store.state("eksisozluk")["cursor"] == {}


@pytest.mark.parametrize(
    "reply",
    [
        Reply(403, CHALLENGE, {"Server": "cloudflare", "cf-mitigated": "challenge"}),
        Reply(503, CHALLENGE, {"Server": "cloudflare", "Retry-After": "1"}),
        Reply(200, CHALLENGE),
    ],
    ids=["403", "503", "200"],
)
def test_cloudflare_challenge_is_blocked(replay, sqlite_store, reply):
    replay.add(TOPIC, reply)
    runtime = runtime_for(eksi_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert [p[0] for p in report.problems] == ["blocked"] and sqlite_store.count_posts() == 0
    assert len(replay.seen(TOPIC)) == 1
