"""Text from outside (an error body, a post) is shown, never obeyed: terminal escapes in it
are printed as escapes, and a line break in it cannot forge a log line."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

from rich.console import Console

from alerts.console import render
from monitor.alert import Alert, AlertPost
from monitor.logs import TextFormatter
from monitor.printable import printable
from monitor.replay import Reply
from tests.helpers import BASE_SETTINGS, kulak

# Clears the screen, retitles the terminal, and a C1 CSI: each would act if printed raw.
HOSTILE = "down\x1b[2J\x1b]0;owned\x07 \x9b31m"
FORGED = "2026-12-06 01:00:00,000 ERROR monitor.service: all sources failed"


def test_an_escape_in_an_error_body_is_shown_not_obeyed_by_collect_and_status(tmp_path, replay):
    replay.add("/kahve.xml", Reply(503, HOSTILE + "\n" + FORGED))
    path = tmp_path / "settings.yaml"
    base = BASE_SETTINGS.replace("kulak:\n", "kulak:\n  database: sqlite:///kulak.sqlite3\n")
    path.write_text(
        base + f"sources:\n  rss:\n    feeds: ['{replay.url}/kahve.xml']\n"
        "    backoff: 10ms\n    retries: 0\n",
        encoding="utf-8",
    )
    collected = kulak("collect", "--once", "--config", str(path), cwd=tmp_path)
    status = kulak("status", "--config", str(path), cwd=tmp_path, env={"COLUMNS": "400"})
    assert "down\\x1b[2J\\x1b]0;owned\\x07" in collected.stdout
    assert "down\\x1b[2J" in status.stdout
    for output in (collected.stdout, collected.stderr, status.stdout, status.stderr):
        assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output
    lines = (collected.stdout + collected.stderr + status.stdout).splitlines()
    assert not any(line.startswith(FORGED[:10]) for line in lines)


def test_the_console_channel_prints_a_hostile_post_as_text():
    post = AlertPost(
        source="hackernews",
        external_id="1",
        url="https://news.ycombinator.com/item?id=1",
        text=f"Kahve Durağı {HOSTILE}",
        author_handle="troll\x1b[8m",
    )
    alert = Alert(
        key="risk:hackernews:1",
        kind="risk",
        title="High-reach complaint \x1b[5m",
        summary="A complaint.",
        created_at=datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
        posts=(post,),
    )
    out = io.StringIO()
    Console(file=out, width=200, highlight=False, emoji=False).print(render(alert))
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    assert "Kahve Durağı down\\x1b[2J\\x1b]0;owned\\x07" in out.getvalue()


def test_a_line_break_in_a_message_cannot_forge_a_log_line():
    formatter = TextFormatter()
    record = logging.LogRecord(
        "monitor.crawl", logging.WARNING, __file__, 1, "feed said: %s", (f"no\n{FORGED}",), None
    )
    try:
        raise RuntimeError(f"body: no\r\n{FORGED}")
    except RuntimeError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    first, *details = formatter.format(record).split("\n")
    assert first.endswith(f"WARNING monitor.crawl: feed said: no\\n{FORGED}")
    # The traceback follows, every line of it indented: no line starts like a record.
    assert details and all(line.startswith("  ") for line in details)
    assert f"  {FORGED}" in details


def test_printable_keeps_text_and_escapes_controls():
    assert printable("Φρέσκο\tKafé\n") == "Φρέσκο\tKafé\n"
    assert printable("a\nb\u2028c", one_line=True) == "a\\nb\\u2028c"
    assert printable("\u202eevil") == "\\u202eevil"
