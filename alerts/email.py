"""Email over SMTP: the daily digest to a recipient list, and immediate mail for chosen kinds.

Message-IDs are derived from what is sent (alert key or digest day, and the recipients),
so a message re-sent after a crash has the same Message-ID and mail systems can fold the
duplicate. When the digest is due (`digest_at` in `timezone`) is the scheduler's business;
this channel only sends.
"""

from __future__ import annotations

import base64
import hashlib
import smtplib
import ssl
from datetime import time
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from alerts.base import Channel, ChannelOptions, DigestSchedule, SendResult, classify_network_error
from alerts.render import alert_html, alert_text, digest_charts, digest_html, digest_text, subject
from alerts.wording import kind_word, title
from monitor.alert import Alert
from monitor.digest import Digest, TargetDigest
from monitor.registry import KnownKind

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def _address(value: str) -> str:
    if any(c in value for c in "\r\n"):
        raise ValueError(f"line breaks are not allowed in an address: {value!r}")
    parsed = getaddresses([value])
    if len(parsed) != 1 or "@" not in parsed[0][1]:
        raise ValueError(f"not an email address: {value!r}")
    return value


#: Headers fold at RFC 5322's hard limit, not its recommended 78: Python's folding of a
#: long non-ASCII subject drops the space before a word it encodes ("Kahve Durağı"
#: arrived as "KahveDurağı" in a Greek subject), and a subject never nears 998.
MAIL_POLICY = policy.default.clone(max_line_length=998)


class EmailOptions(ChannelOptions):
    host: str = Field(description="the SMTP server")
    port: int | None = Field(None, description="default: 587 starttls, 465 tls, 25 none")
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls, tls or none"
    )
    username: str | None = Field(None, description="SMTP login, with password")
    password: SecretStr | None = Field(None, description="from ${ENV}")
    sender: str = Field(description='From:, e.g. "kulak <alerts@example.com>"')
    to: list[str] = Field(min_length=1, description="recipients of alerts and digests")
    immediate: list[KnownKind] = Field(
        default_factory=lambda: ["risk"], description="kinds mailed at once, not only in the digest"
    )
    digest: bool = Field(True, description="send the daily digest")
    digest_at: time = Field(time(8, 0), description="when the daily digest goes out, local time")
    timezone: str | None = Field(None, description="default: kulak.timezone")
    ca_file: Path | None = Field(None, description="CA bundle for a private mail server")
    timeout: float = Field(30, gt=0, description="seconds per connection")

    @field_validator("sender")
    @classmethod
    def valid_sender(cls, value: str) -> str:
        return _address(value)

    @field_validator("to")
    @classmethod
    def valid_recipients(cls, value: list[str]) -> list[str]:
        return [_address(v) for v in value]

    @model_validator(mode="after")
    def login_pair(self) -> EmailOptions:
        if (self.username is None) != (self.password is None):
            raise ValueError("set both username and password, or neither")
        return self


