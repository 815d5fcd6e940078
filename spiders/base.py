"""The shared spider: options, politeness, incremental cursors and error accounting.

A source spider declares its `Options`, builds its first requests and parses responses
into `Post` items. Everything a source must not get wrong on its own lives here: failed
responses become `SourceProblem` items (never exceptions), a parser that breaks on a
malformed body is reported with a sample, and `PageDone` is yielded only after a page's
posts, so the store advances the cursor once those posts are safe.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from twisted.python.failure import Failure
from w3lib.html import remove_tags, replace_entities

from spiders.items import PageDone, Post, SourceProblem

logger = logging.getLogger(__name__)

#: the longest we ever wait for a server that asks us to: longer waits end the run
MAX_WAIT_SECONDS = 120.0


def http_url(value: str) -> str:
    """A base URL as options take it; a bare host name would fail at the first request,
    far from the settings line that caused it."""
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} is not a URL: write it with https:// (or http://)")
    return value.rstrip("/")


#: an option holding a base URL (a list of instances, keys of a mapping...)
BaseUrl = Annotated[str, AfterValidator(http_url)]


class SourceOptions(BaseModel):
    """Options every source accepts; a source subclasses it to declare its own."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(
        description="Where the source's API or pages live (a mirror or replay works)"
    )
    max_pages: int = Field(5, ge=1, le=100, description="Pages fetched per query and run at most")
    queries: list[str] = Field(
        default_factory=list,
        description="Search terms; empty means every target's keywords, handles and hashtags",
    )

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return http_url(value)


@dataclass(frozen=True)
class TargetTerms:
    """What a spider needs to know of a target to build its queries."""

    name: str
    keywords: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def search_terms(self) -> list[str]:
        return [*self.keywords, *self.handles, *self.hashtags]


@dataclass
class CollectorContext:
    """What the scheduler hands a spider for one run."""

    source: str
    options: SourceOptions
    targets: list[TargetTerms] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    contact_url: str = "https://github.com/kulak-dev/kulak"


class KulakSpider(scrapy.Spider):
    """Base of every source. Subclasses set `name`, `Options`, and implement
    `first_requests()` and their parsers (pure functions of a response)."""

    Options: ClassVar[type[SourceOptions]] = SourceOptions
    #: whether the source needs credentials before it can run at all
    needs_credentials: ClassVar[bool] = False
    #: response headers naming remaining requests and the reset time, if the source sends them
    rate_limit_headers: ClassVar[tuple[str, str] | None] = None
    #: HTML sources obey robots.txt; APIs are asked for by their documented endpoints
    obeys_robots: ClassVar[bool] = False

    custom_settings: ClassVar[dict[str, Any]] = {}

    def __init__(self, context: CollectorContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context
        self.options = context.options
        self.cursor = dict(context.cursor)

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        settings.set("ROBOTSTXT_OBEY", cls.obeys_robots, priority="spider")

    @classmethod
    def missing_credentials(cls, options: SourceOptions) -> str | None:
        """Why this source cannot run with these options, or None when it can."""
        return None

    def queries(self) -> list[str]:
        if self.options.queries:
            return list(self.options.queries)
        terms: list[str] = []
        for target in self.context.targets:
            terms.extend(t for t in target.search_terms() if t not in terms)
        return terms

    async def start(self) -> AsyncIterator[Any]:
        for request in self.first_requests():
            yield request

    def first_requests(self) -> Iterable[Request]:
        raise NotImplementedError

    def request(self, url: str, parser: Callable[..., Iterable[Any]], **kwargs: Any) -> Request:
        """A request whose response goes through `guard` and whose failure is accounted for."""
        meta = kwargs.pop("meta", {})
        meta["parser"] = parser
        return Request(
            url,
            callback=self.guard,
            errback=self.failed,
            meta=meta,
            dont_filter=True,
            **kwargs,
        )

    def guard(self, response: Response) -> Iterator[Any]:
        """Turn error statuses into problems and parser crashes into 'malformed' reports."""
        problem = problem_for_status(response)
        if problem is not None and response.status == 404 and "gone" in response.meta:
            # A page the spider only re-checks may be deleted: that is news, not a failure.
            yield from response.meta["gone"](response)
            return
        if problem is not None:
            yield problem
            return
        parser = response.meta["parser"]
        try:
            yield from parser(response)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            sample = response.text[:160] if hasattr(response, "text") else repr(response.body[:160])
            yield SourceProblem(
                "malformed",
                f"{type(exc).__name__}: {exc}; body starts {sample!r}",
                url=response.url,
            )

    def failed(self, failure: Failure) -> Iterator[SourceProblem]:
        request = getattr(failure, "request", None)
        message = failure.getErrorMessage()
        if failure.check(IgnoreRequest) and "robots.txt" in message:
            if message == "Forbidden by robots.txt":  # Scrapy's own words
                message = "the site's robots.txt forbids this page to kulak's User-Agent"
            yield SourceProblem(
                "blocked", message, url=request.url if request is not None else None
            )
            return
        yield SourceProblem(
            "unreachable",
            f"{failure.type.__name__}: {failure.getErrorMessage()}",
            url=request.url if request is not None else None,
        )


def problem_for_status(response: Response) -> SourceProblem | None:
    status = response.status
    if status == 304:
        return None
    # A 401/403 from bot protection is 'blocked', not revoked credentials; Cloudflare
    # answers its "Just a moment..." page with 200 or 503 too: no data either way.
    challenge = _looks_like_challenge if status in (401, 403) else _is_challenge_page
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
    except ValueError:
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
        or _is_challenge_page(response)
    )


