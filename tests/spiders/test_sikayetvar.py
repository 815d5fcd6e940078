import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.crawl import collect
from monitor.digest import build_digest
from monitor.replay import Reply
from spiders.items import Skipped
from spiders.sikayetvar import parse_brand_list, parse_complaint, turkish_date
from tests.helpers import fixture_text, run, runtime_for, source_settings

BRAND = "/kahve-duragi"
PRIZ = "kahve-duragi/priz-yok-laptop-sarj-edilemiyor"
ORDER = "kahve-duragi/wrong-order-twice-in-a-row"
LATTE = "kahve-duragi/yulaf-sutlu-latte-soguk-geldi"
COMPLAINTS = (PRIZ, ORDER, LATTE)
# When the saved pages were served: their "2 saat önce" counts from here.
SERVED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def page(name: str) -> str:
    return fixture_text("sikayetvar", f"{name.split('/')[-1]}.html")


def sv_settings(replay_url: str, **options):
    return source_settings("sikayetvar", replay_url, brands="[kahve-duragi]", **options)


def collect_once(runtime):
    return run(collect(runtime, runtime.settings.source("sikayetvar")))


def test_brand_list_pages_link_complaints_and_the_next_page():
    first = parse_brand_list(page("brand-page1"))
    last = parse_brand_list(page("brand-page2"))

    assert first.complaint_ids == [PRIZ, ORDER] and first.has_next
    # An absolute link on an older card (article.complaint-card) gives the same id.
    assert last.complaint_ids == [LATTE] and not last.has_next


def test_list_markup_variants_link_their_complaints_and_a_card_without_link_is_skipped():
    listing = parse_brand_list(page("brand-variants"))

    card, layer, moderated = listing.complaint_ids
    assert card == "kahve-duragi/kartla-odeme-alinmiyor"  # article.story-card
    assert layer == "kahve-duragi/siparis-iki-kez-cekildi"  # div.complaint-layer[data-url]
    assert isinstance(moderated, Skipped) and "without its link" in moderated.reason
    assert not listing.has_next


def test_an_answer_dated_by_time_datetime_is_read_and_an_undated_one_skipped():
    complaint, answer, undated = parse_complaint(
        page("kartla-odeme-alinmiyor"), "kahve-duragi", SERVED
    )

    assert complaint.author_name == "Elif S." and complaint.views == 312
    assert answer.created_at == datetime(2026, 11, 21, 10, 40, tzinfo=UTC)  # 13:40 +03:00
    assert (
        answer.text.startswith("Elif Hanım merhaba") and answer.parent_id == complaint.external_id
    )
    assert isinstance(undated, Skipped) and "answer-6121 without its time" in undated.reason


def test_complaint_page_gives_the_complaint_and_the_brands_answers():
    complaint, answer = parse_complaint(page(PRIZ), "kahve-duragi", SERVED)

    assert complaint.external_id == PRIZ and complaint.parent_id is None
    assert complaint.url == f"https://www.sikayetvar.com/{PRIZ}"
    assert complaint.text.startswith("Kahve Durağı Priz Yok, Laptop Şarj Edilemiyor\nKadıköy")
    assert "laptopum kapandı 🔌" in complaint.text
    assert complaint.created_at == datetime(2026, 11, 20, 6, 15, tzinfo=UTC)  # 09:15 +03:00
    assert complaint.author_name == "Ayşe K." and complaint.views == 1234
    assert complaint.extra == {"brand": "kahve-duragi", "solved": True}
    assert answer.parent_id == PRIZ and answer.external_id == f"{PRIZ}#answer-5512"
    assert answer.author_handle == "kahve-duragi" and answer.author_name == "Kahve Durağı"
    assert answer.extra["by_brand"] is True and answer.about == "kahve duragi"
    assert answer.text.startswith("Merhaba Ayşe Hanım,\nyaşadığınız durum için özür dileriz.")
    assert "& bir sonraki kahveniz bizden ☕" in answer.text
    assert answer.created_at == datetime(2026, 11, 20, 11, 5, tzinfo=UTC)


def test_relative_answer_times_count_from_when_the_page_was_served():
    complaint, first, second = parse_complaint(page(ORDER), "kahve-duragi", SERVED)

    # No author in the JSON-LD: the page's .username stands in.
    assert complaint.author_name == "Nikos P." and complaint.views == 87
    assert not complaint.extra["solved"]
    assert "Φρέσκο Καφέ" in complaint.text
    assert first.created_at == datetime(2026, 11, 19, 18, 10, tzinfo=UTC)  # dün 21:10
    assert second.created_at == SERVED - timedelta(hours=2)  # 2 saat önce
    assert second.text == "We have refunded both orders. 🙏"


