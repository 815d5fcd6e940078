"""What the inbox shows: the leads (opportunities and risks) a team filters, and one lead's
post in its thread.

Leads are the alerts of detectors that declare `triaged`, read with their triage state
and the team's sentiment label; filters apply to the lead's first post, as the alert
quotes it. A thread is read from the store as it is now: the post, its parent, and the
replies, each reply that a target wrote itself marked as that target's answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from monitor.alert import Alert, AlertPost
from monitor.config import Settings
from monitor.i18n import Language, language
from monitor.registry import detector_classes
from monitor.responses import by_own_account
from monitor.store import Store
from monitor.store.triage import Label, TriageRow
from monitor.triage import state_words

STATES = {
    "open": ("new", "claimed"),
    "new": ("new",),
    "claimed": ("claimed",),
    "replied": ("replied",),
    "not_relevant": ("not_relevant",),
    "any": ("new", "claimed", "replied", "not_relevant"),
}
AGES = {
    "24h": timedelta(hours=24),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
FILTERS = ("target", "source", "language", "intent")


ENGLISH = language("en")


@dataclass(frozen=True)
class Filters:
    """The list's filters, as the query string carries them; unknown values fall back to
    the defaults, so a hand-edited URL never fails."""

    target: str = ""
    source: str = ""
    language: str = ""
    intent: str = ""
    state: str = "open"
    age: str = "7d"

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        values = {name: query.get(name, "").strip()[:200] for name in FILTERS}
        state, age = query.get("state", ""), query.get("age", "")
        return cls(
            **values,
            state=state if state in STATES else cls.state,
            age=age if age in AGES else cls.age,
        )

    def query(self) -> str:
        """The query string that gives these filters back (defaults left out)."""
        default = Filters()
        chosen = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }
        return urlencode(chosen)

    def keeps(self, lead: Lead) -> bool:
        post = lead.post
        return (
            lead.row.state in STATES[self.state]
            and (not self.target or lead.alert.target == self.target)
            and (not self.source or (post is not None and post.source == self.source))
            and (not self.language or (post is not None and post.lang == self.language))
            and (not self.intent or (post is not None and self.intent in post.intents))
        )


@dataclass(frozen=True)
class Lead:
    alert: Alert
    row: TriageRow
    label: Label | None  # the team's word on the post's sentiment, if any

    @property
    def post(self) -> AlertPost | None:
        return self.alert.posts[0] if self.alert.posts else None

    def status(self, tz: str, lang: Language = ENGLISH) -> str:
        """Where the lead stands, in words: 'Ayşe has it since 05 Dec 12:33'."""

        def at(moment: datetime | None) -> str:
            return lang.moment(moment, tz, "short") if moment else "?"

        return state_words(self.row, lang, at)


@dataclass(frozen=True)
class Listing:
    leads: list[Lead]
    choices: dict[str, list[str]]  # each filter's values among the window's leads


def triaged_kinds() -> list[str]:
    return sorted(name for name, detector in detector_classes().items() if detector.triaged)


def listing(store: Store, settings: Settings, filters: Filters, now: datetime) -> Listing:
    """The leads raised within the filter's age, newest first, and the filters' choices."""
    since = now - AGES[filters.age]
    alerts = [a for kind in triaged_kinds() for a in store.alerts(since=since, kind=kind)]
    leads = _leads(store, alerts)
    choices: dict[str, set[str]] = {name: set() for name in FILTERS}
    choices["target"] = {t.name for t in settings.targets}
    for lead in leads:
        if lead.post is not None:
            choices["source"].add(lead.post.source)
            choices["language"].add(lead.post.lang or "")
            choices["intent"].update(lead.post.intents)
    kept = [lead for lead in leads if filters.keeps(lead)]
    kept.sort(key=lambda lead: (lead.alert.created_at, lead.alert.key), reverse=True)
    return Listing(kept, {name: sorted(v for v in values if v) for name, values in choices.items()})


def lead(store: Store, key: str) -> Lead | None:
    """One lead by its alert key; None for an unknown key or an alert that is no lead."""
    alert = store.alert_by_key(key)
    if alert is None or alert.kind not in triaged_kinds():
        return None
    return _leads(store, [alert])[0]


def _leads(store: Store, alerts: list[Alert]) -> list[Lead]:
    rows = store.triage_rows(a.key for a in alerts)
    labels = {(x.source, x.external_id, x.target): x for x in store.iter_labels()}
    made = []
    for alert in alerts:
        post = alert.posts[0] if alert.posts else None
        mark = (post.source, post.external_id, alert.target) if post else None
        made.append(
            Lead(
                alert=alert,
                row=rows.get(alert.key) or TriageRow(alert.key, "new", alert.created_at),
                label=labels.get(mark) if mark else None,
            )
        )
    return made


@dataclass(frozen=True)
class ThreadPost:
    post: dict[str, Any]
    by_targets: list[str]  # the targets that wrote it themselves (a brand's answer)


@dataclass(frozen=True)
class Thread:
    parent: ThreadPost | None
    post: dict[str, Any] | None  # None once retention deleted it
    replies: list[ThreadPost]


def thread(store: Store, settings: Settings, alert: Alert) -> Thread:
    """The lead's post as stored, the post it answers, and the replies to it, oldest first."""
    if not alert.posts:
        return Thread(None, None, [])
    quoted = alert.posts[0]
    found = store.posts_by_id(quoted.source, [quoted.external_id])
    if not found:
        return Thread(None, None, [])
    post = found[0]
    parent = None
    if post["parent_id"]:
        parents = store.posts_by_id(post["source"], [post["parent_id"]])
        parent = _placed(parents[0], settings) if parents else None
    replies = sorted(store.replies_to([post]), key=lambda reply: reply["created_at"])
    return Thread(parent, post, [_placed(reply, settings) for reply in replies])


def _placed(post: dict[str, Any], settings: Settings) -> ThreadPost:
    own = {m["target"] for m in post["mentions"] if m["by_target"]}
    own |= {t.name for t in settings.targets if by_own_account(post, t)}
    return ThreadPost(post, sorted(own))
