"""Reddit posts and comments: the OAuth API with an app's credentials, else the .rss listings.

With `client_id` and `client_secret` kulak logs in as the app (client credentials; the
token is kept in memory until shortly before it expires) and reads the JSON listings.
Without them it reads the same listings as Atom feeds (`.rss`), which need no login,
through the RSS source's parser and conditional GET. Either way: a search per query,
newest first, stopping at the newest post already stored; with `subreddits`, the
search is limited to them and their newest comments are read too (Reddit cannot search
comments across the whole site). Deleted and removed comments are skipped; a post whose
body was removed keeps its title.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import Field, SecretStr, model_validator
from scrapy.http import Request, Response

from spiders.base import SourceOptions, TargetTerms, read_each
from spiders.cursor import Mark
from spiders.items import PageDone, Post, Skipped, SourceProblem
from spiders.parsing import epoch_to_utc
from spiders.rss import FeedEntry, FeedSpider, external_id

WWW = "https://www.reddit.com"
TOKEN_PATH = "/api/v1/access_token"
#: Reddit's search box takes 512 characters
QUERY_LIMIT = 512
#: renew a token this long before Reddit says it expires
TOKEN_MARGIN_SECONDS = 120
GONE = {"[deleted]", "[removed]"}
#: the footer Reddit's feeds put under every post: "submitted by /u/x [link] [comments]"
FEED_FOOTER = re.compile(r"\s*submitted by\s+/u/\S+.*\Z", re.DOTALL)
POST_IN_URL = re.compile(r"/comments/([a-z0-9]+)/")
#: app tokens by client id: (token, monotonic time it must be renewed by)
_TOKENS: dict[str, tuple[str, float]] = {}


class RedditOptions(SourceOptions):
    base_url: str = Field(
        "https://oauth.reddit.com", description="The OAuth API (with credentials)"
    )
    www_url: str = Field(WWW, description="Where app tokens and the public .rss listings come from")
    client_id: str | None = Field(
        None,
        description="OAuth app client id (write ${REDDIT_CLIENT_ID}); without credentials "
        "the public .rss listings are read",
    )
    client_secret: SecretStr | None = Field(
        None, description="OAuth app secret (write ${REDDIT_CLIENT_SECRET})"
    )
    subreddits: list[str] = Field(
        default_factory=list,
        description="Search only these subreddits (names without r/) and read their newest "
        "comments too; empty searches all of Reddit (posts only)",
    )
    limit: int = Field(100, ge=1, le=100, description="Items per page (1 to 100)")
    queries: list[str] = Field(
        default_factory=list,
        description="Reddit search queries; empty means every target's keywords and hashtags "
        "ORed, in as few queries of 512 characters as they fit",
    )

    @model_validator(mode="after")
    def both_or_neither(self) -> RedditOptions:
        if bool(self.client_id) != bool(self.client_secret):
            raise ValueError("give both client_id and client_secret, or neither (for .rss)")
        self.subreddits = [s.strip().removeprefix("r/").strip("/") for s in self.subreddits]
        return self


class RedditSpider(FeedSpider):
    name = "reddit"
    display_name = "Reddit"
    handle_prefix = "u/"
    Options = RedditOptions
    answers_by_account = True
    options: RedditOptions
    rate_limit_headers = ("x-ratelimit-remaining", "x-ratelimit-reset")

    @property
    def oauth(self) -> bool:
        return bool(self.options.client_id and self.options.client_secret)

    def queries(self) -> list[str]:
        if self.options.queries:
            return list(self.options.queries)
        return build_queries(self.context.targets)

    def listings(self) -> list[tuple[str, str, dict[str, Any], str | None]]:
        """(cursor key, path, parameters, query) of every listing a run reads."""
        subreddits = "+".join(self.options.subreddits)
        scope = f"/r/{subreddits}" if subreddits else ""
        found = []
        for query in self.queries():
            params: dict[str, Any] = {"q": query, "sort": "new", "limit": self.options.limit}
            if subreddits:
                params["restrict_sr"] = "on"
            found.append((f"search:{query}", f"{scope}/search", params, query))
        if subreddits:
            found.append(("comments", f"{scope}/comments", {"limit": self.options.limit}, None))
        return found

    # -- without credentials: the Atom feeds ----------------------------------------------

    def feeds(self) -> dict[str, str | None]:
        www = self.options.www_url.rstrip("/")
        return {
            f"{www}{path}.rss?{urlencode(params)}": query
            for _, path, params, query in self.listings()
        }

    def to_post(
        self, entry: FeedEntry, feed_url: str, query: str | None, fallback: datetime
    ) -> Post | None:
        return feed_entry_post(entry, feed_url, query, fallback)

    # -- with credentials: the OAuth API ---------------------------------------------------

    def first_requests(self) -> Iterable[Request]:
        if not self.oauth:
            yield from super().first_requests()
            return
        token = _TOKENS.get(self.options.client_id or "")
        if token is not None and token[1] > time.monotonic():
            yield from self.listing_requests()
            return
        password = self.options.client_secret.get_secret_value()
        secret = f"{self.options.client_id}:{password}".encode()
        yield self.request(
            f"{self.options.www_url.rstrip('/')}{TOKEN_PATH}",
            self.parse_token,
            method="POST",
            body=urlencode({"grant_type": "client_credentials"}),
            headers={
                "Authorization": f"Basic {base64.b64encode(secret).decode()}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            meta={"token": True},
        )

    def parse_token(self, response: Response) -> Iterator[Any]:
        data = response.json()
        if "access_token" not in data:
            yield SourceProblem(
                "auth_failed", f"Reddit gave no token: {data.get('error')!r}", url=response.url
            )
            return
        renew_by = time.monotonic() + float(data["expires_in"]) - TOKEN_MARGIN_SECONDS
        _TOKENS[self.options.client_id or ""] = (data["access_token"], renew_by)
        yield from self.listing_requests()

    def listing_requests(self) -> Iterator[Request]:
        for key, path, params, query in self.listings():
            mark = Mark(**Mark.fields(self.cursor.get(key)))
            yield self.listing_request(key, path, params, query, mark, mark, after=None, page=0)

    def listing_request(
        self,
        key: str,
        path: str,
        params: dict[str, Any],
        query: str | None,
        seen: Mark,
        newest: Mark,
        after: str | None,
        page: int,
    ) -> Request:
        asked = {**params, "raw_json": 1, **({"after": after} if after else {})}
        token = _TOKENS[self.options.client_id or ""][0]
        return self.request(
            f"{self.options.base_url.rstrip('/')}{path}?{urlencode(asked)}",
            self.parse_listing,
            headers={"Authorization": f"bearer {token}"},
            meta={
                "listing": (key, path, params, query),
                "seen": seen,
                "newest": newest,
                "page": page,
            },
        )

    def guard(self, response: Response) -> Iterator[Any]:
        problem = reddit_problem(response, self.oauth)
        if problem is None:
            yield from super().guard(response)
            return
        if problem.status == "auth_failed":
            # A token Reddit no longer takes is not used again: the next run logs in anew.
            _TOKENS.pop(self.options.client_id or "", None)
        yield problem

    def parse_listing(self, response: Response) -> Iterator[Any]:
        key, path, params, query = response.meta["listing"]
        seen: Mark = response.meta["seen"]
        newest: Mark = response.meta["newest"]
        data = response.json()
        reached_seen = False
        for post in self.readable(parse_listing(data, query), response):
            if seen.seen(post.created_at, post.external_id):
                reached_seen = True
                continue
            newest = newest.advanced(post.created_at, post.external_id)
            yield post
        after = data["data"].get("after")
        page = response.meta["page"] + 1
        if after and not reached_seen and page < self.options.max_pages:
            yield self.listing_request(key, path, params, query, seen, newest, after, page)
        else:
            yield PageDone(cursor={key: newest.dump()})


def reddit_problem(response: Response, oauth: bool) -> SourceProblem | None:
    """Reddit's 401/403 answers say whose fault they are better than the status alone."""
    if response.status not in (401, 403):
        return None
    try:
        reason = json.loads(response.body).get("reason")
    except (ValueError, AttributeError):
        reason = None
    if reason:  # a private, banned or quarantined subreddit
        return SourceProblem(
            "not_found", f"Reddit answers {response.status}: {reason}", response.url
        )
    if not oauth:
        why = "Reddit refused the anonymous .rss request; give client_id and client_secret"
        return SourceProblem("blocked", f"{why} (HTTP {response.status})", url=response.url)
    whose = "client id and secret" if response.meta.get("token") else "token"
    return SourceProblem(
        "auth_failed", f"Reddit refused the app's {whose} (HTTP {response.status})", response.url
    )


