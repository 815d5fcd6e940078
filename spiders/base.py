"""The shared spider: options, the run's context, and error accounting.

A source spider declares its `Options`, builds its first requests and parses responses
into `Post` items. Everything a source must not get wrong on its own lives here: failed
responses become `SourceProblem` items (never exceptions), a parser that breaks on a
malformed body is reported with a sample, and `PageDone` is yielded only after a page's
posts, so the store advances the cursor once those posts are safe.

One bad item never costs its page: parsers read each item of an answer through
`read_each`, which turns an item they cannot read into a `Skipped`, and spiders keep the
rest through `KulakSpider.readable`, which counts the skipped ones (and keeps the first as
the run's example) in the crawl's stats. An answer none of whose items can be read is
malformed as a whole, so its cursor stays and it is fetched again.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, TypeVar

import scrapy
from lxml import etree
from pydantic import AfterValidator, BaseModel, ByteSize, ConfigDict, Field, field_validator
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.selector import Selector
from twisted.python.failure import Failure

from spiders.items import PageDone, Post, Skipped, SourceProblem
from spiders.status import problem_for_status

T = TypeVar("T")
R = TypeVar("R")

#: what a parser raises on an answer or an item in a format it does not expect
PARSE_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    ArithmeticError,  # a number out of range ("created_at_i": 1e20 is an OverflowError)
)
#: characters of a body or an item quoted in a report
SAMPLE_CHARS = 160
#: crawl stats: items of answers read (skipped ones included), items skipped, the first one
ITEMS_STAT = "kulak/items"
SKIPPED_STAT = "kulak/items_skipped"
SKIP_EXAMPLE_STAT = "kulak/skip_example"


def http_url(value: str) -> str:
    """A base URL as options take it; a bare host name would fail at the first request,
    far from the settings line that caused it."""
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} is not a URL: write it with https:// (or http://)")
    return value.rstrip("/")


#: an option holding a base URL (a list of instances, keys of a mapping...)
BaseUrl = Annotated[str, AfterValidator(http_url)]

MiB = 1024 * 1024


def plain_account(handle: str) -> str:
    """`@Name` as `name`: how a handle compares where a source has no rules of its own."""
    value = handle.strip().removeprefix("@").casefold()
    if not value:
        raise ValueError("an empty handle")
    return value


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
    tls_verify: bool = Field(
        True,
        description="Verify the server's TLS certificate (the system's CA store, or the "
        "file SSL_CERT_FILE names). false only for a lab proxy of your own: anyone on the "
        "way can then read the source's credentials; every run warns",
    )
    max_response_size: Annotated[ByteSize, Field(gt=0)] | None = Field(
        None,
        description="Largest answer taken, after decompression (e.g. 20MB); a larger one "
        "is a failed run. Default: the source's own cap, its largest real answer with headroom",
    )

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return http_url(value)

    @classmethod
    def account(cls, handle: str) -> str:
        """A target's own account on this source as settings write it, in the form the
        spider's `author_accounts` gives; a ValueError says what is wrong with it."""
        return plain_account(handle)


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
    #: the largest answer taken unless `max_response_size` says otherwise: the sources'
    #: pages and API answers are under 2 MiB, so this leaves room and stops a bomb
    size_cap: ClassVar[int] = 10 * MiB
    #: the source's name as its users know it, for alerts and digests ("Hacker News")
    display_name: ClassVar[str] = ""
    #: what the source writes before an account's handle: "@" on X, "u/" on Reddit, nothing
    #: where names are written bare (Hacker News, Ekşi Sözlük nicknames)
    handle_prefix: ClassVar[str] = "@"
    #: whether the source's authors are people who may be customers; False where they are
    #: publishers (news sites, feeds, broadcast channels), whose posts are no one to answer
    authors_are_people: ClassVar[bool] = True
    #: whether replies show here and a target's answers are known only by who wrote them,
    #: so the response gap needs the target's own account on this source in the settings
    answers_by_account: ClassVar[bool] = False

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
    def author_accounts(cls, post: Post) -> set[str]:
        """Every form of the post's author that `Options.account` can give, so an account
        written in the settings in any accepted form is recognised."""
        handle = (post.author_handle or "").strip()
        return {plain_account(handle)} if handle else set()

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
        """Turn error statuses into problems and parser crashes, whatever they raise, into
        'malformed' reports."""
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
        except Exception as exc:
            # Whatever breaks a parser on the answer as a whole (JSON nested too deep to
            # decode, anything unforeseen) costs this page, reported: never a success.
            body = response.text if hasattr(response, "text") else repr(response.body)
            sample = body[:SAMPLE_CHARS]
            yield SourceProblem(
                "malformed",
                f"{type(exc).__name__}: {exc}; body starts {sample!r}",
                url=response.url,
            )

    def readable(self, items: Iterable[T | Skipped], response: Response) -> list[T]:
        """The items of an answer its parser could read. The skipped ones are counted in
        the crawl's stats and the first kept as the run's example; an answer none of whose
        items could be read is malformed as a whole (its cursor stays: it is read again)."""
        kept: list[T] = []
        skipped: list[Skipped] = []
        for item in items:
            if isinstance(item, Skipped):
                skipped.append(item)
            else:
                kept.append(item)
        if skipped and not kept:
            raise ValueError(
                f"none of the answer's {len(skipped)} items could be read "
                f"(the first: {skipped[0].reason})"
            )
        stats = self.crawler.stats
        stats.inc_value(ITEMS_STAT, len(kept) + len(skipped))
        if skipped:
            stats.inc_value(SKIPPED_STAT, len(skipped))
            if stats.get_value(SKIP_EXAMPLE_STAT) is None:
                first = skipped[0]
                example = f"{first.reason}; the item starts {first.sample!r} ({response.url})"
                stats.set_value(SKIP_EXAMPLE_STAT, example)
        return kept

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
        if failure.check(DownloadCancelledError) or "DOWNLOAD_MAXSIZE" in message:
            # Scrapy cancels an answer past DOWNLOAD_MAXSIZE, and ignores one that
            # decompresses past it: the only cancellations kulak's crawls make.
            yield SourceProblem(
                "too_large",
                f"the answer is larger than this source's cap of {human_size(self.size_limit())}"
                ": set max_response_size for it if such answers are expected",
                url=request.url if request is not None else None,
            )
            return
        yield SourceProblem(
            "unreachable",
            transport_error(failure) or f"{failure.type.__name__}: {message}",
            url=request.url if request is not None else None,
        )

    def size_limit(self) -> int:
        """The largest answer this run takes, in bytes."""
        return self.options.max_response_size or self.size_cap


