"""YouTube comments (and the replies shown with them) on chosen videos and channels (API key).

Threads come newest first (`order=time`); a run stops at the first thread it has stored
before, so a steady-state poll costs one request (one quota unit) per video or channel.
New replies to a thread older than the cursor are not fetched: that would cost a
request per thread and run. An author's display name is their @handle when they have
one; an author without a handle is known by name only (and by channel id in `extra`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any
from urllib.parse import urlencode

from pydantic import Field, SecretStr, model_validator
from scrapy.http import Request, Response

from spiders.base import KulakSpider, SourceOptions, read_each
from spiders.cursor import Mark
from spiders.items import PageDone, Post, Skipped, SourceProblem
from spiders.parsing import html_to_text, iso_to_utc
from spiders.status import problem_for_status

QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
KEY_REASONS = {"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED"}


class YouTubeOptions(SourceOptions):
    @classmethod
    def account(cls, handle: str) -> str:
        """A channel id (UC...) as it is, or an @handle compared without case."""
        value = handle.strip()
        if re.fullmatch(r"UC[A-Za-z0-9_-]{22}", value):
            return value
        if re.fullmatch(r"@[A-Za-z0-9._-]{3,30}", value):
            return value[1:].casefold()
        raise ValueError(
            f"{handle!r} is not a YouTube channel: write its channel id (UC...) or its @handle"
        )

    base_url: str = "https://www.googleapis.com"
    api_key: SecretStr | None = Field(
        None, description="Data API v3 key (write ${YOUTUBE_API_KEY})"
    )
    videos: list[str] = Field(default_factory=list, description="Video ids whose comments are read")
    channels: list[str] = Field(
        default_factory=list,
        description="Channel ids (UC...): the comments on all of the channel's videos are read",
    )
    about: str | None = Field(
        None,
        description="What these videos are about, e.g. your brand's name: their comments "
        "count as mentions of it even when they do not name it, and the channel's own "
        "replies as the brand's answers",
    )
    max_results: int = Field(100, ge=1, le=100, description="Threads per page (1 to 100)")
    queries: list[str] = Field(
        default_factory=list,
        max_length=0,
        description="Not used: every comment of the videos and channels is read, and the "
        "targets (or `about`) decide what is kept",
    )

    @model_validator(mode="after")
    def something_to_read(self) -> YouTubeOptions:
        if not self.videos and not self.channels:
            raise ValueError("list at least one video id under videos or channel id under channels")
        return self


class YouTubeSpider(KulakSpider):
    name = "youtube"
    display_name = "YouTube"
    Options = YouTubeOptions
    options: YouTubeOptions
    needs_credentials = True
    answers_by_account = True

    @classmethod
    def author_accounts(cls, post: Post) -> set[str]:
        accounts = {(post.author_handle or "").casefold(), post.extra.get("author_channel_id")}
        return {a for a in accounts if a}

    @classmethod
    def missing_credentials(cls, options: SourceOptions) -> str | None:
        if not getattr(options, "api_key", None):
            return "no API key (write api_key: ${YOUTUBE_API_KEY} and set it)"
        return None

    def first_requests(self) -> Iterable[Request]:
        for key, param in self.sources():
            mark = Mark(**Mark.fields(self.cursor.get(key)))
            yield self.page_request(key, param, mark, mark, page_token=None, page=0)

    def sources(self) -> list[tuple[str, dict[str, str]]]:
        """Cursor key and query parameter of each video and channel."""
        videos = [(f"video:{v}", {"videoId": v}) for v in self.options.videos]
        channels = [
            (f"channel:{c}", {"allThreadsRelatedToChannelId": c}) for c in self.options.channels
        ]
        return videos + channels

    def page_request(
        self,
        key: str,
        param: dict[str, str],
        seen: Mark,
        newest: Mark,
        page_token: str | None,
        page: int,
    ) -> Request:
        params = {
            "part": "snippet,replies",
            **param,
            "order": "time",
            "maxResults": self.options.max_results,
            "textFormat": "plainText",
        }
        if page_token:
            params["pageToken"] = page_token
        url = f"{self.options.base_url.rstrip('/')}/youtube/v3/commentThreads?{urlencode(params)}"
        # The key goes in a header: URLs end up in problem reports and logs.
        return self.request(
            url,
            self.parse_page,
            headers={"X-Goog-Api-Key": self.options.api_key.get_secret_value()},
            meta={"key": key, "param": param, "seen": seen, "newest": newest, "page": page},
        )

    def guard(self, response: Response) -> Iterator[Any]:
        problem = youtube_problem(response)
        if problem is not None:
            yield problem
            return
        yield from super().guard(response)

    def parse_page(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        seen: Mark = meta["seen"]
        newest: Mark = meta["newest"]
        data = response.json()
        reached_seen = False
        for posts in self.readable(parse_threads(data, self.options.about), response):
            top = posts[0]
            if seen.seen(top.created_at, top.external_id):
                reached_seen = True
                continue
            newest = newest.advanced(top.created_at, top.external_id)
            yield from posts
        token = data.get("nextPageToken")
        if token and not reached_seen and meta["page"] + 1 < self.options.max_pages:
            yield self.page_request(
                meta["key"], meta["param"], seen, newest, token, meta["page"] + 1
            )
        else:
            yield PageDone(cursor={meta["key"]: newest.dump()})


def parse_threads(data: dict[str, Any], about: str | None = None) -> Iterator[list[Post] | Skipped]:
    """The threads of one commentThreads answer, each its top-level comment then its
    replies. A thread whose top-level comment cannot be read is skipped whole (the cursor
    goes by top-level comments); a reply that cannot be read is skipped alone."""
    for thread in read_each(data["items"], lambda thread: thread_top(thread, about)):
        if isinstance(thread, Skipped):
            yield thread
            continue
        top, replies = thread
        reply = partial(comment_post, thread_id=top.conversation_id, about=about)
        read = list(read_each(replies, reply))
        yield [top, *(post for post in read if not isinstance(post, Skipped))]
        yield from (skip for skip in read if isinstance(skip, Skipped))


def thread_top(thread: dict[str, Any], about: str | None) -> tuple[Post, list[Any]]:
    """A thread's top-level comment, and its replies as sent (one odd container of them is
    one odd reply, not a lost thread)."""
    snippet = thread["snippet"]
    top = comment_post(snippet["topLevelComment"], thread["id"], about)
    top.replies = snippet.get("totalReplyCount")
    replies = thread.get("replies") or {}
    comments = replies.get("comments") if isinstance(replies, dict) else replies
    if comments is None or isinstance(comments, list):
        return top, comments or []
    return top, [comments]


def comment_post(comment: dict[str, Any], thread_id: str, about: str | None) -> Post:
    snippet = comment["snippet"]
    video = snippet.get("videoId")
    name = snippet.get("authorDisplayName") or None
    author_channel = (snippet.get("authorChannelId") or {}).get("value")
    published = iso_to_utc(snippet["publishedAt"])
    updated = snippet.get("updatedAt")
    extra: dict[str, Any] = {"video_id": video} if video else {}
    handle = name[1:] if name and name.startswith("@") else None
    if author_channel:
        extra["author_channel_id"] = author_channel
    if updated and iso_to_utc(updated) > published:
        extra["edited_at"] = iso_to_utc(updated).isoformat()
    if about:
        # The video's channel answering on its own video is the brand answering.
        extra["by_brand"] = author_channel is not None and author_channel == snippet.get(
            "channelId"
        )
    page = (
        f"https://www.youtube.com/watch?v={video}"
        if video
        else f"https://www.youtube.com/channel/{snippet['channelId']}"
    )
    return Post(
        source="youtube",
        external_id=comment["id"],
        url=f"{page}{'&' if video else '?'}lc={comment['id']}",
        text=snippet.get("textOriginal") or html_to_text(snippet.get("textDisplay")),
        created_at=published,
        author_handle=handle,
        author_name=name,
        parent_id=snippet.get("parentId"),
        conversation_id=thread_id,
        likes=snippet.get("likeCount"),
        about=about,
        extra=extra,
    )


def youtube_problem(response: Response) -> SourceProblem | None:
    """Google's error reasons say more than the status: a used-up daily quota is a 403
    like a refused key, but it heals at midnight Pacific time and needs no new key."""
    if response.status < 400:
        return None
    try:
        error = json.loads(response.body)["error"]
        reasons = [e.get("reason") for e in error.get("errors") or []]
        reasons += [d.get("reason") for d in error.get("details") or []]
        message = html_to_text(error.get("message")) or "no message"
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    found = set(reasons) - {None}
    if found & QUOTA_REASONS:
        reason = f"quota exhausted until midnight Pacific time (HTTP {response.status}: {message})"
        return SourceProblem("rate_limited", reason, url=response.url)
    if "rateLimitExceeded" in found:
        return SourceProblem("rate_limited", f"too many requests: {message}", url=response.url)
    if found & KEY_REASONS:
        return SourceProblem("auth_failed", f"API key refused: {message}", url=response.url)
    if "commentsDisabled" in found:
        return SourceProblem("not_found", f"comments are turned off: {message}", url=response.url)
    problem = problem_for_status(response)
    if problem is not None:
        named = "".join(f" {reason}" for reason in sorted(found))
        problem.reason = f"HTTP {response.status}{named}: {message}"
    return problem
