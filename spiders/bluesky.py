"""Bluesky posts through searchPosts, logged in with an app password (search needs a login).

A session is made with createSession, which Bluesky allows 30 times in 5 minutes and 300
times a day per account, so it is kept in memory for as long as the process runs (never
stored, never logged): a scheduler polling every few minutes logs in once, renews the
access token with refreshSession when it expires, and logs in again only when the refresh
token is gone too. A login refused is reported once as "auth_failed" and nothing more is
asked in that run.

Each query keeps a mark in the cursor: the newest sort time read and the posts at that
time. The next run asks `since` that time (Bluesky's filter is inclusive) and skips those
posts. Authors' follower counts come from getProfiles, 25 authors a call and each author
once a run however many queries find them, before a page's posts are handed on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from pydantic import Field, SecretStr
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from spiders.base import KulakSpider, SourceOptions, read_each
from spiders.cursor import Mark
from spiders.items import PageDone, Post, Skipped, SourceProblem
from spiders.parsing import iso_to_utc

PROFILES_PER_CALL = 25
#: errors of an access or refresh token that has run out or been revoked
EXPIRED = {"ExpiredToken", "InvalidToken"}

#: (server, handle) -> {"access": ..., "refresh": ...}, for the life of the process only
_SESSIONS: dict[tuple[str, str], dict[str, str]] = {}


_DID = re.compile(r"did:(?:plc:[a-z2-7]{24}|web:[a-z0-9.-]+)")
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")


class BlueskyOptions(SourceOptions):
    @classmethod
    def account(cls, handle: str) -> str:
        """A handle (a domain name) or the account's DID, which outlives handle changes."""
        value = handle.strip().removeprefix("@").casefold()
        if value.startswith("did:"):
            if not _DID.fullmatch(value):
                raise ValueError(f"{handle!r} is not a Bluesky DID (did:plc:... or did:web:...)")
        elif not _DOMAIN.fullmatch(value):
            raise ValueError(
                f"{handle!r} is not a Bluesky handle: write its full domain, "
                "e.g. kahvecim.bsky.social (or its did:plc: DID)"
            )
        return value

    base_url: str = Field(
        "https://bsky.social", description="The account's server (PDS): bsky.social for most"
    )
    handle: str | None = Field(
        None, description="Handle or e-mail to log in with (write ${BLUESKY_HANDLE})"
    )
    app_password: SecretStr | None = Field(
        None,
        description="An app password of that account, never its main password "
        "(write ${BLUESKY_APP_PASSWORD})",
    )
    lang: str | None = Field(None, description="Only posts in this language (tr, el...)")
    limit: int = Field(100, ge=1, le=100, description="Posts per page (Bluesky allows 100)")


