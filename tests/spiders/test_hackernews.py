import json
import re
from datetime import UTC, datetime

from monitor.crawl import collect
from monitor.replay import Reply
from spiders.hackernews import parse_hits
from spiders.items import Skipped
from tests.helpers import fixture_text, run, runtime_for, source_settings

SEARCH = "/api/v1/search_by_date"


def hn_settings(replay_url: str, **options):
    return source_settings("hackernews", replay_url, queries="[Kahve Durağı]", **options)


def test_parser_turns_hits_into_posts():
    data = json.loads(fixture_text("hackernews", "page0.json"))
    posts = list(parse_hits(data, "Kahve Durağı"))

    # The deleted comment (no author, no text) is skipped.
    assert [p.external_id for p in posts] == ["41000010", "41000002", "41000011"]
    comment, story, _ = posts
    assert comment.text == (
        "Kahve Durağı'nda priz yok, üç saat bekledim & kimse ilgilenmedi.\nBir daha gelmem."
    )
    assert comment.url == "https://news.ycombinator.com/item?id=41000010"
    assert comment.created_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    assert comment.parent_id == "41000001" and comment.conversation_id == "41000001"
    assert comment.author_handle == "ayse_k"
    assert story.text.startswith("Show HN: I mapped every café with power outlets in Athens\n")
    assert "Κρίμα" in story.text and "<i>" not in story.text
    assert story.score == 12 and story.replies == 4


def test_a_hit_that_cannot_be_read_is_skipped_and_the_others_kept():
    data = json.loads(fixture_text("hackernews", "page0.json"))
    # A hit without its timestamp: the format changed under us, for that hit.
    del data["hits"][0]["created_at_i"]

    broken, *posts = parse_hits(data, "q")

    assert isinstance(broken, Skipped) and broken.reason == "KeyError: 'created_at_i'"
    assert '"author": "ayse_k"' in broken.sample
    # The other hits are read as ever (the deleted one has nothing to keep).
    assert [p.external_id for p in posts] == [
        p.external_id
        for p in list(parse_hits(json.loads(fixture_text("hackernews", "page0.json")), "q"))[1:]
    ]


def serve_pages(replay):
    pages = [json.loads(fixture_text("hackernews", f"page{n}.json")) for n in (0, 1)]

    def answer(request):
        since = int(request.param("numericFilters").split(">")[1])
        page = pages[int(request.param("page"))]
        hits = [h for h in page["hits"] if h["created_at_i"] > since]
        return Reply(200, {**page, "hits": hits, "nbPages": 2 if since == 0 else 1})

    replay.add(SEARCH, answer)


def test_crawl_pages_through_and_stores_matching_posts(replay, sqlite_store):
    serve_pages(replay)
    runtime = runtime_for(hn_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("hackernews")))

    assert report.ok and report.requests == 2
    stored = {p["external_id"]: p for p in sqlite_store.iter_posts()}
    assert set(stored) == {"41000010", "41000002", "41000011", "41000020"}
    switch = stored["41000020"]
    assert {m["target"] for m in switch["mentions"]} == {"Kahve Durağı", "Demlik"}
    assert sqlite_store.state("hackernews")["cursor"] == {"Kahve Durağı": 1795166100}
    assert replay.seen(SEARCH)[0].headers["user-agent"].startswith("kulak/")


def test_second_run_asks_only_for_newer_posts(replay, sqlite_store):
    serve_pages(replay)
    runtime = runtime_for(hn_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("hackernews")))

    report = run(collect(runtime, runtime.settings.source("hackernews")))

    assert report.requests == 1 and report.new_posts == 0
    # The newest post seen was at 1795166100; the five minutes before it are read again.
    assert replay.seen(SEARCH)[-1].param("numericFilters") == "created_at_i>1795165800"
    assert sqlite_store.count_posts() == 4
    assert sqlite_store.state("hackernews")["cursor"] == {"Kahve Durağı": 1795166100}


def comment(n: int, created: int) -> dict:
    return {
        "objectID": str(50000000 + n),
        "author": f"guest{n}",
        "comment_text": f"Kahve Durağı şikayet {n}: elektrik yok, kimse bilgi vermiyor",
        "created_at_i": created,
        "_tags": ["comment"],
    }


