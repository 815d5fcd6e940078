"""What an answer's status and headers say: a problem to report, a challenge page, a wait.

Shared by the spider's guard (which turns failed answers into health reports) and the
politeness middleware (which waits as servers ask).
"""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime

from scrapy.http import Response

from spiders.items import SourceProblem
from spiders.parsing import iso_to_utc


def problem_for_status(response: Response) -> SourceProblem | None:
    status = response.status
    if status == 304:
        return None
    # A 401/403 from bot protection is 'blocked', not revoked credentials; Cloudflare
    # answers its "Just a moment..." page with 200 or 503 too: no data either way.
    challenge = _looks_like_challenge if status in (401, 403) else is_challenge_page
    if challenge(response):
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        asks = f" (Retry-After {wait:.0f} s: the next scheduled run tries again)" if wait else ""
        return SourceProblem(
            "blocked", f"HTTP {status}: a bot-protection page{asks}", url=response.url
        )
    if status < 400:
        return None
    reason = f"HTTP {status}: {_short_body(response)}"
    if status in (401, 403):
        kind = "auth_failed"
    elif status == 404:
        kind = "not_found"
    elif status == 429:
        kind = "rate_limited"
    elif status >= 500:
        kind = "unreachable"
    else:
        kind = "malformed"
    return SourceProblem(kind, reason, url=response.url)


def _short_body(response: Response) -> str:
    try:
        data = json.loads(response.body or b"null")
    except (ValueError, RecursionError):  # not JSON, or JSON nested too deep to read
        return response.body[:120].decode("utf-8", "replace").strip() or "(empty body)"
    if isinstance(data, dict):
        for key in ("error", "message", "detail", "title"):
            if data.get(key):
                value = data[key]
                return value if isinstance(value, str) else json.dumps(value)[:120]
    return json.dumps(data)[:120]


def _looks_like_challenge(response: Response) -> bool:
    """Whether a 401/403 comes from bot protection (a looser test than for other statuses:
    such an answer carries no data anyway)."""
    server = response.headers.get(b"Server", b"").lower()
    body = response.body[:4000].lower()
    return (
        b"cloudflare" in server
        or b"captcha" in body
        or b"challenge" in body
        or is_challenge_page(response)
    )


_CHALLENGE_MARKERS = (
    b"<title>just a moment",
    b"challenge-platform",
    b"cf-chl-",
    b"g-recaptcha",
    b"h-captcha",
)


def is_challenge_page(response: Response) -> bool:
    """A bot-protection page served in place of data, known by its markup or header.

    Stricter than `_looks_like_challenge`: a 200 answer of an API whose posts mention
    the word "captcha" is data, so only HTML carrying a challenge's own markers counts.
    """
    if response.headers.get(b"cf-mitigated", b"").lower() == b"challenge":
        return True
    head = response.body[:20000].lower()
    if not head.lstrip().startswith(b"<"):
        return False
    return any(marker in head for marker in _CHALLENGE_MARKERS)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def reset_wait_seconds(value: bytes | str, now: float | None = None) -> float | None:
    """Seconds until a rate-limit window resets, from whichever form the source sends:
    seconds to go, an epoch timestamp, or an ISO 8601 time (Mastodon)."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    now = time.time() if now is None else now
    try:
        number = float(text)
    except ValueError:
        try:
            return iso_to_utc(text.strip()).timestamp() - now
        except ValueError:
            return None
    return number - now if number > 1e9 else number
