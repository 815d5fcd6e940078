"""The daily digest as data: everything the email templates show, gathered once.

Renderers get a `Digest` and never query the store, so a preview, an email and a test
all see the same numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import TYPE_CHECKING, Any, Literal, Protocol
from zoneinfo import ZoneInfo

from monitor.alert import Alert, AlertPost

if TYPE_CHECKING:
    from monitor.store import Store


@dataclass(frozen=True)
class DayCount:
    day: date
    mentions: int
    negative: int

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.mentions if self.mentions else None


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


@dataclass(frozen=True)
class TargetDigest:
    name: str
    kind: Literal["brand", "competitor"]
    series: tuple[DayCount, ...]  # oldest first; the last day is the digest's day
    complaints: tuple[AlertPost, ...] = ()  # the day's top complaints, by reach
    spikes: tuple[Alert, ...] = ()

    @property
    def today(self) -> DayCount:
        return self.series[-1]

    @property
    def yesterday(self) -> DayCount | None:
        return self.series[-2] if len(self.series) > 1 else None

    @property
    def mention_change(self) -> int | None:
        return None if self.yesterday is None else self.today.mentions - self.yesterday.mentions

    @property
    def negative_change(self) -> float | None:
        """Change of the negative share since the day before, in percentage points."""
        before = self.yesterday.negative_share if self.yesterday else None
        now = self.today.negative_share
        return None if before is None or now is None else (now - before) * 100


@dataclass(frozen=True)
class Digest:
    day: date
    timezone: str
    generated_at: datetime
    targets: tuple[TargetDigest, ...]
    opportunities: tuple[Alert, ...] = ()
    risks: tuple[Alert, ...] = ()
    health: tuple[Alert, ...] = ()
    response_gap: tuple[ResponseGap, ...] = ()
    response_days: int = 7  # the window the response gap is measured over

    @property
    def brands(self) -> tuple[TargetDigest, ...]:
        return tuple(t for t in self.targets if t.kind == "brand")

    @property
    def competitors(self) -> tuple[TargetDigest, ...]:
        return tuple(t for t in self.targets if t.kind == "competitor")

    @property
    def spike_count(self) -> int:
        return sum(len(t.spikes) for t in self.targets)


# -- building a digest from the store ------------------------------------------------------

HISTORY_DAYS = 14
RESPONSE_DAYS = 7
TOP_COMPLAINTS = 5
ASKING = {"complaint", "question"}


def previous_day(tz: str, now: datetime | None = None) -> date:
    """The local day a morning digest is about: yesterday in `tz`."""
    return ((now or datetime.now(UTC)).astimezone(ZoneInfo(tz)) - timedelta(days=1)).date()


class _Target(Protocol):
    name: str
    kind: Literal["brand", "competitor"]
    handles: list[str]


class _Settings(Protocol):
    targets: Sequence[_Target]


def build_digest(
    store: Store,
    settings: _Settings,
    day: date,
    tz: str,
    *,
    now: datetime | None = None,
) -> Digest:
    """The digest of local calendar `day` in timezone `tz`, from what the store holds."""
    zone = ZoneInfo(tz)
    day_end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    day_start = datetime.combine(day, time(), zone).astimezone(UTC)
    first_day = day - timedelta(days=HISTORY_DAYS - 1)
    since = min(
        datetime.combine(first_day, time(), zone).astimezone(UTC),
        day_end - timedelta(days=RESPONSE_DAYS),
    )
    posts = [p for p in store.iter_posts(since=since) if p["created_at"] < day_end]
    alerts = [a for a in store.alerts(since=day_start) if a.created_at < day_end]
    replies = _replies_by_parent(posts)

    targets = []
    gaps = []
    for target in settings.targets:
        about = [(post, m) for post in posts for m in post["mentions"] if _about(m, target)]
        targets.append(
            TargetDigest(
                name=target.name,
                kind=target.kind,
                series=_series(about, first_day, day, zone),
                complaints=_top_complaints(about, day, zone, target, replies),
                spikes=tuple(a for a in alerts if a.kind == "spike" and a.target == target.name),
            )
        )
        gaps.append(_response_gap(about, target, replies, day_end))
    return Digest(
        day=day,
        timezone=tz,
        generated_at=now or datetime.now(UTC),
        targets=tuple(targets),
        opportunities=tuple(a for a in alerts if a.kind == "opportunity"),
        risks=tuple(a for a in alerts if a.kind == "risk"),
        health=tuple(a for a in alerts if a.kind == "health"),
        response_gap=tuple(gaps),
        response_days=RESPONSE_DAYS,
    )


Row = dict[str, Any]


def _about(mention: Row, target: _Target) -> bool:
    """A mention of the target by someone else: the target's own posts are not mentions."""
    return mention["target"] == target.name and not mention["by_target"]


def _series(about: list[tuple[Row, Row]], first: date, last: date, zone: ZoneInfo):
    mentions: Counter[date] = Counter()
    negative: Counter[date] = Counter()
    for post, mention in about:
        local = post["created_at"].astimezone(zone).date()
        mentions[local] += 1
        negative[local] += mention["label"] == "neg"
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return tuple(DayCount(d, mentions[d], negative[d]) for d in days)


def _is_complaint(mention: Row) -> bool:
    return bool(ASKING & set(mention["intents"] or ())) or mention["label"] == "neg"


def _reach(post: Row) -> int:
    engagement = sum(post[k] or 0 for k in ("likes", "reposts", "replies"))
    return (post["author_followers"] or 0) + 10 * engagement


def _top_complaints(about, day, zone, target, replies) -> tuple[AlertPost, ...]:
    todays = [
        (post, mention)
        for post, mention in about
        if post["created_at"].astimezone(zone).date() == day and _is_complaint(mention)
    ]
    todays.sort(key=lambda pair: _reach(pair[0]), reverse=True)
    return tuple(
        _alert_post(post, mention, _answer(post, target, replies) is not None)
        for post, mention in todays[:TOP_COMPLAINTS]
    )


def _alert_post(post: Row, mention: Row, answered: bool) -> AlertPost:
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
    )


def _replies_by_parent(posts: list[Row]) -> dict[tuple[str, str], list[Row]]:
    replies: dict[tuple[str, str], list[Row]] = {}
    for post in posts:
        if post["parent_id"]:
            replies.setdefault((post["source"], post["parent_id"]), []).append(post)
    return replies


def _answer(post: Row, target: _Target, replies) -> Row | None:
    """The target's first reply to the post, known by a by-target mention or its handle."""
    handles = {h.lstrip("@").casefold() for h in target.handles}
    by_target = [
        reply
        for reply in replies.get((post["source"], post["external_id"]), [])
        if (reply["author_handle"] or "").lstrip("@").casefold() in handles
        or any(m["target"] == target.name and m["by_target"] for m in reply["mentions"])
    ]
    return min(by_target, key=lambda reply: reply["created_at"], default=None)


def _response_gap(about, target, replies, day_end: datetime) -> ResponseGap:
    window_start = day_end - timedelta(days=RESPONSE_DAYS)
    asked = [post for post, m in about if post["created_at"] >= window_start and _is_complaint(m)]
    waits = []
    for post in asked:
        answer = _answer(post, target, replies)
        if answer is not None:
            waits.append((answer["created_at"] - post["created_at"]).total_seconds() / 60)
    return ResponseGap.from_waits(target.name, target.kind, len(asked), waits)
