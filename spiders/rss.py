"""RSS (0.9x, 1.0/RDF, 2.0) and Atom feeds, polled with conditional GET so an unchanged
feed costs one 304.

Feeds are read as forgivingly as feed readers read them (see `spiders.feedbody`), links
relative to the feed are made absolute (against `xml:base`, else the feed's URL), and an
entry that cannot be read is skipped, never its feed. Entities are never expanded and
nothing is fetched from the network while parsing: a feed is untrusted input.

The parsing functions here are public and pure (bytes in, entries out) so that other
feed-shaped sources (Google News, Reddit's `.rss` listings) reuse them; the spider's
conditional-GET and per-feed cursor logic lives in `FeedSpider`, which those sources
subclass.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from pydantic import Field, model_validator
from scrapy.http import Request, Response

from spiders.base import KulakSpider, MiB, SourceOptions, read_each
from spiders.cursor import Mark
from spiders.feedbody import mended
from spiders.items import PageDone, Post, Skipped
from spiders.parsing import html_to_text

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
#: RSS 1.0 and its predecessor RSS 0.90, both RDF documents
RSS_RDF = ("{http://purl.org/rss/1.0/}", "{http://my.netscape.com/rdf/simple/0.9/}")

#: the store keys posts by external id in 200 characters; longer ids are hashed
MAX_ID_LENGTH = 200

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"


@dataclass(frozen=True)
class FeedEntry:
    """One RSS item or Atom entry, as plain text and UTC times."""

    id: str | None
    link: str | None
    title: str
    summary: str
    published: datetime | None = None
    updated: datetime | None = None
    author: str | None = None
    author_uri: str | None = None
    source_name: str | None = None
    source_url: str | None = None

    @property
    def changed(self) -> datetime | None:
        """When the entry last changed: an edited Atom entry counts as new again."""
        times = [t for t in (self.published, self.updated) if t is not None]
        return max(times) if times else None


@dataclass(frozen=True)
class Feed:
    title: str
    updated: datetime | None
    entries: tuple[FeedEntry | Skipped, ...]  # an entry that cannot be read is a Skipped


def parse_feed(body: bytes, url: str | None = None, content_type: str | None = None) -> Feed:
    """An RSS or Atom document served from `url` with `content_type` (which may name its
    charset); ValueError when it is no feed or not XML even once mended."""
    # No entity expansion and no network: a feed is untrusted input.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(mended(body, content_type), parser, base_url=url)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise ValueError("RSS document without a <channel>")
        return Feed(
            title=html_to_text(_text(channel, "title")),
            updated=_date(_text(channel, "lastBuildDate") or _text(channel, "pubDate")),
            entries=tuple(read_each(channel.iter("item"), _rss_item)),
        )
    if root.tag == f"{RDF}RDF":
        return _rdf_feed(root)
    if root.tag == f"{ATOM}feed":
        return Feed(
            title=_atom_text(root.find(f"{ATOM}title")),
            updated=_date(_text(root, f"{ATOM}updated")),
            entries=tuple(read_each(root.iter(f"{ATOM}entry"), _atom_entry)),
        )
    raise ValueError(f"not an RSS or Atom feed (root element {root.tag!r})")


def _rdf_feed(root: Any) -> Feed:
    """RSS 1.0 (or 0.90): an RDF document whose items sit beside the channel."""
    for ns in RSS_RDF:
        channel = root.find(f"{ns}channel")
        if channel is not None:
            return Feed(
                title=html_to_text(_text(channel, f"{ns}title")),
                updated=_date(_text(channel, f"{DC}date")),
                entries=tuple(read_each(root.iter(f"{ns}item"), partial(_rss_item, ns=ns))),
            )
    raise ValueError("RDF document without an RSS 1.0 <channel>")


def parse_date(value: str) -> datetime:
    """RFC 822 (RSS) or RFC 3339 (Atom) to UTC; a time without a zone is taken as UTC."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _date(value: str | None) -> datetime | None:
    """A date the feed gives badly is a missing date, not a lost feed."""
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


