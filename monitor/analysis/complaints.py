"""Negative posts about targets, with whether the target's own account answered them.

Shared by the opportunity and risk detectors: both start from a recent negative post
about a target, written by someone else, and both say whether it was answered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from monitor.alert import Alert, AlertKind, AlertPost, Severity
from monitor.config import Target
from monitor.detectors.base import Context
from monitor.responses import (
    Row,
    about,
    alert_post,
    answer,
    by_own_account,
    minutes_between,
    replies_by_parent,
)


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
        title: str,
        summary: str,
        severity: Severity,
        facts: dict[str, object],
        happened: datetime,
    ) -> Alert:
        """The alert about this post, with whether (and how fast) it was answered."""
        facts = dict(facts)
        if self.answered is not None:
            facts["answered"] = "yes" if self.answered else "no"
        if self.minutes_to_answer is not None:
            facts["minutes_to_answer"] = round(self.minutes_to_answer)
        return Alert(
            key=self.key,
            kind=kind,
            title=title,
            summary=summary,
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
    key: Callable[[Target, Row], str],
    wanted: Callable[[Row, Row], bool],
) -> list[Complaint]:
    """Negative posts about `targets` since `since`, not by their own accounts, that
    `wanted(post, mention)` accepts (it sees who, when, reach and intents only).

    A post that complains about a target or leaves it counts as negative whatever its
    score: "their app keeps losing my stamps, any alternative?" reads positive to VADER.

    Live, posts whose alert key is stored already are dropped before their text is read,
    so a cycle's work grows with what is new, not with what was seen before.
    """
    by_name = {t.name: t for t in targets}
    chosen: dict[int, tuple[Target, str]] = {}
    for post, mention in ctx.store.mentions_between(
        since, ctx.now, targets=list(by_name), label="neg", or_intents=UNHAPPY, brief=True
    ):
        target = by_name[mention["target"]]
        if about(mention, target) and not by_own_account(post, target) and wanted(post, mention):
            chosen[mention["id"]] = (target, key(target, post))
    if not ctx.backtest:
        known = ctx.store.known_keys(k for _, k in chosen.values())
        chosen = {i: (t, k) for i, (t, k) in chosen.items() if k not in known}
    return [
        Complaint(chosen[mention["id"]][0], post, mention, chosen[mention["id"]][1])
        for post, mention in ctx.store.mentions_by_id(chosen)
    ]


def with_answers(ctx: Context, complaints: list[Complaint]) -> list[Complaint]:
    """Each complaint with the target's first reply, where its source shows replies."""
    posts = [c.post for c in complaints]
    replies = replies_by_parent(
        r for r in ctx.store.replies_to(posts) if r["created_at"] <= ctx.now
    )
    shows = {source: ctx.store.shows_replies(source) for source in {p["source"] for p in posts}}
    answered = []
    for complaint in complaints:
        reply = answer(complaint.post, complaint.target, replies)
        if reply is not None:
            wait = minutes_between(complaint.post["created_at"], reply["created_at"])
            answered.append(replace(complaint, answered=True, minutes_to_answer=wait))
        else:
            shown = shows[complaint.post["source"]]
            answered.append(replace(complaint, answered=False if shown else None))
    return answered


def post_key(kind: str) -> Callable[[Target, Row], str]:
    """A key per target and post: the same post about two targets is two events."""
    return lambda target, post: f"{kind}:{target.name}:{post['source']}:{post['external_id']}"


def answer_words(complaint: Complaint, now: datetime, who: str) -> str:
    """'Demlik answered after 45 min', 'not answered 3 h after the post', or why unknown."""
    if complaint.answered is None:
        source = complaint.quoted.source_shown
        return f"Whether {who} answered is unknown: {source} shows no replies"
    if complaint.answered:
        return f"{who} answered after {duration_words(complaint.minutes_to_answer or 0)}"
    waited = minutes_between(complaint.post["created_at"], now)
    return f"{who} has not answered, {duration_words(waited)} after the post"


def duration_words(minutes: float) -> str:
    if minutes < 90:
        return f"{max(round(minutes), 1)} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.0f} h"
    return f"{minutes / 1440:.0f} days"