class EmailChannel(Channel):
    type = "email"
    Options = EmailOptions
    options: EmailOptions

    @property
    def digest_schedule(self) -> DigestSchedule | None:
        if not self.options.digest:
            return None
        return DigestSchedule(self.options.digest_at, self.options.timezone)

    @property
    def tz(self) -> str:
        return self.options.timezone or self.timezone

    def alert_message(self, alert: Alert) -> EmailMessage:
        lang = self.lang
        label = f"[kulak {kind_word(alert, lang)}]"
        msg = self._message(f"{label} {title(alert, lang)}", f"alert:{alert.key}")
        msg.set_content(alert_text(alert, self.tz, lang.code))
        msg.add_alternative(alert_html(alert, self.tz, lang.code), subtype="html")
        return msg

    def digest_message(self, digest: Digest) -> EmailMessage:
        code = self.lang.code
        msg = self._message(subject(digest, code), f"digest:{digest.day.isoformat()}")
        charts = digest_charts(digest)

        def cid(index: int, _target: TargetDigest) -> str:
            return f"cid:{self._chart_id(digest, index)}"

        msg.set_content(digest_text(digest, code))
        msg.add_alternative(digest_html(digest, cid, code), subtype="html")
        html_part = msg.get_payload()[1]
        for index, (target, chart) in enumerate(zip(digest.targets, charts, strict=True)):
            html_part.add_related(
                chart,
                maintype="image",
                subtype="png",
                cid=f"<{self._chart_id(digest, index)}>",
                disposition="inline",
                filename=f"trend-{index + 1}.png",
                params={"name": f"{target.name} trend"},
            )
        return msg

    def _chart_id(self, digest: Digest, index: int) -> str:
        return f"trend-{index + 1}.{digest.day:%Y%m%d}@kulak"

    def _message(self, title: str, identity: str) -> EmailMessage:
        msg = EmailMessage(policy=MAIL_POLICY)
        msg["Subject"] = title
        msg["From"] = self.options.sender
        msg["To"] = ", ".join(self.options.to)
        msg["Date"] = formatdate(usegmt=True)
        seed = f"{identity}|{'|'.join(sorted(self.options.to))}".encode()
        msg["Message-ID"] = f"<{hashlib.sha256(seed).hexdigest()[:32]}@kulak>"
        msg["Auto-Submitted"] = "auto-generated"
        return msg

    def _send(self, alert: Alert) -> SendResult:
        if alert.kind not in self.options.immediate:
            return SendResult.left_for_digest(f"{alert.kind} alerts wait for the daily digest")
        return self._deliver(self.alert_message(alert))

    def _send_digest(self, digest: Digest) -> SendResult:
        return self._deliver(self.digest_message(digest))

    def _deliver(self, msg: EmailMessage) -> SendResult:
        options = self.options
        port = options.port or DEFAULT_PORTS[options.security]
        context = ssl.create_default_context(cafile=options.ca_file)
        if options.security == "tls":
            smtp = smtplib.SMTP_SSL(options.host, port, timeout=options.timeout, context=context)
        else:
            smtp = smtplib.SMTP(options.host, port, timeout=options.timeout)
        try:
            if options.security == "starttls":
                smtp.starttls(context=context)
            if options.username is not None and options.password is not None:
                _login(smtp, options.username, options.password.get_secret_value())
            recipients = [_bare(address) for address in options.to]
            refused = smtp.send_message(msg, _bare(options.sender), recipients)
        finally:
            _close(smtp)
        if refused:
            who = ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in refused.items())
            return SendResult.sent(f"the server refused some recipients: {who}")
        return SendResult.sent()

    def _classify(self, exc: Exception) -> SendResult | None:
        return classify_smtp_error(exc) or super()._classify(exc)


def _bare(address: str) -> str:
    return getaddresses([address])[0][1]


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """smtplib cannot send non-ASCII credentials (a Turkish "Şifre"); AUTH PLAIN is UTF-8
    by RFC 4616, so such credentials go that way by hand."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN, needed for non-ASCII credentials")
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT politely; a message already accepted stays sent whatever QUIT does."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def classify_smtp_error(exc: Exception) -> SendResult | None:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SendResult.failed(f"login rejected ({exc.smtp_code}): check username and password")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendResult.failed(f"the server does not support this: {exc} (check `security`)")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        who = ", ".join(exc.recipients)
        if any(400 <= code < 500 for code in codes):
            return SendResult.retry(f"recipients deferred: {who}")
        return SendResult.failed(f"every recipient was refused: {who}")
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        reason = f"SMTP {exc.smtp_code} {text}".strip()
        return SendResult.retry(reason) if 400 <= exc.smtp_code < 500 else SendResult.failed(reason)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SendResult.retry(f"the server hung up: {exc}")
    if isinstance(exc, smtplib.SMTPException):
        return SendResult.failed(f"SMTP: {exc}")
    return classify_network_error(exc) if isinstance(exc, OSError) else None