def test_optional_fields_may_be_missing():
    (complaint,) = parse_complaint(page(LATTE), "kahve-duragi", SERVED)

    assert complaint.views is None and complaint.author_name == "Mert D."
    assert complaint.created_at == datetime(2026, 11, 12, 11, 5, tzinfo=UTC)


# 21:30 UTC on 2 January is 00:30 on the 3rd in Istanbul.
LATE = datetime(2027, 1, 2, 21, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("az önce", LATE),
        ("45 dakika önce", LATE - timedelta(minutes=45)),
        ("2 saat önce", LATE - timedelta(hours=2)),
        ("3 gün önce", LATE - timedelta(days=3)),
        ("bugün 00:10", datetime(2027, 1, 2, 21, 10, tzinfo=UTC)),
        ("Dün 14:05", datetime(2027, 1, 2, 11, 5, tzinfo=UTC)),
        ("12 Kasım 2026 14:05", datetime(2026, 11, 12, 11, 5, tzinfo=UTC)),
        ("1 Ocak 09:00", datetime(2027, 1, 1, 6, 0, tzinfo=UTC)),
        ("28 Aralık 10:00", datetime(2026, 12, 28, 7, 0, tzinfo=UTC)),  # last year's
        ("29 ŞUBAT 2028", datetime(2028, 2, 28, 21, 0, tzinfo=UTC)),
    ],
)
def test_turkish_dates_are_istanbul_time(text, expected):
    assert turkish_date(text, LATE) == expected


@pytest.mark.parametrize("text", ["", "geçen bahar", "12 Brumaire 2026"])
def test_unknown_dates_are_malformed(text):
    with pytest.raises(ValueError, match="not a Şikayetvar date"):
        turkish_date(text, LATE)


def test_a_page_without_the_complaints_json_ld_is_malformed():
    html = re.sub(r"<script type=\"application/ld\+json\">.*?</script>", "", page(PRIZ))
    with pytest.raises(ValueError, match="JSON-LD"):
        parse_complaint(html, "kahve-duragi", SERVED)


def serve_brand(replay, pages=None):
    """The brand's two list pages and its three complaint pages, as the site serves them."""
    pages = pages or {}

    def listing(request):
        return Reply(200, page(f"brand-page{request.param('page', '1')}"))

    replay.add(BRAND, listing)
    for complaint in COMPLAINTS:
        replay.add(f"/{complaint}", *pages.get(complaint, [Reply(200, page(complaint))]))


def fresh(html: str, published: datetime) -> str:
    """A saved complaint page as if posted at `published` (answers dated relative to it)."""
    local = published.astimezone(ZoneInfo("Europe/Istanbul")).isoformat()
    return re.sub(r'"datePublished":"[^"]+"', f'"datePublished":"{local}"', html)


def test_crawl_pages_through_and_stores_complaints_with_answers(replay, sqlite_store):
    serve_brand(replay)
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and report.new_posts == 6
    # robots.txt, two list pages, three complaint pages
    assert report.requests == 6
    assert [r.param("page") for r in replay.seen(BRAND)] == [None, "2"]
    stored = {p["external_id"]: p for p in sqlite_store.iter_posts()}
    # The latte complaint never names the brand: it is on the brand's page.
    latte = stored[LATTE]
    assert [(m["target"], m["by_target"]) for m in latte["mentions"]] == [("Kahve Durağı", False)]
    answer = stored[f"{PRIZ}#answer-5512"]
    assert [(m["target"], m["by_target"]) for m in answer["mentions"]] == [("Kahve Durağı", True)]
    # The English complaint names a competitor too; only the brand answers on its page.
    order = {m["target"]: m["by_target"] for m in stored[ORDER]["mentions"]}
    assert order == {"Kahve Durağı": False, "Φρέσκο": False}
    cursor = sqlite_store.state("sikayetvar")["cursor"]["kahve-duragi"]
    assert set(cursor["seen"]) == set(COMPLAINTS) and cursor["waiting"] == {}
    assert replay.seen("/robots.txt") and replay.seen(BRAND)[0].headers["user-agent"].startswith(
        "kulak/"
    )


def test_second_run_reads_the_first_list_page_only(replay, sqlite_store):
    serve_brand(replay)
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)
    collect_once(runtime)

    report = collect_once(runtime)

    assert report.ok and report.new_posts == 0
    assert report.requests == 1  # the first list page; robots.txt is kept for a day
    assert len(replay.seen("/robots.txt")) == 1
    assert sqlite_store.count_posts() == 6


