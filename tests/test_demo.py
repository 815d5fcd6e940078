import json
from dataclasses import asdict
from datetime import UTC, datetime

import pytest

from monitor.demo import run_demo

# Mid-afternoon in Istanbul: every demo post of the last twelve hours falls on that day.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo"), now=NOW)


def test_demo_writes_todays_digest_with_the_complaints(demo):
    html = demo.files["Daily digest (HTML)"].read_text(encoding="utf-8")
    assert "20 Nov" in html or "2026-11-20" in html
    assert "no power outlets near the windows" in html  # the brand's top complaint
    assert "Demlik" in html and "Φρέσκο" in html


def test_the_power_cut_raises_a_negative_spike_for_the_brand(demo):
    spikes = [a for a in demo.alerts if a.kind == "spike"]

    assert [a.target for a in spikes] == ["Kahve Durağı"]
    assert spikes[0].facts["now"] >= 10 and spikes[0].posts
    # Nobody in the demo has followers: the angriest posts are quoted first.
    scores = [p.compound for p in spikes[0].posts]
    assert scores == sorted(scores)


def test_alerts_are_stored_as_their_fields_with_every_post(demo):
    kinds = {alert.kind for alert in demo.alerts}
    assert {"spike", "risk", "opportunity"} <= kinds
    for alert in demo.alerts:  # as dataclasses.asdict gives them, which it no longer uses
        expected = json.dumps(asdict(alert), default=datetime.isoformat, ensure_ascii=False)
        assert alert.to_json() == expected


def test_alerts_become_slack_messages_in_a_json_file(demo):
    messages = json.loads(demo.files["Slack messages (JSON)"].read_text(encoding="utf-8"))

    assert len(messages) == len(demo.alerts)
    header = messages[0]["blocks"][0]["text"]["text"]
    assert "Negative spike for Kahve Durağı" in header


def test_alerts_are_delivered_from_the_outbox_to_the_console(demo, capsys):
    (report,) = demo.deliver_alerts()

    assert report.channel == "console" and report.sent == len(demo.alerts)
    assert "Negative spike for Kahve Durağı" in capsys.readouterr().out
    # Delivered once: a second round finds nothing due.
    assert demo.deliver_alerts()[0].sent == 0


def test_every_demo_source_collects_posts_without_problems(demo):
    assert {"rss", "googlenews", "appstore"} <= {r.source for r in demo.reports}
    assert [(r.source, r.problems) for r in demo.reports if not r.ok or not r.new_posts] == []


# 01:50 in Istanbul: the new day has had two hours; the story is set the afternoon before.
NIGHT = datetime(2026, 11, 20, 22, 50, tzinfo=UTC)


@pytest.fixture(scope="module")
def night_demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("night"), now=NIGHT)


def test_at_night_the_demo_tells_the_afternoon_story(night_demo):
    from zoneinfo import ZoneInfo

    from alerts.render import digest_text
    from monitor.digest import build_digest

    tz = night_demo.settings.general.timezone
    assert night_demo.now.astimezone(ZoneInfo(tz)).isoformat() == "2026-11-20T17:50:00+03:00"
    html = night_demo.files["Daily digest (HTML)"].read_text(encoding="utf-8")
    assert "Friday 20 November 2026" in html and "21 November" not in html

    digest = build_digest(night_demo.store, night_demo.settings, NIGHT.date(), tz, now=NIGHT)
    for target in digest.targets:  # nobody reads "0 mentions" above their unhappy customers
        assert target.today.mentions >= 5, (target.name, target.today)
    assert {a.target for a in digest.alerts_of("opportunity")} == {"Demlik", "Φρέσκο"}
    assert len(digest.alerts_of("risk")) == 1 and len(digest.alerts_of("spike")) == 1
    (spike,) = [a for a in night_demo.alerts if a.kind == "spike"]
    assert "window: 2026-11-20 17:00–17:50" in digest_text(digest)
    assert spike.facts["now"] >= 10
