"""Jinja2 rendering of digests and alert emails from the templates in `templates/`.

HTML templates are autoescaped (posts are untrusted), then CSS is inlined because many
mail clients drop <style>. Charts are referenced through `chart_src`, so the same HTML
serves an email (cid: parts) and a preview file (data: URIs).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from functools import cache, partial
from importlib.resources import files
from typing import TYPE_CHECKING

from alerts.chart import trend_png
from alerts.wording import (
    ENGLISH,
    answered_steps,
    author,
    fact_lines,
    intents,
    kind_word,
    next_steps,
    reach,
    safe_url,
    summary,
    target_kind,
    title,
)
from monitor.alert import Alert
from monitor.digest import Digest, TargetDigest
from monitor.i18n import Language, language
from monitor.registry import detector_classes

if TYPE_CHECKING:
    from jinja2 import Environment

ChartSource = Callable[[int, TargetDigest], str]


def signed(value: float | None, unit: str = "", lang: Language = ENGLISH) -> str:
    if value is None:
        return "–"
    shown = lang.number(round(value, 1) if isinstance(value, float) else value)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{shown.lstrip('-')}{unit}"


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return f"{count} {noun[:-1]}ies"
    return f"{count} {noun}s"


def counted(count: int, noun: str, lang: Language = ENGLISH) -> str:
    """ "2 spikes": a detector's noun counted, in the language's plural when the detector
    declares its `counted` forms."""
    forms = next((d.counted for d in detector_classes().values() if d.noun == noun), None)
    if lang.english or forms is None:
        return plural(count, noun)
    return lang.ngettext(*forms, count).format(n=lang.number(count))


def duration(minutes: float | None, lang: Language = ENGLISH) -> str:
    if minutes is None:
        return "–"
    _ = lang.gettext
    if minutes < 60:
        return _("{minutes} min").format(minutes=f"{minutes:.0f}")
    hours, rest = divmod(round(minutes), 60)
    if hours < 24:
        if rest:
            return _("{hours} h {minutes} min").format(hours=hours, minutes=rest)
        return _("{hours} h").format(hours=hours)
    return _("{days} days").format(days=lang.decimal(hours / 24))


def local_time(
    value: datetime | None, tz: str, style: str = "short", lang: Language = ENGLISH
) -> str:
    """A time in `tz`, in one of `monitor.i18n.DATE_STYLES` ("moment" adds the zone)."""
    return lang.moment(value, tz, style)


@cache
def environment(code: str = "en") -> Environment:
    """The templates in one language: Jinja2's i18n extension with that catalog, and
    filters that write numbers and dates the language's way."""
    # Imported on first use, as css_inline below: `kulak run` starts 3 MiB smaller, and
    # a service that sends no email never loads them.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    lang = language(code)
    env = Environment(
        loader=FileSystemLoader(str(files("templates"))),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(lang.catalog, newstyle=True)  # type: ignore[attr-defined]
    env.globals |= {"lang": lang, "points": " " + lang.gettext("pp")}
    env.filters |= {
        "number": lang.number,
        "percent": lang.percent,
        "signed": partial(signed, lang=lang),
        "duration": partial(duration, lang=lang),
        "plural": partial(counted, lang=lang),
        "local_time": partial(local_time, lang=lang),
        "day": lambda day, style: lang.moment(day, None, style),
        "upper": lang.upper,
        "words": lang.gettext,
        "target_kind": partial(target_kind, lang=lang),
        "safe_url": safe_url,
        "author": partial(author, lang=lang),
        "reach": partial(reach, lang=lang),
        "intents": partial(intents, lang=lang),
        "facts": partial(fact_lines, lang=lang),
        "next_steps": partial(next_steps, lang=lang),
        "answered_steps": partial(answered_steps, lang=lang),
        "title": partial(title, lang=lang),
        "summary": partial(summary, lang=lang),
        "kind_word": partial(kind_word, lang=lang),
    }
    return env


def subject(digest: Digest, code: str = "en") -> str:
    lang = language(code)
    _ = lang.gettext
    parts = [_("kulak digest {day}").format(day=lang.moment(digest.day, None, "day_year"))]
    for target in digest.brands:
        mentions = lang.ngettext("{n} mention", "{n} mentions", target.today.mentions)
        if lang.english:  # the subject always said "1 mentions"
            mentions = "{n} mentions"
        parts.append(
            _("{target}: {mentions}, {share} negative ({change})").format(
                target=target.name,
                mentions=mentions.format(n=target.today.mentions),
                share=lang.percent(target.today.negative_share),
                change=signed(target.negative_change, " " + _("pp"), lang),
            )
        )
    counts = digest.counts(subject_only=True)
    if any(count for count, _noun in counts):
        parts.append(", ".join(counted(count, noun, lang) for count, noun in counts))
    return " · ".join(parts)


def digest_html(digest: Digest, chart_src: ChartSource, code: str = "en") -> str:
    html = (
        environment(code)
        .get_template("digest.html")
        .render(digest=digest, chart_src=chart_src, subject=subject(digest, code))
    )
    return _inline_css(html)


def digest_text(digest: Digest, code: str = "en") -> str:
    return environment(code).get_template("digest.txt").render(digest=digest)


def digest_charts(digest: Digest) -> list[bytes]:
    """One PNG per target, in `digest.targets` order."""
    return [trend_png(target.series) for target in digest.targets]


def preview_html(digest: Digest, code: str = "en") -> str:
    """The digest as one self-contained HTML file (charts as data: URIs) for a browser."""
    charts = digest_charts(digest)

    def data_uri(index: int, _target: TargetDigest) -> str:
        return "data:image/png;base64," + base64.b64encode(charts[index]).decode("ascii")

    return digest_html(digest, data_uri, code)


def alert_html(alert: Alert, tz: str = "UTC", code: str = "en") -> str:
    html = environment(code).get_template("alert.html").render(alert=alert, tz=tz)
    return _inline_css(html)


def alert_text(alert: Alert, tz: str = "UTC", code: str = "en") -> str:
    return environment(code).get_template("alert.txt").render(alert=alert, tz=tz)


def _inline_css(html: str) -> str:
    import css_inline

    return css_inline.inline(html)
