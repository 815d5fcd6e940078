"""Collector health: a source that keeps failing is itself an alert, and so is its recovery.

Read from the collector state table. One failure episode (from the last success on) has
one key, so a source failing for days raises one alert; when a run succeeds again, one
more says so. Rate limits are left out by default: the source waits and carries on.

A source whose parsers suddenly skip a larger share of its items than usual still
collects the rest, but its answers have probably changed format: that is an alert too
("format changed?", with one example), at most once a day per source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from monitor.alert import Alert
from monitor.detectors.base import Context, Detector, DetectorOptions
from monitor.i18n import N_, Nn_, phrase, share, worded

Failure = Literal[
    "auth_failed",
    "blocked",
    "not_found",
    "unreachable",
    "malformed",
    "too_large",
    "store_failed",
    "rate_limited",
    "crashed",
]
WORDS = {
    "auth_failed": N_("its credentials were refused"),
    "blocked": N_("the site blocks kulak"),
    "not_found": N_("the address is gone"),
    "unreachable": N_("the site cannot be reached"),
    "malformed": N_("its answers are no longer in the expected format"),
    "too_large": N_("its answers are larger than the source's size cap"),
    "store_failed": N_("what it collected could not be stored"),
    "rate_limited": N_("the site keeps limiting kulak's requests"),
    "crashed": N_("the collector crashed"),
}

#: said where nothing was recorded (no example, no error)
NONE = phrase("none recorded")


class Options(DetectorOptions):
    min_failures: int = Field(3, ge=1, description="Failed runs in a row before a source alerts.")
    failures: list[Failure] = Field(
        default_factory=lambda: [f for f in WORDS if f != "rate_limited"],
        min_length=1,
        description="Which failures count (auth_failed, blocked, not_found, unreachable, "
        "malformed, too_large, store_failed, crashed; rate_limited too if you list it).",
    )
    skip_jump: float = Field(
        0.2,
        gt=0,
        le=1,
        description="Share of a run's items skipped (unreadable) above the source's usual "
        "share that raises 'format changed?'.",
    )
    min_skipped: int = Field(
        3, ge=1, description="Items skipped in a run before 'format changed?' is raised."
    )


def failing(state: dict[str, Any], options: Options) -> bool:
    """Whether a source's collector state is a failure worth an operator's time."""
    return (
        state["status"] in options.failures
        and state["consecutive_failures"] >= options.min_failures
    )


class Health(Detector):
    name = "health"
    Options = Options
    emoji = ":wrench:"
    next_steps = N_(
        "Run `kulak check`, look at the source's credentials and last error; posts from "
        "this source are missing until it is fixed."
    )
    heading = N_("Collector health")
    noun = N_("health alert")
    counted = Nn_("{n} health alert", "{n} health alerts")
    prominence = 90
    digest_place = "last"
    backtest_note = "from the current collector state: no history of runs is kept"

    def detect(self, ctx: Context, options: Options) -> list[Alert]:
        enabled = {source.name for source in ctx.settings.enabled_sources}
        stored = ctx.store.alerts(kind="health")
        alerts = []
        for state in ctx.store.states():
            name = state["source"]
            if name not in enabled:
                continue
            if skipping(state, options):
                alerts.append(_skipping(ctx, state))
            if failing(state, options):
                alerts.append(_failing(ctx, state))
            elif state["status"] == "ok":
                last = [a for a in stored if a.key.startswith(f"health:{name}:")]
                if last and last[-1].key.startswith(f"health:{name}:failing:"):
                    alerts.append(_recovered(ctx, state, last[-1]))
        return alerts


def skipping(state: dict[str, Any], options: Options) -> bool:
    """Whether the source's last run skipped a jump in the share of items it could not
    read, over the share its runs usually skip."""
    items, skipped = state.get("last_items") or 0, state.get("last_skipped") or 0
    if skipped < options.min_skipped:
        return False
    return skipped / items - (state.get("skip_share") or 0.0) >= options.skip_jump


def _skipping(ctx: Context, state: dict[str, Any]) -> Alert:
    name, items, skipped = state["source"], state["last_items"], state["last_skipped"]
    ran = _at(state, "last_run_at", ctx.now)
    usual = state.get("skip_share") or 0.0
    return Alert(
        # Not under "health:<source>:", where a failure episode and its recovery are told.
        key=f"health-skips:{name}:{ran:%Y-%m-%d}",
        kind="health",
        **worded(
            phrase("Source {name} skips items it cannot read: format changed?", name=name),
            [
                phrase(
                    "{skipped} of {items} items in {name}'s last run could not be read and "
                    "were skipped ({share}; usually {usual}); the rest were stored.",
                    skipped=skipped,
                    items=items,
                    name=name,
                    share=share(skipped / items),
                    usual=share(usual),
                ),
                phrase("One example: {example}.", example=state.get("skip_example") or NONE),
            ],
        ),
        created_at=ctx.stamp(ran),
        severity="warning",
        facts={"source": name, "status": "skipping", "skipped": skipped, "items": items},
    )


def _since(state: dict[str, Any]) -> str:
    success = state.get("last_success_at")
    return success.strftime("%Y-%m-%d %H:%M UTC") if success else "never"


def _failing(ctx: Context, state: dict[str, Any]) -> Alert:
    name, status, runs = state["source"], state["status"], state["consecutive_failures"]
    since = _since(state)
    if since != "never":
        last_ok = phrase("last success {since}", since=since)
    else:
        last_ok = phrase("it has never succeeded")
    return Alert(
        key=f"health:{name}:failing:{since}",
        kind="health",
        **worded(
            phrase("Source {name} keeps failing", name=name),
            [
                phrase(
                    "{runs} runs of {name} in a row failed: {reason} ({last_ok}).",
                    runs=runs,
                    name=name,
                    reason=phrase(WORDS[status]),
                    last_ok=last_ok,
                ),
                phrase("Last error: {error}.", error=state.get("last_error") or NONE),
            ],
        ),
        created_at=ctx.stamp(_at(state, "last_failure_at", ctx.now)),
        severity="critical" if status in ("auth_failed", "blocked") else "warning",
        facts={
            "source": name,
            "status": status,
            "consecutive_failures": runs,
            "last_success": since,
        },
    )


def _recovered(ctx: Context, state: dict[str, Any], failing: Alert) -> Alert:
    name = state["source"]
    back = _at(state, "last_success_at", ctx.now)
    return Alert(
        key=f"health:{name}:recovered:{failing.facts['last_success']}",
        kind="health",
        **worded(
            phrase("Source {name} works again", name=name),
            [
                phrase(
                    "{name} collected successfully at {time} UTC after failing ({status}; "
                    "the success before: {before}).",
                    name=name,
                    time=back.strftime("%Y-%m-%d %H:%M"),
                    status=failing.facts["status"],
                    before=failing.facts["last_success"],
                )
            ],
        ),
        created_at=ctx.stamp(back),
        severity="info",
        facts={"source": name, "status": "ok", "failed_with": failing.facts["status"]},
    )


def _at(state: dict[str, Any], key: str, default: datetime) -> datetime:
    return state.get(key) or default