def test_an_unanswered_complaint_is_visited_again_until_the_brand_answers(replay, sqlite_store):
    now = datetime.now(UTC)
    unanswered = fresh(page(LATTE), now - timedelta(hours=5))
    answer = (
        '<div class="complaint-answer-container" data-id="answer-6001">'
        '<div class="company-name">Kahve Durağı</div><span class="time">az önce</span>'
        '<div class="complaint-answer"><p>Merhaba Mert Bey, siparişinizi yeniledik.</p></div>'
        "</div></main>"
    )
    answered = unanswered.replace("</main>", answer)
    serve_brand(
        replay, {LATTE: [Reply(200, unanswered), Reply(200, unanswered), Reply(200, answered)]}
    )
    runtime = runtime_for(sv_settings(replay.url, revisit_hours=0), sqlite_store)

    collect_once(runtime)
    waiting = sqlite_store.state("sikayetvar")["cursor"]["kahve-duragi"]["waiting"]
    assert list(waiting) == [LATTE]
    still = collect_once(runtime)  # visited again, still no answer
    late = collect_once(runtime)  # the answer has come
    done = collect_once(runtime)

    assert still.new_posts == 0 and late.new_posts == 1 and done.new_posts == 0
    assert len(replay.seen(f"/{LATTE}")) == 3
    reply = next(p for p in sqlite_store.iter_posts() if p["parent_id"] == LATTE)
    assert reply["text"] == "Merhaba Mert Bey, siparişinizi yeniledik."
    assert sqlite_store.state("sikayetvar")["cursor"]["kahve-duragi"]["waiting"] == {}


def test_a_recent_visit_is_not_repeated_before_revisit_hours(replay, sqlite_store):
    unanswered = fresh(page(LATTE), datetime.now(UTC) - timedelta(hours=5))
    serve_brand(replay, {LATTE: [Reply(200, unanswered)]})
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)  # every 6 hours
    collect_once(runtime)

    report = collect_once(runtime)

    assert report.requests == 1 and len(replay.seen(f"/{LATTE}")) == 1


def test_the_digest_response_gap_sees_the_brands_answer(replay, sqlite_store):
    now = datetime.now(UTC)
    answered_page = fresh(page(PRIZ), now - timedelta(hours=3)).replace(
        '<span class="time" title="20 Kasım 2026 14:05">20 Kasım 14:05</span>',
        '<span class="time">1 saat önce</span>',
    )
    serve_brand(replay, {PRIZ: [Reply(200, answered_page)]})
    settings = sv_settings(replay.url)
    runtime = runtime_for(settings, sqlite_store)
    collect_once(runtime)

    tz = "Europe/Istanbul"
    digest = build_digest(sqlite_store, settings, now.astimezone(ZoneInfo(tz)).date(), tz, now=now)

    (gap,) = [g for g in digest.response_gap if g.target == "Kahve Durağı"]
    assert gap.complaints >= 1 and gap.answered == 1
    assert gap.median_minutes == pytest.approx(120, abs=1.5)


def test_robots_txt_that_disallows_stops_the_crawl(replay, sqlite_store):
    serve_brand(replay)
    replay.add("/robots.txt", Reply(200, "User-agent: *\nDisallow: /\n"))
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert replay.seen(BRAND) == [] and sqlite_store.count_posts() == 0
    assert report.problems[0][0] == "blocked" and "robots.txt" in report.problems[0][1]


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    serve_brand(replay)
    replay.add(
        BRAND,
        Reply(429, "<html><body>Too many requests</body></html>", {"Retry-After": "1"}),
        Reply(200, page("brand-page2")),
    )
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and len(replay.seen(BRAND)) == 2
    assert {p["external_id"] for p in sqlite_store.iter_posts()} == {LATTE}


def test_a_failing_complaint_page_is_fetched_again_next_run(replay, sqlite_store):
    serve_brand(
        replay,
        {PRIZ: [Reply(502, "<html>Bad gateway</html>")] * 4 + [Reply(200, page(PRIZ))]},
    )
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)

    first = collect_once(runtime)
    state = sqlite_store.state("sikayetvar")
    second = collect_once(runtime)

    assert first.problems[0][0] == "unreachable" and state["status"] == "unreachable"
    assert PRIZ not in state["cursor"]["kahve-duragi"]["seen"]
    assert sqlite_store.count_posts() == 6 and second.ok and second.new_posts == 2


