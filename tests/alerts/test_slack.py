"""The Slack channel against a local server speaking the Slack Web API and webhooks."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from alerts.slack import SlackChannel, SlackOptions, preview_messages
from alerts.slack_blocks import BLOCK_LIMIT, HEADER_LIMIT, SECTION_LIMIT, escape, render
from monitor.alert import Alert
from tests.alerts.conftest import HOSTILE_POST, OPPORTUNITY, RISK, SPIKE, Reply, SlackServer

TOKEN = "xoxb-1111-2222-kulakTEST"


def bot(server: SlackServer, **options) -> SlackChannel:
    defaults = {
        "token": TOKEN,
        "channel": "#brand-alerts",
        "routes": {"opportunity": "#sales-leads"},
        "base_url": server.url + "api/",
    }
    return SlackChannel(SlackOptions.model_validate(defaults | options))


def all_text(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_posts_block_kit_message_with_bearer_token(slack_server: SlackServer) -> None:
    result = bot(slack_server).send(SPIKE)

    assert result.ok
    (request,) = slack_server.received
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    body = request.body
    assert body["channel"] == "#brand-alerts"
    assert body["unfurl_links"] is False and body["link_names"] is False
    assert body["metadata"]["event_payload"] == {"key": SPIKE.key}
    header = body["blocks"][0]
    assert header["type"] == "header"
    assert "Negative spike for Kahve Durağı" in header["text"]["text"]
    text = all_text(body)
    assert "now 37 vs usual 4.2 (×8.8)" in text  # why it fired
    assert "Ayşe K. (@ayse_k)" in text and "12.8k followers" in text  # author and reach
    assert "Kahve Durağı uygulaması yine çöktü" in text
    buttons = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0]["url"] == "https://news.ycombinator.com/item?id=41000001"
    assert "Next steps" in text


def test_routes_alerts_by_kind(slack_server: SlackServer) -> None:
    channel = bot(slack_server)
    channel.send(OPPORTUNITY)
    channel.send(RISK)
    assert [r.body["channel"] for r in slack_server.received] == ["#sales-leads", "#brand-alerts"]


def test_hostile_post_cannot_ping_link_or_run(slack_server: SlackServer) -> None:
    assert bot(slack_server).send(SPIKE).ok
    text = all_text(slack_server.received[0].body)

    assert "<!everyone>" not in text and "<!channel>" not in text and "<@U024" not in text
    assert "<https://evil.example|" not in text
    assert "&lt;https://evil.example|your invoice&gt;" in text
    assert "@channel" not in text and "@here" not in text
    assert "@\u200bchannel" in text
    assert "&lt;script&gt;" in text
    # the javascript: link of the hostile post gets no button
    urls = [
        e.get("url")
        for b in slack_server.received[0].body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert all(url.startswith("https://") for url in urls)


def test_escape_follows_slack_rules() -> None:
    assert escape("a & b <c> @here") == "a &amp; b &lt;c&gt; @\u200bhere"
    assert escape("mail@here.com") == "mail@here.com"  # not a broadcast: no word boundary


def test_long_alerts_stay_within_slack_limits() -> None:
    long_post = HOSTILE_POST.__class__(
        **{**HOSTILE_POST.__dict__, "text": "<&>" * 5000, "url": "https://x.example/1"}
    )
    alert = Alert(
        key="spike:big",
        kind="spike",
        title="T" * 400,
        summary="&" * 5000,
        created_at=SPIKE.created_at,
        posts=(long_post,) * 40,
    )
    payload = render(alert, max_posts=40)

    assert len(payload["blocks"]) <= BLOCK_LIMIT
    assert len(payload["blocks"][0]["text"]["text"]) <= HEADER_LIMIT
    for block in payload["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_LIMIT
            assert not block["text"]["text"].rstrip("…").endswith(("&", "&a", "&am", "&l"))
    assert "more posts" in all_text(payload)


def test_short_rate_limit_is_waited_out_by_slack_sdk(slack_server: SlackServer) -> None:
    slack_server.replies.append(
        Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})
    )
    assert bot(slack_server).send(SPIKE).ok
    assert len(slack_server.received) == 2


def test_long_rate_limit_goes_back_to_the_outbox(slack_server: SlackServer) -> None:
    slack_server.replies.append(
        Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})
    )
    result = bot(slack_server).send(SPIKE)
    assert (result.status, result.retry_after) == ("retry", 30.0)
    assert len(slack_server.received) == 1


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (Reply(500, "<html>Internal Server Error</html>"), "retry", "HTTP 500"),
        (Reply(200, {"ok": False, "error": "internal_error"}), "retry", "internal_error"),
        (Reply(200, {"ok": False, "error": "invalid_auth"}), "failed", "token was rejected"),
        (Reply(200, {"ok": False, "error": "channel_not_found"}), "failed", "#brand-alerts"),
        (Reply(200, {"ok": False, "error": "not_in_channel"}), "failed", "/invite"),
    ],
)
def test_slack_errors_map_to_results(
    slack_server: SlackServer, reply: Reply, status: str, reason: str
) -> None:
    slack_server.replies.append(reply)
    result = bot(slack_server).send(SPIKE)
    assert result.status == status
    assert reason in result.reason


def test_incoming_webhook(slack_server: SlackServer) -> None:
    hook = slack_server.url + "services/T000/B000/XXXX"
    channel = SlackChannel(SlackOptions(webhook_url=hook))

    assert channel.send(RISK).ok
    (request,) = slack_server.received
    assert request.path == "/services/T000/B000/XXXX"
    assert "Authorization" not in request.headers
    assert request.body["blocks"][0]["type"] == "header"
    assert "channel" not in request.body


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (Reply(429, "rate_limited", {"Retry-After": "12"}), "retry"),
        (Reply(503, "service unavailable"), "retry"),
        (Reply(403, "invalid_token"), "failed"),
        (Reply(404, "no_service"), "failed"),
    ],
)
def test_webhook_errors(slack_server: SlackServer, reply: Reply, status: str) -> None:
    slack_server.replies.append(reply)
    channel = SlackChannel(SlackOptions(webhook_url=slack_server.url + "services/T/B/X"))
    assert channel.send(RISK).status == status


def test_token_never_shows_in_repr_or_errors(slack_server: SlackServer) -> None:
    channel = bot(slack_server)
    slack_server.replies.append(Reply(200, {"ok": False, "error": "invalid_auth"}))
    result = channel.send(SPIKE)
    assert TOKEN not in repr(channel.options) + repr(channel) + result.reason
    assert TOKEN not in str(channel.options.model_dump())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "exactly one of token"),
        ({"token": TOKEN, "webhook_url": "https://hooks.example/x"}, "exactly one of token"),
        ({"token": TOKEN}, "set channel (the default) or routes"),
        ({"webhook_url": "https://hooks.example/x", "channel": "#a"}, "own channel"),
        ({"token": TOKEN, "channel": "#a", "routes": {"spikes": "#b"}}, "routes.spikes"),
        ({"token": TOKEN, "channel": "#a", "chanel": "#b"}, "chanel"),
    ],
)
def test_options_explain_mistakes(options: dict, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        SlackOptions.model_validate(options)
    assert message in str(error.value)


def test_preview_lists_messages_with_their_routes() -> None:
    messages = preview_messages([SPIKE, OPPORTUNITY])
    assert [m["channel"] for m in messages] == ["#kulak-alerts", "#kulak-alerts"]
    assert json.loads(json.dumps(messages)) == messages  # plain JSON, ready for a file
    assert "xoxb" not in json.dumps(messages)
