"""What every detector shares: its options' base, and the moment and range it looks at.

A detector reads the store and returns alerts; it never queues or sends them. Run live, it
looks at its own recent window; run as a backtest (`since` set), it reports every event
since then, each stamped with the time it happened, so the counts say how chatty the
current settings would have been.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from monitor.config import Settings
from monitor.store import Store


class DetectorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Run this detector.")


@dataclass(frozen=True)
class Context:
    store: Store
    settings: Settings
    now: datetime
    since: datetime | None = None
    """Set for a backtest: every event from then on, not just the recent ones."""

    @property
    def backtest(self) -> bool:
        return self.since is not None

    def stamp(self, happened: datetime) -> datetime:
        """An alert's time: when it is raised live, when it happened in a backtest."""
        return happened if self.backtest else self.now

    def start(self, recent: datetime) -> datetime:
        """Where to start looking: the recent window live, `since` in a backtest."""
        return self.since if self.since is not None else recent
