"""The daily digest as data: everything the email templates show, gathered once.

Renderers get a `Digest` and never query the store, so a preview, an email and a test
all see the same numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal, Protocol
from zoneinfo import ZoneInfo

from monitor.alert import Alert, AlertPost
from monitor.registry import detector_classes
from monitor.responses import (
    ResponseGap,
    Row,
    TargetLike,
    about,
    alert_post,
    answer,
    is_unhappy,
    reach,
    replies_by_parent,
    response_gap,
)

if TYPE_CHECKING:
    from monitor.store import Store
    from monitor.triage import TeamResponse


#: mentions a day needs on both days before its negative share is compared
MIN_COMPARED = 5


@dataclass(frozen=True)
class DayCount:
    day: date
    mentions: int
    negative: int

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.mentions if self.mentions else None


@dataclass(frozen=True)
class Section:
    """One detector's alerts of the day, with how that detector asks them to be shown."""

    kind: str
    heading: str
    noun: str
    next_steps: str
    place: str
    in_subject: bool = False
    alerts: tuple[Alert, ...] = ()


@dataclass(frozen=True)
class TargetDigest:
    name: str
    kind: Literal["brand", "competitor"]
    series: tuple[DayCount, ...]  # oldest first; the last day is the digest's day
    complaints: tuple[AlertPost, ...] = ()  # the day's top complaints, by reach
    sections: tuple[Section, ...] = ()  # alerts of detectors shown under each target

    def alerts_of(self, kind: str) -> tuple[Alert, ...]:
        return next((s.alerts for s in self.sections if s.kind == kind), ())

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
    def negative_change(self) -> int | None:
        """Change of the negative share since the day before, in whole percentage points;
        None when either day has too few mentions for a share to mean anything (one post
        of one is "100%": 8 of 12 the next day would read as a fall)."""
        before, now = self.yesterday, self.today
        if before is None or min(before.mentions, now.mentions) < MIN_COMPARED:
            return None
        if before.negative_share is None or now.negative_share is None:
            return None
        return round((now.negative_share - before.negative_share) * 100)


@dataclass(frozen=True)
class Digest:
    day: date
    timezone: str
    generated_at: datetime
    targets: tuple[TargetDigest, ...]
    sections: tuple[Section, ...] = ()  # every detector's, in the registry's order
    response_gap: tuple[ResponseGap, ...] = ()
    response_days: int = 7  # the window the response gap is measured over
    team: TeamResponse | None = None  # the team's own answers to kulak's leads, same window

    @property
    def brands(self) -> tuple[TargetDigest, ...]:
        return tuple(t for t in self.targets if t.kind == "brand")

    @property
    def competitors(self) -> tuple[TargetDigest, ...]:
        return tuple(t for t in self.targets if t.kind == "competitor")

    def placed(self, place: str) -> tuple[Section, ...]:
        """The sections shown at one place of the digest ("first", "after_targets"...)."""
        return tuple(s for s in self.sections if s.place == place and s.alerts)

    def alerts_of(self, kind: str) -> tuple[Alert, ...]:
        return next((s.alerts for s in self.sections if s.kind == kind), ())

    def counts(self, subject_only: bool = False) -> list[tuple[int, str]]:
        """(number of alerts, noun) per detector, for the headline or the email subject."""
        return [
            (len(s.alerts), s.noun)
            for s in self.sections
            if s.place != "last" and (s.in_subject or not subject_only)
        ]


# -- building a digest from the store ------------------------------------------------------

HISTORY_DAYS = 14
RESPONSE_DAYS = 7
TOP_COMPLAINTS = 5


def previous_day(tz: str, now: datetime | None = None) -> date:
    """The local day a morning digest is about: yesterday in `tz`."""
    return ((now or datetime.now(UTC)).astimezone(ZoneInfo(tz)) - timedelta(days=1)).date()


def due_day(tz: str, at: time, now: datetime) -> date:
    """The latest local day whose digest is due by `now` when digests go out daily at
    `at` in `tz`: yesterday once `at` has passed today, else the day before."""
    local = now.astimezone(ZoneInfo(tz))
    return local.date() - timedelta(days=1 if local.time() >= at else 2)


class _Settings(Protocol):
    targets: Sequence[TargetLike]


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
    # An alert belongs to the day its event happened, as a post to the day it was written
    # (an opportunity raised at 01:50 about a post of 23:00 is the day before's).
    alerts = [a for a in store.alerts(since=day_start) if day_start <= a.event_time < day_end]
    replies = replies_by_parent(posts)

    every = sections(alerts)
    targets = []
    gaps = []
    for target in settings.targets:
        about_target = [(p, m) for p in posts for m in p["mentions"] if about(m, target)]
        targets.append(
            TargetDigest(
                name=target.name,
                kind=target.kind,
                series=_series(about_target, first_day, day, zone),
                complaints=_top_complaints(about_target, day, zone, target, replies),
                sections=target_sections(every, target.name),
            )
        )
        window_start = day_end - timedelta(days=RESPONSE_DAYS)
        gaps.append(response_gap(about_target, target, replies, window_start))
    return Digest(
        day=day,
        timezone=tz,
        generated_at=now or datetime.now(UTC),
        targets=tuple(targets),
        sections=every,
        response_gap=tuple(gaps),
        response_days=RESPONSE_DAYS,
        team=_team(store, day_end),
    )


def _team(store: Store, day_end: datetime) -> TeamResponse | None:
    """How the team answered the leads of the response gap's window; None if it had none."""
    from monitor.triage import team_response

    team = team_response(store, day_end - timedelta(days=RESPONSE_DAYS), day_end)
    return team if team.raised else None


def sections(alerts: Sequence[Alert]) -> tuple[Section, ...]:
    """A section per installed detector, holding its alerts among `alerts`."""
    return tuple(
        Section(
            kind=kind,
            heading=detector.heading or kind,
            noun=detector.noun,
            next_steps=detector.next_steps,
            place=detector.digest_place,
            in_subject=detector.in_subject,
            alerts=tuple(a for a in alerts if a.kind == kind),
        )
        for kind, detector in detector_classes().items()
    )


def target_sections(every: Sequence[Section], target: str) -> tuple[Section, ...]:
    """The sections shown under one target, with only the alerts about it."""
    return tuple(
        replace(s, alerts=tuple(a for a in s.alerts if a.target == target))
        for s in every
        if s.place == "target"
    )


def _series(about_target: list[tuple[Row, Row]], first: date, last: date, zone: ZoneInfo):
    mentions: Counter[date] = Counter()
    negative: Counter[date] = Counter()
    for post, mention in about_target:
        local = post["created_at"].astimezone(zone).date()
        mentions[local] += 1
        negative[local] += mention["label"] == "neg"
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return tuple(DayCount(d, mentions[d], negative[d]) for d in days)


def _top_complaints(about_target, day, zone, target, replies) -> tuple[AlertPost, ...]:
    todays = [
        (post, mention)
        for post, mention in about_target
        if post["created_at"].astimezone(zone).date() == day and is_unhappy(mention)
    ]
    todays.sort(key=lambda pair: reach(pair[0]), reverse=True)
    return tuple(
        alert_post(post, mention, answer(post, target, replies) is not None)
        for post, mention in todays[:TOP_COMPLAINTS]
    )
