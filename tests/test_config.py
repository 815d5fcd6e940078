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


def test_a_key_written_twice_is_refused_naming_both_lines():
    text = BASE_SETTINGS + "sources:\n  hackernews:\n    interval: 5m\n    interval: 1h\n"
    assert problems_of(text) == [
        "sources.hackernews.interval (lines 18 and 19): written twice; YAML would keep only "
        "the second, so keep one"
    ]


def test_zero_and_negative_intervals_say_they_must_be_positive():
    zero = problems_of(BASE_SETTINGS + "sources:\n  hackernews:\n    interval: 0s\n")
    assert zero == ["sources.hackernews.interval (line 18): must be positive (e.g. 15m), not zero"]
    (negative,) = problems_of(BASE_SETTINGS + "sources:\n  hackernews:\n    interval: -5m\n")
    assert negative == (
        "sources.hackernews.interval (line 18): '-5m' is negative: a duration must be "
        "positive (e.g. 15m)"
    )
    (seconds,) = problems_of(BASE_SETTINGS + "sources:\n  hackernews:\n    timeout: -30\n")
    assert "-30 is negative: a duration must be positive" in seconds


def alias_bomb(levels: int, width: int) -> str:
    """Each level lists the one below `width` times: width**levels values from a few lines."""
    lines = ["bomb0: &l0 [lol]"]
    for level in range(1, levels):
        lines.append(f"bomb{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + f"\n  # {width}**{levels}\n"


def test_an_alias_bomb_is_refused_before_it_expands():
    # 8**7 = 2 million values: reading it took seconds and hundreds of MiB.
    (problem,) = problems_of(BASE_SETTINGS + alias_bomb(7, 8))
    assert "aliases (*name) expand to" in problem and "more than the 100,000" in problem
    # The 1 KB "billion laughs" (9**9): refused as fast, without expanding anything.
    bomb = alias_bomb(10, 9)
    assert len(bomb) < 1024
    (problem,) = problems_of(BASE_SETTINGS + bomb)
    counted = int(problem.split("expand to ")[1].split(" values")[0].replace(",", ""))
    assert counted > 9**9


def test_aliases_of_a_normal_size_still_work():
    text = BASE_SETTINGS + (
        "defaults: &often {interval: 5m, jitter: 0s}\n"
        "sources:\n  hackernews: *often\n  googlenews: {<<: *often, queries: [Demlik]}\n"
    ).replace("defaults:", "x-defaults:")
    # An unknown top-level key is still an error; aliases themselves are fine.
    assert [p.split(":")[0] for p in problems_of(text)] == ["x-defaults (line 16)"]


def test_an_alias_that_holds_itself_is_refused():
    (problem,) = problems_of(BASE_SETTINGS + "loop: &me [*me]\n")
    assert "refers to a value holding it" in problem


def test_an_empty_variable_is_not_set():
    text = BASE_SETTINGS.replace("kulak:\n", "kulak:\n  database: sqlite:///${DB_PATH}\n")
    assert problems_of(text, env={"DB_PATH": ""}) == [
        "kulak.database (line 3): environment variable DB_PATH is empty (empty is not set)"
    ]
    assert problems_of(text, env={"DB_PATH": "  "})[0].endswith(
        "DB_PATH is empty (empty is not set)"
    )


def test_an_empty_slack_token_is_refused_literal_or_from_the_environment():
    slack = "channels:\n  slack:\n    token: {token}\n    channel: '#alerts'\n"
    (literal,) = problems_of(BASE_SETTINGS + slack.format(token='""'))
    assert literal.startswith("channels.slack.token (line 18): is empty: set it")
    (empty,) = problems_of(BASE_SETTINGS + slack.format(token="${SLACK}"), env={"SLACK": ""})
    assert (
        empty
        == "channels.slack.token (line 18): environment variable SLACK is empty (empty is not set)"
    )


def test_a_webhook_url_without_a_scheme_is_refused_without_showing_it():
    webhook = "hooks.slack.test/services/T0/B0/Xy9secretpart"
    text = BASE_SETTINGS + "channels:\n  slack:\n    webhook_url: ${SLACK_WEBHOOK}\n"
    (problem,) = problems_of(text, env={"SLACK_WEBHOOK": webhook})
    assert problem.startswith(
        "channels.slack.webhook_url (line 18): is not a URL: it must start with https://"
    )
    assert "secretpart" not in problem
    literal = BASE_SETTINGS + f"channels:\n  slack:\n    webhook_url: {webhook}\n"
    assert "secretpart" not in problems_of(literal)[0]


def test_values_from_the_environment_are_secrets_and_never_quoted_in_a_problem():
    text = BASE_SETTINGS + "sources:\n  rss:\n    feeds: ['${FEED}']\n"
    env = {"FEED": "ftp://feeds.test/kahve.xml?token=Zq81-feed-secret"}
    (problem,) = problems_of(text, env=env)
    assert "Zq81-feed-secret" not in problem and "***" in problem
    settings = make_settings(
        "sources:\n  rss:\n    feeds: ['https://feeds.test/kahve.xml?token=${FEED_TOKEN}']\n",
        env={"FEED_TOKEN": "Zq81-feed-secret"},
    )
    assert settings.secrets == {"Zq81-feed-secret"}


def test_source_credentials_are_secret_types():
    settings = make_settings(
        "sources:\n"
        "  x: {bearer_token: '${X}'}\n"
        "  youtube: {api_key: '${YT}', videos: [abc]}\n"
        "  bluesky: {handle: kahve.test, app_password: '${BSKY}'}\n"
        "  reddit: {client_id: app, client_secret: '${RD}'}\n"
        "  mastodon: {tokens: {'https://mastodon.social': '${MT}'}}\n",
        env={
            "X": "x-bearer-1",
            "YT": "yt-key-22",
            "BSKY": "bsky-pw-3",
            "RD": "rd-sec-4",
            "MT": "mt-tok-5",
        },
    )
    shown = repr([s.options for s in settings.sources])
    for secret in ("x-bearer-1", "yt-key-22", "bsky-pw-3", "rd-sec-4", "mt-tok-5"):
        assert secret not in shown


@pytest.mark.parametrize("value", ["521w", "99999999w", "999999999999w", float("inf")])
def test_a_duration_too_long_to_add_to_a_date_is_refused_by_what_was_written(value):
    with pytest.raises(ValueError, match=r"is too long: a duration is at most 520w \(ten years\)"):
        parse_duration(value)


def test_nan_from_yaml_is_not_a_duration():
    with pytest.raises(ValueError, match=r"expected a duration like 30s, 15m, 1h or 1d, got \.nan"):
        parse_duration(float("nan"))


def test_ten_years_is_the_longest_duration():
    assert parse_duration("520w") == timedelta(weeks=520)
