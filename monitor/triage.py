"""What a team does with an alert: take it, answer it, set it aside, or say its sentiment
is wrong; and how fast the team answers the leads kulak gives it.

Actions are idempotent: Slack retries a button press and people press twice, and the
second press changes nothing. One person holds an alert at a time; someone else pressing
"I'll take it" is told who has it since when.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from statistics import median
from typing import Literal

from monitor.alert import Alert
from monitor.i18n import Language, language
from monitor.registry import detector_classes
from monitor.store import Store
from monitor.store.triage import Label, TriageRow

ENGLISH = language("en")

Action = Literal["claim", "replied", "not_relevant"]
ACTIONS: tuple[Action, ...] = ("claim", "replied", "not_relevant")
LABELS = ("pos", "neu", "neg")


@dataclass(frozen=True)
class Outcome:
    row: TriageRow
    changed: bool
    words: str  # what happened, for the person who pressed and for the message shown


def act(
    store: Store,
    alert: Alert,
    action: Action,
    who: str,
    now: datetime,
    tz: str,
    lang: Language = ENGLISH,
) -> Outcome:
    """Apply one person's action on an alert, as one transaction; `words` in `lang`."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    decided: dict[str, Outcome] = {}

    def decide(current: TriageRow):
        changed, words = _next(current, action, who, now, tz, lang)
        decided["outcome"] = Outcome(changed or current, changed is not None, words)
        return changed, action, who, now, words

    store.change_triage(alert.key, alert.created_at, decide)
    return decided["outcome"]


def _next(
    row: TriageRow, action: Action, who: str, now: datetime, tz: str, lang: Language
) -> tuple[TriageRow | None, str]:
    def at(moment: datetime | None) -> str:
        return lang.moment(moment, tz, "time") if moment else "?"

    if row.state == "replied" or (row.state == "not_relevant" and action != "replied"):
        return None, state_words(row, lang, at)
    if action == "claim":
        if row.state == "claimed":  # by someone else, or already by this one
            return None, state_words(row, lang, at)
        return replace(row, state="claimed", claimed_by=who, claimed_at=now), (
            lang.gettext("{who} took it at {time}").format(who=who, time=at(now))
        )
    claimed = {} if row.claimed_at else {"claimed_by": who, "claimed_at": now}
    state = "replied" if action == "replied" else "not_relevant"
    changed = replace(row, state=state, closed_by=who, closed_at=now, **claimed)
    return changed, state_words(changed, lang, at)


def state_words(row: TriageRow, lang: Language, at: Callable[[datetime | None], str]) -> str:
    """Where an alert stands, in words: 'Ayşe has it since 12:33', 'nobody has it yet'."""
    _ = lang.gettext
    if row.state == "claimed":
        return _("{who} has it since {time}").format(who=row.claimed_by, time=at(row.claimed_at))
    if row.state == "replied":
        return _("{who} replied at {time}").format(who=row.closed_by, time=at(row.closed_at))
    if row.state == "not_relevant":
        return _("{who} set it aside at {time}").format(who=row.closed_by, time=at(row.closed_at))
    return _("nobody has it yet")


def correct_sentiment(store: Store, alert: Alert, label: str, who: str, now: datetime) -> Label:
    """The team's word on the alert's post towards the alert's target, kept to learn from."""
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r} (known: {', '.join(LABELS)})")
    if not alert.posts or alert.target is None:
        raise ValueError(f"alert {alert.key} names no post and target to label")
    post = alert.posts[0]
    corrected = Label(
        source=post.source,
        external_id=post.external_id,
        target=alert.target,
        label=label,
        text=post.text,
        lang=post.lang,
        compound=post.compound,
        who=who,
        at=now,
    )
    store.put_label(corrected)
    return corrected


@dataclass(frozen=True)
class TeamResponse:
    """How the team answered the leads it was given (opportunities and risks)."""

    raised: int
    claimed: int
    replied: int
    set_aside: int
    median_to_claim: float | None  # minutes from the alert to someone taking it
    median_to_reply: float | None  # minutes from the alert to the reply

    @property
    def replied_share(self) -> float | None:
        return self.replied / self.raised if self.raised else None


def team_response(store: Store, since: datetime, until: datetime) -> TeamResponse:
    triaged = {name for name, detector in detector_classes().items() if detector.triaged}
    alerts = [a for a in store.alerts(since=since) if a.kind in triaged and a.created_at < until]
    rows = store.triage_rows(a.key for a in alerts)
    to_claim, to_reply = [], []
    replied = set_aside = 0
    for alert in alerts:
        row = rows.get(alert.key)
        if row is None:
            continue
        if row.claimed_at:
            to_claim.append(_minutes(alert.created_at, row.claimed_at))
        if row.state == "replied":
            replied += 1
            to_reply.append(_minutes(alert.created_at, row.closed_at))
        set_aside += row.state == "not_relevant"
    return TeamResponse(
        raised=len(alerts),
        claimed=len(to_claim),
        replied=replied,
        set_aside=set_aside,
        median_to_claim=median(to_claim) if to_claim else None,
        median_to_reply=median(to_reply) if to_reply else None,
    )


def _minutes(start: datetime, end: datetime | None) -> float:
    return max(((end or start) - start).total_seconds() / 60, 0.0)