_CHALLENGE_MARKERS = (
    b"<title>just a moment",
    b"challenge-platform",
    b"cf-chl-",
    b"g-recaptcha",
    b"h-captcha",
)


def _is_challenge_page(response: Response) -> bool:
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


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt check, with each site's robots.txt kept for a day in the process.

    Scrapy asks for robots.txt once per crawl, and kulak runs a crawl per poll: polling
    every 15 minutes, that would be a third of an HTML source's requests. RFC 9309 lets a
    crawler keep robots.txt for up to 24 hours. A robots.txt that is unreachable (429,
    5xx) forbids the whole site for this run, as RFC 9309 asks, and is asked for again on
    the next run; one that is unavailable (another 4xx) means no rules.
    """

    MAX_AGE_SECONDS = 24 * 3600
    UNREACHABLE = "robots.txt unreachable (HTTP {}): the site is not crawled until it answers"
    #: scheme://netloc -> (when fetched, time.monotonic(); the parsed robots.txt)
    fetched: ClassVar[dict[str, tuple[float, Any]]] = {}

    async def robot_parser(self, request: Request) -> Any:
        site = _site(request.url)
        cached = self.fetched.get(site)
        if cached is not None and time.monotonic() - cached[0] < self.MAX_AGE_SECONDS:
            return cached[1]
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status == 429 or response.status >= 500:
            # Requests waiting for this robots.txt get the stand-in too.
            waiting = self._parsers[netloc]
            self._parsers[netloc] = rules = _Unreachable(response.status)
            waiting.callback(rules)
            return
        await super()._parse_robots(response, netloc, request)
        self.fetched[_site(request.url)] = (time.monotonic(), self._parsers[netloc])

    def process_request_2(self, rp: Any, request: Request) -> None:
        if isinstance(rp, _Unreachable):
            raise IgnoreRequest(self.UNREACHABLE.format(rp.status))
        super().process_request_2(rp, request)


@dataclass(frozen=True)
class _Unreachable:
    """The disallow-all rules that stand in for an unreachable robots.txt, and why."""

    status: int

    def allowed(self, url: str, user_agent: str | bytes) -> bool:
        return False


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PolitenessMiddleware:
    """Waits as servers ask: Retry-After on 429/503, backoff on 5xx, rate-limit headers.

    Scrapy's RetryMiddleware retries at once; a server that asked us to wait would see
    a retry storm. Waits longer than MAX_WAIT_SECONDS end the attempt: the response goes
    to the spider as a problem and the next scheduled run tries again.
    """

    RETRY_STATUSES = (429, 500, 502, 503, 504)

    def __init__(self, max_retries: int = 3, backoff_base: float = 1.0) -> None:
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.paused_until = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any) -> PolitenessMiddleware:
        return cls(
            max_retries=crawler.settings.getint("KULAK_MAX_RETRIES", 3),
            backoff_base=crawler.settings.getfloat("KULAK_BACKOFF_BASE", 1.0),
        )

    async def process_request(self, request: Request) -> None:
        wait = self.paused_until - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return None

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        window = self._note_rate_limit(request, response)
        if response.status not in self.RETRY_STATUSES or _is_challenge_page(response):
            # A challenge does not go away by asking again: the spider reports 'blocked'.
            return response
        attempt = request.meta.get("kulak_attempt", 0) + 1
        if attempt > self.max_retries:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None and response.status == 429:
            # Some sources (Mastodon) say when their window resets instead of Retry-After.
            wait = window
        if wait is None:
            wait = self.backoff_base * 2 ** (attempt - 1)
        if wait > MAX_WAIT_SECONDS:
            return response
        logger.info(
            "%s from %s: waiting %.1fs (attempt %d)", response.status, request.url, wait, attempt
        )
        await asyncio.sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["kulak_attempt"] = attempt
        return retry

    def _note_rate_limit(self, request: Request, response: Response) -> float | None:
        """Pause every request when the source's window is spent; the seconds it still
        has to run then, else None."""
        spider_cls = request.meta.get("parser")
        names = getattr(getattr(spider_cls, "__self__", None), "rate_limit_headers", None)
        if not names:
            return None
        remaining = response.headers.get(names[0])
        reset = response.headers.get(names[1])
        if remaining is None or reset is None:
            return None
        try:
            left = int(float(remaining))
        except ValueError:
            return None
        wait = reset_wait_seconds(reset)
        if left > 0 or wait is None or wait <= 0:
            return None
        if wait <= MAX_WAIT_SECONDS:
            self.paused_until = time.monotonic() + wait
        return wait


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


@dataclass(frozen=True)
class Mark:
    """How far a time-ordered source was read: the newest time stored and the ids seen at
    that exact time, so an item sharing that second with the last one is neither skipped
    nor stored twice. An item edited later has a newer time and is read again."""

    newest: datetime | None = None
    ids: tuple[str, ...] = ()

    def seen(self, when: datetime, key: str) -> bool:
        if self.newest is None:
            return False
        return when < self.newest or (when == self.newest and key in self.ids)

    def advanced(self, when: datetime, key: str) -> Mark:
        if self.newest is None or when > self.newest:
            return Mark(when, (key,))
        if when == self.newest and key not in self.ids:
            return Mark(when, tuple(sorted((*self.ids, key))))
        return self

    def dump(self) -> dict[str, Any]:
        return {"newest": self.newest.isoformat() if self.newest else None, "ids": list(self.ids)}

    @staticmethod
    def fields(data: dict[str, Any] | None) -> dict[str, Any]:
        """The constructor arguments of a dumped mark (also for subclasses' `load`)."""
        newest = (data or {}).get("newest")
        return {
            "newest": datetime.fromisoformat(newest) if newest else None,
            "ids": tuple((data or {}).get("ids") or ()),
        }


__all__ = [
    "ISTANBUL",
    "BaseUrl",
    "CachedRobotsTxtMiddleware",
    "CollectorContext",
    "KulakSpider",
    "Mark",
    "PageDone",
    "PolitenessMiddleware",
    "Post",
    "SourceOptions",
    "SourceProblem",
    "TargetTerms",
    "epoch_to_utc",
    "html_to_text",
    "http_url",
    "iso_to_utc",
    "istanbul_to_utc",
    "problem_for_status",
    "reset_wait_seconds",
    "response_time",
    "retry_after_seconds",
]
