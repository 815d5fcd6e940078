"""What every detector is: one class in one file, like a Huginn agent.

A detector declares its name (also its alerts' kind and its `detectors:` key), its typed
options, and how its alerts read to people: the emoji, the next steps, and where the digest
shows them. `monitor.registry` finds it by its file; channels and the digest read these
declarations, so adding a detector touches no other file.

A detector reads the store and returns alerts; it never queues or sends them. Run live, it
looks at its own recent window; run as a backtest (`since` set), it reports every event
since then, each stamped with the time it happened, so the counts say how chatty the
current settings would have been.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from monitor.alert import Alert
from monitor.config import Settings
from monitor.store import Store

#: where the daily digest shows a detector's alerts: before the targets, under each target
#: they name, after the targets, or at the end
DigestPlace = Literal["first", "target", "after_targets", "last"]


class DetectorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

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


class Detector:
    """Base of every detector. Subclasses set the class attributes and implement `detect`."""

    #: the `detectors:` key, and the `kind` of every alert it raises
    name: ClassVar[str]
    Options: ClassVar[type[DetectorOptions]] = DetectorOptions
    #: Slack's emoji code for its alerts' headline
    emoji: ClassVar[str] = ":bell:"
    #: what a person should do about one of its alerts, in plain words
    next_steps: ClassVar[str] = ""
    #: ...when the target has answered the post already ("" for the same advice)
    answered_next_steps: ClassVar[str] = ""
    #: the digest's heading over its alerts, and the word counting them ("2 spikes")
    heading: ClassVar[str] = ""
    noun: ClassVar[str] = "alert"
    #: the noun counted, singular and plural with `{n}`, for languages other than English
    #: (`monitor.i18n.Nn_` marks them for the catalog)
    counted: ClassVar[tuple[str, str] | None] = None
    digest_place: ClassVar[DigestPlace] = "last"
    #: lower comes first in the digest's headline and among sections at the same place
    prominence: ClassVar[int] = 100
    #: counted in the digest's email subject beside the brand's figures
    in_subject: ClassVar[bool] = False
    #: its alerts are leads a person answers: they get triage buttons, the inbox, and count
    #: in the team's response time
    triaged: ClassVar[bool] = False
    #: said beside a backtest's count, where the history it reads is partial
    backtest_note: ClassVar[str] = ""

    def detect(self, ctx: Context, options: DetectorOptions) -> list[Alert]:
        raise NotImplementedError