def build_queries(targets: Iterable[TargetTerms], limit: int = QUERY_LIMIT) -> list[str]:
    """Every target's keywords and hashtags ORed, in as few queries as fit in `limit`."""
    terms: list[str] = []
    for target in targets:
        for term in (*target.keywords, *(h.lstrip("#") for h in target.hashtags)):
            term = term.replace('"', " ").strip()
            term = f'"{term}"' if " " in term else term
            if term and term not in terms:
                terms.append(term)
    queries: list[str] = []
    for term in terms:
        if queries and len(queries[-1]) + len(" OR ") + len(term) <= limit:
            queries[-1] += f" OR {term}"
        else:
            queries.append(term)
    return queries


def parse_listing(data: dict[str, Any], query: str | None) -> Iterator[Post | Skipped]:
    """Posts (t3) and comments (t1) of one JSON listing; deleted and removed ones left out."""
    return read_each(data["data"]["children"], lambda child: child_post(child, query))


def child_post(child: dict[str, Any], query: str | None) -> Post | None:
    if child["kind"] not in ("t1", "t3"):
        return None  # a "more comments" stub or another kind of thing
    return thing_post(child["kind"], child["data"], query)


def thing_post(kind: str, thing: dict[str, Any], query: str | None) -> Post | None:
    author = thing.get("author")
    extra: dict[str, Any] = {"subreddit": thing.get("subreddit")}
    if thing.get("edited"):
        extra["edited_at"] = epoch_to_utc(thing["edited"]).isoformat()
    if kind == "t1":
        text = "" if thing["body"] in GONE else thing["body"].strip()
        conversation = thing.get("link_id")
        extra["post_title"] = thing.get("link_title")
    else:
        body = "" if thing.get("selftext") in GONE else (thing.get("selftext") or "").strip()
        text = "\n".join(part for part in (thing["title"], body) if part)
        conversation = thing["name"]
        if thing.get("selftext") in GONE:
            extra["body_removed"] = True
    if not text:
        return None
    return Post(
        source="reddit",
        external_id=thing["name"],
        url=thing_url(kind, thing),
        text=text,
        created_at=epoch_to_utc(thing["created_utc"]),
        author_handle=None if author in GONE else author,
        parent_id=thing.get("parent_id"),
        conversation_id=conversation,
        score=thing.get("score"),
        replies=thing.get("num_comments"),
        query=query,
        extra={k: v for k, v in extra.items() if v is not None},
    )