def search(hits: list[dict], per_page: int):
    """Algolia's search_by_date over `hits`: the numericFilters window, newest first."""

    def answer(request):
        bounds = dict(
            re.match(r"created_at_i([<>])(\d+)", part).groups()
            for part in request.param("numericFilters").split(",")
        )
        low, high = int(bounds[">"]), int(bounds.get("<", 10**10))
        found = sorted(
            (h for h in hits if low < h["created_at_i"] < high),
            key=lambda h: -h["created_at_i"],
        )
        page = int(request.param("page"))
        pages = -(-len(found) // per_page)
        return Reply(
            200, {"hits": found[per_page * page : per_page * (page + 1)], "nbPages": pages}
        )

    return answer


def test_a_post_the_search_indexed_late_is_still_collected(replay, sqlite_store):
    hits = [comment(1, 1795166100)]
    replay.add(SEARCH, search(hits, 50))
    runtime = runtime_for(hn_settings(replay.url), sqlite_store)
    source = runtime.settings.source("hackernews")
    run(collect(runtime, source))

    hits.append(comment(2, 1795166100 - 40))  # written before the newest, indexed after
    report = run(collect(runtime, source))

    assert report.new_posts == 1 and sqlite_store.count_posts() == 2


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    page = json.loads(fixture_text("hackernews", "page1.json"))
    replay.add(
        SEARCH,
        Reply(429, {"message": "Too many requests"}, {"Retry-After": "1"}),
        Reply(200, {**page, "nbPages": 1}),
    )
    runtime = runtime_for(hn_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("hackernews")))

    first, second = replay.seen(SEARCH)
    assert report.ok and sqlite_store.count_posts() == 1
    assert second.headers.get("user-agent") == first.headers.get("user-agent")


def test_server_errors_leave_the_cursor_alone_and_are_recorded(replay, sqlite_store):
    replay.add(SEARCH, Reply(503, "<html>upstream down</html>"))
    runtime = runtime_for(hn_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("hackernews")))

    assert report.problems and report.problems[0][0] == "unreachable"
    state = sqlite_store.state("hackernews")
    assert state["status"] == "unreachable" and state["consecutive_failures"] == 1
    assert state["cursor"] == {}
    assert len(replay.seen(SEARCH)) == 4  # the first try and three polite retries


def test_malformed_body_keeps_earlier_posts_and_cursor(replay, sqlite_store):
    serve_pages(replay)
    runtime = runtime_for(hn_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("hackernews")))
    replay.add(SEARCH, Reply(200, "<html>not json</html>"))

    report = run(collect(runtime, runtime.settings.source("hackernews")))

    assert report.problems[0][0] == "malformed"
    assert sqlite_store.count_posts() == 4
    assert sqlite_store.state("hackernews")["cursor"] == {"Kahve Durağı": 1795166100}


def test_a_burst_bigger_than_a_runs_pages_is_read_by_the_next_runs(replay, sqlite_store):
    # Ten comments a minute apart, newest first, four a page; a run reads one page.
    replay.add(SEARCH, search([comment(n, 1795166100 + 60 * n) for n in range(10)], 4))
    runtime = runtime_for(hn_settings(replay.url, max_pages=1), sqlite_store)
    source = runtime.settings.source("hackernews")

    counts = []
    for _ in range(4):
        run(collect(runtime, source))
        counts.append(sqlite_store.count_posts())

    # The older ones too, a page a run (its oldest second read again, in case it held
    # more), until all ten are read; then nothing is left to ask.
    assert counts == [4, 7, 10, 10]
    asked = [r.param("numericFilters") for r in replay.seen(SEARCH)]
    # The last run: one request, the newest (1795166640) less 5 minutes; posts read
    # again leave no gap behind.
    assert asked[-1] == "created_at_i>1795166340"
    assert len(asked) == 1 + 2 + 2 + 1
    assert [k for k in sqlite_store.state("hackernews")["cursor"]] == ["Kahve Durağı"]