def human_size(size: int) -> str:
    return f"{size / MiB:g} MiB" if size >= MiB else f"{size:,} bytes"


def transport_error(failure: Failure) -> str | None:
    """What failed in TLS, in words, or None: a refused certificate is worth saying so,
    not a Twisted traceback."""
    for error in _causes(failure.value):
        if type(error).__name__ == "VerificationError":  # service_identity's
            return "TLS: the server's certificate is not for this host; kulak sent nothing"
        if type(error).__module__.startswith("OpenSSL"):
            return (
                f"TLS: the server's certificate was refused ({_ssl_words(error)}); "
                "kulak sent nothing"
            )
    return None


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    """An error, what caused it, and the failures Twisted gathered in it, at any depth."""
    while error is not None:
        yield error
        for reason in getattr(error, "reasons", None) or []:
            if isinstance(reason, Failure):
                yield from _causes(reason.value)
        error = error.__cause__ or error.__context__


def _ssl_words(error: BaseException) -> str:
    """OpenSSL's reason ('certificate verify failed') out of its error list."""
    details = error.args[0] if error.args else []
    words = [part[-1] for part in details if isinstance(part, tuple) and part]
    return "; ".join(words) or str(error)


def read_each(raws: Iterable[R], read: Callable[[R], T | None]) -> Iterator[T | Skipped]:
    """Each raw item of an answer read on its own: one that `read` cannot make sense of
    becomes a `Skipped` (its error and how it starts) instead of costing the whole page.
    `read` returns None for an item with nothing to keep (deleted, without text)."""
    for raw in raws:
        try:
            found = read(raw)
        except PARSE_ERRORS as exc:
            yield Skipped(f"{type(exc).__name__}: {exc}", item_sample(raw))
        else:
            if found is not None:
                yield found


def item_sample(raw: Any) -> str:
    """How a raw item starts, as the source sent it (JSON, HTML or XML)."""
    if isinstance(raw, Selector):
        text = raw.get()
    elif etree.iselement(raw):
        text = etree.tostring(raw, encoding="unicode")
    elif isinstance(raw, dict | list):
        text = json.dumps(raw, ensure_ascii=False, default=str)
    else:
        text = str(raw)
    return text[:SAMPLE_CHARS]


__all__ = [
    "BaseUrl",
    "CollectorContext",
    "KulakSpider",
    "PageDone",
    "Post",
    "Skipped",
    "SourceOptions",
    "SourceProblem",
    "TargetTerms",
    "http_url",
    "read_each",
]
