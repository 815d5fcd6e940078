"""Delivery from the outbox on a real store: retries, isolation, once per channel."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import alerts
from alerts.base import Channel, SendResult
from monitor.alert import Alert
from monitor.deliver import RetryPolicy, deliver_once, retry_failed, send_digest, utcnow
from monitor.digest import Digest
from monitor.store import Store, schema
from tests.alerts.conftest import OPPORTUNITY, RISK, SPIKE, Reply, SlackServer

ALERTS = (SPIKE, RISK, OPPORTUNITY)


def rows(store: Store) -> dict[tuple[str, str], dict]:
    d, a = schema.deliveries, schema.alerts
    query = select(a.c.key, d).join(a, a.c.id == d.c.alert_id)
    with store.engine.connect() as conn:
        return {(r.key, r.channel): dict(r._mapping) for r in conn.execute(query)}


def slack(url: str) -> Channel:
    return alerts.create("slack", {"token": "xoxb-t", "channel": "#a", "base_url": url})


def jsonl_keys(path: Path) -> list[str]:
    return [json.loads(line)["key"] for line in path.read_text().splitlines()]


@pytest.fixture
def queued(store: Store) -> Store:
    for alert in ALERTS:
        store.add_alert(alert, ["slack", "file"])
    return store


def test_each_alert_is_delivered_once_per_channel(
    queued: Store, slack_server: SlackServer, tmp_path: Path
) -> None:
    channels = {
        "slack": slack(slack_server.url),
        "file": alerts.create("jsonl", {"path": tmp_path / "a.jsonl"}),
    }
    reports = deliver_once(queued, channels)
    again = deliver_once(queued, channels)

    assert [(r.channel, r.sent) for r in reports] == [("slack", 3), ("file", 3)]
    assert [r.sent for r in again] == [0, 0]
    assert len(slack_server.received) == 3
    assert jsonl_keys(tmp_path / "a.jsonl") == [a.key for a in ALERTS]
    assert {row["status"] for row in rows(queued).values()} == {"sent"}


def test_a_channel_down_keeps_its_alerts_and_blocks_no_other(
    queued: Store, slack_server: SlackServer, closed_port: int, tmp_path: Path
) -> None:
    start = utcnow()
    down = {
        "slack": slack(f"http://127.0.0.1:{closed_port}/"),
        "file": alerts.create("jsonl", {"path": tmp_path / "a.jsonl"}),
    }
    slack_report, file_report = deliver_once(queued, down, clock=lambda: start)

    assert file_report.sent == 3
    assert (slack_report.sent, slack_report.retrying, slack_report.deferred) == (0, 1, 2)
    assert slack_report.error == "connection refused"
    first = rows(queued)[(SPIKE.key, "slack")]
    assert first["status"] == "pending" and first["attempts"] == 1
    assert first["last_error"] == "connection refused"

    # Slack is back, but the backoff has not passed: nothing is sent yet.
    up = {"slack": slack(slack_server.url)}
    assert deliver_once(queued, up, clock=lambda: start + timedelta(seconds=10))[0].sent == 2
    assert deliver_once(queued, up, clock=lambda: start + timedelta(seconds=31))[0].sent == 1
    assert len(slack_server.received) == 3
    assert jsonl_keys(tmp_path / "a.jsonl") == [a.key for a in ALERTS]


def test_retry_after_from_slack_sets_the_next_attempt(
    store: Store, slack_server: SlackServer
) -> None:
    store.add_alert(SPIKE, ["slack"])
    slack_server.replies.append(
        Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "120"})
    )
    start = utcnow()
    deliver_once(store, {"slack": slack(slack_server.url)}, clock=lambda: start)

    row = rows(store)[(SPIKE.key, "slack")]
    assert row["status"] == "pending" and row["last_error"] == "rate limited by Slack"
    assert row["next_attempt_at"].replace(tzinfo=start.tzinfo) == start + timedelta(seconds=120)


def test_bad_credentials_fail_until_a_person_retries(
    store: Store, slack_server: SlackServer
) -> None:
    store.add_alert(RISK, ["slack"])
    slack_server.replies.append(Reply(200, {"ok": False, "error": "invalid_auth"}))
    channels = {"slack": slack(slack_server.url)}
    assert deliver_once(store, channels)[0].failed == 1
    row = rows(store)[(RISK.key, "slack")]
    assert row["status"] == "failed" and "invalid_auth" in row["last_error"]

    assert deliver_once(store, channels)[0].sent == 0  # failed rows stay put
    assert retry_failed(store, "slack") == 1
    assert deliver_once(store, channels)[0].sent == 1


class Crashing(Channel):
    """Dies in the middle of a send, as a killed process would."""

    type = "crash-for-test"

    def _send(self, alert: Alert) -> SendResult:
        raise KeyboardInterrupt


def test_a_send_interrupted_by_a_crash_is_sent_again_after_the_lease(
    store: Store, tmp_path: Path
) -> None:
    store.add_alert(RISK, ["file"])
    start = utcnow()
    policy = RetryPolicy(lease=timedelta(minutes=15))
    with pytest.raises(KeyboardInterrupt):
        deliver_once(store, {"file": Crashing()}, policy=policy, clock=lambda: start)
    assert rows(store)[(RISK.key, "file")]["status"] == "sending"

    channels = {"file": alerts.create("jsonl", {"path": tmp_path / "a.jsonl"})}
    soon = deliver_once(store, channels, policy=policy, clock=lambda: start + timedelta(minutes=5))
    assert (soon[0].recovered, soon[0].sent) == (0, 0)  # maybe still sending: leave it
    later = deliver_once(
        store, channels, policy=policy, clock=lambda: start + timedelta(minutes=16)
    )
    assert (later[0].recovered, later[0].sent) == (1, 1)
    assert jsonl_keys(tmp_path / "a.jsonl") == [RISK.key]
    assert rows(store)[(RISK.key, "file")]["attempts"] == 2


def test_retries_stop_after_max_attempts(store: Store, closed_port: int) -> None:
    store.add_alert(SPIKE, ["slack"])
    policy = RetryPolicy(max_attempts=2)
    channels = {"slack": slack(f"http://127.0.0.1:{closed_port}/")}
    start = utcnow()
    deliver_once(store, channels, policy=policy, clock=lambda: start)
    report = deliver_once(store, channels, policy=policy, clock=lambda: start + timedelta(hours=1))
    assert report[0].failed == 1
    row = rows(store)[(SPIKE.key, "slack")]
    assert row["status"] == "failed" and row["last_error"] == "gave up after 2: connection refused"


def test_backoff_doubles_up_to_the_cap_and_respects_retry_after() -> None:
    policy = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(hours=1))
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]
    assert policy.delay(1, retry_after=300) == timedelta(seconds=300)


def test_a_digest_sent_is_recorded_per_channel_and_day(
    store: Store, smtp_factory, digest: Digest
) -> None:
    server = smtp_factory()
    mail = alerts.create(
        "email",
        {
            "host": "127.0.0.1",
            "port": server.port,
            "security": "none",
            "sender": "k@example.com",
            "to": ["t@example.com"],
        },
    )
    assert send_digest(store, "mail", mail, digest).ok
    assert len(server.mailbox.messages) == 1
    record = store.digest_record("mail", digest.day)
    assert record is not None and (record.status, record.attempts) == ("sent", 1)
