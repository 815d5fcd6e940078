"""Post: the only thing spiders yield, plus the bookkeeping of the shared spider."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from spiders.clean import clean_count, clean_language, clean_text, clean_value

#: Post fields holding counts (engagement, followers)
COUNTS = ("author_followers", "likes", "reposts", "replies", "score", "views")
#: Post fields holding a source's ids, stored as text
IDS = ("external_id", "parent_id", "conversation_id")


@dataclass
class Post:
    """A public post, normalised. Unique by (source, external_id).

    `about` names what the page a post sits on is about (a brand's complaint page): the
    targets named there count as mentioned even when the post's own text never names
    them. With `about`, `extra["by_brand"]` says the post was written by that brand.
    """

    source: str
    external_id: str
    url: str
    text: str
    created_at: datetime
    author_handle: str | None = None
    author_name: str | None = None
    author_followers: int | None = None
    lang: str | None = None
    parent_id: str | None = None
    conversation_id: str | None = None
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    score: int | None = None
    views: int | None = None
    query: str | None = None
    about: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Every value made storable here, where a post is made, whichever source made it."""
        for name in IDS:  # a number from a JSON answer is the same id as its text
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(self, name, str(value))
        for name in ("external_id", "url", "text"):  # the store cannot do without them
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ValueError(f"{self.source}: a post's {name} is {value!r:.60}, not text")
        if not self.external_id.strip():  # posts without an id would overwrite each other
            raise ValueError(f"{self.source}: a post's external_id is blank")
        for name in _FIELDS:  # every post passes here: the names are listed once
            value = getattr(self, name)
            if isinstance(value, str) and (cleaned := clean_text(value)) is not value:
                setattr(self, name, cleaned)
        for name in COUNTS:
            value = getattr(self, name)
            if value is not None and (cleaned := clean_count(value)) is not value:
                setattr(self, name, cleaned)
        self.lang = clean_language(self.lang)
        self.extra = clean_value(self.extra)
        if self.created_at.tzinfo is None:
            raise ValueError(f"{self.source}/{self.external_id}: created_at must be timezone-aware")
        if self.created_at.utcoffset():
            # SQLite keeps no zone: a local time would be stored as if it were UTC.
            self.created_at = self.created_at.astimezone(UTC)


_FIELDS = tuple(f.name for f in fields(Post))


@dataclass
class PageDone:
    """Yielded after the posts of one response: the cursor may advance once they are stored."""

    cursor: dict[str, Any]
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class SourceProblem:
    """A failure the collector-health detector must hear about (auth, blocked, format...)."""

    status: str  # auth_failed | blocked | not_found | unreachable | malformed | rate_limited
    reason: str
    url: str | None = None

    def __post_init__(self) -> None:
        # The reason quotes what a server sent: it is stored and shown like a post.
        self.reason = clean_text(self.reason)
        self.url = clean_text(self.url) if self.url is not None else None


@dataclass
class Skipped:
    """An item of an answer its parser could not read (why, and how it starts): counted
    and shown as an example, while the answer's other items are kept."""

    reason: str
    sample: str
