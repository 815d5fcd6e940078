"""Hacker News stories and comments through the Algolia search API (no credentials)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from pydantic import Field
from scrapy.http import Request, Response

from spiders.base import (
    KulakSpider,
    PageDone,
    Post,
    SourceOptions,
    epoch_to_utc,
    html_to_text,
)

ITEM_URL = "https://news.ycombinator.com/item?id={}"


class HackerNewsOptions(SourceOptions):
    base_url: str = "https://hn.algolia.com"
    hits_per_page: int = Field(50, ge=1, le=1000, description="Hits per page (Algolia allows 1000)")
    tags: str = Field("(story,comment)", description="Algolia tags filter")


class HackerNewsSpider(KulakSpider):
    name = "hackernews"
    Options = HackerNewsOptions
    options: HackerNewsOptions

    def first_requests(self) -> Iterable[Request]:
        for query in self.queries():
            yield self.page_request(query, page=0, newest=self.since(query))

    def since(self, query: str) -> int:
        return int(self.cursor.get(query, 0))

    def page_request(self, query: str, page: int, newest: int) -> Request:
        params = {
            "query": query,
            "tags": self.options.tags,
            "numericFilters": f"created_at_i>{self.since(query)}",
            "page": page,
            "hitsPerPage": self.options.hits_per_page,
        }
        url = f"{self.options.base_url.rstrip('/')}/api/v1/search_by_date?{urlencode(params)}"
        return self.request(
            url, self.parse_page, meta={"query": query, "page": page, "newest": newest}
        )

    def parse_page(self, response: Response) -> Iterator[Any]:
        query, page = response.meta["query"], response.meta["page"]
        data = response.json()
        newest = response.meta["newest"]
        for post in parse_hits(data, query):
            newest = max(newest, int(post.created_at.timestamp()))
            yield post
        if page + 1 < int(data["nbPages"]) and page + 1 < self.options.max_pages:
            yield self.page_request(query, page + 1, newest)
        else:
            yield PageDone(cursor={query: newest})


def parse_hits(data: dict[str, Any], query: str) -> Iterator[Post]:
    """Posts of one search_by_date answer; hits without text (deleted) are skipped."""
    for hit in data["hits"]:
        tags = hit.get("_tags") or []
        if "comment" in tags:
            text = html_to_text(hit.get("comment_text"))
        else:
            text = "\n".join(
                part for part in (hit.get("title"), html_to_text(hit.get("story_text"))) if part
            )
        if not text or not hit.get("author"):
            continue
        object_id = str(hit["objectID"])
        story_id = hit.get("story_id")
        parent_id = hit.get("parent_id")
        yield Post(
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
