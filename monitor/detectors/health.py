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
from monitor.i18n import N_, Nn_

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
    "auth_failed": "its credentials were refused",
    "blocked": "the site blocks kulak",
    "not_found": "the address is gone",
    "unreachable": "the site cannot be reached",
    "malformed": "its answers are no longer in the expected format",
    "too_large": "its answers are larger than the source's size cap",
    "store_failed": "what it collected could not be stored",
    "rate_limited": "the site keeps limiting kulak's requests",
    "crashed": "the collector crashed",
}


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
        title=f"Source {name} skips items it cannot read: format changed?",
        summary=(
            f"{skipped} of {items} items in {name}'s last run could not be read and were "
            f"skipped ({skipped / items:.0%}; usually {usual:.0%}); the rest were stored. "
            f"One example: {state.get('skip_example') or 'none recorded'}."
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
    last_ok = f"last success {since}" if since != "never" else "it has never succeeded"
    return Alert(
        key=f"health:{name}:failing:{since}",
        kind="health",
        title=f"Source {name} keeps failing",
        summary=(
            f"{runs} runs of {name} in a row failed: {WORDS[status]} ({last_ok}). "
            f"Last error: {state.get('last_error') or 'none recorded'}."
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
        title=f"Source {name} works again",
        summary=(
            f"{name} collected successfully at {back:%Y-%m-%d %H:%M} UTC after failing "
            f"({failing.facts['status']}; the success before: {failing.facts['last_success']})."
        ),
        created_at=ctx.stamp(back),
        severity="info",
        facts={"source": name, "status": "ok", "failed_with": failing.facts["status"]},
    )


def _at(state: dict[str, Any], key: str, default: datetime) -> datetime:
    return state.get(key) or default
