"""The store on SQLite and PostgreSQL: upserts never duplicate, cursors move with posts."""

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from monitor.alert import Alert
from monitor.records import Mention, Record
from monitor.store import Store, connect, schema
from monitor.store.migrate import current_revision, head_revision, upgrade
from spiders.items import PageDone, Post, SourceProblem

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
WEEK = timedelta(weeks=1)


def record(
    external_id: str = "1", likes: int | None = 3, text: str = "Demlik Cafe berbat"
) -> Record:
    post = Post("hackernews", external_id, f"https://x.test/{external_id}", text, WHEN, likes=likes)
    mention = Mention(
        "Demlik", "competitor", [(0, 11)], ["Demlik Cafe"], compound=-0.6, label="neg"
    )
    return Record(post, [mention], "tr")


def test_a_new_store_is_at_the_latest_schema_version(store):
    assert current_revision(store.engine) == head_revision()


def test_recollecting_a_post_updates_engagement_not_rows(store):
    assert store.save([record(likes=3)]).new == 1
    result = store.save([record(likes=40)])

    assert (result.new, result.updated) == (0, 1)
    (post,) = list(store.iter_posts())
    assert post["likes"] == 40 and len(post["mentions"]) == 1
    assert post["created_at"] == WHEN


def test_a_post_dated_in_another_zone_is_stored_at_its_instant(store):
    """A source (or a third party's spider) may date posts in local time: Istanbul's 12:00
    is 09:00 UTC, on SQLite too, whose DateTime keeps no zone."""
    istanbul = timezone(timedelta(hours=3))
    post = Post("hackernews", "tz", "https://x.test/tz", "Demlik Cafe", WHEN.astimezone(istanbul))
    store.save([Record(post, [], "en")])

    (saved,) = list(store.iter_posts())
    assert saved["created_at"] == WHEN
    assert saved["created_at"].utcoffset() == timedelta(0)


def test_a_numeric_id_from_a_source_is_stored_as_text_with_its_page(store):
    """A source (or a third party's spider) may hand over ids as numbers: the post and the
    rest of its page are stored, the ids as the text they are everywhere else."""
    numeric = Post("hackernews", 123, "https://x.test/123", "Demlik Cafe", WHEN, parent_id=45)
    result = store.save([Record(numeric, [], "en"), record("2")])

    assert result.new == 2
    saved = {post["external_id"]: post for post in store.iter_posts()}
    assert saved.keys() == {"123", "2"}
    assert saved["123"]["parent_id"] == "45"


def test_engagement_a_source_stops_reporting_is_kept(store):
    store.save([record(likes=12)])
    store.save([record(likes=None)])
    (post,) = list(store.iter_posts())
    assert post["likes"] == 12


def test_cursor_advances_with_the_page_in_one_transaction(store):
    store.save([record("1")], "hn", PageDone({"q": 100}))
    store.save([record("2")], "hn", PageDone({"other": 5}, etag='"abc"'))

    state = store.state("hn")
    assert state["cursor"] == {"q": 100, "other": 5}
    assert state["etag"] == '"abc"'


def test_a_sources_first_run_says_where_its_coverage_begins(store):
    def post(external_id: str, at: datetime, target: str, source: str = "mastodon") -> Record:
        post = Post(source, external_id, f"https://x.test/{external_id}", target, at)
        return Record(post, [Mention(target, "brand", [(0, 3)], [target])])

    early, later = WHEN - timedelta(hours=5), WHEN - timedelta(hours=1)
    # The first page is the newest; a later page of the same run reaches further back,
    # whichever targets its posts name.
    first = post("0", early - WEEK, "Demlik", "hackernews")
    store.save([first], "hackernews", PageDone({}), at=early - WEEK)
    store.save([post("1", later, "Demlik")], "mastodon", PageDone({"page": 1}), at=WHEN)
    store.save([post("2", early, "Yudum")], "mastodon", PageDone({"page": 2}), at=WHEN)
    store.record_run("mastodon", problems=[], requests=2, new_posts=2, at=WHEN)
    # Once its first run has ended, the source is no longer new.
    store.save([post("3", early - WEEK, "Yudum")], "mastodon", PageDone({"page": 3}))

    # Read a week after the install's first source, it is news; within a day, it is not.
    day = timedelta(days=1)
    assert store.sources_started(WHEN - day, day) == [(early, "mastodon", WHEN)]
    assert store.sources_started(WHEN - day, WEEK + day) == []
    assert store.sources_started(WHEN - timedelta(hours=2), day) == []


