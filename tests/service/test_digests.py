"""Daily digests are never silently missed: a digest due while `kulak run` was down goes
out when it is back, a failed send is retried with backoff, and the store records each
sent digest so no check, restart or manual send repeats it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from monitor.digest import due_day
from monitor.registry import channels
from monitor.service import Service
from monitor.status import gather
from monitor.store import Store
from tests.alerts.conftest import Mailbox, certificate, free_port, smtp_factory  # noqa: F401
from tests.helpers import make_settings
from tests.service.test_service import serve_until

# 12:30 in Istanbul (kulak.timezone in the test settings), past the 08:30 digest
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def email_service(store: Store, port: int, clock: Clock, extra: str = "") -> Service:
    settings = make_settings(
        f"""
channels:
  email:
    host: 127.0.0.1
    port: {port}
    security: none
    timeout: 5
    sender: kulak <kulak@example.com>
    to: [care@example.com]
    digest_at: "08:30"
{extra}"""
    )
    return Service(settings, store, channels(settings), clock=clock)


def subjects(mailbox: Mailbox) -> list[str]:
    return [
        message_from_bytes(m.content, policy=policy.default)["Subject"] for m in mailbox.messages
    ]


@dataclass
class LateSmtp:
    """An SMTP server that is down (nobody listens on its port) until `start`."""

    port: int = field(default_factory=free_port)
    mailbox: Mailbox = field(default_factory=Mailbox)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture
def smtp_later() -> Iterator[LateSmtp]:
    smtp = LateSmtp()
    yield smtp
    if smtp.controller is not None:
        smtp.controller.stop()


def test_a_service_started_after_digest_time_sends_the_missed_digest_once(
    store_url,
    smtp_factory,  # noqa: F811
):
    smtp = smtp_factory()
    store = Store.open(store_url)
    service = email_service(store, smtp.port, Clock(NOW))

    serve_until(service, lambda: len(smtp.mailbox.messages) == 1)
    service.send_due_digests()  # the next minute's check
    store.close()
    restarted = Store.open(store_url)  # `kulak run` started again the same day
    email_service(restarted, smtp.port, Clock(NOW + timedelta(hours=3))).send_due_digests()

    assert len(subjects(smtp.mailbox)) == 1
    assert subjects(smtp.mailbox)[0].startswith("kulak digest 20 Nov 2026")
    record = restarted.digest_record("email", date(2026, 11, 20))
    assert record is not None and record.status == "sent" and record.attempts == 1
    restarted.close()


def test_smtp_down_then_up_the_digest_is_retried_with_backoff_and_sent_once(store, smtp_later):
    clock = Clock(NOW)
    service = email_service(store, smtp_later.port, clock)

    service.send_due_digests()  # nobody listens: connection refused
    failing = store.digest_record("email", date(2026, 11, 20))
    assert failing is not None and failing.status == "pending"
    assert failing.last_error == "connection refused"
    assert failing.next_attempt_at == NOW + timedelta(seconds=30)

    smtp_later.start()
    clock.now = NOW + timedelta(seconds=20)
    service.send_due_digests()  # too early for the next try
    assert smtp_later.mailbox.messages == []
    clock.now = NOW + timedelta(seconds=30)
    service.send_due_digests()
    service.send_due_digests()

    assert len(subjects(smtp_later.mailbox)) == 1
    sent = store.digest_record("email", date(2026, 11, 20))
    assert sent is not None and sent.status == "sent" and sent.attempts == 2
    assert sent.last_error is None and sent.sent_at == NOW + timedelta(seconds=30)


def test_a_4xx_answer_is_retried_and_a_5xx_refusal_waits_for_a_person(
    store,
    smtp_factory,  # noqa: F811
):
    smtp = smtp_factory()
    clock = Clock(NOW)
    service = email_service(store, smtp.port, clock)
    smtp.mailbox.data_reply = "451 4.3.0 Mail server temporarily rejected message"
    service.send_due_digests()
    smtp.mailbox.data_reply = "554 5.7.1 Message rejected"
    clock.now = NOW + timedelta(minutes=1)
    service.send_due_digests()
    smtp.mailbox.data_reply = None
    clock.now = NOW + timedelta(hours=1)
    service.send_due_digests()

    assert smtp.mailbox.messages == []
    record = store.digest_record("email", date(2026, 11, 20))
    assert record is not None and record.status == "failed" and record.attempts == 2
    assert record.last_error == "SMTP 554 5.7.1 Message rejected"


def test_status_shows_a_failing_digest_per_channel(store, smtp_later):
    email_service(store, smtp_later.port, Clock(NOW)).send_due_digests()
    # beside it: an email channel kulak run has not served yet, and one without digests
    settings = email_service(
        store,
        smtp_later.port,
        Clock(NOW),
        """  athens:
    type: email
    host: 127.0.0.1
    sender: kulak <kulak@example.com>
    to: [athens@example.com]
  alerts:
    type: jsonl
    path: alerts.jsonl
