"""Telegram public channels through their web preview, t.me/s/<channel> (HTML, no login).

The preview shows a channel's newest messages (about twenty); `?before=<id>` shows the
ones before. Message ids grow within a channel, so the cursor is the newest id stored per
channel: a poll reads the newest page and pages back only until it reaches that id.
Messages marked "edited" on the pages read are stored again, so their new text replaces
the old one. A reply shows the message it answers as a quote above its own text: the
quote is left out, and the message answered becomes the reply's parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from scrapy.http import Request, Response
from scrapy.selector import Selector

from spiders.base import KulakSpider, SourceOptions, read_each
from spiders.items import PageDone, Post, Skipped, SourceProblem
from spiders.parsing import html_to_text, iso_to_utc

MESSAGE_URL = "https://t.me/{}"
_SUFFIXES = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_COUNT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([kmb]?)\s*$", re.IGNORECASE)


class TelegramOptions(SourceOptions):
    @classmethod
    def account(cls, handle: str) -> str:
        return channel_username(handle).casefold()

    base_url: str = "https://t.me"
    channels: list[str] = Field(
        description="Public channels: usernames (kahveduragi, @kahveduragi) or t.me links",
        min_length=1,
    )

    @field_validator("channels")
    @classmethod
    def _usernames(cls, values: list[str]) -> list[str]:
        return [channel_username(v) for v in values]


def channel_username(value: str) -> str:
    """The channel's username from how people write it: @name, t.me/name, t.me/s/name."""
    text = value.strip()
    if "/" in text:
        parts = [p for p in urlsplit(text if "//" in text else f"//{text}").path.split("/") if p]
        text = parts[-1] if parts else ""
    name = text.lstrip("@")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", name):
        raise ValueError(f"{value!r} is not a public Telegram channel's username or link")
    return name


class TelegramSpider(KulakSpider):
    name = "telegram"
    display_name = "Telegram"
    authors_are_people = False
    Options = TelegramOptions
    options: TelegramOptions
    obeys_robots = True

    def first_requests(self) -> Iterable[Request]:
        for channel in self.options.channels:
            yield self.page_request(channel, before=None, page=1, newest=self.last_id(channel))

    def last_id(self, channel: str) -> int:
        return int(self.cursor.get(channel, 0))

    def page_request(self, channel: str, before: int | None, page: int, newest: int) -> Request:
        url = f"{self.options.base_url.rstrip('/')}/s/{channel}"
        if before is not None:
            url += f"?before={before}"
        meta = {"channel": channel, "page": page, "newest": newest}
        return self.request(url, self.parse_page, meta=meta)

    def parse_page(self, response: Response) -> Iterator[Any]:
        channel, page = response.meta["channel"], response.meta["page"]
        preview = parse_channel_page(response.text, channel)
        if preview is None:
            yield SourceProblem(
                "not_found", f"t.me/s/{channel} shows no public channel preview", response.url
            )
            return
        last = self.last_id(channel)
        newest = response.meta["newest"]
        messages = self.readable(preview.messages, response)
        for message_id, post in messages:
            if message_id > last or post.extra.get("edited"):
                yield post
            newest = max(newest, message_id)
        oldest = min((m for m, _ in messages), default=None)
        if (
            oldest is not None
            and oldest > last + 1
            and preview.before is not None
            and page < self.options.max_pages
        ):
            yield self.page_request(channel, preview.before, page + 1, newest)
        else:
            yield PageDone(cursor={channel: newest})


@dataclass(frozen=True)
class ChannelPage:
    # (message id, post), oldest first as on the page; a message that cannot be read
    # is a Skipped in its place
    messages: list[tuple[int, Post] | Skipped]
    before: int | None  # where the "older messages" link points, if there is one


def parse_channel_page(html: str, channel: str) -> ChannelPage | None:
    """The messages of one preview page; None when the page is no channel preview at all
    (an unknown or private channel sends t.me's generic page)."""
    if not html.strip():
        raise ValueError("an empty page where the channel preview should be")
    page = Selector(text=html)
    nodes = page.css("div.tgme_widget_message[data-post]")
    if not nodes and not page.css(".tgme_channel_info"):
        return None
    followers_text = page.xpath(
        '//div[contains(@class, "tgme_channel_info_counter")]'
        '[span[@class="counter_type"][starts-with(normalize-space(.), "subscriber")]]'
        '/span[@class="counter_value"]/text()'
    ).get()
    followers = count(followers_text) if followers_text else None
    messages = list(read_each(nodes, lambda node: _numbered(node, channel, followers)))
    before = page.css("a.tme_messages_more::attr(data-before)").get()
    return ChannelPage(messages, int(before) if before else None)


def _numbered(node: Selector, channel: str, followers: int | None) -> tuple[int, Post] | None:
    post = _message(node, channel, followers)
    return None if post is None else (int(post.external_id.rsplit("/", 1)[1]), post)


def _message(node: Selector, channel: str, followers: int | None) -> Post | None:
    """One message; service messages and media without a caption carry no text. A
    reply's quote of the message it answers is a message text too, marked as the quote."""
    post_id = node.attrib["data-post"]
    if "service_message" in node.attrib.get("class", ""):
        return None
    own = "div.tgme_widget_message_text:not(.js-message_reply_text)"
    text = html_to_text(node.css(own).get())
    if not text:
        return None
    when = node.css("a.tgme_widget_message_date time::attr(datetime)").get()
    if when is None:
        raise ValueError(f"message {post_id} without its time[datetime]")
    views = node.css("span.tgme_widget_message_views::text").get()
    meta = " ".join(node.css("span.tgme_widget_message_meta ::text").getall())
    extra: dict[str, Any] = {}
    if re.search(r"\bedited\b", meta):
        extra["edited"] = True
    forwarded = node.css(".tgme_widget_message_forwarded_from_name ::text").getall()
    if forwarded:
        extra["forwarded_from"] = " ".join(t.strip() for t in forwarded if t.strip())
    owner = node.css(".tgme_widget_message_owner_name ::text").getall()
    answered = node.css("a.tgme_widget_message_reply::attr(href)").get()
    return Post(
        source="telegram",
        external_id=post_id,
        url=MESSAGE_URL.format(post_id),
        text=text,
        created_at=iso_to_utc(when),
        author_handle=channel,
        author_name=" ".join(t.strip() for t in owner if t.strip()) or None,
        author_followers=followers,
        views=count(views) if views else None,
        parent_id=message_key(answered) if answered else None,
        extra=extra,
    )


def message_key(link: str) -> str | None:
    """<channel>/<id> of a message link (https://t.me/channel/123?single), as messages
    are stored; None for a link to no message."""
    parts = [p for p in urlsplit(link).path.split("/") if p and p != "s"]
    return "/".join(parts[-2:]) if len(parts) >= 2 and parts[-1].isdigit() else None


def count(text: str) -> int:
    """A count as Telegram abbreviates it: "845", "1.2K" (1200), "3.4M", "12K"."""
    found = _COUNT.match(text)
    if found is None:
        raise ValueError(f"not a Telegram count: {text!r}")
    number, suffix = found.groups()
    return round(float(number.replace(",", ".")) * _SUFFIXES[suffix.lower()])