def test_runs_record_health_and_counters(store):
    store.record_run("hn", problems=[], requests=3, new_posts=2, at=WHEN)
    problem = SourceProblem("auth_failed", "HTTP 401: bad token", url="https://x.test/")
    store.record_run("hn", problems=[problem], requests=1, new_posts=0, at=WHEN)
    store.record_run("hn", problems=[problem], requests=1, new_posts=0, at=WHEN)

    state = store.state("hn")
    assert state["status"] == "auth_failed"
    assert state["consecutive_failures"] == 2
    assert state["last_error"] == "HTTP 401: bad token (https://x.test/)"
    assert state["last_success_at"] == WHEN
    assert (state["runs"], state["requests"], state["new_posts"]) == (3, 5, 2)

    store.record_run("hn", problems=[], requests=1, new_posts=1, at=WHEN + timedelta(hours=1))
    assert store.state("hn")["consecutive_failures"] == 0


def test_an_alert_key_is_queued_once_per_channel(store):
    alert = Alert(
        key="risk:Demlik:hackernews:1",
        kind="risk",
        title="A complaint is spreading",
        summary="40 likes in an hour",
        created_at=WHEN,
        target="Demlik",
    )
    assert store.add_alert(alert, ["slack", "email"])
    assert not store.add_alert(alert, ["slack", "email"])

    assert [a.key for a in store.alerts()] == [alert.key]
    assert store.delivery_counts() == {("email", "pending"): 1, ("slack", "pending"): 1}
    (due,) = store.due_deliveries("slack", datetime.now(UTC) + timedelta(minutes=1))
    assert due.alert == alert and due.attempts == 0


def test_a_batch_queues_only_keys_not_seen_before(store):
    def alert(n: int) -> Alert:
        return Alert(f"opportunity:Demlik:hackernews:{n}", "opportunity", f"#{n}", "", WHEN)

    assert store.add_alert(alert(1), ["slack"])

    new = store.add_alerts([(alert(1), ["slack"]), (alert(2), ["slack"]), (alert(2), ["slack"])])

    assert [a.key for a in new] == [alert(2).key]
    assert store.delivery_counts() == {("slack", "pending"): 2}


def test_growing_lists_of_keys_share_a_few_statements(store):
    """Every length of an IN list is a statement the driver prepares and keeps: a list
    growing by one each cycle must not make a new one each cycle (memory grew by tens of
    MiB in long runs)."""
    from sqlalchemy import event

    seen: set[str] = set()
    event.listen(store.engine, "before_cursor_execute", lambda *a: seen.add(a[2]))
    store.add_alerts(
        [(Alert(f"risk:{n}", "risk", "", "", WHEN), ["slack"]) for n in range(0, 300, 2)]
    )
    seen.clear()

    for n in range(1, 301):
        assert store.known_keys(f"risk:{i}" for i in range(n)) == {
            f"risk:{i}" for i in range(0, n, 2)
        }

    assert len(seen) == 10  # lengths 1, 2, 4 ... 512


def test_long_lists_of_ids_are_read_and_deleted_whole(store):
    store.save([record(str(n)) for n in range(1500)])
    ids = [
        mention["id"]
        for _, mention in store.mentions_between(
            WHEN, WHEN + timedelta(hours=1), targets=["Demlik"]
        )
    ]
    keys = [f"risk:{n}" for n in range(1500)]
    store.add_alerts([(Alert(key, "risk", "", "", WHEN), ["slack"]) for key in keys[::3]])

    assert sorted(m["id"] for _, m in store.mentions_by_id(ids)) == sorted(ids)
    assert store.known_keys(keys) == set(keys[::3])
    assert store.delete_posts_before(WHEN + timedelta(seconds=1)) == 1500
    assert list(store.iter_posts()) == []


def test_mentions_are_handed_over_as_they_are_read(store):
    """A detector reads a day of mentions every cycle: it gets them one by one, never
    the whole day in a list."""
    store.save([record(str(n)) for n in range(3)])

    pairs = store.mentions_between(WHEN, WHEN + timedelta(hours=1), targets=["Demlik"])

    assert iter(pairs) is pairs
    assert [post["external_id"] for post, _ in pairs] == ["0", "1", "2"]


def test_unicode_text_round_trips(store):
    text = "Φρέσκο Καφέ: ο καφές ήταν κρύος 😤 — Kahve Durağı'nda ışık yok"
    store.save([record(text=text)])
    (post,) = list(store.iter_posts())
    assert post["text"] == text


