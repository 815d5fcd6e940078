"""The alert: what detectors write to the outbox and channels render.

It carries everything a channel needs, so a channel never has to query the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

#: the name of the detector that raised an alert (`monitor/detectors/<kind>.py`)
AlertKind = str
Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True)
class AlertPost:
    """A post quoted in an alert: untrusted text, channels must escape it."""

    source: str
    external_id: str
    url: str
    text: str
    author_handle: str | None = None
    author_name: str | None = None
    author_followers: int | None = None
    created_at: datetime | None = None
    lang: str | None = None
    compound: float | None = None
    intents: tuple[str, ...] = ()
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    answered: bool | None = None
    source_name: str | None = None  # as people know the source: "Hacker News"
    handle_prefix: str = "@"  # how the source writes a handle: "@", "u/", nothing

    @property
    def source_shown(self) -> str:
        return self.source_name or self.source

    @property
    def handle_shown(self) -> str:
        """The handle as the source writes it: "@ayse_k", "u/bora_k", "levent beyaz yaka"."""
        handle = self.author_handle or ""
        if not handle or handle.startswith(self.handle_prefix):
            return handle
        return self.handle_prefix + handle

    @property
    def author_shown(self) -> str:
        """ "Ayşe K. (@ayse_k)", or whichever of the two the source gives; "" for neither."""
        if self.author_name and self.handle_shown and self.author_name != self.handle_shown:
            return f"{self.author_name} ({self.handle_shown})"
        return self.author_name or self.handle_shown

    @property
    def writer(self) -> str:
        """Who wrote it, short, for a sentence: the name, else the handle; "" if unknown."""
        return self.author_name or self.handle_shown


@dataclass(frozen=True)
class Alert:
    """One event worth a human's attention.

    `key` is stable for the event (not for the moment of detection), so running a
    detector again can never raise the same alert twice.
    """

    key: str
    kind: AlertKind
    title: str
    summary: str
    created_at: datetime
    target: str | None = None
    target_kind: Literal["brand", "competitor"] | None = None
    severity: Severity = "warning"
    posts: tuple[AlertPost, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    happened_at: datetime | None = None
    """When the event itself happened (a post's time, a spike's hour), when that is not
    `created_at`, the moment it was raised."""
    phrases: dict[str, Any] = field(default_factory=dict)
    """`title` (a phrase) and `summary` (a list of phrases) as `monitor.i18n` stores them,
    so a channel says them in its language; `title` and `summary` stay the English text."""
    pages: bool = True
    """False for news worth reading but not worth interrupting anyone for (a new usual
    level after a source was added): the digest shows it, no channel is sent it."""

    @property
    def event_time(self) -> datetime:
        """The time that places the alert on a day: the same rule as for posts, so a
        digest counts the alerts about the posts it counts."""
        return self.happened_at or self.created_at

    def to_json(self) -> str:
        """Its fields as JSON, quoted posts as objects: what `dataclasses.asdict` gives,
        without its deep copy of every phrase (a detection cycle stores dozens of alerts;
        the copy was most of the time it took to queue them)."""
        data = {name: getattr(self, name) for name in _ALERT_FIELDS}
        data["posts"] = [{name: getattr(p, name) for name in _POST_FIELDS} for p in self.posts]
        return json.dumps(data, default=_json_default, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Alert:
        data = json.loads(raw)
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        if data.get("happened_at"):
            data["happened_at"] = datetime.fromisoformat(data["happened_at"])
        posts = []
        for post in data.get("posts", []):
            if post.get("created_at"):
                post["created_at"] = datetime.fromisoformat(post["created_at"])
            post["intents"] = tuple(post.get("intents") or ())
            posts.append(AlertPost(**post))
        data["posts"] = tuple(posts)
        return cls(**data)


_ALERT_FIELDS = tuple(f.name for f in fields(Alert))
_POST_FIELDS = tuple(f.name for f in fields(AlertPost))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__} in an alert")
