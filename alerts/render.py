"""Jinja2 rendering of digests and alert emails from the templates in `templates/`.

HTML templates are autoescaped (posts are untrusted), then CSS is inlined because many
mail clients drop <style>. Charts are referenced through `chart_src`, so the same HTML
serves an email (cid: parts) and a preview file (data: URIs).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from alerts.chart import trend_png
from alerts.wording import (
    answered_steps,
    author,
    fact_lines,
    next_steps,
    number,
    percent,
    reach,
    safe_url,
)
from monitor.alert import Alert
from monitor.digest import Digest, TargetDigest

if TYPE_CHECKING:
    from jinja2 import Environment

ChartSource = Callable[[int, TargetDigest], str]


def signed(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    shown = number(round(value, 1) if isinstance(value, float) else value)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{shown.lstrip('-')}{unit}"


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return f"{count} {noun[:-1]}ies"
    return f"{count} {noun}s"


def duration(minutes: float | None) -> str:
    if minutes is None:
        return "–"
    if minutes < 60:
        return f"{minutes:.0f} min"
    hours, rest = divmod(round(minutes), 60)
    if hours < 24:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{hours / 24:.1f} days"


def local_time(value: datetime | None, tz: str, fmt: str = "%d %b %H:%M") -> str:
    return "" if value is None else value.astimezone(ZoneInfo(tz)).strftime(fmt)


@cache
def environment() -> Environment:
    # Imported on first use, as css_inline below: `kulak run` starts 3 MiB smaller, and
    # a service that sends no email never loads them.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(files("templates"))),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters |= {
        "number": number,
        "percent": percent,
        "signed": signed,
        "duration": duration,
        "plural": plural,
        "local_time": local_time,
        "safe_url": safe_url,
        "author": author,
        "reach": reach,
        "facts": fact_lines,
        "next_steps": next_steps,
        "answered_steps": answered_steps,
    }
    return env


def subject(digest: Digest) -> str:
    parts = [f"kulak digest {digest.day:%d %b %Y}"]
    for target in digest.brands:
        share = percent(target.today.negative_share)
        parts.append(
            f"{target.name}: {target.today.mentions} mentions, {share} negative"
            f" ({signed(target.negative_change, ' pp')})"
        )
    counts = digest.counts(subject_only=True)
    if any(count for count, _ in counts):
        parts.append(", ".join(plural(count, noun) for count, noun in counts))
    return " · ".join(parts)


def digest_html(digest: Digest, chart_src: ChartSource) -> str:
    html = (
        environment()
        .get_template("digest.html")
        .render(digest=digest, chart_src=chart_src, subject=subject(digest))
    )
    return _inline_css(html)


def digest_text(digest: Digest) -> str:
    return environment().get_template("digest.txt").render(digest=digest)


def digest_charts(digest: Digest) -> list[bytes]:
    """One PNG per target, in `digest.targets` order."""
    return [trend_png(target.series) for target in digest.targets]


def preview_html(digest: Digest) -> str:
    """The digest as one self-contained HTML file (charts as data: URIs) for a browser."""
    charts = digest_charts(digest)

    def data_uri(index: int, _target: TargetDigest) -> str:
        return "data:image/png;base64," + base64.b64encode(charts[index]).decode("ascii")

    return digest_html(digest, data_uri)


def alert_html(alert: Alert, tz: str = "UTC") -> str:
    html = environment().get_template("alert.html").render(alert=alert, tz=tz)
    return _inline_css(html)


def alert_text(alert: Alert, tz: str = "UTC") -> str:
    return environment().get_template("alert.txt").render(alert=alert, tz=tz)


def _inline_css(html: str) -> str:
    import css_inline

    return css_inline.inline(html)
