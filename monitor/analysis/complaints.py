"""Negative posts about targets, with whether the target's own account answered them.

Shared by the opportunity and risk detectors: both start from a recent negative post
about a target, written by someone else, and both say whether it was answered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from monitor.alert import Alert, AlertKind, AlertPost, Severity
from monitor.config import Target
from monitor.detectors.base import Context
from monitor.i18n import nphrase, phrase, worded
from monitor.responses import (
    Row,
    about,
    alert_post,
    answer,
    by_own_account,
    minutes_between,
    replies_by_parent,
)
from monitor.store import REFRESH_OVERLAP


@dataclass(frozen=True)
class Complaint:
    target: Target
    post: Row
    mention: Row
    key: str
    answered: bool | None = None
    """None when the source never shows replies, so silence tells nothing."""
    minutes_to_answer: float | None = None

    @property
    def quoted(self) -> AlertPost:
        """The post as alerts quote it: its author and source as the source shows them."""
        return alert_post(self.post, self.mention, self.answered)

    def alert(
        self,
        ctx: Context,
        kind: AlertKind,
        title: dict[str, Any],
        summary: list[dict[str, Any]],
        severity: Severity,
        facts: dict[str, object],
        happened: datetime,
    ) -> Alert:
        """The alert about this post, with whether (and how fast) it was answered; its
        title and summary are phrases (`monitor.i18n`), said in English and kept for the
        reader's language."""
        facts = dict(facts)
        if self.answered is not None:
            facts["answered"] = "yes" if self.answered else "no"
        if self.minutes_to_answer is not None:
            facts["minutes_to_answer"] = round(self.minutes_to_answer)
        return Alert(
            key=self.key,
            kind=kind,
            **worded(title, summary),
            created_at=ctx.stamp(happened),
            happened_at=min(happened, ctx.now),  # what was seen by then, never later
            target=self.target.name,
            target_kind=self.target.kind,
            severity=severity,
            posts=(self.quoted,),
            facts=facts,
        )


UNHAPPY = ("complaint", "switching")


def negative_posts(
    ctx: Context,
    targets: Sequence[Target],
    since: datetime,
    kind: AlertKind,
    wanted: Callable[[Row, Row], bool],
    memo: str | None = None,
) -> list[Complaint]:
    """Negative posts about `targets` since `since`, not by their own accounts, that
    `wanted(post, mention)` accepts (it sees who, when, reach and intents only).

    A post that complains about a target or leaves it counts as negative whatever its
    score: "their app keeps losing my stamps, any alternative?" reads positive to VADER.

    Live, posts whose alert key (`post_key(kind)`) is stored already are dropped before
    their text is read (by the database, when the whole window is read), so a cycle's work
    grows with what is new, not with what was seen before. With a `memo`
    naming the caller and its options, a live cycle also carries its choice on from the
    last one in this process, reading only the posts stored or updated since (and their
    overlap) instead of the whole window again.
    """
    by_name = {t.name: t for t in targets}
    key = post_key(kind)
    memo_key = (ctx.store.engine.url.render_as_string(hide_password=True), memo, repr(targets))
    carried = None if ctx.backtest or memo is None else _CHOICES.get(memo_key)
    if carried is not None and ctx.now < carried.now:
        carried = None  # time went back (a test, a benchmark): start afresh
    newest = ctx.store.newest_update()
    if carried is None:
        choice = _Choice(ctx.now, newest, {}, set())
        pairs = ctx.store.mentions_between(
            since,
            ctx.now,
            targets=list(by_name),
            label="neg",
            or_intents=UNHAPPY,
            brief=True,
            not_alerted_as=None if ctx.backtest else kind,
        )
    else:
        choice = _Choice(ctx.now, newest, carried.chosen, carried.known)
        pairs = ctx.store.mentions_changed(
            carried.mark - REREAD, carried.now, targets=list(by_name)
        )
    for post, mention in pairs:
        target = by_name[mention["target"]]
        if (
            since <= mention["created_at"] < ctx.now
            and _negative(mention)
            and about(mention, target)
            and not by_own_account(post, target)
            and wanted(post, mention)
        ):
            choice.chosen[mention["id"]] = (target, key(target, post), mention["created_at"])
        else:
            choice.chosen.pop(mention["id"], None)
    for old in [i for i, (_, _, at) in choice.chosen.items() if at < since]:
        del choice.chosen[old]
    chosen = choice.chosen
    if not ctx.backtest:
        unsure = {k for i, (_, k, _) in chosen.items() if i not in choice.known}
        known = ctx.store.known_keys(unsure)
        choice.known = {i for i in choice.known if i in chosen}
        choice.known |= {i for i, (_, k, _) in chosen.items() if k in known}
        chosen = {i: c for i, c in chosen.items() if i not in choice.known}
        if memo is not None and newest is not None:
            if len(_CHOICES) >= MAX_CHOICES:
                _CHOICES.clear()
            _CHOICES[memo_key] = choice
    return [
        Complaint(chosen[mention["id"]][0], post, mention, chosen[mention["id"]][1])
        for post, mention in ctx.store.mentions_by_id(chosen)
    ]


