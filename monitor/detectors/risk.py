"""Brand risks: a negative post about your own brand that many people see, or soon will.

High reach is the author's followers plus engagement (an interaction weighs as much as ten
followers). Fast growth is engagement per hour between the post and the last time it
was collected, so a small account's post that is taking off alerts before it is big.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from monitor.alert import Alert
from monitor.analysis.complaints import (
    Complaint,
    answer_words,
    negative_posts,
    with_answers,
)
from monitor.config import Duration
from monitor.detectors.base import Context, Detector, DetectorOptions
from monitor.i18n import N_, Nn_, nphrase, phrase
from monitor.responses import engagement, minutes_between, reach

COUNTED = (
    ("author_followers", Nn_("{n} follower", "{n} followers")),
    ("likes", Nn_("{n} like", "{n} likes")),
    ("reposts", Nn_("{n} repost", "{n} reposts")),
    ("replies", Nn_("{n} reply", "{n} replies")),
)


class Options(DetectorOptions):
    min_reach: int = Field(
        5000, ge=1, description="Alert when a negative post's reach is at least this."
    )
    min_growth: float = Field(
        100,
        gt=0,
        description="...or when it gains at least this many likes, reposts and replies an hour.",
    )
    max_age: Duration = Field(
        timedelta(hours=48), description="Only posts this recent are watched for growth."
    )


def growth(post: dict) -> float:
    """Interactions an hour up to the last collection; the first hour counts as a full one."""
    hours = minutes_between(post["created_at"], post["updated_at"]) / 60
    return engagement(post) / max(hours, 1.0)


class Risk(Detector):
    name = "risk"
    Options = Options
    emoji = ":rotating_light:"
    next_steps = N_(
        "Reply publicly within the hour: acknowledge, then move details to a private "
        "message; tell the team that owns the problem."
    )
    answered_next_steps = N_(
        "Your team has answered it: read the reply and follow up in the same thread if "
        "the author is still unhappy; tell the team that owns the problem."
    )
    heading = N_("Risks to answer first")
    noun = N_("risk")
    counted = Nn_("{n} risk", "{n} risks")
    prominence = 20
    triaged = True
    digest_place = "first"
    in_subject = True

    def detect(self, ctx: Context, options: Options) -> list[Alert]:
        brands = [t for t in ctx.settings.targets if t.kind == "brand"]
        since = ctx.start(ctx.now - options.max_age)
        risky = negative_posts(
            ctx,
            brands,
            since,
            "risk",
            lambda post, _: reach(post) >= options.min_reach or growth(post) >= options.min_growth,
            memo=f"{self.name} {options.model_dump_json()}",
        )
        risky = with_answers(ctx, risky)
        risky.sort(key=lambda c: reach(c.post), reverse=True)
        return [_alert(ctx, c, options) for c in risky]


def _alert(ctx: Context, complaint: Complaint, options: Options) -> Alert:
    post, name = complaint.post, complaint.target.name
    high = reach(post) >= options.min_reach
    fast = growth(post) >= options.min_growth
    if high:
        title = phrase("High-reach negative post about {name}", name=name)
    else:
        title = phrase("Fast-growing negative post about {name}", name=name)
    quoted = complaint.quoted
    who = {
        "name": name,
        "writer": quoted.writer or phrase("someone"),
        "source": quoted.source_shown,
    }
    numbers = [nphrase(*forms, post[column]) for column, forms in COUNTED if post[column]]
    if numbers:
        summary = [
            phrase(
                "A negative post about {name} by {writer} on {source} ({numbers}).",
                numbers=numbers,
                **who,
            )
        ]
    else:
        summary = [phrase("A negative post about {name} by {writer} on {source}.", **who)]
    if fast:
        summary.append(phrase("It gains {n} interactions an hour.", n=round(growth(post))))
    summary.append(answer_words(complaint, ctx.now, name))
    facts = {"reach": reach(post), "interactions_an_hour": round(growth(post))}
    severity = "critical" if high and fast else "warning"
    return complaint.alert(ctx, "risk", title, summary, severity, facts, post["updated_at"])
