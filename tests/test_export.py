"""`kulak export`'s rows, from posts stored as the collectors store them."""

import csv
import io
import json
from datetime import UTC, datetime

from monitor.crawl import collect
from monitor.export import export_rows, write_csv
from monitor.replay import Reply
from tests.helpers import fixture_text, make_settings, record, run, runtime_for

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