def thing_url(kind: str, thing: dict[str, Any]) -> str:
    """The thing's page: its permalink, or one built from its ids where a listing gives
    none (Reddit redirects /comments/<post>/_/<comment>/ to the full link)."""
    if thing.get("permalink"):
        return f"{WWW}{thing['permalink']}"
    if kind == "t1":
        post = thing["link_id"].removeprefix("t3_")
        return f"{WWW}/comments/{post}/_/{thing['id']}/"
    return f"{WWW}/comments/{thing['id']}/"


def feed_entry_post(
    entry: FeedEntry, feed_url: str, query: str | None, fallback: datetime
) -> Post | None:
    """A Reddit Atom entry: the footer goes, and a comment's title ("/u/x on ...") too."""
    body = FEED_FOOTER.sub("", entry.summary).strip()
    body = "" if body in GONE else body
    comment = (entry.id or "").startswith("t1_")
    text = body if comment else "\n".join(part for part in (entry.title, body) if part)
    if not text:
        return None
    author = (entry.author or "").strip().removeprefix("/u/") or None
    in_post = POST_IN_URL.search(entry.link or "")
    return Post(
        source="reddit",
        external_id=external_id(entry),
        url=entry.link or feed_url,
        text=text,
        created_at=entry.published or entry.updated or fallback,
        author_handle=None if author in GONE else author,
        conversation_id=f"t3_{in_post.group(1)}" if in_post else None,
        query=query,
    )
