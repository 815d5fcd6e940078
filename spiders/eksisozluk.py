"""Ekşi Sözlük topics: their entries, authors, favourites and dates (HTML).

A topic lists its entries oldest first, ten or so a page (`?p=N`), so new entries land
on the last page. The cursor keeps, per topic, the page reading stopped at and the
newest entry id stored (entry ids grow across the site). A poll asks for that page, keeps
the entries newer than the cursor, and follows the pager forward while the topic has
more pages. A topic given by its bare slug is found once through the site's search (a redirect
to the topic) and its path kept in the cursor. The first poll of a topic reads its
first page to learn the page count, then
only the last `max_pages - 1` pages: the newest entries, not the topic's whole history.
Entries shown as edited ("~ 15:30") on the pages read are stored again with their new
text; an edit on an older page is not seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import Field, field_validator
from scrapy.http import Request, Response
from scrapy.selector import Selector

from spiders.base import KulakSpider, SourceOptions, read_each
from spiders.items import PageDone, Post, Skipped
from spiders.parsing import html_to_text, istanbul_to_utc

ENTRY_URL = "https://eksisozluk.com/entry/{}"
_TOPIC = re.compile(r"[a-z0-9-]+--\d+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE = re.compile(
    r"^\s*(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})"
    r"(?:\s*~\s*(?:(\d{2})\.(\d{2})\.(\d{4}) )?(\d{2}):(\d{2}))?\s*$"
)


class EksiSozlukOptions(SourceOptions):
    base_url: str = "https://eksisozluk.com"
    topics: list[str] = Field(
        description="Topics as their path (kahve-duragi--7012345), link "
        "(https://eksisozluk.com/kahve-duragi--7012345?p=3) or bare slug (kahve-duragi, "
        "found through the site's search once)",
        min_length=1,
    )

    @field_validator("topics")
    @classmethod
    def _paths(cls, values: list[str]) -> list[str]:
        return [topic_path(v) for v in values]


def topic_path(value: str) -> str:
    """A topic's path, slug--id, from a link or the path itself; or a bare slug."""
    text = value.strip()
    path = urlsplit(text if "//" in text or "/" not in text else f"//{text}").path
    path = path.strip("/") or text
    if not (_TOPIC.fullmatch(path) or _SLUG.fullmatch(path)):
        raise ValueError(f"{value!r} is not an Ekşi Sözlük topic (slug--id, its link or a slug)")
    return path


class EksiSozlukSpider(KulakSpider):
    name = "eksisozluk"
    display_name = "Ekşi Sözlük"
    handle_prefix = ""
    Options = EksiSozlukOptions
    options: EksiSozlukOptions
    obeys_robots = True

    def first_requests(self) -> Iterable[Request]:
        for topic in self.options.topics:
            state = self.cursor.get(topic) or {}
            path, page = state.get("path", topic), state.get("page")
            newest = int(state.get("last_id", 0))
            yield self.page_request(topic, path, page, read=1, newest=newest)

    def page_request(
        self, topic: str, path: str, page: int | None, read: int, newest: int
    ) -> Request:
        base = self.options.base_url.rstrip("/")
        if _TOPIC.fullmatch(path):
            url = f"{base}/{path}" + (f"?p={page}" if page is not None and page > 1 else "")
        else:
            # A bare slug: the site's search answers with a redirect to the topic.
            url = f"{base}/?{urlencode({'q': path.replace('-', ' ')})}"
        meta = {"topic": topic, "path": path, "page": page or 1, "read": read, "newest": newest}
        return self.request(url, self.parse_page, meta=meta)

    def parse_page(self, response: Response) -> Iterator[Any]:
        topic, read = response.meta["topic"], response.meta["read"]
        shown = urlsplit(response.url).path.strip("/")
        path = shown if _TOPIC.fullmatch(shown) else response.meta["path"]
        state = self.cursor.get(topic) or {}
        last = int(state.get("last_id", 0))
        found = parse_topic_page(response.text)
        current = found.page or response.meta["page"]
        if not found.entries and found.page_count < current:
            # Entries were deleted and the topic has fewer pages now: its last page it is.
            newest = response.meta["newest"]
            yield self.page_request(topic, path, found.page_count, read + 1, newest)
            return
        newest = response.meta["newest"]
        for entry_id, post in self.readable(found.entries, response):
            if entry_id > last or "edited_at" in post.extra:
                yield post
            newest = max(newest, entry_id)
        if current < found.page_count and read < self.options.max_pages:
            # On a topic's first visit, skip its history: go to the newest pages.
            skip_to = found.page_count - self.options.max_pages + read + 1 if not state else 0
            following = max(current + 1, skip_to)
            yield self.page_request(topic, path, following, read + 1, newest)
        else:
            yield PageDone(cursor={topic: {"path": path, "page": current, "last_id": newest}})


