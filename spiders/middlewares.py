"""Downloader middlewares every source gets: robots.txt kept for a day, and politeness."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from spiders.status import is_challenge_page, reset_wait_seconds, retry_after_seconds

logger = logging.getLogger(__name__)

#: the longest we ever wait for a server that asks us to: longer waits end the run
MAX_WAIT_SECONDS = 120.0


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

    def __init__(
        self,
        crawler: Crawler | None = None,
        *,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        rate_limit_headers: tuple[str, str] | None = None,
    ) -> None:
        self.crawler = crawler
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.rate_limit_headers = rate_limit_headers
        self.paused_until = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        return cls(
            crawler,
            max_retries=crawler.settings.getint("KULAK_MAX_RETRIES", 3),
            backoff_base=crawler.settings.getfloat("KULAK_BACKOFF_BASE", 1.0),
            rate_limit_headers=getattr(crawler.spidercls, "rate_limit_headers", None),
        )

    async def process_request(self, request: Request) -> None:
        wait = self.paused_until - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return None

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        window = self._note_rate_limit(request, response)
        if response.status not in self.RETRY_STATUSES or is_challenge_page(response):
            # A challenge does not go away by asking again: the spider reports 'blocked'.
            return response
        attempt = request.meta.get("retry_times", 0) + 1
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None and response.status == 429:
            # Some sources (Mastodon) say when their window resets instead of Retry-After.
            wait = window
        if wait is None:
            wait = self.backoff_base * 2 ** (attempt - 1)
        if wait > MAX_WAIT_SECONDS:
            return response
        # Scrapy's own retry bookkeeping, so its stats (retry/count, max_reached) stay true.
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"{response.status} response",
            max_retry_times=self.max_retries,
        )
        if retry is None:
            return response
        logger.info(
            "%s from %s: waiting %.1fs (attempt %d)", response.status, request.url, wait, attempt
        )
        await asyncio.sleep(wait)
        return retry

    def _note_rate_limit(self, request: Request, response: Response) -> float | None:
        """Pause every request when the source's window is spent; the seconds it still
        has to run then, else None."""
        names = self.rate_limit_headers
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
