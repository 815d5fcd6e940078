"""What a crawl needs from the rest of kulak, handed to the item pipelines."""

from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from monitor import sentiment
from monitor.accounts import OwnAccounts
from monitor.config import ConfigError, Settings
from monitor.matching import Matcher
from monitor.registry import spider_classes
from monitor.sentiment.adjust import Adjustment, from_labels
from monitor.sentiment.backend import Judge, ModelUnusable
from monitor.store import Store


@dataclass
class Runtime:
    settings: Settings
    store: Store
    # Crawls under way, so a shutdown can stop them gracefully.
    crawls: dict[Any, asyncio.Task[None]] = field(default_factory=dict)

    @cached_property
    def matcher(self) -> Matcher:
        return Matcher(self.settings.targets)

    @cached_property
    def judge(self) -> Judge | None:
        """The configured sentiment model behind its fallback; None without one. A model
        that cannot be used is a settings problem: the command or service does not start."""
        from monitor.sentiment.models import open_judge

        model = self.settings.sentiment.model
        if model is None:
            return None
        try:
            return open_judge(model, self.settings.path.parent if self.settings.path else None)
        except ModelUnusable as exc:
            raise ConfigError([f"sentiment.model: {exc}"], self.settings.path) from None

    @cached_property
    def adjustment(self) -> Adjustment:
        """The correction learned from the team's labels, as they were when last learned."""
        return from_labels(self.store.iter_labels())

    @cached_property
    def accounts(self) -> OwnAccounts:
        return OwnAccounts(self.settings.targets, self.settings.sources, spider_classes())


def settle() -> None:
    """Ready a collection process for its posts: read the lexicons, then leave everything
    alive now (imported libraries, settings, lexicons: some hundred thousand objects, never
    freed) out of the cycle collector's passes, which otherwise scan them all again and
    again as each post's short-lived objects come and go."""
    sentiment.load()
    gc.freeze()
