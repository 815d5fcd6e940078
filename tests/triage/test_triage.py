"""Claiming, answering and setting aside an alert, as a team does, on a real store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from monitor.triage import act, correct_sentiment, team_response
from tests.alerts.conftest import NOW, OPPORTUNITY, RISK

TZ = "Europe/Istanbul"  # NOW is 12:30 there


def at(minutes: int):
    return NOW + timedelta(minutes=minutes)


def test_one_person_holds_an_alert_and_others_are_told_who(store):
    store.add_alert(OPPORTUNITY, [])

    taken = act(store, OPPORTUNITY, "claim", "Ayşe", at(3), TZ)
    again = act(store, OPPORTUNITY, "claim", "Ayşe", at(4), TZ)  # Slack retried the press
    other = act(store, OPPORTUNITY, "claim", "Mehmet", at(5), TZ)

    assert (taken.changed, taken.words) == (True, "Ayşe took it at 12:33")
    assert (again.changed, again.words) == (False, "Ayşe has it since 12:33")
    assert (other.changed, other.words) == (False, "Ayşe has it since 12:33")
    (row,) = store.triage_rows([OPPORTUNITY.key]).values()
    assert (row.state, row.claimed_by, row.claimed_at) == ("claimed", "Ayşe", at(3))


def test_a_reply_closes_it_once_and_counts_as_claimed(store):
    store.add_alert(RISK, [])

    replied = act(store, RISK, "replied", "Mehmet", at(20), TZ)
    twice = act(store, RISK, "replied", "Ayşe", at(21), TZ)
    dropped = act(store, RISK, "not_relevant", "Ayşe", at(22), TZ)

    assert replied.words == "Mehmet replied at 12:50" and replied.changed
    assert not twice.changed and twice.words == "Mehmet replied at 12:50"
    assert not dropped.changed
    (row,) = store.triage_rows([RISK.key]).values()
    assert (row.state, row.claimed_by, row.closed_by) == ("replied", "Mehmet", "Mehmet")


def test_an_unknown_action_is_refused_by_name(store):
    with pytest.raises(ValueError, match="unknown action 'escalate'"):
        act(store, RISK, "escalate", "Ayşe", NOW, TZ)


def test_the_teams_response_time_on_the_leads_it_was_given(store):
    late = replace(OPPORTUNITY, key="opportunity:hackernews:2", created_at=at(60))
    ignored = replace(OPPORTUNITY, key="opportunity:hackernews:3", created_at=at(90))
    for alert in (RISK, OPPORTUNITY, late, ignored):
        store.add_alert(alert, [])
    act(store, RISK, "claim", "Ayşe", at(10), TZ)
    act(store, RISK, "replied", "Ayşe", at(40), TZ)
    act(store, OPPORTUNITY, "replied", "Mehmet", at(20), TZ)  # claimed and replied at once
    act(store, late, "not_relevant", "Mehmet", at(70), TZ)

    team = team_response(store, NOW - timedelta(days=1), NOW + timedelta(days=1))

    assert (team.raised, team.claimed, team.replied, team.set_aside) == (4, 3, 2, 1)
    assert team.median_to_claim == 10  # minutes: 10, 20, 10
    assert team.median_to_reply == 30  # 40 and 20
    assert team.replied_share == 0.5


def test_a_sentiment_correction_keeps_the_latest_word(store):
    correct_sentiment(store, OPPORTUNITY, "neu", "Ayşe", at(1))
    correct_sentiment(store, OPPORTUNITY, "pos", "Mehmet", at(2))

    (label,) = store.iter_labels()
    assert (label.label, label.who, label.target) == ("pos", "Mehmet", OPPORTUNITY.target)
    assert label.text == OPPORTUNITY.posts[0].text and label.at == at(2)
    with pytest.raises(ValueError, match="unknown label 'meh'"):
        correct_sentiment(store, OPPORTUNITY, "meh", "Ayşe", at(3))


def test_the_digest_and_status_show_the_teams_response_time(store):
    from alerts.render import digest_text
    from monitor.digest import build_digest
    from monitor.status import gather
    from tests.helpers import make_settings

    store.add_alert(RISK, [])
    store.add_alert(OPPORTUNITY, [])
    act(store, RISK, "claim", "Ayşe", at(10), TZ)
    act(store, RISK, "replied", "Ayşe", at(40), TZ)
    settings = make_settings()

    digest = build_digest(store, settings, NOW.date(), TZ, now=at(120))
    text = digest_text(digest)
    status = gather(store, settings, now=at(120))

    assert digest.team is not None and digest.team.replied == 1
    assert "Your team on kulak's 2 leads: 1 answered (50%), 0 set aside;" in text
    assert "median 10 min to take one, 40 min to answer." in text
    assert status.team == (
        "1 of 2 leads answered in the last 7 days (0 set aside); "
        "median 10 min to take one, 40 min to answer"
    )
