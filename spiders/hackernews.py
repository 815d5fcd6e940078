"""Hacker News stories and comments through the Algolia search API (no credentials)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pydantic import Field
from scrapy.http import Request, Response

from spiders.base import KulakSpider, SourceOptions, read_each
from spiders.items import PageDone, Post, Skipped
from spiders.parsing import epoch_to_utc, html_to_text

ITEM_URL = "https://news.ycombinator.com/item?id={}"


class HackerNewsOptions(SourceOptions):
    base_url: str = "https://hn.algolia.com"
    hits_per_page: int = Field(50, ge=1, le=1000, description="Hits per page (Algolia allows 1000)")
    tags: str = Field("(story,comment)", description="Algolia tags filter")
    reread: int = Field(
        300,
        ge=0,
        description="seconds before the newest post seen that each run reads again, for "
        "posts the search indexed late",
    )


class HackerNewsSpider(KulakSpider):
    name = "hackernews"
    display_name = "Hacker News"
    handle_prefix = ""
    Options = HackerNewsOptions
    answers_by_account = True
    options: HackerNewsOptions

    def first_requests(self) -> Iterable[Request]:
        for query in self.queries():
            # Algolia indexes a post a little after it is written: one written just
            # before the newest post seen may appear only now. Posts read again are
            # updates to the store, not new posts.
            since = self.since(query)
            low = max(0, since - self.options.reread) if since else 0
            yield self.page_request(Walk(query, low, read=since), page=0, newest=since)
            for key, bounds in self.cursor.items():
                if bounds and key.startswith(gap_prefix(query)):
                    yield self.page_request(Walk(query, bounds[0], bounds[1]), page=0)

    def since(self, query: str) -> int:
        return int(self.cursor.get(query, 0))

    def page_request(
        self, walk: Walk, page: int, newest: int | None = None, oldest: int | None = None
    ) -> Request:
        window = f"created_at_i>{walk.low}"
        if walk.high is not None:
            window += f",created_at_i<{walk.high}"
        params = {
            "query": walk.query,
            "tags": self.options.tags,
            "numericFilters": window,
            "page": page,
            "hitsPerPage": self.options.hits_per_page,
        }
        url = f"{self.options.base_url.rstrip('/')}/api/v1/search_by_date?{urlencode(params)}"
        meta = {"walk": walk, "page": page, "newest": newest or walk.low, "oldest": oldest}
        return self.request(url, self.parse_page, meta=meta)

    def parse_page(self, response: Response) -> Iterator[Any]:
        walk, page = response.meta["walk"], response.meta["page"]
        data = response.json()
        newest, oldest = response.meta["newest"], response.meta["oldest"]
        for post in self.readable(parse_hits(data, walk.query), response):
            created = int(post.created_at.timestamp())
            newest, oldest = max(newest, created), min(oldest or created, created)
            yield post
        more = page + 1 < int(data["nbPages"])
        if more and page + 1 < self.options.max_pages:
            yield self.page_request(walk, page + 1, newest, oldest)
        else:
            # The oldest second read may hold unread posts too: the gap includes it.
            yield PageDone(cursor=walk.done(newest, oldest + 1 if more and oldest else None))


def gap_prefix(query: str) -> str:
    return f"{query} < "


@dataclass(frozen=True)
class Walk:
    """Newest-first pages of one query's posts after `low` (and before `high`).

    Algolia answers newest first, so a walk stopped by `max_pages` leaves the older posts
    of its window unread: that gap is kept in the cursor, under a key of its own, and read
    by later runs beside the new posts, so a burst bigger than a run's pages is delayed,
    never skipped. `read`: up to there, earlier runs read everything (a walk that reads
    some of that again, for late-indexed posts, leaves no gap there).
    """

    query: str
    low: int
    high: int | None = None
    read: int = 0

    def done(self, newest: int, unread_below: int | None) -> dict[str, Any]:
        cursor: dict[str, Any] = {}
        if self.high is None:
            cursor[self.query] = newest
        else:
            cursor[f"{gap_prefix(self.query)}{self.high}"] = None
        low = max(self.low, self.read)
        if unread_below is not None and unread_below > low + 1:
            cursor[f"{gap_prefix(self.query)}{unread_below}"] = [low, unread_below]
        return cursor


def parse_hits(data: dict[str, Any], query: str) -> Iterator[Post | Skipped]:
    """Posts of one search_by_date answer; hits without text (deleted) are left out."""
    return read_each(data["hits"], lambda hit: hit_post(hit, query))


def hit_post(hit: dict[str, Any], query: str) -> Post | None:
    tags = hit.get("_tags") or []
    if "comment" in tags:
        text = html_to_text(hit.get("comment_text"))
    else:
        text = "\n".join(
            part for part in (hit.get("title"), html_to_text(hit.get("story_text"))) if part
        )
    if not text or not hit.get("author"):
        return None
    object_id = hit["objectID"]  # a number is made text by Post, a null refused there
    story_id = hit.get("story_id")
    parent_id = hit.get("parent_id")
    return Post(
        source="hackernews",
        external_id=object_id,
        url=ITEM_URL.format(object_id),
        text=text,
        created_at=epoch_to_utc(hit["created_at_i"]),
        author_handle=hit["author"],
        parent_id=str(parent_id) if parent_id is not None else None,
        conversation_id=str(story_id) if story_id is not None else None,
        score=hit.get("points"),
        replies=hit.get("num_comments"),
        query=query,
        extra={"story_title": hit["story_title"]} if hit.get("story_title") else {},
    )
