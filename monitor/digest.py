"""The daily digest as data: everything the email templates show, gathered once.

Renderers get a `Digest` and never query the store, so a preview, an email and a test
all see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median
from typing import Literal

from monitor.alert import Alert, AlertPost


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