""",
    ).settings

    status = gather(store, settings, NOW)
    report = {c.name: c.digest for c in status.channels}

    assert report == {
        "email": "2026-11-20 failing (1 attempt, next 2026-11-21 09:30:30 UTC): connection refused",
        "athens": "none yet",
        "alerts": None,
    }
    assert f"channel email: digest {report['email']}" in status.problems  # for --check


def test_after_a_long_downtime_only_the_latest_due_digest_is_sent(
    store,
    smtp_factory,  # noqa: F811
):
    smtp = smtp_factory()
    store.record_digest("email", date(2026, 11, 14), 1, status="sent", sent_at=NOW)
    # 07:00 in Istanbul: today's 08:30 digest is not due yet, yesterday's is
    early = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
    service = email_service(store, smtp.port, Clock(early))

    service.send_due_digests()

    (subject,) = subjects(smtp.mailbox)
    assert subject.startswith("kulak digest 19 Nov 2026")
    assert store.latest_digests()["email"].day == date(2026, 11, 19)


def test_a_new_store_starts_with_yesterdays_digest_at_digest_at(
    store,
    smtp_factory,  # noqa: F811
):
    smtp = smtp_factory()
    clock = Clock(datetime(2026, 11, 21, 4, 0, tzinfo=UTC))  # 07:00 in Istanbul
    service = email_service(store, smtp.port, clock)

    service.send_due_digests()  # the day before yesterday's fell due before kulak ran
    assert smtp.mailbox.messages == []
    clock.now = datetime(2026, 11, 21, 5, 30, tzinfo=UTC)  # 08:30
    service.send_due_digests()

    (subject,) = subjects(smtp.mailbox)
    assert subject.startswith("kulak digest 20 Nov 2026")


def test_each_channel_is_due_in_its_own_timezone(
    store,
    smtp_factory,  # noqa: F811
):
    smtp = smtp_factory()
    # 08:15 in Istanbul (before 08:30), 07:15 in Athens (after 07:00)
    clock = Clock(datetime(2026, 11, 21, 5, 15, tzinfo=UTC))
    service = email_service(
        store,
        smtp.port,
        clock,
        f"""  athens:
    type: email
    host: 127.0.0.1
    port: {smtp.port}
    security: none
    sender: kulak <kulak@example.com>
    to: [athens@example.com]
    digest_at: "07:00"
    timezone: Europe/Athens
""",
    )
    for name in ("email", "athens"):
        store.record_digest(name, date(2026, 11, 19), 1, status="sent", sent_at=clock.now)

    service.send_due_digests()
    clock.now = datetime(2026, 11, 21, 5, 30, tzinfo=UTC)  # 08:30 in Istanbul
    service.send_due_digests()

    assert [m.rcpt_tos for m in smtp.mailbox.messages] == [
        ["athens@example.com"],
        ["care@example.com"],
    ]
    assert {c: r.day for c, r in store.latest_digests().items()} == {
        "email": date(2026, 11, 20),
        "athens": date(2026, 11, 20),
    }


@pytest.mark.parametrize(
    ("local", "at", "due"),
    [
        (datetime(2026, 11, 21, 8, 29), time(8, 30), date(2026, 11, 19)),
        (datetime(2026, 11, 21, 8, 30), time(8, 30), date(2026, 11, 20)),
        (datetime(2026, 11, 21, 0, 5), time(0, 0), date(2026, 11, 20)),
        # spring forward: 03:30 never happens in Athens on 29 March; due from 04:00
        (datetime(2026, 3, 29, 2, 59), time(3, 30), date(2026, 3, 27)),
        (datetime(2026, 3, 29, 4, 0), time(3, 30), date(2026, 3, 28)),
    ],
)
def test_due_day_is_yesterday_once_digest_at_has_passed_locally(local, at, due):
    now = local.replace(tzinfo=ZoneInfo("Europe/Athens")).astimezone(UTC)
    assert due_day("Europe/Athens", at, now) == due
