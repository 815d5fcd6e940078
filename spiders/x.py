"""X (Twitter) posts of the last seven days through the API v2 recent search (bearer token).

Retweets are stored once, as the original post (found in `includes.tweets`), with the
retweeters' handles in `extra.retweeted_by`: fifty retweets of one complaint are one
complaint with fifty reposts, not fifty posts. A retweet whose original X does not
return (deleted or withheld) is not kept, as X's policy asks.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any
from urllib.parse import urlencode

from pydantic import Field, SecretStr, field_validator
from scrapy.http import Request, Response

from spiders.base import KulakSpider, SourceOptions, TargetTerms, read_each
from spiders.items import PageDone, Post, Skipped
from spiders.parsing import iso_to_utc

#: X rejects longer queries (the Basic and Pro recent-search limit)
QUERY_LIMIT = 512
#: the oldest since_id X accepts is seven days old; an older one is an error, so it is dropped
SINCE_ID_MAX_AGE = timedelta(days=7) - timedelta(hours=1)
SNOWFLAKE_EPOCH_MS = 1288834974657
EXPANSIONS = "author_id,referenced_tweets.id,referenced_tweets.id.author_id"
TWEET_FIELDS = (
    "author_id,created_at,lang,conversation_id,in_reply_to_user_id,"
    "public_metrics,referenced_tweets,edit_history_tweet_ids,note_tweet"
)
USER_FIELDS = "username,name,public_metrics"
NO_RETWEETS = " -is:retweet"
#: X's language codes for posts without words: undetermined, media, hashtags, mentions...
NO_LANGUAGE = {"und", "zxx", "qme", "qht", "qam", "qst", "qct"}
BARE_TERM = re.compile(r"[#@]?\w+")


class XOptions(SourceOptions):
    @classmethod
    def account(cls, handle: str) -> str:
        name = handle.strip().removeprefix("@")
        if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", name):
            raise ValueError(f"{handle!r} is not an X handle (1-15 letters, digits or _)")
        return name.casefold()

    base_url: str = "https://api.x.com"
    bearer_token: SecretStr | None = Field(
        None, description="App bearer token (write ${X_BEARER_TOKEN})"
    )
    max_results: int = Field(100, ge=10, le=100, description="Posts per page (10 to 100)")
    retweets: bool = Field(
        True,
        description="Collect retweets (stored once, as the original post); "
        "false adds -is:retweet to every query and saves paid reads",
    )
    queries: list[str] = Field(
        default_factory=list,
        description="X search queries, 512 characters each; empty means queries built "
        "from every target's keywords, handles (@ and from:), hashtags and exclusions",
    )

    @field_validator("queries")
    @classmethod
    def within_limit(cls, queries: list[str]) -> list[str]:
        for query in queries:
            if len(query) > QUERY_LIMIT:
                raise ValueError(
                    f"the query {query[:40]!r}... is {len(query)} characters; X allows "
                    f"{QUERY_LIMIT} (split it in two)"
                )
        return queries


class XSpider(KulakSpider):
    name = "x"
    display_name = "X"
    Options = XOptions
    options: XOptions
    needs_credentials = True
    answers_by_account = True
    rate_limit_headers = ("x-rate-limit-remaining", "x-rate-limit-reset")

    @classmethod
    def missing_credentials(cls, options: SourceOptions) -> str | None:
        if not getattr(options, "bearer_token", None):
            return "no bearer token (write bearer_token: ${X_BEARER_TOKEN} and set it)"
        return None

    def queries(self) -> list[str]:
        suffix = "" if self.options.retweets else NO_RETWEETS
        if self.options.queries:
            return [join_clauses([q], suffix) for q in self.options.queries]
        return build_queries(self.context.targets, suffix=suffix)

    def first_requests(self) -> Iterable[Request]:
        now = utcnow()
        for query in self.queries():
            since_id = self.cursor.get(query)
            if since_id and not since_id_usable(since_id, now):
                since_id = None
            yield self.page_request(query, since_id, next_token=None, page=0, newest=since_id)

    def page_request(
        self,
        query: str,
        since_id: str | None,
        next_token: str | None,
        page: int,
        newest: str | None,
    ) -> Request:
        params = {
            "query": query,
            "max_results": self.options.max_results,
            "expansions": EXPANSIONS,
            "tweet.fields": TWEET_FIELDS,
            "user.fields": USER_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        if next_token:
            params["next_token"] = next_token
        url = f"{self.options.base_url.rstrip('/')}/2/tweets/search/recent?{urlencode(params)}"
        meta = {"query": query, "since_id": since_id, "page": page, "newest": newest}
        headers = {"Authorization": f"Bearer {self.options.bearer_token.get_secret_value()}"}
        return self.request(url, self.parse_page, meta=meta, headers=headers)

    def parse_page(self, response: Response) -> Iterator[Any]:
        query, page = response.meta["query"], response.meta["page"]
        data = response.json()
        result = data["meta"]
        yield from self.readable(parse_search(data, query), response)
        newest = response.meta["newest"]
        if page == 0:  # the first page holds the newest post; later pages go back in time
            newest = result.get("newest_id") or newest
        token = result.get("next_token")
        if token and page + 1 < self.options.max_pages:
            yield self.page_request(query, response.meta["since_id"], token, page + 1, newest)
        else:
            yield PageDone(cursor={query: newest} if newest else {})


def utcnow() -> datetime:
    return datetime.now(UTC)


def snowflake_time(post_id: str) -> datetime:
    """When an X id was made: its top bits are milliseconds since X's epoch."""
    return datetime.fromtimestamp(((int(post_id) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, tz=UTC)


def since_id_usable(since_id: str, now: datetime) -> bool:
    """X answers 400 to a since_id older than its seven-day window; then search it all."""
    return now - snowflake_time(since_id) < SINCE_ID_MAX_AGE


def parse_search(data: dict[str, Any], query: str) -> Iterator[Post | Skipped]:
    """Posts of one recent-search answer (an empty result has no `data`). A retweet
    stands for the post it retweets, stored once with who retweeted it; a tweet, or a
    retweet, that cannot be read is skipped alone."""
    includes = data.get("includes") or {}
    users, referenced = _by_id(includes.get("users")), _by_id(includes.get("tweets"))
    originals: dict[Any, dict[str, Any]] = {}
    retweeters: dict[Any, list[str]] = {}
    skipped: list[Skipped] = []
    for found in read_each(data.get("data") or [], lambda t: _original(t, users, referenced)):
        if isinstance(found, Skipped):
            skipped.append(found)
            continue
        original, retweeter = found
        originals.setdefault(original["id"], original)
        if retweeter:
            retweeters.setdefault(original["id"], []).append(retweeter)
    return chain(
        skipped,
        read_each(
            originals.items(),
            lambda item: tweet_post(item[1], users, query, retweeters.get(item[0], [])),
        ),
    )


def _by_id(objects: Any) -> dict[Any, dict[str, Any]]:
    """Expanded users or tweets by id; one without a usable id is no one to look up."""
    return {
        found["id"]: found
        for found in objects or []
        if isinstance(found, dict) and isinstance(found.get("id"), str | int)
    }


def _original(
    tweet: dict[str, Any], users: dict[Any, Any], referenced: dict[Any, Any]
) -> tuple[dict[str, Any], str | None] | None:
    """The tweet a search result stands for (itself, or the one it retweets: None when
    the answer left that out) and the handle of whoever retweeted it."""
    refs = references(tweet)
    if "retweeted" not in refs:
        if not isinstance(tweet.get("id"), str | int):
            raise ValueError("a tweet without an id")
        return tweet, None
    original = referenced.get(refs["retweeted"])
    if original is None:
        return None
    handle = users.get(tweet.get("author_id"), {}).get("username")
    return original, handle if isinstance(handle, str) else None


def full_text(tweet: dict[str, Any]) -> str:
    """The whole text: a long post's `text` stops at 280 characters, its note_tweet not."""
    note = tweet.get("note_tweet") or {}
    return note.get("text") or tweet["text"]


def references(tweet: dict[str, Any]) -> dict[str, str]:
    return {ref["type"]: ref["id"] for ref in tweet.get("referenced_tweets") or []}


def tweet_post(
    tweet: dict[str, Any], users: dict[str, Any], query: str, retweeted_by: list[str]
) -> Post:
    author = users.get(tweet["author_id"], {})
    handle = author.get("username")
    metrics = tweet.get("public_metrics") or {}
    refs = references(tweet)
    lang = tweet.get("lang")
    extra: dict[str, Any] = {}
    if retweeted_by:
        extra["retweeted_by"] = retweeted_by
    if "quoted" in refs:
        extra["quotes"] = refs["quoted"]
    history = tweet.get("edit_history_tweet_ids") or []
    if len(history) > 1:
        extra["edit_history"] = history
    return Post(
        source="x",
        external_id=tweet["id"],
        url=f"https://x.com/{handle or 'i/web'}/status/{tweet['id']}",
        # X escapes &, < and > in post text.
        text=html.unescape(full_text(tweet)),
        created_at=iso_to_utc(tweet["created_at"]),
        author_handle=handle,
        author_name=author.get("name"),
        author_followers=(author.get("public_metrics") or {}).get("followers_count"),
        lang=None if lang in NO_LANGUAGE else lang,
        parent_id=refs.get("replied_to"),
        conversation_id=tweet.get("conversation_id"),
        likes=metrics.get("like_count"),
        reposts=metrics.get("retweet_count"),
        replies=metrics.get("reply_count"),
        views=metrics.get("impression_count"),
        query=query,
        extra=extra,
    )


# -- building queries ----------------------------------------------------------------------


def target_terms(target: TargetTerms) -> list[str]:
    """X search terms of a target: a handle is searched as mentioned (@) and as author."""
    terms: list[str] = []
    for keyword in (*target.keywords, *target.hashtags):
        terms.append(quoted(keyword))
    for handle in target.handles:
        name = handle.lstrip("@")
        terms.extend((f"@{name}", f"from:{name}"))
    return list(dict.fromkeys(terms))


def quoted(term: str) -> str:
    term = term.replace('"', " ").strip()
    return term if BARE_TERM.fullmatch(term) else f'"{term}"'


def clause(terms: list[str], exclusions: str) -> str:
    ored = terms[0] if len(terms) == 1 else f"({' OR '.join(terms)})"
    return f"{ored} {exclusions}" if exclusions else ored


def join_clauses(clauses: list[str], suffix: str = "") -> str:
    """One query ORing clauses; AND binds tighter than OR in X queries, hence the parens."""
    if len(clauses) == 1:
        query = clauses[0]
    else:
        query = " OR ".join(f"({c})" if " -" in c else c for c in clauses)
    if suffix:
        query = f"({query}){suffix}" if has_top_level_or(query) else f"{query}{suffix}"
    return query


def has_top_level_or(query: str) -> bool:
    """Whether an AND appended to the query would bind to its last alternative only."""
    depth, quoted_phrase = 0, False
    for index, char in enumerate(query):
        if char == '"':
            quoted_phrase = not quoted_phrase
        elif not quoted_phrase and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted_phrase and depth == 0 and query.startswith(" OR ", index):
            return True
    return False


def build_queries(
    targets: Iterable[TargetTerms], limit: int = QUERY_LIMIT, suffix: str = ""
) -> list[str]:
    """As few queries as fit in `limit` characters, each ORing whole target clauses.

    A target too long for one query is split by its terms, every part keeping the
    target's exclusions. Exclusions only save reads (the matcher applies them anyway),
    so a target whose exclusions leave no room for even one term is searched without them.
    """
    clauses: list[str] = []
    for target in targets:
        terms = target_terms(target)
        exclusions = " ".join(f"-{quoted(e)}" for e in target.exclude)
        if terms and len(join_clauses([clause(terms[:1], exclusions)], suffix)) > limit:
            exclusions = ""
        group: list[str] = []
        for term in terms:
            if group and len(join_clauses([clause([*group, term], exclusions)], suffix)) > limit:
                clauses.append(clause(group, exclusions))
                group = []
            group.append(term)
        if group:
            clauses.append(clause(group, exclusions))
    queries: list[list[str]] = []
    for part in clauses:
        if queries and len(join_clauses([*queries[-1], part], suffix)) <= limit:
            queries[-1].append(part)
        else:
            queries.append([part])
    return [join_clauses(q, suffix) for q in queries]
