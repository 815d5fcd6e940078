"""Times in alerts are local to kulak.timezone and name their zone, in every channel."""

from __future__ import annotations

from monitor.registry import channels
from tests.alerts.conftest import RISK
from tests.helpers import email_channel, make_settings

# RISK's post was written at 08:30 UTC on 21 Nov: 11:30 in Istanbul (kulak.timezone)


def test_a_risk_mail_shows_the_post_time_in_kulak_timezone_with_its_zone(smtp_factory):
    smtp = smtp_factory()
    settings = make_settings(email_channel(smtp.port))

    assert channels(settings)["email"].send(RISK).ok
    message = smtp.mailbox.only_message()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()

    for body in (text, html):
        assert "21 Nov 11:30 +03" in body
        assert "21 Nov 08:30" not in body  # no bare UTC time
    assert "21 Nov 2026 12:30 +03 (Europe/Istanbul)" in text  # raised at 09:30 UTC


def test_slack_and_console_show_local_times_with_their_zone(slack_server, capsys):
    settings = make_settings(
        f"""channels:
  slack:
    token: xoxb-test
    channel: "#alerts"
    base_url: {slack_server.url}api/
"""
    )
    assert channels(settings)["slack"].send(RISK).ok
    context = slack_server.received[0].body["blocks"]
    meta = next(b for b in context if b["type"] == "context")["elements"][0]["text"]
    assert "|21 Nov 11:30 +03>" in meta

    console = channels(make_settings())["console"]
    assert console.send(RISK).ok
    assert "hackernews · 21 Nov 11:30 +03" in capsys.readouterr().out
