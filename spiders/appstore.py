"""Apple App Store customer reviews (the public RSS JSON), per app and store country.

Reviews rarely name the app, so each configured app says what it is (`apps`), and its
reviews count as mentions of the targets named there. Pages come most recent first; a
run stops at the first review it has already stored. An edited review keeps its id and
comes back with a newer `updated`: it is stored again under that id, not twice.

Some answers give no `updated` per review: such a review is dated by the feed's own
`updated` (else the server's clock) when first seen, and its id is kept in the cursor,
so it is stored once and its date never moves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, field_validator
from scrapy.http import Request, Response

from spiders.base import KulakSpider, SourceOptions, read_each
from spiders.cursor import Mark
from spiders.items import PageDone, Post, Skipped
from spiders.parsing import response_time

#: Apple serves ten pages of reviews per app and country, no more
APPLE_PAGES = 10
#: ids of undated reviews kept per app and country: all ten pages of fifty
UNDATED_KEPT = APPLE_PAGES * 50

APP_PAGE = "https://apps.apple.com/{country}/app/id{app}?see-all=reviews"


class AppStoreOptions(SourceOptions):
    base_url: str = Field("https://itunes.apple.com", description="Apple's RSS host (or a replay)")
    apps: dict[str, str] = Field(
        min_length=1,
        description='App ids and what each app is, e.g. {"1234567890": Kahve Durağı}; '
        "reviews count as mentions of the targets named there",
    )
    countries: list[str] = Field(
        default_factory=lambda: ["tr", "gr", "us"],
        min_length=1,
        description="Store countries (two letters) whose reviews are read",
    )
    max_pages: int = Field(
        APPLE_PAGES, ge=1, le=APPLE_PAGES, description="Pages of 50 reviews per app and country"
    )

    @field_validator("apps", mode="before")
    @classmethod
    def numeric_ids(cls, value: Any) -> Any:
        # YAML reads an unquoted id as a number.
        if not isinstance(value, dict):
            return value
        apps = {str(key): name for key, name in value.items()}
        for key in apps:
            if not key.isdigit():
                raise ValueError(f"app id {key!r} must be the digits after 'id' in the app's URL")
        return apps

    @field_validator("countries")
    @classmethod
    def country_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"[A-Za-z]{2}", code):
                raise ValueError(f"country {code!r} must be a two-letter code such as tr or gr")
        return [code.lower() for code in value]


def _label(node: dict[str, Any], key: str) -> Any:
    """Apple wraps every value as {"label": ...}; an absent optional field is None."""
    value = node.get(key)
    return value.get("label") if isinstance(value, dict) else None


def _count(node: dict[str, Any], key: str) -> int | None:
    value = _label(node, key)
    return int(value) if value is not None else None


def parse_reviews(
    data: dict[str, Any],
    app: str,
    country: str,
    about: str | None = None,
    fallback: datetime | None = None,
) -> list[Post | Skipped]:
    """Reviews of one page, most recent first. A review without its own `updated` is
    dated by the feed's (else `fallback`, the server's clock) and marked `undated`."""
    feed = data["feed"]
    entries = feed.get("entry", [])
    if isinstance(entries, dict):  # Apple sends a lone review as an object, not a list
        entries = [entries]
    stamped = _label(feed, "updated")
    default = _utc(stamped) if stamped else fallback
    return list(read_each(entries, lambda entry: review_post(entry, app, country, about, default)))


def review_post(
    entry: dict[str, Any], app: str, country: str, about: str | None, default: datetime | None
) -> Post | None:
    """One review; None for the app's own entry that older answers lead with."""
    if "im:rating" not in entry:
        return None
    author = entry.get("author") or {}
    link = (entry.get("link") or {}).get("attributes", {}).get("href")
    title = (_label(entry, "title") or "").strip()
    content = entry["content"]["label"].strip()
    updated = _label(entry, "updated")
    if updated is None and default is None:
        raise ValueError("a review without its updated time, in a feed without one")
    extra = {
        "rating": int(entry["im:rating"]["label"]),
        "app_id": app,
        "country": country,
        "version": _label(entry, "im:version"),
        "votes": _count(entry, "im:voteCount"),
        "helpful_votes": _count(entry, "im:voteSum"),
        "author_uri": _label(author, "uri"),
        "undated": True if updated is None else None,
    }
    return Post(
        source="appstore",
        external_id=entry["id"]["label"],
        url=link or APP_PAGE.format(country=country, app=app),
        text="\n".join(part for part in (title, content) if part),
        created_at=_utc(updated) if updated else default,
        author_name=_label(author, "name"),
        about=about,
        extra={key: value for key, value in extra.items() if value is not None},
    )


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def last_page(data: dict[str, Any]) -> int:
    """The last page Apple says it has (rel="last"), at most ten."""
    links = data["feed"].get("link") or []
    for link in links if isinstance(links, list) else [links]:
        attributes = link.get("attributes", {})
        found = re.search(r"/page=(\d+)/", attributes.get("href", ""))
        if attributes.get("rel") == "last" and found:
            return min(int(found.group(1)), APPLE_PAGES)
    return APPLE_PAGES


class AppStoreSpider(KulakSpider):
    name = "appstore"
    display_name = "App Store"
    Options = AppStoreOptions
    options: AppStoreOptions

    def first_requests(self) -> Iterable[Request]:
        for app in self.options.apps:
            for country in self.options.countries:
                state = self.cursor.get(f"{country}/{app}")
                mark = Mark(**Mark.fields(state))
                undated = tuple((state or {}).get("undated") or ())
                yield self.page_request(app, country, 1, mark, mark, undated, ())

    def page_request(
        self,
        app: str,
        country: str,
        page: int,
        mark: Mark,
        moved: Mark,
        undated: tuple[str, ...],
        fresh: tuple[str, ...],
    ) -> Request:
        """`undated`: ids of the undated reviews stored by earlier runs, newest first;
        `fresh`: those this run found so far."""
        base = self.options.base_url.rstrip("/")
        url = f"{base}/{country}/rss/customerreviews/page={page}/id={app}/sortby=mostrecent/json"
        meta = {"app": app, "country": country, "page": page, "mark": mark, "moved": moved}
        return self.request(url, self.parse_page, meta={**meta, "undated": undated, "fresh": fresh})

    def parse_page(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        app, country, page, mark = meta["app"], meta["country"], meta["page"], meta["mark"]
        data = response.json()
        found = parse_reviews(data, app, country, self.options.apps[app], response_time(response))
        reviews = self.readable(found, response)
        moved, undated, fresh, reached_seen = meta["moved"], meta["undated"], meta["fresh"], False
        for review in reviews:
            if review.extra.get("undated"):
                # Dated by the feed, which moves every poll: known by its id instead.
                if review.external_id in undated:
                    reached_seen = True
                    break
                fresh = (*fresh, review.external_id)
            elif mark.seen(review.created_at, review.external_id):
                reached_seen = True
                break
            else:
                moved = moved.advanced(review.created_at, review.external_id)
            yield review
        more = reviews and page < min(last_page(data), self.options.max_pages)
        if more and not reached_seen:
            yield self.page_request(app, country, page + 1, mark, moved, undated, fresh)
        else:
            # Only now: a page that fails half-way leaves the old mark, and is read again.
            known = [*fresh, *undated][:UNDATED_KEPT]
            cursor = moved.dump() | ({"undated": known} if known else {})
            yield PageDone(cursor={f"{country}/{app}": cursor})
