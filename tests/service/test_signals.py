"""`kulak run` as a process: SIGTERM and SIGINT stop it cleanly, logs never show a secret."""

from __future__ import annotations

import json
import re
import signal
import urllib.request

from monitor.store import Store
from tests.service.conftest import POSTS, RISK, TOKEN, service_settings


def test_sigterm_stops_cleanly_and_the_token_never_reaches_the_log(
    tmp_path, cafe_feed, slack_server, kulak_run
):
    settings = service_settings(tmp_path, cafe_feed.url, slack_server.url)
    run = kulak_run(settings)
    store = Store.open(run.database_url)
    store.add_alert(RISK, ["slack"])

    run.start("-v")  # debug logging: every library says what it does
    # the queued alert, and one opportunity per complaint about Demlik
    run.wait_until(lambda: store.delivery_counts() == {("slack", "sent"): 3})

    assert run.signal(signal.SIGTERM) == 0
    log = run.output()
    assert "collected hackernews: 4 new posts" in log and "stopped" in log
    assert slack_server.received[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in log
    with store.run_lock():  # the stopped run let go of the database
        pass


def test_json_logs_one_object_per_line_and_sigint_stops(
    tmp_path, cafe_feed, slack_server, kulak_run
):
    settings = service_settings(tmp_path, cafe_feed.url, slack_server.url)
    run = kulak_run(settings, "--log-format", "json").start()
    store = Store.open(run.database_url)
    run.wait_until(lambda: store.state("hackernews").get("runs", 0) >= 2)

    assert run.signal(signal.SIGINT) == 0
    entries = [json.loads(line) for line in run.output().splitlines()]
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    messages = [e["message"] for e in entries if e["logger"] == "monitor.service"]
    assert "collected hackernews: 4 new posts in 2 requests" in messages
    assert messages[-1] == "stopped"


def test_a_second_run_on_the_same_database_refuses_to_start(
    tmp_path, cafe_feed, slack_server, kulak_run
):
    settings = service_settings(tmp_path, cafe_feed.url, slack_server.url)
    first = kulak_run(settings).start()
    store = Store.open(first.database_url)
    first.wait_until(lambda: store.count_posts() == len(POSTS))

    second = kulak_run(settings).start()
    assert second.process.wait(timeout=30) == 1
    assert "another `kulak run` is serving" in second.output()
    assert first.process.poll() is None


def test_kulak_run_serves_the_inbox_in_its_loop_and_sigterm_still_stops_it(
    tmp_path, cafe_feed, slack_server, kulak_run
):
    settings = service_settings(tmp_path, cafe_feed.url, slack_server.url)
    run = kulak_run(settings).start()
    run.wait_until(lambda: "inbox: serving on http://127.0.0.1:" in run.output())
    url = re.search(r"inbox: serving on (http://127\.0\.0\.1:\d+)", run.output()).group(1)

    with urllib.request.urlopen(url + "/login", timeout=10) as page:
        asked = page.status, page.read().decode()

    assert asked[0] == 200 and "Who are you?" in asked[1]
    assert run.signal(signal.SIGTERM) == 0  # uvicorn took no signal from the service
    assert run.output().rstrip().endswith("stopped")
