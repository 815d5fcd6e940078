"""Turning what sources send into plain text and UTC times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from scrapy.http import Response
from w3lib.html import remove_tags, replace_entities

_BLOCK_TAGS = re.compile(r"<\s*/?\s*(br|p|div|li|h[1-6]|blockquote)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment: tags gone, entities decoded, paragraphs kept."""
    if not html:
        return ""
    text = _BLOCK_TAGS.sub("\n", html)
    text = replace_entities(remove_tags(text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def response_time(response: Response) -> datetime:
    """When the server answered (its Date header): what a page's "2 saat önce" counts from."""
    value = response.headers.get(b"Date")
    if value:
        try:
            return parsedate_to_datetime(value.decode("latin-1")).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)


ISTANBUL = ZoneInfo("Europe/Istanbul")


def istanbul_to_utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An Istanbul wall time, as Turkish sites write their dates, in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=ISTANBUL).astimezone(UTC)


def epoch_to_utc(value: float | int | str) -> datetime:
    return datetime.fromtimestamp(float(value), tz=UTC)


def iso_to_utc(value: str) -> datetime:
    """An RFC 3339 time as sources write it ("...Z", with or without fractions) in UTC;
    a time without an offset is taken as UTC."""
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
