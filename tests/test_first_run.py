"""A new user's first commands: the starter file, a wrong database, what needs secrets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.alerts.conftest import certificate, smtp_factory  # noqa: F401 (fixtures)
from tests.helpers import email_channel, kulak, write_settings

UNSET = {"SLACK_BOT_TOKEN": None, "SMTP_PASSWORD": None}

SLACK_WITHOUT_TOKEN = """
channels:
  slack:
    token: ${SLACK_BOT_TOKEN}
    channel: "#brand-alerts"
sources:
  hackernews: {}
"""


def test_init_then_check_passes_with_no_secrets_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0

    result = runner.invoke(main, ["check"], env=UNSET)

    assert result.exit_code == 0, result.output
    assert "Channel slack (slack): disabled" in result.output
    assert "Channel email (email): disabled" in result.output
    assert "Channels: none enabled; alerts go to the console." in result.output
    assert f"Store: SQLite file {tmp_path / 'kulak.sqlite3'} (made on first use)" in result.output
    assert not (tmp_path / "kulak.sqlite3").exists()  # check made nothing


def test_the_starter_channels_pass_check_once_enabled_and_their_secrets_set(tmp_path):
    runner = CliRunner()
    path = tmp_path / "settings.yaml"
    runner.invoke(main, ["init", str(path)])
    path.write_text(path.read_text(encoding="utf-8").replace("    enabled: false\n", ""))
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SMTP_PASSWORD": "pw"}
    result = runner.invoke(main, ["check", "--config", str(path)], env=env)
    unset = runner.invoke(main, ["check", "--config", str(path)], env=UNSET)

    assert result.exit_code == 0, result.output
    assert "Channel slack (slack): enabled" in result.output
    assert "xoxb-test" not in result.output
    assert unset.exit_code == 2
    assert "environment variable SLACK_BOT_TOKEN is not set" in unset.output


@pytest.mark.parametrize(
    "args",
    [
        ["sources"],
        ["status"],
        ["export"],
        ["detect", "--once"],
        ["backtest"],
        ["digest", "--preview", "digest.html"],
    ],
)
def test_commands_that_send_nothing_need_no_channel_secret(tmp_path, monkeypatch, args):
    path = write_settings(tmp_path, SLACK_WITHOUT_TOKEN)
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(main, [*args, "--config", str(path)], env=UNSET)

    assert result.exit_code == 0, result.output
    assert "SLACK_BOT_TOKEN" not in result.output
    if args == ["sources"]:
        assert "hackernews — " in result.output and "[ready]" in result.output


@pytest.mark.parametrize("args", [["deliver", "--once"], ["digest", "--send"]])
def test_commands_that_send_still_need_the_secret(tmp_path, args):
    path = write_settings(tmp_path, SLACK_WITHOUT_TOKEN)

    result = CliRunner().invoke(main, [*args, "--config", str(path)], env=UNSET)

    assert result.exit_code == 2
    assert "channels.slack.token (line 19): environment variable SLACK_BOT_TOKEN" in result.output


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://nope", "kulak stores posts in SQLite or PostgreSQL, not 'mysql'"),
        ("not a url", "not a database URL: 'not a url'"),
    ],
)
def test_an_unsupported_database_url_is_a_settings_problem(tmp_path, url, says):
    path = write_settings(tmp_path, "")
    path.write_text(path.read_text().replace("kulak:\n", f"kulak:\n  database: {url}\n"))

    for command in (["check"], ["status"], ["collect", "--once"]):
        result = CliRunner().invoke(main, [*command, "--config", str(path)])
        assert result.exit_code == 2, result.output
        assert f"kulak.database (line 3): {says}" in result.output
        assert "Traceback" not in result.output


def test_a_database_that_cannot_be_reached_fails_check_and_every_command_says_why(tmp_path):
    path = write_settings(tmp_path, "")
    dead = "postgresql+psycopg://kulak:pw-secret@127.0.0.1:1/kulak"
    path.write_text(path.read_text().replace("kulak:\n", f"kulak:\n  database: {dead}\n"))

    checked = CliRunner().invoke(main, ["check", "--config", str(path)])
    status = CliRunner().invoke(main, ["status", "--config", str(path)])

    assert checked.exit_code == 1
    assert "is valid" in checked.output  # the file is; the server is not there
    assert "Store: cannot open the database postgresql+psycopg://kulak:***@127.0.0.1:1/kulak" in (
        checked.output
    )
    assert "Connection refused" in checked.output
    assert status.exit_code == 1
    assert "cannot open the database" in status.output and "kulak.database" in status.output
    for output in (checked.output, status.output):
        assert "Traceback" not in output and "pw-secret" not in output


def test_a_sqlite_folder_that_does_not_exist_fails_check(tmp_path):
    path = write_settings(tmp_path, "")
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'kulak.sqlite3'}"
    path.write_text(path.read_text().replace("kulak:\n", f"kulak:\n  database: {url}\n"))

    result = CliRunner().invoke(main, ["check", "--config", str(path)])

    assert result.exit_code == 1
    assert f"the folder {tmp_path / 'no-such-folder'} does not exist" in result.output


def test_channels_lists_each_type_its_options_and_how_it_is_configured(tmp_path):
    path = write_settings(tmp_path, SLACK_WITHOUT_TOKEN)

    result = CliRunner().invoke(main, ["channels", "--config", str(path)], env=UNSET)

    assert result.exit_code == 0, result.output
    assert "Every channel takes: enabled (default True), kinds" in result.output
    assert "slack — Slack: a bot token with chat.postMessage" in result.output
    assert "[slack: enabled]" in result.output
    assert "email — Email over SMTP" in result.output and "[not configured]" in result.output
    assert "    base_url: the Web API's address (a proxy, or a local test server)" in result.output
    assert "    digest_at: when the daily digest goes out, local time (default 08:00)" in (
        result.output
    )


def test_collect_without_network_says_one_line_per_source(tmp_path):
    refused = "http://127.0.0.1:1"  # nothing listens on port 1
    path = write_settings(
        tmp_path,
        f"""sources:
  hackernews: {{base_url: "{refused}/", backoff: 10ms, queries: [Kahve Durağı]}}
  rss: {{feeds: ["{refused}/a.xml", "{refused}/b.xml"], backoff: 10ms}}