def _text(element: Any, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _rss_item(item: Any, ns: str = "") -> FeedEntry:
    """An RSS 2.0 item, or an RSS 1.0 one (`ns`: its namespace), whose id is rdf:about."""
    source = item.find("source")
    return FeedEntry(
        id=_text(item, "guid") or item.get(f"{RDF}about"),
        link=_absolute(item, _text(item, f"{ns}link")),
        title=html_to_text(_text(item, f"{ns}title")),
        summary=html_to_text(_text(item, f"{ns}description") or _text(item, f"{CONTENT}encoded")),
        published=_date(_text(item, "pubDate") or _text(item, f"{DC}date")),
        author=_text(item, f"{DC}creator") or _rss_author(_text(item, "author")),
        source_name=_text(item, "source"),
        source_url=source.get("url") if source is not None else None,
    )


def _rss_author(value: str | None) -> str | None:
    """RSS writes `mail@example.com (Name)`: keep the name when there is one."""
    if value and value.endswith(")") and "(" in value:
        return value[value.rindex("(") + 1 : -1].strip() or value
    return value


def _atom_entry(entry: Any) -> FeedEntry:
    author = entry.find(f"{ATOM}author")
    return FeedEntry(
        id=_text(entry, f"{ATOM}id"),
        link=_atom_link(entry),
        title=_atom_text(entry.find(f"{ATOM}title")),
        summary=_atom_text(entry.find(f"{ATOM}content"))
        or _atom_text(entry.find(f"{ATOM}summary")),
        published=_date(_text(entry, f"{ATOM}published")),
        updated=_date(_text(entry, f"{ATOM}updated")),
        author=_text(author, f"{ATOM}name") if author is not None else None,
        author_uri=_text(author, f"{ATOM}uri") if author is not None else None,
    )


def _atom_link(entry: Any) -> str | None:
    for link in entry.iter(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return _absolute(link, link.get("href"))
    return None


def _absolute(element: Any, link: str | None) -> str | None:
    """A link relative to its element's xml:base, else to the feed's own URL."""
    if not link:
        return link
    return urljoin(element.base, link) if element.base else link


def _atom_text(element: Any) -> str:
    """An Atom text construct (text, html or xhtml) as plain text."""
    if element is None:
        return ""
    kind = element.get("type", "text")
    if kind == "xhtml":
        markup = "".join(
            etree.tostring(child, encoding="unicode", with_tail=True) for child in element
        )
        return html_to_text(markup)
    if kind == "html":
        return html_to_text(element.text)
    return " ".join((element.text or "").split())


def external_id(entry: FeedEntry) -> str:
    """guid/id, else the link, else a digest of the content; hashed when too long to key."""
    value = entry.id or entry.link
    if value is None:
        value = f"{entry.title}\n{entry.summary}"
    elif len(value) <= MAX_ID_LENGTH:
        return value
    return "sha1:" + hashlib.sha1(value.encode("utf-8")).hexdigest()


def entry_post(
    entry: FeedEntry,
    source: str,
    feed_url: str,
    fallback_time: datetime,
    query: str | None = None,
) -> Post | None:
    """The Post of an entry; None when it has no text at all (a stub or deleted item)."""
    parts = [entry.title, entry.summary]
    if entry.title and entry.summary.startswith(entry.title):
        parts = [entry.summary]  # a summary that repeats the title says it once
    text = "\n".join(p for p in parts if p)
    if not text:
        return None
    link = entry.link or (entry.id if entry.id and entry.id.startswith("http") else None)
    return Post(
        source=source,
        external_id=external_id(entry),
        url=link or feed_url,
        text=text,
        created_at=entry.published or entry.updated or fallback_time,
        author_name=entry.author,
        query=query,
        extra={"author_uri": entry.author_uri} if entry.author_uri else {},
    )


@dataclass(frozen=True)
class FeedMark(Mark):
    """A feed's mark, its validators for conditional GET, and digests of the entries its
    last answer listed: an entry dated before the newest one but listed for the first
    time (a search feed's late-indexed article) is still new."""

    etag: str | None = None
    last_modified: str | None = None
    known: tuple[str, ...] | None = None

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> FeedMark:
        data = data or {}
        known = data.get("known")
        return cls(
            **Mark.fields(data),
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            known=tuple(known) if known is not None else None,
        )

    def dump(self) -> dict[str, Any]:
        validators = {"etag": self.etag, "last_modified": self.last_modified}
        return {**super().dump(), **validators, "known": list(self.known or ())}

    def conditional_headers(self) -> dict[str, str]:
        headers = {"Accept": ACCEPT}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def _digest(key: str) -> str:
    """Short enough to keep every entry of a 100-item search feed in the cursor."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def fresh_entries(
    entries: Iterable[FeedEntry], mark: FeedMark, fallback_time: datetime
) -> tuple[list[FeedEntry], FeedMark]:
    """Entries new or changed since the mark, and the mark once they are stored."""
    fresh: list[FeedEntry] = []
    moved = Mark(mark.newest, mark.ids)
    listed: list[str] = []
    for entry in entries:
        when, key = entry.changed or fallback_time, external_id(entry)
        listed.append(_digest(key))
        if mark.known is None:  # the first answer, or a cursor from before digests
            is_new = not mark.seen(when, key)
        elif entry.changed is None:  # undated: only its first listing is news
            is_new = listed[-1] not in mark.known
        else:
            is_new = listed[-1] not in mark.known or not mark.seen(when, key)
        if is_new:
            fresh.append(entry)
            moved = moved.advanced(when, key)
    return fresh, replace(mark, newest=moved.newest, ids=moved.ids, known=tuple(listed))


class FeedSpider(KulakSpider):
    """Polls feeds with conditional GET; one cursor entry per feed URL.

    Subclasses say which feeds to poll (`feeds`) and may shape each entry's Post
    (`to_post`)."""

    def feeds(self) -> dict[str, str | None]:
        """Feed URL -> the query it searches for (None for a plain feed)."""
        raise NotImplementedError

    def to_post(
        self, entry: FeedEntry, feed_url: str, query: str | None, fallback: datetime
    ) -> Post | None:
        return entry_post(entry, self.name, feed_url, fallback, query=query)

    def first_requests(self) -> Iterable[Request]:
        for url, query in self.feeds().items():
            mark = FeedMark.load(self.cursor.get(url))
            yield self.request(
                url,
                self.parse_feed_response,
                headers=mark.conditional_headers(),
                meta={"feed": url, "query": query, "mark": mark},
            )

    def parse_feed_response(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            return  # unchanged since the validators we sent: nothing new, cursor stays
        url, query, mark = response.meta["feed"], response.meta["query"], response.meta["mark"]
        feed = parse_feed(response.body, response.url, _header(response, b"Content-Type"))
        fallback = feed.updated or _date(_header(response, b"Date")) or datetime.now(UTC)
        entries = self.readable(feed.entries, response)
        fresh, moved = fresh_entries(entries, mark, fallback)
        for entry in fresh:
            post = self.to_post(entry, url, query, fallback)
            if post is not None:
                yield post
        validators = {
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
        }
        yield PageDone(cursor={url: replace(moved, **validators).dump()})


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class RssOptions(SourceOptions):
    base_url: str = Field("", description="Prefix for feeds given as paths rather than full URLs")
    feeds: list[str] = Field(min_length=1, description="RSS 2.0 or Atom feed URLs to poll")

    @model_validator(mode="after")
    def full_urls(self) -> RssOptions:
        for index, feed in enumerate(self.feeds):
            if urlsplit(urljoin(self.base_url, feed)).scheme not in ("http", "https"):
                raise ValueError(
                    f"feeds[{index}]: {feed!r} is not an http(s) URL (give a full URL "
                    "or set base_url)"
                )
        return self


class RssSpider(FeedSpider):
    name = "rss"
    display_name = "RSS"
    authors_are_people = False
    Options = RssOptions
    options: RssOptions
    #: any feed: a podcast's full history or a site's full-text feed runs to megabytes
    size_cap = 32 * MiB

    def feeds(self) -> dict[str, str | None]:
        return {urljoin(self.options.base_url, feed): None for feed in self.options.feeds}
