"""Secrets masked in any text kulak writes out: log lines, the store's error columns,
status, alerts.

A secret is every value the settings took from the environment (`${VAR}`), every
`SecretStr` option and the database password. A library may print a secret as part of
a URL (percent-encoded) or inside JSON (escaped), so those spellings are masked too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
#: shorter values are not masked: masking "on" or "10" everywhere would garble every
#: line, and no credential is that short
MIN_LENGTH = 4


def spellings(secret: str) -> set[str]:
    """The ways a secret can appear in text: as is, percent-encoded, JSON-escaped."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1],
    }


class Redactor:
    """Replaces every spelling of every secret with MASK."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        found = {s for secret in secrets if len(secret) >= MIN_LENGTH for s in spellings(secret)}
        # Longest first, so a secret containing another is masked whole.
        self.values = sorted(found, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self.values)


def redact(text: str, secrets: Iterable[str]) -> str:
    return Redactor(secrets)(text)
