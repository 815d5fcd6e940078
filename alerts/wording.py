"""Plain words shared by every channel: why an alert fired, who posted, what to do next.

Everything returned here is unescaped text; each channel escapes it for its own markup.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitor.alert import Alert, AlertPost
from monitor.registry import detector_classes

FACT_LABELS = {
    "baseline": "usual",
    "now": "now",
    "factor": "times usual",
    "window": "window",
    "negative_share": "negative share",
    "baseline_share": "usual negative share",
    "reach": "reach",
}


def number(value: Any) -> str:
    """12, 3.4, 12.3k, 4.5M: readable at a glance, in any channel."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:.1f}k"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def fact_lines(alert: Alert) -> list[str]:
    """Why it fired: `now` against `baseline` first, then the other facts by name."""
    facts = dict(alert.facts)
    lines = []
    if "now" in facts and "baseline" in facts:
        line = f"now {number(facts.pop('now'))} vs usual {number(facts.pop('baseline'))}"
        if "factor" in facts:
            line += f" (×{number(facts.pop('factor'))})"
        lines.append(line)
    for key, value in facts.items():
        label = FACT_LABELS.get(key, key.replace("_", " "))
        is_share = key.endswith("share") and isinstance(value, float)
        lines.append(f"{label}: {percent(value) if is_share else number(value)}")
    return lines


def reach(post: AlertPost) -> str:
    parts = []
    for value, unit in (
        (post.author_followers, "followers"),
        (post.likes, "likes"),
        (post.reposts, "reposts"),
        (post.replies, "replies"),
    ):
        if value:
            parts.append(f"{number(value)} {unit}")
    return " · ".join(parts)


def author(post: AlertPost) -> str:
    return post.author_shown or "unknown author"


def when(moment: datetime, tz: str) -> str:
    """A time as people there read it, with its zone: '05 Dec 22:08 +03'."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%d %b %H:%M %Z")


def post_meta(post: AlertPost, tz: str = "UTC") -> str:
    parts = [author(post)]
    if reach(post):
        parts.append(reach(post))
    parts.append(post.source_shown)
    if post.created_at is not None:
        parts.append(when(post.created_at, tz))
    if post.compound is not None:
        parts.append(f"sentiment {post.compound:+.2f}")
    if post.intents:
        parts.append(", ".join(post.intents))
    return " · ".join(parts)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links from posts; anything else (javascript:, data:) is dropped."""
    if url and url.startswith(("https://", "http://")) and len(url) <= 3000:
        return url
    return None


def next_steps(alert: Alert) -> str:
    """The detector's advice, for an answered post when it was answered; an alert of a
    detector no longer installed still reads."""
    detector = detector_classes().get(alert.kind)
    if detector is None:
        return "Open the posts and decide what they need."
    return answered_steps(alert) or detector.next_steps


def answered_steps(alert: Alert) -> str:
    """The advice for an alert whose posts were all answered already; "" otherwise (or
    when its detector has no other advice for that case)."""
    detector = detector_classes().get(alert.kind)
    answered = bool(alert.posts) and all(post.answered for post in alert.posts)
    return detector.answered_next_steps if detector and answered else ""


def emoji(alert: Alert) -> str:
    detector = detector_classes().get(alert.kind)
    return detector.emoji if detector else ":bell:"
