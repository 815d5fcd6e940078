"""Mastodon: hashtag timelines on any number of instances, full-text search where a token is.

Tag timelines need no account, so they are the default: every target's hashtags and
keywords become hashtags the way Mastodon itself normalises them (lower case, Latin
accents folded, spaces and punctuation dropped), so "Kahve Durağı" and "#KahveDurağı"
both follow #kahveduragi and "Φρέσκο Καφέ" follows #φρέσκοκαφέ (Greek keeps its
accents on Mastodon). An instance given a user token is also searched in full text.

The same API is served by Mastodon's forks and look-alikes (Akkoma, Pleroma, GoToSocial),
whose ids are strings rather than numbers ("Al30Y6dIQNzsEKhR5s", a ULID): ids are
compared as the API orders them, shorter first, never as numbers.

A status federates to many instances under different local ids, but its ActivityPub
`uri` is global. Posts are stored as `<home host>/<id on its home instance>`, read from a
Mastodon or GoToSocial uri (`/users/<name>/statuses/<id>`, Mastodon 4's
`/ap/users/<number>/statuses/<id>`) or an Akkoma/Pleroma url (`/notice/<id>`); other
software's uri is used whole. So a status read on two instances is stored once, and a
boost is stored as the status it boosts. An edit is picked up whenever
a status is read again (a later boost, another instance or query); edits are not polled for.

`in_reply_to_id` is an id on the instance read, so `parent_id` is
`<instance read>/<in_reply_to_id>`: a reply links to its parent when that parent lives on
the instance read (where a brand usually answers its own customers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from pydantic import Field, SecretStr, model_validator
from scrapy.http import Request, Response

from spiders.base import BaseUrl, KulakSpider, SourceOptions, read_each
from spiders.items import PageDone, Post, Skipped
from spiders.parsing import html_to_text, iso_to_utc

#: where a status's home host and home id can be read: a Mastodon (4.x: /ap/users/<n>/)
#: or GoToSocial uri, an Akkoma or Pleroma url
_HOME = (
    re.compile(r"^https?://([^/]+)/(?:ap/)?users/[^/]+/statuses/([0-9A-Za-z]+)$"),
    re.compile(r"^https?://([^/]+)/notice/([0-9A-Za-z]+)$"),
)
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?(\w+)"?')


class MastodonOptions(SourceOptions):
    @classmethod
    def account(cls, handle: str) -> str:
        """user@server, however written: @user@server, or the profile's link."""
        value = handle.strip()
        link = re.fullmatch(r"https?://([^/\s]+)/@([^/\s@]+)/?", value)
        if link:
            value = f"{link[2]}@{link[1]}"
        found = re.fullmatch(r"@?([A-Za-z0-9_]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})", value)
        if not found:
            raise ValueError(
                f"{handle!r} is not a Mastodon account: write it with its server, "
                "e.g. @kahvecim@mastodon.social"
            )
        return f"{found[1]}@{found[2]}".casefold()

    base_url: str = Field(
        "https://mastodon.social", description="The instance read when `instances` is empty"
    )
    instances: list[BaseUrl] = Field(
        default_factory=list,
        description="Instances to read, as base URLs (https://mastodon.social); "
        "empty means base_url alone",
    )
    tags: list[str] = Field(
        default_factory=list,
        description="Hashtags to follow; empty means every target's hashtags and keywords "
        "as Mastodon tags ('Kahve Durağı' follows #kahveduragi)",
    )
    tokens: dict[BaseUrl, SecretStr] = Field(
        default_factory=dict,
        description="User access tokens by instance base URL (write ${MASTODON_TOKEN}); "
        "an instance with a token is also searched in full text for `queries`",
    )
    queries: list[str] = Field(
        default_factory=list,
        description="Full-text search terms on instances with a token; empty means every "
        "target's keywords and handles",
    )
    limit: int = Field(40, ge=1, le=40, description="Statuses per page (Mastodon allows 40)")

    @model_validator(mode="after")
    def _tokens_name_instances(self) -> MastodonOptions:
        for url in self.tokens:
            if url not in (self.instances or [self.base_url]):
                raise ValueError(f"tokens: {url} is not one of the instances read")
        return self


