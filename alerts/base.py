"""The channel interface: what every alert channel declares and how it reports a send.

A channel never raises out of `send`: the outbox needs to know whether to try again later
(`retry`, maybe with the peer's Retry-After) or to stop (`failed`, with a reason a person
can act on). Options are a pydantic model per channel; secrets are `SecretStr`, so neither
`repr` nor a log line can show them.
"""

from __future__ import annotations

import logging
import socket
import ssl
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING, ClassVar, Literal
from urllib.error import URLError

from pydantic import BaseModel, ConfigDict, Field

from monitor.alert import Alert
from monitor.i18n import Language, LanguageCode, language

if TYPE_CHECKING:
    from monitor.digest import Digest

log = logging.getLogger(__name__)

Outcome = Literal["ok", "retry", "failed"]


@dataclass(frozen=True)
class SendResult:
    """`ok`: delivered. `retry`: try again (not before `retry_after` seconds if given).
    `failed`: will not work until a person changes something; `reason` says what."""

    status: Outcome
    reason: str = ""
    retry_after: float | None = None
    for_digest: bool = False  # done with, but nothing went out: the daily digest tells it

    @classmethod
    def sent(cls, note: str = "") -> SendResult:
        return cls("ok", note)

    @classmethod
    def left_for_digest(cls, note: str) -> SendResult:
        """Nothing to send now for this alert: the channel's daily digest will show it."""
        return cls("ok", note, for_digest=True)

    @classmethod
    def retry(cls, reason: str, retry_after: float | None = None) -> SendResult:
        return cls("retry", reason, retry_after)

    @classmethod
    def failed(cls, reason: str) -> SendResult:
        return cls("failed", reason)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class DigestSchedule:
    at: time  # local time of day
    timezone: str | None = None  # None: the settings' kulak.timezone


class ChannelOptions(BaseModel):
    """Base of every channel's options: unknown keys are typos, so they are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: LanguageCode | None = Field(
        None, description="en, tr or el: the language of this channel (default: kulak.language)"
    )


class Channel:
    """One way of telling people about alerts. Subclasses live one per file in `alerts/`.

    Subclasses set `type` (the name used in settings.yaml), `Options` and implement
    `_send`; they may extend `_classify` for their own exceptions.
    """

    type: ClassVar[str]
    Options: ClassVar[type[ChannelOptions]] = ChannelOptions

    def __init__(
        self,
        options: ChannelOptions | None = None,
        name: str | None = None,
        timezone: str = "UTC",
        language: str = "en",
    ) -> None:
        self.options = options if options is not None else self.Options()
        self.name = name or self.type
        self.timezone = timezone  # kulak.timezone: times in alerts are shown in it
        self.default_language = language  # kulak.language, unless the options set one

    @property
    def lang(self) -> Language:
        """The language this channel writes in: its own option, else kulak.language."""
        return language(self.options.language or self.default_language)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def send(self, alert: Alert) -> SendResult:
        try:
            return self._send(alert)
        except Exception as exc:  # a channel must never take the delivery loop down
            return self._result_for(exc, f"alert {alert.key}")

    @property
    def digest_schedule(self) -> DigestSchedule | None:
        """When this channel's daily digest is due; None for channels that send none."""
        return None

    @property
    def sends_digests(self) -> bool:
        return self.digest_schedule is not None

    def send_digest(self, digest: Digest) -> SendResult:
        """Only for channels whose `sends_digests` is true (they implement `_send_digest`)."""
        try:
            return self._send_digest(digest)
        except Exception as exc:
            return self._result_for(exc, f"digest {digest.day}")

    def _send(self, alert: Alert) -> SendResult:
        raise NotImplementedError

    def _send_digest(self, digest: Digest) -> SendResult:
        raise NotImplementedError(f"{self.type} channels do not send digests")

    def _result_for(self, exc: Exception, what: str) -> SendResult:
        result = self._classify(exc)
        if result is None:
            log.exception("%s: unexpected error sending %s", self, what)
            result = SendResult.failed(f"unexpected {type(exc).__name__}: {exc}")
        else:
            log.warning("%s: %s (%s): %s", self, what, result.status, result.reason)
        return result

    def _classify(self, exc: Exception) -> SendResult | None:
        """Map an exception to a result; None for the unexpected (logged with traceback)."""
        return classify_network_error(exc)


def classify_network_error(exc: BaseException) -> SendResult | None:
    """Errors of the network itself, common to every channel that talks to a peer."""
    if isinstance(exc, URLError) and isinstance(exc.reason, BaseException):
        return classify_network_error(exc.reason)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SendResult.failed(f"TLS certificate rejected: {exc.verify_message}")
    if isinstance(exc, ssl.SSLError):
        return SendResult.failed(f"TLS failed (wrong port or security setting?): {exc}")
    if isinstance(exc, TimeoutError | socket.timeout):
        return SendResult.retry("timed out")
    if isinstance(exc, ConnectionRefusedError):
        return SendResult.retry("connection refused")
    if isinstance(exc, socket.gaierror):
        return SendResult.retry(f"host name did not resolve: {exc}")
    if isinstance(exc, ConnectionError | OSError):
        return SendResult.retry(f"network error: {exc}")
    return None