def test_a_complaint_that_failed_is_fetched_again_wherever_the_list_shows_it(replay, sqlite_store):
    serve_brand(replay, {PRIZ: [Reply(502, "<html>Bad gateway</html>")] * 4})
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)
    collect_once(runtime)
    assert sqlite_store.state("sikayetvar")["cursor"]["kahve-duragi"]["retry"] == [PRIZ]
    # Newer complaints push it off the first list page, which holds only seen ones now.
    replay.add(BRAND, Reply(200, page("brand-page1").replace(f"/{PRIZ}", "/kahve-duragi/x")))
    replay.add("/kahve-duragi/x", Reply(200, page(ORDER)))
    replay.add(f"/{PRIZ}", Reply(200, page(PRIZ)))

    report = collect_once(runtime)

    assert report.ok and report.new_posts == 2
    assert PRIZ in {p["external_id"] for p in sqlite_store.iter_posts()}
    state = sqlite_store.state("sikayetvar")["cursor"]["kahve-duragi"]
    assert state["retry"] == [] and PRIZ in state["seen"]


def test_a_list_page_that_failed_is_read_again_by_the_next_poll(replay, sqlite_store):
    serve_brand(replay)
    failing = [Reply(502, "<html>Bad gateway</html>")] * 4
    replay.add(BRAND, Reply(200, page("brand-page1")), *failing, Reply(200, page("brand-page1")))
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)
    first = collect_once(runtime)
    assert first.problems[0][0] == "unreachable"
    assert sqlite_store.state("sikayetvar")["cursor"]["kahve-duragi"]["pending"] == [2]
    replay.add(BRAND, lambda request: Reply(200, page(f"brand-page{request.param('page', '1')}")))

    second = collect_once(runtime)

    asked = [r.param("page") for r in replay.seen(BRAND)]
    assert second.ok and len(asked) == 7 and set(asked[-2:]) == {None, "2"}
    assert LATTE in {p["external_id"] for p in sqlite_store.iter_posts()}
    assert sqlite_store.state("sikayetvar")["cursor"]["kahve-duragi"]["pending"] == []


def test_a_complaint_list_in_other_markup_is_collected(replay, sqlite_store):
    replay.add(BRAND, Reply(200, page("brand-variants")))
    replay.add("/kahve-duragi/kartla-odeme-alinmiyor", Reply(200, page("kartla-odeme-alinmiyor")))
    replay.add("/kahve-duragi/siparis-iki-kez-cekildi", Reply(404, "<html>Yok</html>"))
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    stored = {p["external_id"] for p in sqlite_store.iter_posts()}
    assert "kahve-duragi/kartla-odeme-alinmiyor#answer-6120" in stored
    assert report.skipped == 2  # the card without a link, the answer without a time


def test_a_malformed_complaint_page_is_reported_with_a_sample(replay, sqlite_store):
    serve_brand(replay, {ORDER: [Reply(200, "<html><body><h1>Bakımdayız</h1></body></html>")]})
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    (problem,) = report.problems
    assert problem[0] == "malformed" and "Bakımdayız" in problem[1]
    assert sqlite_store.count_posts() == 3  # the two other complaints and an answer


def test_an_empty_answer_is_malformed_not_an_empty_brand(replay, sqlite_store):
    replay.add(BRAND, Reply(200, ""))
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.problems[0][0] == "malformed"


def test_a_brand_without_complaints_is_fine(replay, sqlite_store):
    empty = re.sub(r"<article.*?</article>", "", page("brand-page2"), flags=re.S)
    replay.add(BRAND, Reply(200, empty))
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert report.ok and sqlite_store.count_posts() == 0


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, fixture_text("sikayetvar", "challenge.html")),
        Reply(403, fixture_text("sikayetvar", "challenge.html"), {"Server": "cloudflare"}),
        Reply(503, fixture_text("sikayetvar", "challenge.html"), {"Retry-After": "1"}),
    ],
    ids=["200", "403", "503"],
)
def test_a_bot_protection_page_is_blocked_never_posts(replay, sqlite_store, reply):
    replay.add(BRAND, reply)
    runtime = runtime_for(sv_settings(replay.url), sqlite_store)

    report = collect_once(runtime)

    assert [p[0] for p in report.problems] == ["blocked"]
    assert sqlite_store.state("sikayetvar")["status"] == "blocked"
    assert sqlite_store.count_posts() == 0
    assert len(replay.seen(BRAND)) == 1  # a challenge is not asked again and again


def test_a_deleted_complaint_is_no_longer_awaited_nor_a_failure(replay, sqlite_store):
    unanswered = fresh(page(LATTE), datetime.now(UTC) - timedelta(hours=5))
    serve_brand(replay, {LATTE: [Reply(200, unanswered), Reply(404, "<html>Bulunamadı</html>")]})
    runtime = runtime_for(sv_settings(replay.url, revisit_hours=0), sqlite_store)
    collect_once(runtime)

    report = collect_once(runtime)

    assert report.ok and len(replay.seen(f"/{LATTE}")) == 2
    assert sqlite_store.state("sikayetvar")["cursor"]["kahve-duragi"]["waiting"] == {}
