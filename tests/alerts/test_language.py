"""kulak.language and a channel's `language`: the digest, an alert mail, a Slack message and
the console in Turkish and Greek, with the locale's dates and numbers."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from alerts.console import ConsoleChannel, ConsoleOptions
from alerts.console import render as console_render
from alerts.email import EmailChannel, EmailOptions
from alerts.render import digest_text, preview_html, subject
from alerts.slack import SlackChannel, SlackOptions
from monitor.config import ConfigError
from monitor.digest import Digest
from monitor.registry import channels
from tests.alerts.conftest import RISK, SPIKE, SmtpServer
from tests.helpers import BASE_SETTINGS, make_settings


def with_language(code: str) -> str:
    zone = "  timezone: Europe/Istanbul\n"
    return BASE_SETTINGS.replace(zone, f"{zone}  language: {code}\n")


def mailer(server: SmtpServer, **options) -> EmailChannel:
    defaults = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "sender": "kulak <alerts@kahveduragi.example>",
        "to": ["pazarlama@kahveduragi.example"],
        "timeout": 5,
    }
    return EmailChannel(EmailOptions.model_validate(defaults | options), timezone="UTC")


def test_the_digest_in_turkish(digest: Digest) -> None:
    text = digest_text(digest, "tr")
    assert "kulak günlük özeti · Cumartesi 21 Kasım 2026 (saatler Europe/Istanbul)" in text
    # Turkish writes the percent sign first, a decimal comma, "B" for thousands
    assert "Kahve Durağı (marka): 120 bahsetme (+60), %48 olumsuz (+28 puan)" in text
    assert "Neden: şimdi 37, olağan 4,2 (×8,8); olumsuz payı: %62" in text
    assert "12,8\xa0B takipçi · 230 beğeni" in text
    assert "ÖNCE YANITLANACAK RİSKLER" in text  # Turkish capitals: dotted İ
    assert "Öne çıkan şikâyetler:" in text
    assert "Kahve Durağı (siz): 40 şikâyet, %35 yanıtlandı, medyan 3 sa 5 dk" in text
    assert "Reply publicly" not in text  # the advice; these alerts carry English titles only

    html = preview_html(digest, "tr")
    assert '<html lang="tr">' in html
    assert "Günlük özet · Cumartesi 21 Kasım 2026" in html
    assert "Yanıtlamak için aç: hackernews" in html
    assert "Ani artışlar" in html and "Rakip fırsatları" in html
    assert "21 Kas" in html and "<script>" not in html  # posts stay escaped

    assert subject(digest, "tr") == (
        "kulak özeti 21 Kas 2026 · Kahve Durağı: 120 bahsetme, %48 olumsuz (+28 puan)"
        " · 1 ani artış, 1 risk"
    )


def test_the_digest_in_greek(digest: Digest) -> None:
    text = digest_text(digest, "el")
    assert "ημερήσια σύνοψη kulak · Σάββατο 21 Νοεμβρίου 2026" in text
    assert "Kahve Durağı (μάρκα): 120 αναφορές (+60), 48% αρνητικές (+28 μον.)" in text
    assert "Γιατί: τώρα 37 έναντι συνήθως 4,2 (×8,8)" in text  # the Greek decimal comma
    assert "1.900 μου αρέσει" in text  # and the thousands dot
    assert "ΕΞΑΡΣΕΙΣ" not in text and "Εξάρσεις:" in text  # a target's section heading
    assert subject(digest, "el").endswith("· 1 έξαρση, 1 κίνδυνος")


def test_a_digest_mail_in_the_channels_language(smtp_factory, digest: Digest) -> None:
    server = smtp_factory()
    assert mailer(server, language="el").send_digest(digest).ok

    message = server.mailbox.only_message()
    assert message["Subject"] == subject(digest, "el")  # every space kept, "Kahve Durağı" too
    assert "120 αναφορές, 48% αρνητικές (+28 μον.) · 1 έξαρση, 1 κίνδυνος" in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert "Ημερήσια σύνοψη · Σάββατο 21 Νοεμβρίου 2026" in html and 'lang="el"' in html


def test_an_alert_mail_in_turkish_with_local_time(smtp_factory) -> None:
    server = smtp_factory()
    channel = mailer(server, language="tr", timezone="Europe/Istanbul")
    assert channel.send(RISK).ok

    message = server.mailbox.only_message()
    assert message["Subject"] == "[kulak risk] High-reach complaint about Kahve Durağı"
    text = message.get_body(("plain",)).get_content()
    assert "RİSK · Kahve Durağı" in text
    assert "154\xa0B takipçi · 1.900 beğeni · 420 paylaşım · 88 yanıt" in text
    assert "Sonraki adımlar: Bir saat içinde herkese açık yanıt verin" in text
    assert "21 Kas 2026 12:30 +03 (Europe/Istanbul)" in text
    html = message.get_body(("html",)).get_content()
    assert "Sonraki adımlar" in html and "Yanıtlamak için aç: hackernews" in html


def test_a_slack_message_in_greek_with_its_buttons() -> None:
    options = {
        "token": "xoxb-1-2-el",
        "app_token": "xapp-1-el",
        "workspace": "T0KAHVE",
        "channel": "#alerts",
        "language": "el",
    }
    payload = SlackChannel(SlackOptions.model_validate(options), timezone="Europe/Athens").message(
        RISK
    )
    blocks = json.dumps(payload["blocks"], ensure_ascii=False)
    assert "*Στόχος*\\nKahve Durağı (μάρκα)" in blocks
    assert "*Σοβαρότητα*\\nκρίσιμο" in blocks
    assert "Γιατί ειδοποιεί" in blocks and "απήχηση: 154\xa0χιλ." in blocks
    assert "Άνοιγμα στο hackernews για απάντηση" in blocks
    assert "21 Νοε 10:30 EET" in blocks  # Slack's fallback time, Athens
    assert "Επόμενα βήματα" in blocks and "Απαντήστε δημόσια μέσα στην ώρα" in blocks
    buttons = next(b for b in payload["blocks"] if b.get("block_id") == "kulak-triage")
    labels = [e.get("text", e.get("placeholder", {})).get("text") for e in buttons["elements"]]
    assert labels == ["Το αναλαμβάνω", "Απαντήθηκε", "Άσχετο", "Λάθος συναίσθημα"]
    assert payload["text"].startswith("κίνδυνος: High-reach complaint")


def test_the_console_in_turkish() -> None:
    console = Console(width=200, record=True, highlight=False, emoji=False)
    console.print(
        console_render(
            SPIKE, tz="Europe/Istanbul", lang=ConsoleChannel(ConsoleOptions(language="tr")).lang
        )
    )
    shown = console.export_text()
    assert "ANİ ARTIŞ · Negative spike for Kahve Durağı" in shown
    assert "Neden: şimdi 37, olağan 4,2 (×8,8); olumsuz payı: %62" in shown
    assert "Sonra: İnsanların neye tepki verdiğini" in shown
    assert "21 Kas 11:50 +03" in shown


def test_english_stays_the_default_and_a_channel_overrides_the_language() -> None:
    settings = make_settings(
        """
        channels:
          console: {}
          team-log:
            type: jsonl
            path: alerts.jsonl
            language: tr
        """,
        base=with_language("el"),
    )
    made = channels(settings)
    assert made["console"].lang.code == "el"
    assert made["team-log"].lang.code == "tr"
    assert make_settings().general.language == "en"


def test_an_unknown_language_is_refused_by_name() -> None:
    with pytest.raises(ConfigError) as raised:
        make_settings(base=with_language("de"))
    assert "kulak.language (line" in str(raised.value)
    assert "'en', 'tr' or 'el'" in str(raised.value)
