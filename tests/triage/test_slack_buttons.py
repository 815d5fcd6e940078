"""Triage buttons on Slack, through slack-sdk's Socket Mode client talking to a local
stand-in: a press updates the store and the message, and only the workspace may press."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from alerts.slack import SlackChannel
from alerts.slack_blocks import CLAIM, RELABEL, REPLIED
from monitor.slack_triage import SlackTriage
from tests.alerts.conftest import NOW, OPPORTUNITY, RISK, SlackServer
from tests.triage.socket_mode import SocketModeServer

BOT, APP, TEAM = "xoxb-kulak-bot", "xapp-1-kulak-app", "T0KULAK"
TZ = "Europe/Istanbul"  # NOW is 12:30 there


def channel_for(slack: SlackServer, **extra) -> SlackChannel:
    options = {"token": BOT, "app_token": APP, "workspace": TEAM, "channel": "#leads"}
    return SlackChannel(SlackChannel.Options(base_url=slack.url, **options, **extra), name="slack")


@pytest.fixture
def connected(sqlite_store) -> Iterator[tuple[SlackServer, SocketModeServer, SlackTriage]]:
    with SlackServer() as slack, SocketModeServer(slack, APP) as socket_mode:
        listener = SlackTriage(sqlite_store, channel_for(slack), TZ, clock=lambda: NOW)
        listener.start()
        socket_mode.wait_connected()
        try:
            yield slack, socket_mode, listener
        finally:
            listener.close()


def press(action: dict, user: str = "ayse", team: str = TEAM) -> dict:
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "kahvecim"},
        "user": {"id": f"U{user.upper()}", "username": user, "name": user, "team_id": team},
        "container": {"type": "message", "channel_id": "C0LEADS", "message_ts": "1701.0001"},
        "actions": [{**action, "block_id": "kulak-triage", "action_ts": "1701.9"}],
    }


def button(action_id: str, key: str) -> dict:
    return {"type": "button", "action_id": action_id, "value": key}


def test_a_lead_message_carries_the_buttons(sqlite_store):
    with SlackServer() as slack:
        message = channel_for(slack).message(OPPORTUNITY)
    (actions,) = [b for b in message["blocks"] if b["type"] == "actions" and b.get("block_id")]
    assert [e["action_id"] for e in actions["elements"]] == [
        "kulak:claim",
        "kulak:replied",
        "kulak:not_relevant",
        "kulak:relabel",
    ]
    assert actions["elements"][0]["value"] == OPPORTUNITY.key
    assert len(message["blocks"]) <= 50


def test_taking_a_lead_updates_the_store_and_the_message(connected, sqlite_store):
    slack, socket_mode, _ = connected
    sqlite_store.add_alert(OPPORTUNITY, [])

    envelope = socket_mode.press(press(button(CLAIM, OPPORTUNITY.key)))
    (update,) = slack.wait_for("/chat.update")

    (row,) = sqlite_store.triage_rows([OPPORTUNITY.key]).values()
    assert (row.state, row.claimed_by) == ("claimed", "ayse")
    assert update.headers["Authorization"] == f"Bearer {BOT}"
    assert (update.body["channel"], update.body["ts"]) == ("C0LEADS", "1701.0001")
    assert "ayse took it at 12:30" in json.dumps(update.body["blocks"], ensure_ascii=False)

    # Slack delivers the same press again: nothing changes, nothing is updated twice.
    socket_mode.press(press(button(CLAIM, OPPORTUNITY.key)), envelope_id=envelope)
    socket_mode.press(press(button(CLAIM, OPPORTUNITY.key), user="mehmet"))
    told = slack.wait_for("/chat.postEphemeral", 2)
    assert [t.body["text"] for t in told] == ["ayse has it since 12:30"] * 2
    assert {t.body["user"] for t in told} == {"UAYSE", "UMEHMET"}
    assert len([r for r in slack.received if r.path == "/chat.update"]) == 1


def test_replied_and_a_sentiment_correction_from_slack(connected, sqlite_store):
    slack, socket_mode, _ = connected
    sqlite_store.add_alert(RISK, [])

    socket_mode.press(press(button(REPLIED, RISK.key), user="mehmet"))
    relabel = {
        "type": "static_select",
        "action_id": RELABEL,
        "selected_option": {"value": f"neu|{RISK.key}"},
    }
    socket_mode.press(press(relabel, user="mehmet"))
    slack.wait_for("/chat.update")
    (told,) = slack.wait_for("/chat.postEphemeral")

    (row,) = sqlite_store.triage_rows([RISK.key]).values()
    assert (row.state, row.closed_by) == ("replied", "mehmet")
    (label,) = sqlite_store.iter_labels()
    assert (label.label, label.who, label.target) == ("neu", "mehmet", RISK.target)
    assert told.body["text"] == "mehmet says it is neutral: kulak learns from it"


def test_someone_outside_the_workspace_cannot_act(connected, sqlite_store):
    slack, socket_mode, _ = connected
    sqlite_store.add_alert(OPPORTUNITY, [])

    socket_mode.press(press(button(CLAIM, OPPORTUNITY.key), user="eve", team="T0OTHER"))
    (told,) = slack.wait_for("/chat.postEphemeral")

    assert told.body["text"] == "Only members of kulak's workspace can triage alerts."
    assert sqlite_store.triage_rows([OPPORTUNITY.key]) == {}


def test_buttons_need_the_workspace_and_a_bot_token():
    with pytest.raises(ValueError, match="need a bot token and the workspace"):
        SlackChannel.Options(token=BOT, app_token=APP, channel="#leads")
