"""Web addresses in the settings, checked where they are written rather than at the first
request, far from the line that caused it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator


def web_url_problem(value: str) -> str | None:
    """What is wrong with `value` as an http(s) URL, or None. The value itself is never
    quoted: a webhook URL is a secret."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https"):
        return "is not a URL: it must start with https:// (or http://)"
    if not parts.hostname:
        return "is not a URL: it has no host name after the scheme"
    return None


def web_url(value: str) -> str:
    """A URL option that is not a secret: quoted in the error, so it can be found."""
    problem = web_url_problem(value)
    if problem:
        raise ValueError(f"{value!r} {problem}")
    return value


#: an http(s) URL option (a secret one is checked with `web_url_problem`, unquoted)
WebUrl = Annotated[str, AfterValidator(web_url)]
