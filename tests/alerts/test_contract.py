"""The contract every channel keeps: whatever the peer does, `send` returns the right kind
of result and never raises. A new channel adds its row here (the last test insists)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import alerts
from alerts.base import Channel, SendResult
from monitor.alert import Alert
from tests.alerts.conftest import PASSWORD, RISK, USER, Reply

EXPECTED = {
    "success": "ok",
    "timeout": "retry",
    "refused": "retry",
    "rate_limited": "retry",
    "server_error": "retry",
    "bad_credentials": "failed",
}
# Channels with no peer to fail: the network scenarios do not apply to them.
LOCAL_ONLY = {"console", "jsonl"}


def slack_bot(scenario: str, peers: Any) -> Channel:
    server = peers.slack_server
    port = {"timeout": peers.silent_port, "refused": peers.closed_port}.get(scenario)
    base_url = f"http://127.0.0.1:{port}/api/" if port else server.url + "api/"
    server.replies += {
        "rate_limited": [Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "60"})],
        "server_error": [Reply(503, "<html>upstream connect error</html>")],
        "bad_credentials": [Reply(200, {"ok": False, "error": "invalid_auth"})],
    }.get(scenario, [])
    options = {"token": "xoxb-contract", "channel": "#alerts", "base_url": base_url}
    return alerts.create("slack", options | {"timeout": 0.5})


def slack_webhook(scenario: str, peers: Any) -> Channel:
    server = peers.slack_server
    port = {"timeout": peers.silent_port, "refused": peers.closed_port}.get(scenario)
    base = f"http://127.0.0.1:{port}/" if port else server.url
    server.replies += {
        "rate_limited": [Reply(429, "rate_limited", {"Retry-After": "60"})],
        "server_error": [Reply(500, "internal_error")],
        "bad_credentials": [Reply(403, "invalid_token")],
    }.get(scenario, [])
    return alerts.create("slack", {"webhook_url": base + "services/T/B/X", "timeout": 0.5})


def email(scenario: str, peers: Any) -> Channel:
    server = peers.smtp_factory(auth=scenario == "bad_credentials")
    port = {"timeout": peers.silent_port, "refused": peers.closed_port}.get(scenario, server.port)
    server.mailbox.data_reply = {
        "rate_limited": "451 4.7.1 Too many messages, slow down",
        "server_error": "421 4.3.0 Temporary server error",
    }.get(scenario)
    options = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "alerts@example.com",
        "to": ["team@example.com"],
        "timeout": 0.5,
    }
    if scenario == "bad_credentials":
        options |= {"username": USER, "password": PASSWORD + "-wrong"}
    return alerts.create("email", options)


PEERS: dict[str, Callable[[str, Any], Channel]] = {
    "slack-bot": slack_bot,
    "slack-webhook": slack_webhook,
    "email": email,
}


class Peers:
    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request

    def __getattr__(self, fixture: str) -> Any:
        return self.request.getfixturevalue(fixture)


@pytest.mark.parametrize("scenario", EXPECTED)
@pytest.mark.parametrize("peer", PEERS)
def test_channel_contract(peer: str, scenario: str, request: pytest.FixtureRequest) -> None:
    channel = PEERS[peer](scenario, Peers(request))
    result = channel.send(RISK)
    assert isinstance(result, SendResult)
    assert result.status == EXPECTED[scenario], result.reason
    assert result.ok or result.reason  # a failure always says why


@pytest.mark.parametrize("type_name", sorted(LOCAL_ONLY))
def test_local_channels_succeed(type_name: str, tmp_path, capsys) -> None:
    options = {"path": tmp_path / "alerts.jsonl"} if type_name == "jsonl" else {}
    assert alerts.create(type_name, options).send(RISK).ok


def test_an_unexpected_bug_becomes_a_failed_result(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(Channel):
        type = "broken-for-test"

        def _send(self, alert: Alert) -> SendResult:
            raise KeyError("template variable")

    result = Broken().send(RISK)
    assert result.status == "failed" and "KeyError" in result.reason
    assert "unexpected error" in caplog.text


def test_every_channel_has_a_contract_row() -> None:
    covered = {peer.split("-")[0] for peer in PEERS} | LOCAL_ONLY
    assert set(alerts.registry()) <= covered