class MastodonSpider(KulakSpider):
    name = "mastodon"
    display_name = "Mastodon"
    Options = MastodonOptions
    answers_by_account = True

    @classmethod
    def author_accounts(cls, post: Post) -> set[str]:
        """A local account's acct has no server: it is the server the status was written on."""
        acct = (post.author_handle or "").strip().removeprefix("@")
        if not acct:
            return set()
        if "@" not in acct:
            acct = f"{acct}@{urlsplit(post.url).hostname}"
        return {acct.casefold()}

    options: MastodonOptions
    rate_limit_headers = ("x-ratelimit-remaining", "x-ratelimit-reset")

    def first_requests(self) -> Iterable[Request]:
        tokens = self.options.tokens
        for instance in self.instances():
            for tag in self.tags():
                yield self.timeline_request(instance, tag, page=0)
            if instance in tokens:
                for query in self.search_queries():
                    token = tokens[instance].get_secret_value()
                    yield self.search_request(instance, query, token, page=0)

    def instances(self) -> list[str]:
        return self.options.instances or [self.options.base_url]

    def tags(self) -> list[str]:
        terms = self.options.tags or [
            term for target in self.context.targets for term in (*target.hashtags, *target.keywords)
        ]
        tags: list[str] = []
        for term in terms:
            tag = hashtag(term)
            if tag and tag not in tags:
                tags.append(tag)
        return tags

    def search_queries(self) -> list[str]:
        """Hashtags are read from their timelines already; search the other terms."""
        return [q for q in self.queries() if not q.startswith("#")]

    # -- tag timelines: newest page first; later runs walk up from the cursor (min_id) --

    def timeline_request(
        self, instance: str, tag: str, page: int, link: dict[str, str] | None = None
    ) -> Request:
        key = f"{instance} #{tag}"
        since = self.cursor.get(key)
        params: dict[str, Any] = {"limit": self.options.limit}
        if link:
            params.update(link)
        elif since:
            params["min_id"] = since
        url = f"{instance}/api/v1/timelines/tag/{quote(tag)}?{urlencode(params)}"
        meta = {"instance": instance, "key": key, "query": f"#{tag}", "page": page}
        return self.request(url, self.parse_timeline, meta=meta)

    def guard(self, response: Response) -> Iterator[Any]:
        timeline = response.meta.get("parser") == self.parse_timeline
        if response.status == 404 and timeline and _is_mastodon_not_found(response):
            # Older Mastodon answers 404 for a hashtag nobody has used yet: nothing to read.
            return
        yield from super().guard(response)

    def parse_timeline(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        statuses = response.json()
        if not isinstance(statuses, list):
            raise ValueError("a tag timeline that is no list of statuses")
        yield from self.readable(
            parse_statuses(statuses, meta["instance"], meta["query"]), response
        )
        ids = status_ids(statuses)
        since = self.cursor.get(meta["key"])
        links = link_params(response.headers.get("Link"))
        more = len(statuses) >= self.options.limit and meta["page"] + 1 < self.options.max_pages
        tag = meta["query"][1:]
        if since:
            # Walking up from the cursor: each page is the oldest of what is new.
            if ids:
                yield PageDone(cursor={meta["key"]: newest_id(ids)})
            if more and "prev" in links:
                yield self.timeline_request(meta["instance"], tag, meta["page"] + 1, links["prev"])
            return
        # First run: newest page, then older ones; the cursor is the newest id of all.
        newest = newest_id([*ids, meta.get("newest")])
        if more and "next" in links:
            request = self.timeline_request(meta["instance"], tag, meta["page"] + 1, links["next"])
            request.meta["newest"] = newest
            yield request
        elif newest:
            yield PageDone(cursor={meta["key"]: newest})

    # -- full-text search (needs a user token): newest first, older pages by max_id --

    def search_request(
        self, instance: str, query: str, token: str, page: int, max_id: str | None = None
    ) -> Request:
        key = f"{instance} search {query}"
        params: dict[str, Any] = {"q": query, "type": "statuses", "limit": self.options.limit}
        if self.cursor.get(key):
            params["min_id"] = self.cursor[key]
        if max_id is not None:
            params["max_id"] = max_id
        meta = {"instance": instance, "key": key, "query": query, "page": page, "token": token}
        return self.request(
            f"{instance}/api/v2/search?{urlencode(params)}",
            self.parse_search,
            meta=meta,
            headers={"Authorization": f"Bearer {token}"},
        )

    def parse_search(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        statuses = response.json()["statuses"]
        yield from self.readable(
            parse_statuses(statuses, meta["instance"], meta["query"]), response
        )
        ids = status_ids(statuses)
        newest = newest_id([*ids, meta.get("newest")])
        if len(statuses) >= self.options.limit and meta["page"] + 1 < self.options.max_pages:
            oldest = min(ids, key=id_order)
            request = self.search_request(
                meta["instance"], meta["query"], meta["token"], meta["page"] + 1, oldest
            )
            request.meta["newest"] = newest
            yield request
        elif newest:
            yield PageDone(cursor={meta["key"]: newest})


def id_order(status_id: str) -> tuple[int, str]:
    """How the API orders ids: Mastodon's are numbers written in digits (a shorter one is
    older), Akkoma's and GoToSocial's sortable strings of one length."""
    return len(status_id), status_id


def newest_id(ids: list[str | None]) -> str | None:
    return max((i for i in ids if i), key=id_order, default=None)


def status_ids(statuses: list[Any]) -> list[str]:
    """The ids of a page's statuses (where the next page starts), bad statuses left out."""
    return [
        str(status["id"])
        for status in statuses
        if isinstance(status, dict) and isinstance(status.get("id"), str | int)
    ]


def hashtag(term: str) -> str:
    """The Mastodon hashtag a term is followed as: NFKC, lower case, Latin letters without
    accents (Mastodon folds them the same way), only letters, digits and underscores."""
    out = []
    for char in unicodedata.normalize("NFKC", term.lstrip("#")).lower():
        if unicodedata.name(char, "").startswith("LATIN"):
            decomposed = unicodedata.normalize("NFD", char.replace("ı", "i"))
            char = "".join(c for c in decomposed if c.isascii())
        out.append(char)
    return "".join(c for c in "".join(out) if c.isalnum() or c == "_")


def link_params(header: bytes | None) -> dict[str, dict[str, str]]:
    """The paging parameters (max_id, min_id, since_id) of each rel in a Link header.

    Only the parameters are kept: the next request goes to the instance as configured,
    whatever host the instance names itself by."""
    found: dict[str, dict[str, str]] = {}
    for url, rel in _LINK.findall(header.decode("latin-1") if header else ""):
        query = parse_qs(urlsplit(url).query)
        found[rel] = {
            name: values[0]
            for name, values in query.items()
            if name in ("max_id", "min_id", "since_id")
        }
    return found


def parse_statuses(
    statuses: list[dict[str, Any]], instance: str, query: str
) -> Iterator[Post | Skipped]:
    """Posts of a list of statuses read on `instance`; a boost yields the status it boosts."""
    host = urlsplit(instance).netloc
    return read_each(statuses, lambda status: status_post(status, host, query))


def status_post(outer: dict[str, Any], host: str, query: str) -> Post | None:
    """One status read on `host`; None for a status without text (media only)."""
    status = outer.get("reblog") or outer
    text = html_to_text(status["content"])
    warning = status.get("spoiler_text")
    if warning:
        text = f"{warning}\n{text}"
    if not text:
        return None
    account = status["account"]
    edited = status.get("edited_at")
    reply_to = status.get("in_reply_to_id")
    # in_reply_to_id is an id on the instance read, whose own name a local status bears.
    local = home(status) if "@" not in account["acct"] else None
    here = local[0] if local else host
    return Post(
        source="mastodon",
        external_id=status_key(status, host),
        url=status.get("url") or status["uri"],
        text=text,
        created_at=iso_to_utc(status["created_at"]),
        author_handle=account["acct"],
        author_name=account.get("display_name") or None,
        author_followers=account.get("followers_count"),
        lang=status.get("language"),
        parent_id=f"{here}/{reply_to}" if reply_to else None,
        likes=status.get("favourites_count"),
        reposts=status.get("reblogs_count"),
        replies=status.get("replies_count"),
        query=query,
        extra={"edited_at": edited} if edited else {},
    )


def status_key(status: dict[str, Any], host: str) -> str:
    """`<home host>/<home id>`: the same on every instance the status federated to."""
    found = home(status)
    if found:
        return f"{found[0]}/{found[1]}"
    return status.get("uri") or f"{host}/{status['id']}"


def home(status: dict[str, Any]) -> tuple[str, str] | None:
    """The host a status was written on and its id there, when its uri or url says."""
    for pattern, field in zip(_HOME, ("uri", "url"), strict=True):
        found = pattern.match(status.get(field) or "")
        if found:
            return found[1], found[2]
    return None


def _is_mastodon_not_found(response: Response) -> bool:
    return response.body.startswith(b"{") and b"Record not found" in response.body[:200]
