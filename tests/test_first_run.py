"""A new user's first commands: the starter file, a wrong database, what needs secrets."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.helpers import write_settings

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
