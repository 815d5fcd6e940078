"""The command line, as a user runs it."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.replay import Reply
from monitor.store import Store
from tests.alerts.conftest import certificate, smtp_factory  # noqa: F401 (fixtures)
from tests.helpers import (
    BASE_SETTINGS,
    burst,
    email_channel,
    fixture_text,
    kulak,
    quiet_days,
    write_settings,
)


def test_init_writes_a_starter_that_check_accepts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert runner.invoke(main, ["init"]).exit_code == 1  # never overwrites silently
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SMTP_PASSWORD": "pw"}
    result = runner.invoke(main, ["check"], env=env)
    assert result.exit_code == 0, result.output
    assert "Source hackernews (hackernews): enabled, every 10m" in result.output
    assert "xoxb-test" not in result.output


def test_check_lists_every_problem_and_exits_2(tmp_path):
    path = write_settings(tmp_path, "sources:\n  hackernews: {interval: often}\n")
    path.write_text(path.read_text().replace("keywords: [Demlik Cafe, Demlik]", "keywords: []"))

    result = CliRunner().invoke(main, ["check", "--config", str(path)])

    assert result.exit_code == 2
    assert "targets[1].keywords (line 11): must not be empty" in result.output
    assert "sources.hackernews.interval (line 17): bad duration 'often'" in result.output
    assert "Traceback" not in result.output


def test_settings_saved_in_a_turkish_windows_code_page_are_refused_naming_the_line(tmp_path):
    path = write_settings(tmp_path, "")
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1254", errors="replace"))  # ğ is one byte there, 0xF0
    line = text[: text.index("Durağı")].count("\n") + 1

    result = CliRunner().invoke(main, ["check", "--config", str(path)])

    assert result.exit_code == 2
    assert f"line {line}: not UTF-8 text (invalid continuation byte): save it as UTF-8" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_settings_saved_with_a_byte_order_mark_are_read(tmp_path):
    path = write_settings(tmp_path, "sources:\n  hackernews: {}\n")
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-8-sig"))

    result = CliRunner().invoke(main, ["check", "--config", str(path)])

    assert result.exit_code == 0, result.output
    assert "Source hackernews (hackernews): enabled" in result.output


def test_missing_settings_file_says_how_to_start(tmp_path):
    result = CliRunner().invoke(main, ["check", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "run `kulak init`" in result.output


def test_sources_lists_options_and_readiness(tmp_path):
    path = write_settings(tmp_path, "sources:\n  hackernews: {}\n")
    result = CliRunner().invoke(main, ["sources", "--config", str(path)])
    assert result.exit_code == 0
    assert "hackernews" in result.output and "[ready]" in result.output
    assert "hits_per_page" in result.output


def test_sources_shows_list_defaults_as_settings_write_them(tmp_path):
    path = write_settings(tmp_path, "sources:\n  hackernews: {}\n")
    result = CliRunner().invoke(main, ["sources", "--config", str(path)])
    assert "whose reviews are read (default ['tr', 'gr', 'us'])" in result.output
    assert "{'hl': 'el', 'gl': 'GR', 'ceid': 'GR:el'}" in result.output
    assert "queries: Search terms" in result.output and "(default: none)" in result.output


def test_collect_then_export(tmp_path, replay):
    page = json.loads(fixture_text("hackernews", "page0.json"))
    replay.add("/api/v1/search_by_date", Reply(200, {**page, "nbPages": 1}))
    settings = write_settings(
        tmp_path,
        f"sources:\n  hackernews:\n    base_url: {replay.url}\n    queries: [Kahve Durağı]\n",
    )

    collected = kulak("collect", "--once", "--config", str(settings), cwd=tmp_path)

    assert collected.returncode == 0, collected.stderr
    assert "hackernews: 3 new posts, 1 requests" in collected.stdout
    assert (tmp_path / "kulak.sqlite3").exists()  # relative to the settings file

    exported = kulak("export", "--config", str(settings), cwd=tmp_path)
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert {r["external_id"] for r in rows} == {"41000010", "41000002", "41000011"}
    complaint = next(r for r in rows if r["external_id"] == "41000010")
    assert complaint["targets"][0]["target"] == "Kahve Durağı"

    as_csv = kulak("export", "--format", "csv", "--config", str(settings), cwd=tmp_path)
    assert as_csv.stdout.splitlines()[0].startswith("source,external_id,url,created_at")


def test_collect_and_status_show_the_items_skipped_with_an_example(tmp_path, replay):
    page = json.loads(fixture_text("hackernews", "page0.json"))
    del page["hits"][0]["created_at_i"]  # a hit in a shape the parser cannot read
    replay.add("/api/v1/search_by_date", Reply(200, {**page, "nbPages": 1}))
    settings = write_settings(
        tmp_path,
        f"sources:\n  hackernews:\n    base_url: {replay.url}\n    queries: [Kahve Durağı]\n",
    )

    collected = kulak("collect", "--once", "--config", str(settings), cwd=tmp_path)
    status = kulak("status", "--config", str(settings), cwd=tmp_path)

    assert collected.returncode == 0, collected.stderr
    assert "hackernews: 2 new posts, 1 requests, 1 of 3 items skipped (KeyError: " in (
        collected.stdout
    )
    assert "hackernews: 1 of 3 items skipped in its last run, e.g. KeyError: 'created_at_i'" in (
        " ".join(status.stdout.split())
    )


def test_collect_reports_a_failing_source_and_exits_1(tmp_path, replay):
    replay.add("/api/v1/search_by_date", Reply(401, {"message": "Invalid credentials"}))
    settings = write_settings(
        tmp_path, f"sources:\n  hackernews:\n    base_url: {replay.url}\n    queries: [x]\n"
    )
    result = kulak("collect", "--once", "--config", str(settings), cwd=tmp_path)
    assert result.returncode == 1
    assert "auth_failed: HTTP 401: Invalid credentials" in result.stdout


def test_collect_says_how_many_polls_were_not_modified(tmp_path, replay):
    body = fixture_text("rss", "blog.xml").encode()
    replay.add("/feed/", Reply(200, body, {"ETag": '"v1"'}), Reply(304, b""))
    settings = write_settings(
        tmp_path, f"sources:\n  rss:\n    base_url: {replay.url}\n    feeds: [/feed/]\n"
    )

    first = kulak("collect", "--once", "--config", str(settings), cwd=tmp_path)
    second = kulak("collect", "--once", "--config", str(settings), cwd=tmp_path)

    assert "rss: 4 new posts, 1 requests\n" in first.stdout, first.stderr
    assert "rss: 0 new posts, 1 requests (1 not modified)" in second.stdout, second.stderr
    assert replay.seen("/feed/")[1].headers["if-none-match"] == '"v1"'


def test_demo_runs_offline_and_summarises(tmp_path):
    result = kulak("demo", "--folder", str(tmp_path / "demo"), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Collected hackernews:" in result.stdout
    assert "Most negative posts" in result.stdout
    assert (tmp_path / "demo" / "kulak-demo.sqlite3").exists()
    assert f"Daily digest (HTML): {tmp_path / 'demo' / 'digest.html'}" in result.stdout
    assert f"Slack messages (JSON): {tmp_path / 'demo' / 'slack-messages.json'}" in result.stdout
    assert "SPIKE · Negative spike for Kahve Durağı" in result.stdout


def test_detect_series_prints_the_row_of_each_alert(tmp_path):
    rows = ["timestamp,value"]
    for hour in range(24 * 8):
        day, hh = divmod(hour, 24)
        value = 300 if hour == 24 * 6 + 10 else 5 + (hour % 3)
        rows.append(f"2026-03-{day + 1:02d} {hh:02d}:00:00,{value}")
    csv_file = tmp_path / "series.csv"
    csv_file.write_text("\n".join(rows) + "\n")

    result = CliRunner().invoke(main, ["detect-series", str(csv_file)])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["2026-03-07 10:00:00"]

    strict = CliRunner().invoke(main, ["detect-series", "--min-count", "1000", str(csv_file)])
    assert strict.output == ""

    impossible = CliRunner().invoke(main, ["detect-series", "--min-count", "-1", str(csv_file)])
    assert impossible.exit_code == 2
    assert "Invalid value for '--min-count': -1.0 is not in the range x>=0." in impossible.output


def test_detect_series_marks_a_lasting_rise_as_a_new_level(tmp_path):
    rows = ["timestamp,value"]
    start = datetime(2026, 3, 2)
    for hour in range(24 * 28):
        usual = (2, 3, 1, 2, 4, 2, 1, 3)[hour % 8]
        value = usual * (2 if hour >= 24 * 19 else 1)  # a new source from 2026-03-21
        rows.append(f"{start + timedelta(hours=hour + 1):%Y-%m-%d %H:%M:%S},{value}")
    csv_file = tmp_path / "series.csv"
    csv_file.write_text("\n".join(rows) + "\n")

    result = CliRunner().invoke(main, ["detect-series", str(csv_file)])

    # noiseless counts that double are a spike at once, then said to be a new level
    assert result.output.splitlines() == ["2026-03-21 05:00:00", "2026-03-21 19:00:00 new level"]

    # told that a source was added, as kulak tells the live detector, it pages for nothing
    told = ["detect-series", "--source-added", "2026-03-21T00:30=mastodon", str(csv_file)]
    result = CliRunner().invoke(main, told)
    assert result.output.splitlines() == ["2026-03-21 00:30:00 source added: mastodon"]

    aware = ["detect-series", "--source-added", "2026-03-21T00:30+03:00", str(csv_file)]
    result = CliRunner().invoke(main, aware)
    assert result.exit_code == 2
    assert "the series' times are without a UTC offset" in result.output


def test_detect_series_names_the_bad_line(tmp_path):
    csv_file = tmp_path / "series.csv"
    csv_file.write_text("timestamp,value\n2026-03-01 00:00:00,4\n2026-03-01 01:00:00,many\n")
    result = CliRunner().invoke(main, ["detect-series", str(csv_file)])
    assert result.exit_code == 2
    assert "series.csv:3" in result.output


def queue_sample_alert(settings_path: Path) -> None:
    from datetime import UTC, datetime

    from monitor.alert import Alert, AlertPost
    from monitor.outbox import queue
    from monitor.registry import database_url, load
    from monitor.store import Store

    settings = load(settings_path)
    store = Store.open(database_url(settings))
    post = AlertPost("hackernews", "1", "https://news.ycombinator.com/item?id=1", "Demlik Cafe <b>")
    alert = Alert(
        key="opportunity:Demlik:hackernews:1",
        kind="opportunity",
        title="A Demlik customer asks for an alternative",
        summary="Unanswered for 3 h",
        created_at=datetime.now(UTC),
        target="Demlik",
        target_kind="competitor",
        posts=(post,),
    )
    assert queue(store, settings, [alert, alert]) == [alert]
    store.close()


def test_backtest_counts_then_detect_queues_once(tmp_path):
    path = write_settings(tmp_path, "")  # the store: kulak.sqlite3 beside the settings
    last_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    store = Store.open(f"sqlite:///{tmp_path / 'kulak.sqlite3'}")
    store.save(quiet_days(last_hour - timedelta(days=5), 5) + burst(last_hour, 30, first_id=9000))
    runner = CliRunner()

    counted = runner.invoke(main, ["backtest", "--since", "30d", "--list", "--config", str(path)])
    assert counted.exit_code == 0, counted.output
    assert "spike: 1 alert\n" in counted.output
    assert f"  {last_hour + timedelta(hours=1):%Y-%m-%d %H:%M} Negative spike for" in counted.output
    assert store.alerts() == []

    first = runner.invoke(main, ["detect", "--once", "--config", str(path)])
    again = runner.invoke(main, ["detect", "--once", "--config", str(path)])
    assert "spike: Negative spike for Kahve Durağı" in first.output
    assert first.output.endswith("1 new alert queued.\n")
    assert again.output == "0 new alerts queued.\n"
    assert len(store.alerts()) == 1


def test_deliver_sends_queued_alerts_once(tmp_path):
    out = tmp_path / "alerts.jsonl"
    settings = write_settings(tmp_path, f"channels:\n  file:\n    type: jsonl\n    path: {out}\n")
    queue_sample_alert(settings)

    first = CliRunner().invoke(main, ["deliver", "--once", "--config", str(settings)])
    second = CliRunner().invoke(main, ["deliver", "--once", "--config", str(settings)])

    assert first.exit_code == 0 and "file: 1 sent" in first.output
    assert "file: 0 sent" in second.output
    (line,) = out.read_text().splitlines()
    assert json.loads(line)["key"] == "opportunity:Demlik:hackernews:1"


@pytest.mark.parametrize(
    "command",
    [
        ["init", "{missing}/settings.yaml"],
        ["export", "-o", "{missing}/posts.csv", "--config", "{settings}"],
        ["digest", "--preview", "{missing}/digest.html", "--config", "{settings}"],
        ["demo", "--folder", "{file}/demo"],
    ],
    ids=lambda command: command[0],
)
def test_writing_where_no_folder_can_be_says_the_path_not_a_traceback(tmp_path, command):
    settings = write_settings(tmp_path, "")
    (tmp_path / "file").write_text("a file, not a folder\n", encoding="utf-8")
    names = {
        "missing": tmp_path / "no-such-folder",
        "settings": settings,
        "file": tmp_path / "file",
    }
    args = [part.format(**names) for part in command]

    result = kulak(*args, cwd=tmp_path)  # a process of its own: the demo stops the reactor

    assert result.returncode == 1
    assert f"Could not open file '{tmp_path}/" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "no-such-folder").exists()


def test_digest_preview_writes_html(tmp_path):
    settings = write_settings(tmp_path, "")
    queue_sample_alert(settings)
    page = tmp_path / "digest.html"

    result = CliRunner().invoke(main, ["digest", "--preview", str(page), "--config", str(settings)])

    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "Kahve Durağı" in html and "<html" in html.lower()
    none = CliRunner().invoke(main, ["digest", "--config", str(settings)])
    assert none.exit_code == 2 and "--preview FILE.html or --send" in none.output


@pytest.mark.parametrize(
    ("day", "said"),
    [("9999-12-31", "9999-12-31 has not begun yet ("), ("0001-01-01", "is before any post")],
)
def test_a_digest_of_a_day_not_begun_or_before_any_post_is_refused(tmp_path, day, said):
    settings = write_settings(tmp_path, "")
    page = tmp_path / "digest.html"

    result = CliRunner().invoke(
        main, ["digest", "--preview", str(page), "--day", day, "--config", str(settings)]
    )

    assert result.exit_code == 2
    assert "Invalid value for --day" in result.output and said in result.output
    assert not page.exists()


def test_digest_send_records_it_so_the_service_does_not_send_it_again(
    tmp_path,
    smtp_factory,  # noqa: F811
):
    from monitor.registry import channels, database_url, load
    from monitor.service import Service

    smtp = smtp_factory()
    settings = write_settings(
        tmp_path,
        email_channel(smtp.port)
        + f"""  file:
    type: jsonl
    path: {tmp_path / "alerts.jsonl"}