class BlueskySpider(KulakSpider):
    name = "bluesky"
    display_name = "Bluesky"
    Options = BlueskyOptions
    options: BlueskyOptions
    needs_credentials = True
    answers_by_account = True

    @classmethod
    def author_accounts(cls, post: Post) -> set[str]:
        did = author_did(post) if post.external_id.startswith("at://") else ""
        return {(post.author_handle or "").casefold(), did} - {""}

    rate_limit_headers = ("ratelimit-remaining", "ratelimit-reset")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.followers: dict[str, int | None] = {}  # by DID; None when it cannot be had
        self.asking: set[str] = set()  # DIDs whose profiles are on their way
        self.waiting: list[dict[str, Any]] = []  # pages waiting for their authors' profiles
        self.parked: list[Request] = []  # requests waiting for a renewed token
        self.renewing = False
        self.searching = False
        self.auth_failed = False

    @classmethod
    def missing_credentials(cls, options: SourceOptions) -> str | None:
        if getattr(options, "handle", None) and getattr(options, "app_password", None):
            return None
        return (
            "Bluesky search needs a login: set handle and app_password "
            "(${BLUESKY_HANDLE}, ${BLUESKY_APP_PASSWORD}; make an app password in the settings)"
        )

    # -- the session ---------------------------------------------------------------------

    @property
    def session_key(self) -> tuple[str, str]:
        return (self.options.base_url, self.options.handle or "")

    def xrpc(self, method: str, params: dict[str, Any] | list[tuple[str, str]] = ()) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.options.base_url}/xrpc/{method}{query}"

    def first_requests(self) -> Iterable[Request]:
        if not self.queries():
            return  # no target to search for: no login spent either
        if self.session_key in _SESSIONS:
            yield from self.search_requests()
        else:
            yield self.login_request()

    def login_request(self) -> Request:
        body = {
            "identifier": self.options.handle,
            "password": self.options.app_password.get_secret_value(),
        }
        return self.request(
            self.xrpc("com.atproto.server.createSession"),
            self.parse_session,
            method="POST",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
            meta={"session": "login"},
        )

    def renew_request(self) -> Request:
        session = _SESSIONS.get(self.session_key)
        if session is None:
            return self.login_request()
        return self.request(
            self.xrpc("com.atproto.server.refreshSession"),
            self.parse_session,
            method="POST",
            headers={"Authorization": f"Bearer {session['refresh']}"},
            meta={"session": "refresh"},
        )

    def parse_session(self, response: Response) -> Iterator[Request]:
        data = response.json()
        _SESSIONS[self.session_key] = {"access": data["accessJwt"], "refresh": data["refreshJwt"]}
        self.renewing = False
        parked, self.parked = self.parked, []
        for request in parked:
            yield request.replace(headers=self.auth_headers())
        if not self.searching:
            yield from self.search_requests()

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {_SESSIONS[self.session_key]['access']}"}

    def guard(self, response: Response) -> Iterator[Any]:
        """Renew an expired token once; report a refused login once; and when follower
        counts cannot be had, hand the page's posts on without them."""
        error, message = xrpc_error(response)
        session = response.meta.get("session")
        if error in EXPIRED and session is None and not response.meta.get("renewed"):
            self.parked.append(response.request.replace(meta={**response.meta, "renewed": True}))
            if not self.renewing:
                self.renewing = True
                yield self.renew_request()
            return
        if error in EXPIRED and session == "refresh":
            _SESSIONS.pop(self.session_key, None)
            yield self.login_request()
            return
        if response.status in (401, 403) or (error in EXPIRED and session == "login"):
            _SESSIONS.pop(self.session_key, None)
            if not self.auth_failed:
                self.auth_failed = True
                reason = f"HTTP {response.status}: {error}: {message}"
                yield SourceProblem("auth_failed", reason, url=response.url)
            # Profiles on their way will not come: the pages waiting go on without them.
            yield from self.resolved(list(self.asking), {})
            return
        items = list(super().guard(response))
        yield from items
        if "actors" in response.meta and any(isinstance(i, SourceProblem) for i in items):
            yield from self.resolved(response.meta["actors"], {})

    def failed(self, failure: Failure) -> Iterator[Any]:
        yield from super().failed(failure)
        request = getattr(failure, "request", None)
        if request is not None and "actors" in request.meta:
            yield from self.resolved(request.meta["actors"], {})

    # -- search --------------------------------------------------------------------------

    def search_requests(self) -> Iterator[Request]:
        self.searching = True
        for query in self.queries():
            mark = Mark(**Mark.fields(self.cursor.get(query)))
            yield self.search_request(query, 0, None, mark, mark)

    def search_request(
        self, query: str, page: int, page_cursor: str | None, mark: Mark, moved: Mark
    ) -> Request:
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": self.options.limit}
        if mark.newest is not None:
            params["since"] = mark.newest.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if self.options.lang:
            params["lang"] = self.options.lang
        if page_cursor:
            params["cursor"] = page_cursor
        meta = {"query": query, "number": page, "mark": mark, "moved": moved}
        return self.request(
            self.xrpc("app.bsky.feed.searchPosts", params),
            self.parse_search,
            headers=self.auth_headers(),
            meta=meta,
        )

    def parse_search(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        data = response.json()
        mark, moved = meta["mark"], meta["moved"]
        posts = []
        for sort_at, post in self.readable(parse_posts(data, meta["query"]), response):
            if not mark.seen(sort_at, post.external_id):
                posts.append(post)
                moved = moved.advanced(sort_at, post.external_id)
        full = len(data["posts"]) >= self.options.limit
        more = full and data.get("cursor") and meta["number"] + 1 < self.options.max_pages
        page = {
            **{k: meta[k] for k in ("query", "number", "mark")},
            "moved": moved,
            "posts": posts,
            "next": data["cursor"] if more else None,
        }
        page["needs"] = {author_did(p) for p in posts}
        self.waiting.append(page)
        # Queries run side by side and often find the same authors: each is asked for once.
        unknown = sorted(page["needs"] - self.followers.keys() - self.asking)
        self.asking.update(unknown)
        for i in range(0, len(unknown), PROFILES_PER_CALL):
            actors = unknown[i : i + PROFILES_PER_CALL]
            url = self.xrpc("app.bsky.actor.getProfiles", [("actors", did) for did in actors])
            yield self.request(
                url, self.parse_profiles, headers=self.auth_headers(), meta={"actors": actors}
            )
        yield from self.resolved((), {})

    def parse_profiles(self, response: Response) -> Iterator[Any]:
        yield from self.resolved(response.meta["actors"], parse_followers(response.json()))

    def resolved(self, actors: Iterable[str], counts: dict[str, int | None]) -> Iterator[Any]:
        """Follower counts are in, or cannot be had, for these authors: hand on the posts
        of every page that now has all it waits for."""
        for did in actors:
            self.followers[did] = counts.get(did)
            self.asking.discard(did)
        waiting, self.waiting = self.waiting, []
        for page in waiting:
            if page["needs"] <= self.followers.keys():
                yield from self.finish_page(page)
            else:
                self.waiting.append(page)

    def finish_page(self, page: dict[str, Any]) -> Iterator[Any]:
        for post in page["posts"]:
            post.author_followers = self.followers.get(author_did(post))
            yield post
        if page["next"] and not self.auth_failed:
            yield self.search_request(
                page["query"], page["number"] + 1, page["next"], page["mark"], page["moved"]
            )
        elif page["moved"] != page["mark"]:
            yield PageDone(cursor={page["query"]: page["moved"].dump()})


def parse_posts(data: dict[str, Any], query: str) -> Iterator[tuple[datetime, Post] | Skipped]:
    """Posts of one searchPosts answer, each with its sort time (Bluesky sorts and filters
    `since` by the earlier of createdAt and indexedAt)."""
    return read_each(data["posts"], lambda view: sorted_post(view, query))


def sorted_post(view: dict[str, Any], query: str) -> tuple[datetime, Post] | None:
    record, author = view["record"], view["author"]
    created = iso_to_utc(record["createdAt"])
    indexed = iso_to_utc(view["indexedAt"]) if view.get("indexedAt") else created
    reply = record.get("reply") or {}
    quoted = ((view.get("embed") or {}).get("record") or {}).get("uri")
    text = record.get("text") or ""
    if not text:
        return None
    uri = view["uri"]
    profile = author["handle"] if author.get("handle") != "handle.invalid" else author["did"]
    return (
        min(created, indexed),
        Post(
            source="bluesky",
            external_id=uri,
            url=f"https://bsky.app/profile/{profile}/post/{uri.rsplit('/', 1)[1]}",
            text=text,
            created_at=created,
            author_handle=author["handle"],
            author_name=author.get("displayName") or None,
            lang=(record.get("langs") or [None])[0],
            parent_id=(reply.get("parent") or {}).get("uri"),
            conversation_id=(reply.get("root") or {}).get("uri"),
            likes=view.get("likeCount"),
            reposts=view.get("repostCount"),
            replies=view.get("replyCount"),
            query=query,
            extra={"quotes": quoted} if quoted else {},
        ),
    )


def parse_followers(data: dict[str, Any]) -> dict[str, int | None]:
    """Follower counts by DID from a getProfiles answer (missing accounts are left out)."""
    return {profile["did"]: profile.get("followersCount") for profile in data["profiles"]}


def author_did(post: Post) -> str:
    """The author's DID, from the post's at:// URI (at://<did>/app.bsky.feed.post/<rkey>)."""
    return post.external_id.split("/")[2]


def xrpc_error(response: Response) -> tuple[str | None, str | None]:
    """The `error` and `message` of an XRPC error answer, or (None, None)."""
    if response.status < 400:
        return None, None
    try:
        data = json.loads(response.body or b"null")
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    return data.get("error"), data.get("message")
