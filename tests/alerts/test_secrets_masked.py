"""A value from `${...}` is a secret everywhere kulak writes: a token in a feed URL that
keeps failing never reaches the logs, the store, `kulak status` or the health alert sent
to Slack and by email."""

from __future__ import annotations

import io
import json
import logging
import sqlite3

from monitor.crawl import collect
from monitor.logs import mask, secrets_of
from monitor.redact import MASK, Redactor
from monitor.replay import Reply
from tests.helpers import BASE_SETTINGS, kulak, make_settings, run, runtime_for

TOKEN = "fd8-Gizli+token/9"  # '+' and '/' are percent-encoded in a URL


def feed_settings(replay_url: str, slack_url: str, smtp_port: int) -> str:
    return f"""
detectors:
  health: {{min_failures: 1}}
sources:
  rss:
    feeds: ["{replay_url}/kahve.xml?token=${{FEED_TOKEN}}"]
    backoff: 10ms
    retries: 0
channels:
  slack:
    token: ${{SLACK_BOT_TOKEN}}
    channel: "#brand-alerts"
    base_url: {slack_url}api/
  email:
    host: 127.0.0.1
    port: {smtp_port}
    security: none
    sender: "kulak <alerts@kahveduragi.example>"
    to: [ops@kahveduragi.example]
    immediate: [health]
    digest: false
"""


def test_a_token_in_a_feed_url_is_masked_in_logs_store_status_and_alerts(
    tmp_path, replay, slack_server, smtp_factory
):
    # The feed refuses the token and, as servers do, quotes the address it was asked for.
    replay.add("/kahve.xml", Reply(401, f"bad token for /kahve.xml?token={TOKEN}"))
    smtp = smtp_factory()
    path = tmp_path / "settings.yaml"
    base = BASE_SETTINGS.replace("kulak:\n", "kulak:\n  database: sqlite:///kulak.sqlite3\n")
    path.write_text(base + feed_settings(replay.url, slack_server.url, smtp.port), "utf-8")
    env = {"FEED_TOKEN": TOKEN, "SLACK_BOT_TOKEN": "xoxb-kulak-test-1"}
    config = ("--config", str(path))

    collected = kulak("-v", "collect", "--once", *config, cwd=tmp_path, env=env)
    assert collected.returncode == 1
    assert "auth_failed: HTTP 401: bad token for /kahve.xml?token=***" in collected.stdout
    stored = sqlite3.connect(tmp_path / "kulak.sqlite3")
    (error,) = stored.execute("SELECT last_error FROM collector_state").fetchone()
    assert "/kahve.xml?token=***" in error
    # Wide enough that the table keeps the reason on one line, whatever the terminal.
    status = kulak("status", *config, cwd=tmp_path, env={**env, "COLUMNS": "400"})
    assert "kahve.xml?token=***" in status.stdout
    detected = kulak("detect", "--once", *config, cwd=tmp_path, env=env)
    assert "health: Source rss keeps failing" in detected.stdout
    delivered = kulak("deliver", "--once", *config, cwd=tmp_path, env=env)
    assert "slack: 1 sent" in delivered.stdout and "email: 1 sent" in delivered.stdout

    (posted,) = slack_server.received
    mail = smtp.mailbox.messages[0].content.decode()
    outputs = [collected.stdout, collected.stderr, error, status.stdout, status.stderr]
    outputs += [json.dumps(posted.body, ensure_ascii=False), mail]
    for output in outputs:
        for spelling in (TOKEN, "fd8-Gizli%2Btoken%2F9", "fd8-Gizli"):
            assert spelling not in output


def test_debug_logs_of_a_crawl_mask_the_token(replay, sqlite_store):
    replay.add("/kahve.xml", Reply(500, "down"))
    settings = make_settings(
        f"sources:\n  rss:\n    feeds: ['{replay.url}/kahve.xml?token=${{FEED_TOKEN}}']\n"
        "    backoff: 10ms\n    retries: 0\n",
        env={"FEED_TOKEN": TOKEN},
    )
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    root = logging.getLogger()
    root.addHandler(handler)
    level, root.level = root.level, logging.DEBUG
    try:
        mask(secrets_of(settings))
        runtime = runtime_for(settings, sqlite_store)
        run(collect(runtime, settings.source("rss")))
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        mask(())
    # Scrapy logs each request at DEBUG, with its full URL.
    assert "/kahve.xml?token=" in lines.getvalue()
    assert "fd8-Gizli" not in lines.getvalue()


def test_a_secret_is_masked_in_every_spelling():
    redact = Redactor([TOKEN, "abc"])
    text = f"{TOKEN} fd8-Gizli%2Btoken%2F9 fd8-Gizli%2Btoken/9 {json.dumps(TOKEN)} abc"
    assert redact(text) == f'{MASK} {MASK} {MASK} "{MASK}" abc'  # 'abc': too short to mask