def _negative(mention: Row) -> bool:
    """What `mentions_between(label="neg", or_intents=UNHAPPY)` selects."""
    return mention["label"] == "neg" or not set(UNHAPPY).isdisjoint(mention["intents"] or ())


@dataclass
class _Choice:
    """A live detector's choice among its window's negative mentions, as of a cycle."""

    now: datetime
    mark: datetime | None  # the newest post update when the cycle read the store
    chosen: dict[int, tuple[Target, str, datetime]]  # mention id: target, key, created
    known: set[int]  # chosen mentions whose alert key is in the outbox (keys stay there)


# Live cycles in one process carry each detector's choice on (see `negative_posts`); a
# new process, a backtest or other settings start from the whole window.
_CHOICES: dict[tuple[object, ...], _Choice] = {}
MAX_CHOICES = 100
#: posts are read again this long after their update, in case their page's transaction
#: was committed after the last cycle read the store (as `Store.refresh_mention_hours`)
REREAD = REFRESH_OVERLAP


def forget_choices() -> None:
    """Start afresh, as a new process does (for benchmarks and tests)."""
    _CHOICES.clear()


def with_answers(ctx: Context, complaints: list[Complaint]) -> list[Complaint]:
    """Each complaint with the target's first reply, where its source shows replies."""
    posts = [c.post for c in complaints]
    replies = replies_by_parent(
        r for r in ctx.store.replies_to(posts) if r["created_at"] <= ctx.now
    )
    shows = ctx.store.showing_replies(p["source"] for p in posts)
    answered = []
    for complaint in complaints:
        reply = answer(complaint.post, complaint.target, replies)
        if reply is not None:
            wait = minutes_between(complaint.post["created_at"], reply["created_at"])
            answered.append(replace(complaint, answered=True, minutes_to_answer=wait))
        else:
            shown = complaint.post["source"] in shows
            answered.append(replace(complaint, answered=False if shown else None))
    return answered


def post_key(kind: str) -> Callable[[Target, Row], str]:
    """A key per target and post: the same post about two targets is two events."""
    return lambda target, post: f"{kind}:{target.name}:{post['source']}:{post['external_id']}"


def answer_words(complaint: Complaint, now: datetime, who: str) -> dict[str, Any]:
    """'Demlik answered after 45 min.', 'not answered 3 h after the post', or why unknown."""
    if complaint.answered is None:
        source = complaint.quoted.source_shown
        return phrase(
            "Whether {who} answered is unknown: {source} shows no replies.", who=who, source=source
        )
    if complaint.answered:
        waited = duration_words(complaint.minutes_to_answer or 0)
        return phrase("{who} answered after {duration}.", who=who, duration=waited)
    waited = duration_words(minutes_between(complaint.post["created_at"], now))
    return phrase("{who} has not answered, {duration} after the post.", who=who, duration=waited)


def duration_words(minutes: float) -> dict[str, Any]:
    if minutes < 90:
        return phrase("{n} min", n=max(round(minutes), 1))
    if minutes < 48 * 60:
        return phrase("{n} h", n=round(minutes / 60))
    return nphrase("{n} day", "{n} days", round(minutes / 1440))
