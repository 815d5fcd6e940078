"""The shared spider: options, the run's context, and error accounting.

A source spider declares its `Options`, builds its first requests and parses responses
into `Post` items. Everything a source must not get wrong on its own lives here: failed
responses become `SourceProblem` items (never exceptions), a parser that breaks on a
malformed body is reported with a sample, and `PageDone` is yielded only after a page's
posts, so the store advances the cursor once those posts are safe.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

import scrapy
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from spiders.items import PageDone, Post, SourceProblem
from spiders.status import problem_for_status


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


__all__ = [
    "BaseUrl",
    "CollectorContext",
    "KulakSpider",
    "PageDone",
    "Post",
    "SourceOptions",
    "SourceProblem",
    "TargetTerms",
    "http_url",
]