@dataclass(frozen=True)
class TopicPage:
    title: str
    # (entry id, post), oldest first as on the page; an entry that cannot be read is a
    # Skipped in its place
    entries: list[tuple[int, Post] | Skipped]
    page: int | None  # the page shown, when the pager says
    page_count: int


def parse_topic_page(html: str) -> TopicPage:
    """The entries of one topic page and where the page stands in the topic."""
    page = Selector(text=html)
    title_node = page.css("h1#title")
    if not title_node:
        raise ValueError("no h1#title: this is not an Ekşi Sözlük topic page")
    title = title_node.attrib.get("data-title") or " ".join(
        t.strip() for t in title_node.css("::text").getall() if t.strip()
    )
    topic_id = title_node.attrib.get("data-id")
    pager = page.css("div.pager")
    page_count = int(pager.attrib.get("data-pagecount", 1)) if pager else 1
    current = pager.attrib.get("data-currentpage") if pager else None
    nodes = page.css("ul#entry-item-list > li[data-id]")
    entries = list(read_each(nodes, lambda node: _numbered(node, title, topic_id)))
    return TopicPage(title, entries, int(current) if current else None, page_count)


def _numbered(node: Selector, title: str, topic_id: str | None) -> tuple[int, Post] | None:
    post = _entry(node, title, topic_id)
    return None if post is None else (int(post.external_id), post)


def _entry(node: Selector, title: str, topic_id: str | None) -> Post | None:
    entry_id = node.attrib["data-id"]
    text = html_to_text(node.css("div.content").get())
    if not text:
        return None
    date_text = node.css("a.entry-date.permalink::text").get()
    if date_text is None:
        raise ValueError(f"entry {entry_id} without its a.entry-date")
    created, edited = entry_dates(date_text)
    favourites = node.attrib.get("data-favorite-count")
    extra: dict[str, Any] = {"topic": title}
    if edited is not None:
        extra["edited_at"] = edited.isoformat()
    return Post(
        source="eksisozluk",
        external_id=entry_id,
        url=ENTRY_URL.format(entry_id),
        text=text,
        created_at=created,
        author_handle=node.attrib.get("data-author"),
        conversation_id=topic_id,
        likes=int(favourites) if favourites else None,
        about=title,
        extra=extra,
    )


def entry_dates(text: str) -> tuple[datetime, datetime | None]:
    """Written and edited times of an entry, in UTC, from Istanbul wall times:
    "20.11.2026 14:05", "20.11.2026 14:05 ~ 15:30", "20.11.2026 14:05 ~ 21.11.2026 09:10"."""
    found = _DATE.match(text)
    if found is None:
        raise ValueError(f"not an Ekşi Sözlük date: {text!r}")
    day, month, year, hour, minute, e_day, e_month, e_year, e_hour, e_minute = found.groups()
    created = istanbul_to_utc(int(year), int(month), int(day), int(hour), int(minute))
    if e_hour is None:
        return created, None
    if e_day is None:
        e_day, e_month, e_year = day, month, year
    edited = istanbul_to_utc(int(e_year), int(e_month), int(e_day), int(e_hour), int(e_minute))
    return created, edited
