"""What a crawl needs from the rest of kulak, handed to the item pipelines."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from monitor.config import Settings
from monitor.matching import Matcher
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
