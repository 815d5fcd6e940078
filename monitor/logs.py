"""Logging for the long-running service: plain or JSON lines, and secrets never shown.

Secrets are marked in the settings (`SecretStr` options, the database password); every
line is formatted first and then has each secret's value replaced, so a library that logs
a URL or a header with a token in it cannot leak it either.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url

from monitor.config import Settings

LogFormat = Literal["text", "json"]
MASK = "***"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def secrets_of(settings: Settings) -> set[str]:
    """Every secret value the settings hold."""
    found: set[str] = set()
    for entry in (*settings.sources, *settings.channels):
        found.update(_secret_values(entry.options))
    password = make_url(settings.general.database).password
    if password:
        found.add(str(password))
    return {value for value in found if value}


def _secret_values(value: Any) -> Iterable[str]:
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _secret_values(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _secret_values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secret_values(item)


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(RedactingFormatter):
    """One JSON object per line: time (UTC), level, logger, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        # Masked before encoding: JSON escapes would hide a secret from a later search.
        return json.dumps(entry, ensure_ascii=False)


def configure(fmt: LogFormat, level: int, secrets: Iterable[str] = ()) -> None:
    """Send every logger's records to stderr in `fmt`, with `secrets` masked."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter(secrets))
    else:
        handler.setFormatter(RedactingFormatter(secrets, TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Chatty at INFO on every run (each crawl, each job, each migration check): their
    # warnings and errors still show; -v shows everything.
    quiet = logging.DEBUG if level <= logging.DEBUG else logging.WARNING
    for name in ("apscheduler", "scrapy", "alembic"):
        logging.getLogger(name).setLevel(quiet)