""",
    )

    result = kulak("collect", "--once", "--config", str(path), cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr == ""  # no raw Scrapy "Gave up retrying" lines
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert lines[0].startswith("hackernews: 0 new posts, 3 requests — unreachable: ")
    assert "Connection was refused" in lines[0]
    assert lines[1].endswith("(and 1 other problem)")


def test_digest_send_twice_says_it_was_sent_and_sends_again_only_with_again(
    tmp_path,
    smtp_factory,  # noqa: F811
):
    smtp = smtp_factory()
    path = write_settings(
        tmp_path,
        email_channel(smtp.port),
    )
    send = ["digest", "--send", "--day", "2026-11-20", "--config", str(path)]

    first = CliRunner().invoke(main, send)
    second = CliRunner().invoke(main, send)
    again = CliRunner().invoke(main, [*send, "--again"])

    assert first.exit_code == 0 and "email: ok" in first.output
    assert second.exit_code == 0, second.output
    assert "email: the digest for 2026-11-20 was sent already" in second.output
    assert "+03; add --again to send it again" in second.output  # Istanbul time, zone named
    assert again.exit_code == 0 and "email: ok" in again.output
    assert len(smtp.mailbox.messages) == 2


def test_deliver_says_which_alerts_wait_for_the_digest(tmp_path, smtp_factory):  # noqa: F811
    from monitor.alert import Alert
    from monitor.outbox import queue
    from monitor.registry import database_url, load
    from monitor.store import Store

    smtp = smtp_factory()
    path = write_settings(
        tmp_path,
        email_channel(smtp.port),
    )
    settings = load(path)
    store = Store.open(database_url(settings))
    now = datetime.now(UTC)
    alerts = [
        Alert(f"{kind}:{n}", kind, f"{kind} {n}", "", now, "Demlik", "competitor")
        for n, kind in enumerate(["risk", "opportunity", "opportunity", "spike"])
    ]
    queue(store, settings, alerts)
    store.close()

    result = CliRunner().invoke(main, ["deliver", "--once", "--config", str(path)])

    assert result.exit_code == 0, result.output
    assert "email: 1 sent, 3 for the daily digest, 0 to retry, 0 failed" in result.output
    assert len(smtp.mailbox.messages) == 1


@pytest.mark.parametrize("width", [80, 120])
def test_the_console_table_keeps_one_line_per_target(width):
    from collections import Counter

    from rich.console import Console

    from monitor.cli import summary_table
    from monitor.summary import Summary, TargetSummary

    sources = Counter({f"source{n:02d}": 20 - n for n in range(12)})
    targets = [
        TargetSummary("Kahve Durağı", "brand", 87, 30, 87, sources, Counter(tr=42, en=36, el=9)),
        TargetSummary("Φρέσκο", "competitor", 48, 9, 40, sources, Counter(en=21, tr=16, el=11)),
    ]
    console = Console(width=width, record=True)

    console.print(summary_table(Summary(135, targets, []), width))

    lines = console.export_text().splitlines()
    assert all(len(line) <= width for line in lines)
    rows = [line for line in lines if line.startswith(("Kahve", "Φρέσκο"))]
    assert len(rows) == 2 and len(lines) == 5  # title, header, rule, one line per target
    assert "Kahve Durağı  brand" in rows[0] and " 34% " in rows[0]
    assert "22% of 40" in rows[1]  # scored fewer than mentioned
    if width == 120:
        assert rows[0].rstrip().endswith("source00 20, source01 19, source02 18 +9 more")
    else:
        assert rows[0].rstrip().endswith("12 sources")
