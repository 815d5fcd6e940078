"""Bursts on Slack: alerts of one kind about one target, close together, share a message.

Fifteen complaints about a competitor in twenty minutes are one story, not fifteen pings:
the first alert posts a message, the next ones go into its thread, and the first message
is updated to say how many more there are. A channel also takes at most `max_per_hour`
messages an hour; beyond that, alerts are left for the daily digest, which lists every
alert from the store, so nothing is lost.

The state lives in the channel object, so it spans a `kulak run` (or one `kulak deliver`
call): after a restart the next alert opens a new message. Times are the alerts' own
(`created_at`), so a backlog delivered late groups as it happened.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.alert import Alert

HOUR = timedelta(hours=1)


@dataclass
class Thread:
    """A posted message that later alerts of the same burst reply to."""

    channel_id: str  # as Slack returned it: chat.update needs the id, not "#name"
    ts: str
    first: Alert
    latest: datetime
    more: int = 0  # alerts posted in its thread


@dataclass
class Bursts:
    window: timedelta  # alerts this close to a thread's latest one join it
    max_per_hour: int
    threads: dict[tuple[str, str, str], Thread] = field(default_factory=dict)
    posted: dict[str, deque[datetime]] = field(default_factory=dict)

    def over_cap(self, route: str, at: datetime) -> bool:
        """Whether `route` has had its hour's messages by `at`."""
        times = self.posted.setdefault(route, deque())
        while times and times[0] <= at - HOUR:
            times.popleft()
        return sum(1 for t in times if t <= at) >= self.max_per_hour

    def thread_for(self, route: str, alert: Alert) -> Thread | None:
        """The open thread this alert joins, if a message about its target is recent."""
        if alert.target is None or not self.window:
            return None
        thread = self.threads.get((route, alert.kind, alert.target))
        if thread is None or alert.created_at - thread.latest > self.window:
            return None
        return thread

    def sent(
        self, route: str, alert: Alert, thread: Thread | None, message: tuple[str, str] | None
    ) -> None:
        """Count a message posted for `alert`: a reply in `thread`, or a new message (its
        channel id and ts, None from a webhook) that later alerts about its target join."""
        self.posted.setdefault(route, deque()).append(alert.created_at)
        if thread is not None:
            thread.more += 1
            thread.latest = max(thread.latest, alert.created_at)
        elif message is not None and alert.target is not None:
            key = (route, alert.kind, alert.target)
            self.threads[key] = Thread(*message, alert, alert.created_at)
