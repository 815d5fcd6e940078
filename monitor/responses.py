"""Who answers whom: complaints, reach, and a target's own replies to posts about it.

Shared by the digest (response gap, top complaints) and the detectors (opportunities and
risks), so "answered" and "reach" mean the same thing in an alert and in the digest.
Rows are posts as the store returns them; a reply row carries its `mentions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any, Literal, Protocol

from monitor.alert import AlertPost
from spiders.base import KulakSpider

Row = dict[str, Any]
ASKING = {"complaint", "question"}
UNHAPPY = {"complaint", "switching"}


class TargetLike(Protocol):
    name: str
    kind: Literal["brand", "competitor"]

    @property
    def handles_everywhere(self) -> list[str]: ...


@dataclass(frozen=True)
class ResponseGap:
    """How a target answers complaints and questions addressed to it."""

    target: str
    target_kind: Literal["brand", "competitor"]
    complaints: int
    answered: int
    median_minutes: float | None

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.complaints if self.complaints else None

    @classmethod
    def from_waits(
        cls,
        target: str,
        target_kind: Literal["brand", "competitor"],
        complaints: int,
        waits_minutes: list[float],
    ) -> ResponseGap:
        waits = sorted(waits_minutes)
        return cls(target, target_kind, complaints, len(waits), median(waits) if waits else None)


def about(mention: Row, target: TargetLike) -> bool:
    """A mention of the target by someone else: the target's own posts are not mentions."""
    return mention["target"] == target.name and not mention["by_target"]


def by_own_account(post: Row, target: TargetLike) -> bool:
    """Written by one of the target's plain handles as the settings list them now (per
    platform accounts are recognised as posts are stored: their mentions are `by_target`)."""
    handles = {h.lstrip("@").casefold() for h in target.handles_everywhere}
    return (post["author_handle"] or "").lstrip("@").casefold() in handles


def is_complaint(mention: Row) -> bool:
    """Addressed to the target: a complaint or a question (the response gap counts both)."""
    return bool(ASKING & set(mention["intents"] or ())) or mention["label"] == "neg"


def is_unhappy(mention: Row) -> bool:
    """Negative, or complaining or leaving whatever its score; a neutral question is not."""
    return bool(UNHAPPY & set(mention["intents"] or ())) or mention["label"] == "neg"


def engagement(post: Row) -> int:
    return sum(post[k] or 0 for k in ("likes", "reposts", "replies"))


def reach(post: Row) -> int:
    """Followers plus engagement, an interaction weighing as much as ten followers."""
    return (post["author_followers"] or 0) + 10 * engagement(post)


def source_class(source: str) -> type[KulakSpider]:
    """The spider of a source, for what it declares about itself (its display name, how it
    writes handles, whether its authors are people); the base for a source gone since."""
    from monitor.registry import spider_classes

    return spider_classes().get(source, KulakSpider)


def alert_post(post: Row, mention: Row, answered: bool | None) -> AlertPost:
    spider = source_class(post["source"])
    return AlertPost(
        source=post["source"],
        external_id=post["external_id"],
        url=post["url"],
        text=post["text"],
        author_handle=post["author_handle"],
        author_name=post["author_name"],
        author_followers=post["author_followers"],
        created_at=post["created_at"],
        lang=post["lang"],
        compound=mention["compound"],
        intents=tuple(mention["intents"] or ()),
        likes=post["likes"],
        reposts=post["reposts"],
        replies=post["replies"],
        answered=answered,
        source_name=spider.display_name or None,
        handle_prefix=spider.handle_prefix,
    )


Replies = dict[tuple[str, str], list[Row]]


def replies_by_parent(posts: Iterable[Row]) -> Replies:
    replies: Replies = {}
    for post in posts:
        if post["parent_id"]:
            replies.setdefault((post["source"], post["parent_id"]), []).append(post)
    return replies


def answer(post: Row, target: TargetLike, replies: Replies) -> Row | None:
    """The target's first reply to the post, known by a by-target mention or its handle."""
    by_target = [
        reply
        for reply in replies.get((post["source"], post["external_id"]), [])
        if by_own_account(reply, target)
        or any(m["target"] == target.name and m["by_target"] for m in reply["mentions"])
    ]
    return min(by_target, key=lambda reply: reply["created_at"], default=None)


def minutes_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def response_gap(
    about_target: Sequence[tuple[Row, Row]],
    target: TargetLike,
    replies: Replies,
    window_start: datetime,
) -> ResponseGap:
    """Share of the complaints since `window_start` the target answered, and how fast."""
    asked = [p for p, m in about_target if p["created_at"] >= window_start and is_complaint(m)]
    waits = []
    for post in asked:
        reply = answer(post, target, replies)
        if reply is not None:
            waits.append(minutes_between(post["created_at"], reply["created_at"]))
    return ResponseGap.from_waits(target.name, target.kind, len(asked), waits)