def test_upgrading_from_the_first_schema_keeps_the_data(store_url):
    """A user's store made by the first release survives every later migration."""
    from sqlalchemy import create_engine, insert

    from monitor.store import Store, schema
    from monitor.store.migrate import upgrade

    engine = create_engine(store_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            insert(schema.posts).values(
                source="hackernews",
                external_id="7",
                url="https://news.ycombinator.com/item?id=7",
                text="Kahve Durağı priz yok",
                created_at=WHEN,
                collected_at=WHEN,
                updated_at=WHEN,
                extra={},
            )
        )
    engine.dispose()

    upgraded = Store.open(store_url)
    (post,) = list(upgraded.iter_posts())
    assert post["text"] == "Kahve Durağı priz yok"
    assert current_revision(upgraded.engine) == head_revision()
    upgraded.close()


def test_sources_that_ran_before_the_upgrade_are_not_news_to_the_spike_detector(store_url):
    from sqlalchemy import create_engine, text

    engine = create_engine(store_url)
    upgrade(engine, "0006")
    columns = "source, cursor, status, runs, consecutive_failures"
    with engine.begin() as conn:
        for source, runs in (("hackernews", 3), ("mastodon", 0)):
            conn.execute(
                text(f"INSERT INTO collector_state ({columns}) VALUES (:s, '{{}}', 'ok', :r, 0)"),
                {"s": source, "r": runs},
            )
    engine.dispose()

    upgraded = Store.open(store_url)
    # mastodon never finished a run: its first run's pages will say where it begins
    toot = Record(Post("mastodon", "9", "https://x.test/9", "Demlik Cafe", WHEN))
    upgraded.save([toot], "mastodon", PageDone({}), at=WHEN + WEEK)
    assert upgraded.state("hackernews")["started"] == {}
    assert upgraded.sources_started(WHEN - WEEK, timedelta(days=3)) == []
    assert upgraded.state("mastodon")["started"] == {
        "from": WHEN.isoformat(),
        "at": (WHEN + WEEK).isoformat(),
    }
    upgraded.close()


def test_a_page_of_new_known_and_repeated_posts_is_counted_and_stored_once(store):
    store.save([record("1", likes=1), record("2", likes=2)])

    result = store.save(
        [record("2", likes=20), record("3"), record("3", likes=30), record("1", likes=None)],
        "hn",
        PageDone({"page": 2}),
    )

    assert (result.new, result.updated) == (1, 3)
    posts = {p["external_id"]: p for p in store.iter_posts()}
    assert {k: p["likes"] for k, p in posts.items()} == {"1": 1, "2": 20, "3": 30}
    assert all(len(p["mentions"]) == 1 for p in posts.values())
    assert store.state("hn")["cursor"] == {"page": 2}


def test_a_page_is_stored_without_asking_which_posts_are_known(sqlite_store):
    """The posts are upserted returning their ids: no lookup of the page's posts first,
    whose plan on PostgreSQL depends on statistics a new database does not have."""
    from sqlalchemy import event

    statements: list[str] = []
    sqlite_store.engine.dispose()  # connections from now on trace their statements
    event.listen(
        sqlite_store.engine, "connect", lambda dbapi, _: dbapi.set_trace_callback(statements.append)
    )
    sqlite_store.save([record("1")], "hn", PageDone({"q": 1}))
    sqlite_store.save([record("1"), record("2")], "hn", PageDone({"q": 2}))

    on_posts = [s.split()[0] for s in statements if " posts " in f"{s} "]
    assert on_posts == ["INSERT", "INSERT"]  # one upsert of each page's posts, no lookup


def test_posts_are_stored_alike_where_sqlite_cannot_return_ids(sqlite_store):
    """SQLite before 3.35 has no RETURNING: each post's id is read after its upsert."""
    sqlite_store._page_writer.returning = False
    sqlite_store._page_writer.post_upsert = sqlite_store._page_writer.post_upsert.split(
        " RETURNING"
    )[0]
    assert sqlite_store.save([record("1"), record("2")]).new == 2

    result = sqlite_store.save([record("2", likes=9), record("3")])

    assert (result.new, result.updated) == (1, 1)
    assert sorted(p["likes"] for p in sqlite_store.iter_posts()) == [3, 3, 9]


def test_the_migration_files_head_is_alembics():
    from monitor.store.migrate import files_head

    assert files_head() == head_revision()


