"""The email channel against a real SMTP server (aiosmtpd) on localhost."""

from __future__ import annotations

import struct
import zlib

import pytest
from pydantic import ValidationError

from alerts.email import EmailChannel, EmailOptions
from alerts.render import preview_html
from monitor.digest import Digest
from tests.alerts.conftest import HOSTILE_TEXT, OPPORTUNITY, PASSWORD, RISK, USER, SmtpServer


def mailer(server: SmtpServer, security: str = "none", **options) -> EmailChannel:
    defaults = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": security,
        "sender": "kulak <alerts@kahveduragi.example>",
        "to": ["pazarlama@kahveduragi.example", "Ελένη <eleni@kahveduragi.example>"],
        "ca_file": server.ca_file,
        "timeout": 5,
    }
    return EmailChannel(EmailOptions.model_validate(defaults | options))


def parts(message) -> dict[str, object]:
    return {part.get_content_type(): part for part in message.walk()}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_digest_has_text_html_and_an_inline_chart(smtp_factory, digest: Digest) -> None:
    server = smtp_factory()
    assert mailer(server).send_digest(digest).ok

    envelope = server.mailbox.messages[0]
    assert envelope.rcpt_tos == ["pazarlama@kahveduragi.example", "eleni@kahveduragi.example"]
    message = server.mailbox.only_message()
    assert "Kahve Durağı: 120 mentions, 48% negative (+28 pp)" in message["Subject"]
    found = parts(message)
    assert set(found) >= {"multipart/alternative", "multipart/related", "text/plain", "text/html"}

    text = found["text/plain"].get_content()
    assert "Kahve Durağı (brand): 120 mentions (+60), 48% negative (+28 pp)" in text
    assert "Φρέσκο (competitor): 24 mentions (+5), 38% negative" in text
    assert "Kahve Durağı (you): 40 complaints, 35% answered, median 3 h 5 min" in text

    html = found["text/html"].get_content()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == len(digest.targets)
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert png_size(image.get_content()) == (1120, 240)
    assert "<style" not in html and 'style="' in html  # CSS inlined for mail clients
    assert "https://news.ycombinator.com/item?id=41000003" in html  # the opportunity's link
    assert "Response gap" in html and "3 h 5 min" in html and "42 min" in html


def test_posts_are_escaped_in_html(smtp_factory, digest: Digest) -> None:
    server = smtp_factory()
    mailer(server).send_digest(digest)
    message = server.mailbox.only_message()
    html = parts(message)["text/html"].get_content()

    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;@channel&lt;/b&gt;" in html  # the hostile author name
    assert "javascript:" not in html  # the hostile post's link is dropped
    assert HOSTILE_TEXT in parts(message)["text/plain"].get_content()  # plain text: as written


def test_starttls_with_login(smtp_factory, digest: Digest) -> None:
    server = smtp_factory("starttls", auth=True)
    channel = mailer(server, "starttls", username=USER, password=PASSWORD)
    assert channel.send_digest(digest).ok
    assert server.mailbox.messages


def test_implicit_tls_with_login(smtp_factory) -> None:
    server = smtp_factory("tls", auth=True)
    channel = mailer(server, "tls", username=USER, password=PASSWORD)
    assert channel.send(RISK).ok
    message = server.mailbox.only_message()
    assert message["Subject"] == "[kulak risk] High-reach complaint about Kahve Durağı"
    assert "charged me twice" in parts(message)["text/plain"].get_content()


def test_untrusted_certificate_is_a_permanent_failure(smtp_factory) -> None:
    server = smtp_factory("starttls")
    result = mailer(server, "starttls", ca_file=None).send(RISK)
    assert result.status == "failed" and "certificate" in result.reason


def test_wrong_password_is_a_permanent_failure(smtp_factory) -> None:
    server = smtp_factory("starttls", auth=True)
    result = mailer(server, "starttls", username=USER, password="wrong").send(RISK)
    assert result.status == "failed" and "login rejected (535)" in result.reason
    assert "wrong" not in result.reason
    assert not server.mailbox.messages


def test_only_chosen_kinds_are_mailed_at_once(smtp_factory) -> None:
    server = smtp_factory()
    result = mailer(server).send(OPPORTUNITY)
    assert result.ok and "digest" in result.reason
    assert not server.mailbox.messages


def test_a_resent_alert_keeps_its_message_id(smtp_factory) -> None:
    server = smtp_factory()
    channel = mailer(server)
    channel.send(RISK)
    channel.send(RISK)
    first, second = (m.content for m in server.mailbox.messages)
    ids = [
        line for m in (first, second) for line in m.splitlines() if line.startswith(b"Message-ID")
    ]
    assert ids[0] == ids[1]


def test_preview_embeds_charts_as_data_uris(digest: Digest) -> None:
    html = preview_html(digest)
    assert html.count('src="data:image/png;base64,') == len(digest.targets)
    assert "cid:" not in html


def test_chart_shows_the_series(digest: Digest) -> None:
    from alerts.chart import trend_png

    data = trend_png(digest.targets[0].series, width=70, height=50)
    width, height = png_size(data)
    # read the PNG back: IDAT is the only data chunk, rows are filter byte + RGB
    idat = data[33 + 8 : -12]
    raw = zlib.decompress(idat[: struct.unpack(">I", data[33:37])[0]])
    rows = [raw[y * (width * 3 + 1) + 1 : (y + 1) * (width * 3 + 1)] for y in range(height)]

    def pixel(x: int, y: int) -> tuple[int, ...]:
        return tuple(rows[y][x * 3 : x * 3 + 3])

    last_bar_x = width - 6  # inside the last slot (the busiest day, 120 mentions)
    assert pixel(last_bar_x, 12) == (71, 85, 105)  # near the top: today's dark bar
    assert pixel(5, 12) == (255, 255, 255)  # a quiet day's bar is far lower
    assert pixel(last_bar_x, height - 8) == (220, 38, 38)  # its negative part, red


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"to": []}, "at least 1 item"),
        ({"to": ["not-an-address"]}, "not an email address"),
        ({"to": ["a@b.example\r\nBcc: x@y.example"]}, "line breaks"),
        ({"username": "kulak"}, "both username and password"),
        ({"security": "ssl"}, "'starttls', 'tls' or 'none'"),
    ],
)
def test_options_explain_mistakes(options: dict, message: str) -> None:
    base = {"host": "mail.example", "sender": "alerts@example.com", "to": ["a@example.com"]}
    with pytest.raises(ValidationError) as error:
        EmailOptions.model_validate(base | options)
    assert message in str(error.value)
