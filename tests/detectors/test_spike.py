"""Live negative spikes, on posts stored through the real store: one alert per event,
explained, with the posts that drove it; re-runs and replays never raise it twice."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from alerts.render import alert_text
from alerts.slack_blocks import render
from benchmarks.spikes import poisson
from monitor import outbox
from monitor.config import ConfigError
from monitor.detect import backtest, detect_once
from monitor.i18n import language
from monitor.records import Record
from monitor.store import Store
from spiders.items import PageDone
from tests.helpers import burst, make_settings, quiet_days, record

BRAND = "Kahve Durağı"
START = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday; Istanbul is three hours ahead
HOUR = timedelta(hours=1)
SETTINGS = make_settings()


SPIKE_HOUR = START + timedelta(days=4, hours=9)  # 12:00 in Istanbul


@pytest.fixture
def history(store: Store) -> Store:
    store.save(quiet_days(START, 5))
    return store


def test_a_burst_alerts_once_with_the_posts_that_drove_it(history: Store) -> None:
    history.save(burst(SPIKE_HOUR, 25, first_id=1000))
    now = SPIKE_HOUR + HOUR + timedelta(minutes=5)

    [alert] = detect_once(history, SETTINGS, now)

    assert alert.key == "spike:Kahve Durağı:2026-11-20T09"
    assert (alert.kind, alert.target, alert.target_kind) == ("spike", BRAND, "brand")
    assert alert.title == "Negative spike for Kahve Durağı"
    assert alert.summary == (
        "Kahve Durağı: 26 negative mentions in the hour to 13:00, usually 1 at 13:00 (26x); "
        "93% of all mentions, usually 33%. The 5 most-seen negative posts of that hour are below."
    )
    assert alert.facts == {
        "now": 26,
        "baseline": 1.0,
        "factor": 26.0,
        "negative_share": 26 / 28,
        "baseline_share": pytest.approx(1 / 3),
        "window": "2026-11-20 12:00–13:00 (Europe/Istanbul)",
    }
    assert [p.author_followers for p in alert.posts] == [2400, 2300, 2200, 2100, 2000]
    assert alert.created_at == now

    assert detect_once(history, SETTINGS, now) == []
    assert detect_once(history, SETTINGS, now + 3 * HOUR) == []
    assert [a.key for a in history.alerts(kind="spike")] == [alert.key]
    assert history.delivery_counts() == {("console", "pending"): 1}


def test_an_unfinished_hour_alerts_within_minutes_and_the_full_hour_adds_nothing(
    history: Store,
) -> None:
    history.save(burst(SPIKE_HOUR, 25, first_id=1000))

    [early] = detect_once(history, SETTINGS, SPIKE_HOUR + timedelta(minutes=20))

    assert early.key == "spike:Kahve Durağı:2026-11-20T09"
    # 25 new and one usual; compared with the last full hour's usual level
    assert early.summary.startswith(
        "Kahve Durağı: 26 negative mentions in the 20 minutes to 12:20, usually 1 at 12:00 (26x)"
    )
    assert early.facts["window"] == "2026-11-20 12:00–12:20 (Europe/Istanbul)"
    assert detect_once(history, SETTINGS, SPIKE_HOUR + HOUR + timedelta(minutes=5)) == []


def test_a_burst_found_late_by_a_replay_is_held_back_by_the_cooldown(history: Store) -> None:
    history.save(burst(SPIKE_HOUR, 25, first_id=1000))
    [first] = detect_once(history, SETTINGS, SPIKE_HOUR + HOUR)
    # A source delivers an earlier burst late: a fresh replay now alerts at that hour.
    history.save(burst(SPIKE_HOUR - 2 * HOUR, 30, first_id=2000))

    assert detect_once(history, SETTINGS, SPIKE_HOUR + 2 * HOUR) == []
    assert [a.key for a in history.alerts(kind="spike")] == [first.key]


def test_the_targets_own_posts_are_not_a_spike(history: Store) -> None:
    history.save(burst(SPIKE_HOUR, 25, first_id=1000, by_target=True, author="kahveduragi"))

    assert detect_once(history, SETTINGS, SPIKE_HOUR + HOUR) == []


def test_a_new_target_warms_up_before_it_can_alert(store: Store) -> None:
    store.save(quiet_days(START, 1, target="Demlik"))
    store.save(burst(START + timedelta(hours=20), 40, first_id=1000, target="Demlik"))

    assert detect_once(store, SETTINGS, START + timedelta(hours=21)) == []


def test_options_from_settings_change_what_alerts(history: Store) -> None:
    history.save(burst(SPIKE_HOUR, 25, first_id=1000))
    strict = make_settings("detectors:\n  spike:\n    min_count: 30\n    cooldown_hours: 2\n")

    assert strict.detectors["spike"].params().cooldown_hours == 2
    assert detect_once(history, strict, SPIKE_HOUR + HOUR) == []
    assert len(detect_once(history, SETTINGS, SPIKE_HOUR + HOUR)) == 1


def problems(yaml_text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        make_settings(yaml_text)
    return raised.value.problems


def test_bad_detector_settings_name_the_key_and_line() -> None:
    assert problems("detectors:\n  spike:\n    cooldwn: 2\n  spikes: {}\n") == [
        "detectors.spikes (line 19): unknown detector 'spikes' "
        "(known: health, opportunity, risk, spike)",
        "detectors.spike.cooldwn (line 18): unknown key (check its spelling, or see the README "
        "for valid keys)",
    ]
    assert problems("detectors:\n  spike: 5\n") == [
        "detectors.spike (line 17): must be a mapping of options"
    ]
    assert problems("detectors:\n  spike:\n    factor: 0.5\n    threshold: 0\n") == [
        "detectors.spike.threshold (line 19): Input should be greater than 0",
        "detectors.spike.factor (line 18): Input should be greater than or equal to 1",
    ]
    assert problems("detectors:\n  spike:\n    cooldown_hours: .nan\n") == [
        "detectors.spike.cooldown_hours (line 18): Input should be greater than or equal to 0"
    ]
    assert problems("detectors:\n  spike:\n    warmup_days: soon\n") == [
        "detectors.spike.warmup_days (line 18): Input should be a valid number, unable to parse "
        "string as a number"
    ]


def test_backtest_counts_every_spike_in_history_and_queues_nothing(history: Store) -> None:
    history.save(burst(SPIKE_HOUR, 40, first_id=1000))
    history.save(burst(SPIKE_HOUR - timedelta(days=1), 25, first_id=2000))
    history.save(burst(SPIKE_HOUR + 3 * HOUR, 25, first_id=3000))

    found = backtest(history, SETTINGS, since=START, now=START + timedelta(days=5))

    # a day apart, the second bigger: two events; the third, three hours later, is neither
    # bigger nor out of the cooldown
    assert [a.key for a in found["spike"]] == [
        "spike:Kahve Durağı:2026-11-19T09",
        "spike:Kahve Durağı:2026-11-20T09",
    ]
    assert found["spike"][0].created_at == SPIKE_HOUR - timedelta(days=1) + HOUR
    assert history.alerts() == []


def test_posts_collected_late_into_a_finished_hour_still_raise_its_spike(history: Store) -> None:
    assert detect_once(history, SETTINGS, SPIKE_HOUR + HOUR + timedelta(minutes=10)) == []
    # a source catches up: the burst of the hour that has just finished arrives now
    history.save(burst(SPIKE_HOUR, 25, first_id=1000))

    [alert] = detect_once(history, SETTINGS, SPIKE_HOUR + HOUR + timedelta(minutes=20))

    assert alert.key == "spike:Kahve Durağı:2026-11-20T09"


def test_live_cycles_every_hour_raise_what_the_backtest_finds(store: Store) -> None:
    store.save(quiet_days(START, 6))
    for n, (day, hour, size) in enumerate([(3, 9, 30), (3, 11, 30), (4, 12, 45), (5, 16, 60)]):
        store.save(burst(START + timedelta(days=day, hours=hour), size, first_id=1000 * (n + 1)))
    end = START + timedelta(days=6)

    cycle = START + timedelta(days=3, minutes=30)
    while cycle < end:
        detect_once(store, SETTINGS, cycle)
        cycle += HOUR

    replayed = backtest(store, SETTINGS, since=START, now=end)["spike"]
    assert [a.key for a in store.alerts(kind="spike")] == [a.key for a in replayed]
    assert len(replayed) == 3  # 11:00 on day 3 is no bigger than 09:00, and within its cooldown


def test_a_new_source_is_said_once_as_a_new_level_and_pages_no_one(store: Store) -> None:
    rng = random.Random(4)
    step_at = START + timedelta(weeks=3)  # a new source doubles the negative mentions
    posts, n = [], 1
    for hour in range(4 * 7 * 24):
        at = START + timedelta(hours=hour, minutes=10)
        rate = (2.0 if 8 <= at.hour < 20 else 0.5) * (2 if at >= step_at else 1)
        for label in ["neg"] * poisson(rng, rate) + ["neu"]:
            posts.append(record(n, at + timedelta(minutes=n % 40), BRAND, label))
            n += 1
    store.save(posts)

    found = backtest(store, SETTINGS, since=START, now=START + timedelta(weeks=4))["spike"]

    assert [(a.severity, a.title) for a in found] == [
        ("info", "New usual level of negative mentions for Kahve Durağı")
    ]
    assert step_at < found[0].created_at < step_at + timedelta(days=3)
    assert found[0].facts["step"] is True
    assert "a new level (a newly added source, or more people talking)" in found[0].summary
    # Stored for the digest, sent to no channel (not even the console).
    assert not found[0].pages
    assert outbox.queue(store, SETTINGS, found) == found
    assert store.delivery_counts() == {}
    assert [a.key for a in store.alerts(kind="spike")] == [found[0].key]


def with_mastodon_from(
    rng: random.Random, hours: int, added: datetime
) -> tuple[list[Record], list[Record]]:
    """Hourly negative mentions of the brand on Hacker News (2 an hour by day, 0.5 by night)
    and, from `added`, on Mastodon, which brings twice as many again."""
    hackernews, mastodon = [], []
    for n, hour in enumerate(range(hours)):
        at = START + timedelta(hours=hour, minutes=10)
        rate = 2.0 if 8 <= at.hour < 20 else 0.5
        hackernews += [record(10 * n + k, at, BRAND, "neg") for k in range(poisson(rng, rate))]
        if at >= added:
            for k in range(poisson(rng, 2 * rate)):
                post = record(10 * n + k, at, BRAND, "neg")
                post.post = dataclasses.replace(post.post, source="mastodon")
                mastodon.append(post)
    return hackernews, mastodon


def test_a_source_added_is_said_as_such_and_its_level_pages_no_one(store: Store) -> None:
    added_at = START + timedelta(weeks=3)
    hackernews, mastodon = with_mastodon_from(random.Random(4), 4 * 7 * 24, added_at)
    first = [r for r in hackernews if r.post.created_at < added_at]
    # Hacker News's mentions begin with the target's: that source is no news.
    store.save(first, "hackernews", PageDone({"page": 1}), at=START)
    store.record_run("hackernews", problems=[], requests=1, new_posts=len(first), at=added_at)
    # The new source's first run: pages of its posts, as the crawl stores them.
    store.save(mastodon[:50], "mastodon", PageDone({"page": 1}), at=added_at)
    store.save(mastodon[50:], "mastodon", PageDone({"page": 2}), at=added_at)
    store.save([r for r in hackernews if r.post.created_at >= added_at])

    found = backtest(store, SETTINGS, since=START, now=START + timedelta(weeks=4))["spike"]

    assert [(a.severity, a.title, a.pages) for a in found] == [
        ("info", "New source for Kahve Durağı: mastodon", False)
    ]
    assert found[0].happened_at == added_at.replace(minute=0)
    assert found[0].facts["source"] == "mastodon"
    said = language("tr").say(found[0].phrases["title"])
    assert said == "Kahve Durağı için yeni kaynak: mastodon"
    # Said in the digest's mail and in Slack, in the reader's language.
    mail = alert_text(found[0], "Europe/Istanbul", "tr")
    assert "mastodon eklendi: Kahve Durağı bahsetmeleri artık sayılıyor" in mail
    blocks = json.dumps(render(found[0], lang=language("el")), ensure_ascii=False)
    assert "Νέα πηγή για Kahve Durağı: mastodon" in blocks


def test_a_source_that_backfills_days_is_said_once_when_first_read(store: Store) -> None:
    read_at = START + timedelta(weeks=3, hours=2, minutes=5)
    backfill = read_at - timedelta(days=3)  # its first run brings three days of posts
    old, new = with_mastodon_from(random.Random(5), 3 * 7 * 24 + 2, backfill)
    store.save(old, "hackernews", PageDone({}), at=START)

    detect_once(store, SETTINGS, read_at - timedelta(minutes=2))
    store.save(new, "mastodon", PageDone({}), at=read_at)
    for minutes in (0, 30, 60, 90):
        detect_once(store, SETTINGS, read_at + timedelta(minutes=minutes))

    spikes = store.alerts(kind="spike")
    assert [(a.title, a.pages) for a in spikes] == [
        ("New source for Kahve Durağı: mastodon", False)
    ]
    assert spikes[0].happened_at == backfill.replace(minute=0)