def test_the_sentiment_models_use_adds_up_and_restarts_for_another_model(store):
    assert store.model_use() is None
    store.record_model_use("ollama model m at http://h", 5, {"down": 2}, "down: HTTP 503")
    store.record_model_use("ollama model m at http://h", 3, {"down": 1, "slow": 4})
    use = store.model_use()
    assert (use["by_model"], use["fallback"]) == (8, {"down": 3, "slow": 4})
    assert use["last_problem"] == "down: HTTP 503"

    store.record_model_use("local model /models/x", 1, {})
    use = store.model_use()
    assert (use["model"], use["by_model"], use["fallback"]) == ("local model /models/x", 1, {})
    assert "last_problem" not in use


def test_a_long_page_is_stored_in_a_few_statements_of_many_rows(store):
    first = store.save([record(str(n), likes=n) for n in range(0, 130, 2)])
    result = store.save([record(str(n), likes=n + 1) for n in range(130)])

    assert (first.new, result.new, result.updated) == (65, 65, 65)
    posts = {p["external_id"]: p for p in store.iter_posts()}
    assert len(posts) == 130
    assert all(p["likes"] == int(k) + 1 and len(p["mentions"]) == 1 for k, p in posts.items())


def test_a_post_naming_a_target_twice_keeps_its_last_mention(store):
    twice = record("1")
    again = Mention("Demlik", "competitor", [(0, 6)], ["Demlik"], compound=0.4, label="pos")
    twice.mentions.append(again)

    store.save([twice, record("2")], "hn", PageDone({"page": 1}))

    posts = {p["external_id"]: p for p in store.iter_posts()}
    assert [(m["label"], m["matched"]) for m in posts["1"]["mentions"]] == [("pos", ["Demlik"])]
    assert len(posts["2"]["mentions"]) == 1


def test_which_sources_have_ever_given_a_reply_is_one_question(store):
    reply = Post("hackernews", "2", "https://x.test/2", "Demlik: sorry!", WHEN, parent_id="1")
    store.save([record("1"), Record(reply, [], "en")])
    other = Post("rss", "9", "https://x.test/9", "Demlik Cafe yeni menü", WHEN)
    store.save([Record(other, [], "tr")])

    assert store.showing_replies(["rss", "hackernews", "rss", "reddit"]) == {"hackernews"}
    assert store.showing_replies([]) == set()


def test_a_server_connection_that_died_while_idle_is_replaced(store_url, monkeypatch):
    """A connection given back a moment ago is trusted (no ping per stored page); one that
    sat longer is pinged and, found dead (a server restart, an idle timeout), replaced."""
    if store_url.startswith("sqlite"):
        pytest.skip("a SQLite file's connection cannot die")
    monkeypatch.setattr(connect, "TRUSTED_IDLE", 0.5)
    store = Store.open(store_url)
    admin = create_engine(store_url)
    try:

        def kill_pooled_connection() -> None:
            with store.engine.connect() as conn:
                pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with admin.begin() as conn:
                conn.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")

        assert store.save([record("1")]).new == 1
        kill_pooled_connection()
        time.sleep(0.6)
        assert store.save([record("2")]).new == 1  # pinged, found dead, replaced

        kill_pooled_connection()
        with pytest.raises(OperationalError):  # trusted, not pinged: this page fails...
            store.save([record("3")])
        assert store.save([record("3")]).new == 1  # ...and the next has a new connection
    finally:
        admin.dispose()
        store.close()


def test_an_unreadable_start_is_said_and_the_source_counts_as_old(store, caplog):
    toot = Record(Post("mastodon", "1", "https://x.test/1", "Demlik Cafe", WHEN))
    store.save([toot], "mastodon", PageDone({}), at=WHEN)
    with store.engine.begin() as conn:
        conn.execute(
            schema.collector_state.update().values(started={"from": "last tuesday", "at": 5})
        )

    assert store.sources_started(WHEN - WEEK, timedelta(0)) == []
    assert "collector_state.started of mastodon is unreadable" in caplog.text
    # The next page of its first run starts the reading afresh, and is stored.
    later = Record(Post("mastodon", "2", "https://x.test/2", "Demlik Cafe", WHEN))
    assert store.save([later], "mastodon", PageDone({}), at=WHEN + WEEK).new == 1
    assert store.state("mastodon")["started"] == {
        "from": WHEN.isoformat(),
        "at": (WHEN + WEEK).isoformat(),
    }
