"""Google News search feeds: each target's keywords, per language and country edition.

The answers are RSS 2.0, so parsing, conditional GET and the per-feed cursor are the
`rss` source's; what is Google's own is the search URL and the "Headline - Publisher"
titles.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spiders.base import SourceOptions
from spiders.items import Post
from spiders.rss import FeedEntry, FeedSpider, entry_post


class Edition(BaseModel):
    """One Google News edition: the language and country a search is run in."""

    model_config = ConfigDict(extra="forbid")

    hl: str = Field(min_length=2, description="Language of the edition, e.g. tr, el or en-US")
    gl: str = Field(min_length=2, description="Country of the edition, e.g. TR, GR or US")
    ceid: str | None = Field(
        None, description='Country:language, e.g. "TR:tr"; derived from gl and hl if left out'
    )

    @model_validator(mode="after")
    def agreeing_ceid(self) -> Edition:
        # Google answers an edition whose parts disagree with another edition's news.
        if self.ceid is None:
            self.ceid = f"{self.gl}:{self.hl.split('-')[0]}"
        elif self.ceid.split(":")[0] != self.gl:
            raise ValueError(f"ceid {self.ceid!r} must start with the country {self.gl!r}")
        return self


DEFAULT_EDITIONS = [
    Edition(hl="tr", gl="TR"),
    Edition(hl="el", gl="GR"),
    Edition(hl="en-US", gl="US"),
]


class GoogleNewsOptions(SourceOptions):
    base_url: str = Field("https://news.google.com", description="Google News (or a replay)")
    editions: list[Edition] = Field(
        default_factory=lambda: list(DEFAULT_EDITIONS),
        min_length=1,
        description="Editions searched, each {hl, gl, ceid}; every keyword is searched in each",
    )


def split_title(title: str, publisher: str | None) -> tuple[str, str | None]:
    """'Headline - Publisher' into its parts; the item's <source> names the publisher."""
    head, separator, tail = title.rpartition(" - ")
    if separator and (publisher is None or tail.strip() == publisher):
        return head.strip(), tail.strip()
    return title, publisher


def news_post(
    entry: FeedEntry, feed_url: str, fallback_time: datetime, query: str | None = None
) -> Post | None:
    """A news item as a post: the headline is the text, the publisher its author.

    The description only repeats the headline and publisher as links, so it is left out.
    """
    headline, publisher = split_title(entry.title, entry.source_name)
    item = replace(entry, title=headline, summary="", author=publisher, author_uri=entry.source_url)
    return entry_post(item, "googlenews", feed_url, fallback_time, query)


class GoogleNewsSpider(FeedSpider):
    name = "googlenews"
    display_name = "Google News"
    authors_are_people = False
    Options = GoogleNewsOptions
    options: GoogleNewsOptions

    def queries(self) -> list[str]:
        """Keywords only: news is not searched by handle or hashtag."""
        if self.options.queries:
            return list(self.options.queries)
        terms: list[str] = []
        for target in self.context.targets:
            terms.extend(k for k in target.keywords if k not in terms)
        return terms

    def feeds(self) -> dict[str, str | None]:
        base = self.options.base_url.rstrip("/")
        feeds: dict[str, str | None] = {}
        for query in self.queries():
            # A phrase is searched as a phrase, not as any of its words.
            q = f'"{query}"' if " " in query else query
            for edition in self.options.editions:
                params = {"q": q, "hl": edition.hl, "gl": edition.gl, "ceid": edition.ceid}
                feeds[f"{base}/rss/search?{urlencode(params)}"] = query
        return feeds

    def to_post(
        self, entry: FeedEntry, feed_url: str, query: str | None, fallback: datetime
    ) -> Post | None:
        return news_post(entry, feed_url, fallback, query)
