"""What the item pipelines make of a Post on its way to the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from spiders.items import Post


@dataclass
class Mention:
    """One target named in one post, with the sentiment of the words around it."""

    target: str
    target_kind: str
    spans: list[tuple[int, int]]
    matched: list[str]
    by_target: bool = False
    compound: float | None = None
    label: str = "unscored"
    intents: tuple[str, ...] = ()


@dataclass
class Record:
    post: Post
    mentions: list[Mention] = field(default_factory=list)
    lang: str | None = None
