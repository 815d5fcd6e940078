"""A burst of alerts about one target is one Slack message with a thread, within a cap an
hour; the digest still lists every alert. Against the local Slack Web API stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.alert import Alert, AlertPost
from monitor.deliver import deliver_once
from monitor.digest import build_digest
from monitor.outbox import queue
from monitor.registry import channels
from monitor.store import Store
from tests.alerts.conftest import Reply
from tests.helpers import make_settings

START = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)  # 19:00 in Istanbul


def complaint(n: int, target: str, at: datetime) -> Alert:
    post = AlertPost("x", str(n), f"https://x.com/u/status/{n}", f"{target} complaint {n}")
    return Alert(
        key=f"opportunity:{target}:x:{n}",
        kind="opportunity",
        title=f"Unhappy {target} customer",
        summary=f"Someone complains about {target}.",
        created_at=at,
        target=target,
        target_kind="competitor",
        severity="info",
        posts=(post,),
        happened_at=at,
    )


def burst() -> list[Alert]:
    """Fifteen complaints about Demlik in twenty minutes, two about Φρέσκο among them."""
    demlik = [complaint(n, "Demlik", START + timedelta(seconds=80 * n)) for n in range(15)]
    fresko = [complaint(100 + n, "Φρέσκο", START + timedelta(minutes=1 + 9 * n)) for n in (0, 1)]
    return sorted(demlik + fresko, key=lambda a: a.created_at)


def slack_settings(url: str, extra: str = ""):
    return make_settings(
        f"""channels:
  slack:
    token: xoxb-test
    channel: "#competitors"
    base_url: {url}api/
{extra}"""
    )


def posts(server, method: str) -> list[dict]:
    return [r.body for r in server.received if r.path == f"/api/{method}"]


def test_the_stand_in_tells_posted_messages_from_updates(store: Store, slack_server):
    settings = slack_settings(slack_server.url)
    queue(store, settings, burst()[:3])  # two about Demlik: one post, a reply, an update

    deliver_once(store, channels(settings))

    assert [r.path for r in slack_server.received].count("/api/chat.update") == 1
    assert len(slack_server.posted()) == 3


def test_a_burst_about_one_target_is_one_message_and_a_thread(store: Store, slack_server):
    settings = slack_settings(slack_server.url)
    first = {"ok": True, "channel": "C0KAHVE"}
    slack_server.replies = [
        Reply(body={**first, "ts": "100.1"}),
        Reply(body={**first, "ts": "200.1"}),
    ]
    queue(store, settings, burst())

    (report,) = deliver_once(store, channels(settings))

    assert report.sent == 17
    messages = posts(slack_server, "chat.postMessage")
    top = [m for m in messages if "thread_ts" not in m]
    assert [m["text"].split(" — ")[0] for m in top] == [
        "opportunity: Unhappy Demlik customer",
        "opportunity: Unhappy Φρέσκο customer",
    ]
    threads = [m["thread_ts"] for m in messages if "thread_ts" in m]
    assert threads.count("100.1") == 14 and threads.count("200.1") == 1
    updates = posts(slack_server, "chat.update")
    assert len(updates) == 15 and {u["channel"] for u in updates} == {"C0KAHVE"}
    last = [u for u in updates if u["ts"] == "100.1"][-1]
    notes = [b for b in last["blocks"] if b["type"] == "context"]
    assert any(
        "14 more alerts like this one in the thread" in n["elements"][0]["text"] for n in notes
    )
    assert "Demlik complaint 0" in str(last["blocks"])  # still the first alert's message


def test_past_the_cap_alerts_wait_for_the_digest_and_none_is_lost(store: Store, slack_server):
    settings = slack_settings(slack_server.url, "    max_per_hour: 5\n    group_within: 0s\n")
    queue(store, settings, burst())

    (report,) = deliver_once(store, channels(settings))
    (again,) = deliver_once(store, channels(settings))

    assert (report.sent, report.for_digest, report.failed) == (5, 12, 0)
    assert len(posts(slack_server, "chat.postMessage")) == 5
    assert (again.sent, again.for_digest) == (0, 0)  # each alert delivered once
    digest = build_digest(store, settings, START.date(), "Europe/Istanbul")
    assert len(digest.alerts_of("opportunity")) == 17


def test_the_demo_preview_threads_a_burst_as_slack_would():
    from alerts.slack import SlackOptions, preview_messages

    alerts = burst()
    options = SlackOptions(token="xoxb-preview", channel="#kulak", max_per_hour=10)

    messages = preview_messages(alerts, options, "Europe/Istanbul")

    assert len(messages) == 10  # the cap holds in the preview too
    assert [m.get("thread_ts") for m in messages[:3]] == [None, None, "preview.0"]
    assert all(m.get("thread_ts") in ("preview.0", "preview.1") for m in messages[2:])