""",
    )
    loaded = load(settings)
    store = Store.open(database_url(loaded))
    day = ["--day", "2026-11-20", "--config", str(settings)]
    preview = CliRunner().invoke(main, ["digest", "--preview", str(tmp_path / "d.html"), *day])
    assert preview.exit_code == 0 and store.latest_digests() == {}  # a preview is not a send

    sent = CliRunner().invoke(main, ["digest", "--send", *day])
    assert sent.exit_code == 0 and "email: ok" in sent.output
    assert "file" not in sent.output  # a channel without digests is not asked
    noon = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)  # 12:30 in Istanbul: 20 Nov's is due
    Service(loaded, store, channels(loaded), clock=lambda: noon).send_due_digests()

    assert len(smtp.mailbox.messages) == 1
    assert store.latest_digests()["email"].status == "sent"
    store.close()


def test_score_reads_lines_and_writes_json_lines(tmp_path):
    lines = [
        "Turkcell'den vazgeçtim, çekim berbat",
        "The new app is great, thanks!",
        "",
        "Der Kundendienst hat mir heute sehr schnell geholfen, danke",
    ]
    result = kulak("score", cwd=tmp_path, input="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["lang"], a["label"]) for a in answers] == [
        ("tr", "neg"),
        ("en", "pos"),
        ("und", "neu"),
        ("de", "unscored"),
    ]
    assert answers[0]["intents"] == ["complaint", "switching"]
    assert -1 <= answers[0]["compound"] < 0 and answers[3]["compound"] is None


def test_score_with_a_language_given_skips_detection():
    result = CliRunner().invoke(main, ["score", "--lang", "el"], input="Απαράδεκτη τράπεζα\n")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["lang"], answer["label"], answer["intents"]) == ("el", "neg", ["complaint"])
    assert answer["compound"] < -0.05


def test_score_names_a_line_that_is_not_utf8_and_still_answers_it():
    stdin = "Harika bir gün\n".encode() + b"caf\xe9 au lait\n" + "Berbat bir gün\n".encode()
    result = CliRunner().invoke(main, ["score", "--lang", "tr"], input=stdin)
    assert result.exit_code == 0, result.output
    assert "line 2: not UTF-8" in result.stderr
    labels = [json.loads(line)["label"] for line in result.stdout.splitlines()]
    assert labels == ["pos", "neu", "neg"]


def test_status_check_fails_while_nothing_serves_or_a_source_keeps_failing(tmp_path):
    from spiders.items import SourceProblem

    path = write_settings(tmp_path, "sources:\n  hackernews: {}\n")
    store = Store.open(f"sqlite:///{tmp_path / 'kulak.sqlite3'}")
    down = SourceProblem("unreachable", "HTTP 503", url="https://hn.test/")
    for _ in range(3):
        store.record_run("hackernews", problems=[down], requests=1, new_posts=0)

    stopped = kulak("status", "--check", "--config", str(path), cwd=tmp_path)

    assert stopped.returncode == 1
    assert "kulak run: not running" in stopped.stdout
    assert "problem: no `kulak run` is serving this database" in stopped.stderr
    assert "problem: source hackernews: 3 failed runs in a row, the last unreachable" in (
        stopped.stderr
    )

    store.record_run("hackernews", problems=[], requests=1, new_posts=2)
    with store.run_lock():  # as `kulak run` holds it
        serving = kulak("status", "--check", "--config", str(path), cwd=tmp_path)
    store.close()

    assert serving.returncode == 0, serving.stderr
    assert "kulak run: serving" in serving.stdout and "problem" not in serving.stderr


def test_check_refuses_a_webhook_url_without_a_scheme_and_never_prints_it(tmp_path):
    settings = write_settings(tmp_path, "channels:\n  slack:\n    webhook_url: ${SLACK_WEBHOOK}\n")
    webhook = "hooks.slack.test/services/T0KAHVE/B0KAHVE/Xy9secretpart"
    result = kulak("check", "--config", str(settings), cwd=tmp_path, env={"SLACK_WEBHOOK": webhook})
    assert result.returncode == 2
    assert "channels.slack.webhook_url (line 18): is not a URL: it must start with https://" in (
        result.stderr
    )
    assert "Xy9secretpart" not in result.stdout + result.stderr


def test_a_database_error_never_prints_a_value_from_the_environment(tmp_path):
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        BASE_SETTINGS.replace(
            "kulak:\n", "kulak:\n  database: sqlite:////nowhere/${DB_FOLDER}/kulak.sqlite3\n"
        ),
        encoding="utf-8",
    )
    env = {"DB_FOLDER": "kahve-gizli-9"}
    for command in ("check", "status"):
        result = kulak(command, "--config", str(settings), cwd=tmp_path, env=env)
        assert result.returncode == 1
        assert "/nowhere/***" in result.stderr and "kahve-gizli" not in result.stderr
