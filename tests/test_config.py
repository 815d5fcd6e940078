"""Bad settings get one clear message naming the key path and the line."""

from datetime import timedelta

import pytest

from monitor.config import ConfigError, parse_duration
from tests.helpers import BASE_SETTINGS, make_settings


def problems_of(text: str, env: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        make_settings(base=text, env=env)
    return caught.value.problems


def test_the_test_settings_are_valid():
    settings = make_settings("sources:\n  hackernews: {interval: 5m}\n")
    assert [t.name for t in settings.targets] == ["Kahve Durağı", "Demlik", "Φρέσκο"]
    (source,) = settings.sources
    assert source.type == "hackernews" and source.schedule.interval == timedelta(minutes=5)
    assert source.options.base_url == "https://hn.algolia.com"


def test_empty_keyword_list_names_the_target_and_line():
    text = BASE_SETTINGS.replace("keywords: [Demlik Cafe, Demlik]", "keywords: []")
    assert problems_of(text) == ["targets[1].keywords (line 11): must not be empty"]


def test_unknown_key_is_a_typo():
    text = BASE_SETTINGS.replace("kind: brand", "kind: brand\n    keyword: [oops]")
    assert problems_of(text) == [
        "targets[0].keyword (line 7): unknown key (check its spelling, or see the README "
        "for valid keys)"
    ]


def test_wrong_type_and_bad_kind():
    text = BASE_SETTINGS.replace("kind: competitor", "kind: rival", 1)
    (problem,) = problems_of(text)
    assert problem.startswith("targets[1].kind (line 10): Input should be 'brand' or 'competitor'")


def test_bad_duration_in_a_source():
    problems = problems_of(BASE_SETTINGS + "sources:\n  hackernews:\n    interval: soon\n")
    assert problems == [
        "sources.hackernews.interval (line 18): bad duration 'soon': use a number with "
        "s, m, h, d or w (e.g. 15m)"
    ]


def test_unknown_source_option_and_type():
    text = BASE_SETTINGS + "sources:\n  hackernews:\n    hits: 5\n  myspace: {}\n"
    problems = problems_of(text)
    assert problems[0].startswith("sources.hackernews.hits (line 18): unknown key")
    assert problems[1].startswith("sources.myspace.type (line 19): unknown source type 'myspace'")


def test_missing_secret_of_an_enabled_channel():
    text = BASE_SETTINGS + (
        "channels:\n"
        "  slack:\n"
        "    token: ${SLACK_BOT_TOKEN}\n"
        "    channel: '#alerts'\n"
        "  old-slack:\n"
        "    type: slack\n"
        "    enabled: false\n"
        "    token: ${OLD_SLACK_TOKEN}\n"
        "    channel: '#old'\n"
    )
    assert problems_of(text) == [
        "channels.slack.token (line 18): environment variable SLACK_BOT_TOKEN is not set"
    ]
    settings = make_settings(base=text, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    slack = settings.channels[0]
    assert slack.options.token.get_secret_value() == "xoxb-1"
    assert "xoxb-1" not in repr(slack.options)


def test_bad_timezone_and_invalid_yaml():
    text = BASE_SETTINGS.replace("Europe/Istanbul", "Mars/Olympus")
    (problem,) = problems_of(text)
    assert problem.startswith("kulak.timezone (line 3): unknown timezone 'Mars/Olympus'")
    (problem,) = problems_of("targets: [\n")
    assert problem.startswith("not valid YAML")


def test_every_problem_is_reported_at_once():
    text = BASE_SETTINGS.replace("keywords: [Demlik Cafe, Demlik]", "keywords: []").replace(
        "kind: brand", "kind: brand\n    colour: red"
    )
    assert len(problems_of(text)) == 2


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("1h30m", 5400), ("2d", 172800), ("250ms", 0.25), (30, 30)],
)
def test_durations(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


def test_the_shipped_settings_file_is_valid(tmp_path):
    from pathlib import Path

    from monitor.registry import load

    shipped = Path(__file__).parents[1] / "settings.yaml"
    settings = load(shipped, env={"SLACK_BOT_TOKEN": "xoxb-test", "SMTP_PASSWORD": "secret"})
    assert {t.kind for t in settings.targets} == {"brand", "competitor"}
    assert {c.type for c in settings.channels} == {"slack", "email"}
    assert settings.sources
