"""Logging: plain or JSON lines, secrets never shown, and one record one line.

Secrets are every value the settings took from the environment, `SecretStr` options and
the database password; every line is formatted first and then has each secret's value
replaced, so a library that logs a URL or a header with a token in it cannot leak it
either. `mask` does the same for every handler, and for a traceback no handler sees.

In the text format a message's control characters and line ends are escaped and a
traceback's lines are indented, so an error body quoted in a message cannot forge a line.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url

from monitor.config import Settings
from monitor.printable import printable
from monitor.redact import MASK, Redactor

__all__ = [
    "MASK",
    "JsonFormatter",
    "RedactingFormatter",
    "TextFormatter",
    "mask",
    "masked",
    "secrets_of",
]

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def secrets_of(settings: Settings) -> set[str]:
    """Every secret value the settings hold."""
    found: set[str] = set(settings.secrets)
    for entry in (*settings.sources, *settings.channels):
        found.update(_secret_values(entry.options))
    found.update(_secret_values(settings.sentiment))
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
        self.redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class TextFormatter(RedactingFormatter):
    """One line per record; a traceback's lines indented below it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(secrets, TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record.message = printable(record.getMessage(), one_line=True)
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        parts = [self.formatMessage(record)]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for details in (record.exc_text, record.stack_info):
            if details:
                parts.extend("  " + printable(line) for line in details.splitlines())
        return self.redact("\n".join(parts))


class RedactingFilter(logging.Filter):
    """Masks a record's message and traceback before any handler formats it."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


#: the secrets `mask` was last given, for text printed without a log handler
_masking = Redactor()


def masked(text: str) -> str:
    """`text` with the secrets of this process's settings masked."""
    return _masking(text)


def mask(secrets: Iterable[str]) -> Redactor:
    """From now on in this process, `secrets` never reach a log handler, a traceback
    printed on stderr or `masked`; the redactor is returned for the store."""
    global _masking
    redact = _masking = Redactor(secrets)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(RedactingFilter(redact))
    hook = sys.__excepthook__

    def excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        import traceback

        sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))

    sys.excepthook = excepthook if redact else hook
    return redact


class JsonFormatter(RedactingFormatter):
    """One JSON object per line: time (UTC), level, logger, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info or record.exc_text:
            details = record.exc_text or self.formatException(record.exc_info)
            entry["exception"] = self.redact(details)
        # Masked before encoding: JSON escapes would hide a secret from a later search.
        return json.dumps(entry, ensure_ascii=False)


def configure(
    fmt: LogFormat, level: int, secrets: Iterable[str] = (), *, quiet: bool = True
) -> None:
    """Send every logger's records to stderr in `fmt`, with `secrets` masked; `quiet`
    keeps chatty libraries to their warnings unless `level` is DEBUG."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else TextFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Chatty at INFO on every run (each crawl, each job, each migration check): their
    # warnings and errors still show; -v shows everything.
    if quiet:
        libraries = logging.DEBUG if level <= logging.DEBUG else logging.WARNING
        for name in ("apscheduler", "scrapy", "alembic"):
            logging.getLogger(name).setLevel(libraries)
