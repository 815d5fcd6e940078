"""Competitor opportunities: a competitor's customer complains, asks, or is leaving.

A recent negative post about a competitor, not by the competitor's own accounts, whose
intents (for that competitor) include one of `intents`, written by a person: a source
whose authors are publishers (news, feeds, broadcast channels) offers no one to answer.
Alerts come best first: reach (followers, engagement) halved for every `half_life` of
age. Where the source shows replies, the alert says whether and how fast the competitor
answered; an unanswered complaint is the best opening.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from monitor.alert import Alert
from monitor.analysis.complaints import (
    Complaint,
    answer_words,
    duration_words,
    negative_posts,
    with_answers,
)
from monitor.config import Duration
from monitor.detectors.base import Context, Detector, DetectorOptions
from monitor.i18n import N_, Nn_, phrase
from monitor.responses import minutes_between, reach, source_class

Intent = Literal["complaint", "question", "switching"]
TITLES = {
    "switching": N_("{name} customer is leaving"),
    "question": N_("{name} customer is asking"),
    "complaint": N_("Unhappy {name} customer"),
}
INTENT_WORDS = {
    "switching": N_("switching"),
    "question": N_("question"),
    "complaint": N_("complaint"),
}


class Options(DetectorOptions):
    intents: list[Intent] = Field(
        default_factory=lambda: ["complaint", "question", "switching"],
        min_length=1,
        description="A post must show one of these intents towards the competitor.",
    )
    max_age: Duration = Field(
        timedelta(hours=24), description="Only posts this recent: older ones are no opening."
    )
    min_reach: int = Field(
        0, ge=0, description="Skip posts whose reach (followers + 10 per interaction) is lower."
    )
    unanswered_only: bool = Field(
        False, description="Skip posts the competitor has answered (where replies show)."
    )
    half_life: Duration = Field(
        timedelta(hours=6), description="Ranking: a post's reach counts half after this age."
    )


class Opportunity(Detector):
    name = "opportunity"
    Options = Options
    emoji = ":dart:"
    next_steps = N_(
        "Open the post and reply helpfully: answer the question first, do not pitch; "
        "mention an offer only if they ask for alternatives."
    )
    answered_next_steps = N_(
        "The competitor has answered it: read their reply first, and step in only if it "
        "left the question open."
    )
    heading = N_("Competitor opportunities")
    noun = N_("competitor opportunity")
    counted = Nn_("{n} competitor opportunity", "{n} competitor opportunities")
    prominence = 30
    triaged = True
    digest_place = "after_targets"

    def detect(self, ctx: Context, options: Options) -> list[Alert]:
        competitors = [t for t in ctx.settings.targets if t.kind == "competitor"]
        wanted = set(options.intents)
        candidates = negative_posts(
            ctx,
            competitors,
            ctx.start(ctx.now - options.max_age),
            "opportunity",
            lambda post, mention: (
                bool(wanted & set(mention["intents"] or ()))
                and reach(post) >= options.min_reach
                and source_class(post["source"]).authors_are_people
            ),
            memo=f"{self.name} {options.model_dump_json()}",
        )
        complaints = [
            c for c in with_answers(ctx, candidates) if not (options.unanswered_only and c.answered)
        ]
        complaints.sort(key=lambda c: _rank(ctx, c, options), reverse=True)
        return [_alert(ctx, c, wanted) for c in complaints]


def _rank(ctx: Context, complaint: Complaint, options: Options) -> float:
    """Reach, fading with age: a fresh post from a small account beats a stale big one."""
    seen_at = ctx.now if not ctx.backtest else complaint.post["created_at"]
    age = max(minutes_between(complaint.post["created_at"], seen_at), 0)
    half_life = options.half_life.total_seconds() / 60 or 1
    return (reach(complaint.post) + 1) * 0.5 ** (age / half_life)


def _alert(ctx: Context, complaint: Complaint, wanted: set[str]) -> Alert:
    post, name = complaint.post, complaint.target.name
    has = set(complaint.mention["intents"] or ())
    intents = [i for i in ("switching", "question", "complaint") if i in has]
    shown = [i for i in intents if i in wanted]
    title = phrase(TITLES[shown[0]], name=name)
    quoted = complaint.quoted
    age = duration_words(max(minutes_between(post["created_at"], ctx.now), 0))
    wrote = phrase(
        "{writer} wrote about {name} on {source} {age} ago ({intents}).",
        writer=quoted.writer or phrase("Someone"),
        name=name,
        source=quoted.source_shown,
        age=age,
        intents=[phrase(INTENT_WORDS[i]) for i in intents],
    )
    summary = [wrote, answer_words(complaint, ctx.now, name)]
    facts = {"reach": reach(post), "intents": ", ".join(intents)}
    return complaint.alert(ctx, "opportunity", title, summary, "info", facts, post["created_at"])
