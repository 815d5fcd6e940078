"""The language kulak writes to people in: message catalogs (gettext, compiled by Babel)
and the locale's numbers and dates (Babel).

English is the source language: its strings are the message ids, and English output is
exactly what the code and templates say. Turkish and Greek come from
`monitor/locale/<code>/LC_MESSAGES/kulak.mo` (`scripts/i18n.py` extracts, updates and
compiles them). Words a detector declares are marked with `N_` and translated when shown;
an alert's title and summary keep their English text for the store and logs, and also
phrases (message id and parameters) so a channel can say them in its own language.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Any, Literal
from zoneinfo import ZoneInfo

LanguageCode = Literal["en", "tr", "el"]
LANGUAGES: tuple[str, ...] = ("en", "tr", "el")
DOMAIN = "kulak"

#: a date or time as each part of kulak shows it: (strftime for English, CLDR for the others);
#: the zone's abbreviation ("+03", "EET") is added to "moment" and "moment_year" by strftime in
#: every language, as Babel names the same zone differently from one locale to the next
DATE_STYLES = {
    "short": ("%d %b %H:%M", "dd MMM HH:mm"),
    "time": ("%H:%M", "HH:mm"),
    "moment": ("%d %b %H:%M", "dd MMM HH:mm"),
    "moment_year": ("%d %b %Y %H:%M", "dd MMM y HH:mm"),
    "stamp": ("%d %b %Y %H:%M", "dd MMM y HH:mm"),
    "day_month": ("%d %b", "dd MMM"),
    "month": ("%b", "LLL"),
    "long_day": ("%A %d %B %Y", "EEEE d MMMM y"),
    "day_year": ("%d %b %Y", "dd MMM y"),
}
ZONED = {"moment", "moment_year"}


def N_(message: str) -> str:
    """Marks a string for the catalog without translating it (class attributes, tables)."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural pair (with `{n}`) for the catalog."""
    return singular, plural


def phrase(msg: str, **args: Any) -> dict[str, Any]:
    """A sentence to say later in the reader's language, as stored in an alert (JSON-ready):
    its English message id (with `{name}` placeholders) and its parameters. A parameter may
    itself be a phrase, said in the same language."""
    return {"msg": msg, "args": args}


def nphrase(singular: str, plural: str, n: int, **args: Any) -> dict[str, Any]:
    """A phrase with a count: `{n}` is the count, the form is the language's plural rule."""
    return {"msg": singular, "args": {"n": n, **args}, "plural": plural, "n": n}


def share(value: float) -> dict[str, float]:
    """A phrase's parameter said as a percentage ("25%", "%25")."""
    return {"percent": value}


def worded(title: dict[str, Any], summary: list[dict[str, Any]]) -> dict[str, Any]:
    """An alert's `title`, `summary` (English, for the store and logs) and `phrases` (to say
    them in the reader's language), from the phrases."""
    english = language("en")
    return {
        "title": english.say(title),
        "summary": " ".join(english.say(part) for part in summary),
        "phrases": {"title": title, "summary": summary},
    }


@dataclass(frozen=True)
class Language:
    """One language's words, numbers and dates."""

    code: str

    @property
    def english(self) -> bool:
        return self.code == "en"

    @property
    def catalog(self) -> gettext.NullTranslations:
        return _catalog(self.code)

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message) if message else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    def upper(self, text: str) -> str:
        """Capitals as the language writes them: Turkish "i" is "İ"."""
        return (text.replace("i", "İ") if self.code == "tr" else text).upper()

    def say(self, stored: dict[str, Any] | str) -> str:
        """A stored phrase in this language, its parameters too."""
        if isinstance(stored, str):
            return self.gettext(stored)
        args = {k: self._arg(v) for k, v in stored.get("args", {}).items()}
        if stored.get("plural") is not None:
            text = self.ngettext(stored["msg"], stored["plural"], int(stored["n"]))
        else:
            text = self.gettext(stored["msg"])
        return text.format(**args)

    def _arg(self, value: Any) -> Any:
        if isinstance(value, dict) and "msg" in value:
            return self.say(value)
        if isinstance(value, dict) and "percent" in value:
            return self.percent(value["percent"])
        if isinstance(value, list):
            return ", ".join(str(self._arg(v)) for v in value)
        if isinstance(value, int | float) and not isinstance(value, bool) and not self.english:
            from babel.numbers import format_decimal

            return format_decimal(value, locale=self.code)
        return value

    def number(self, value: Any) -> str:
        """12, 3.4, 12.3k, 4.5M in English; the locale's separators and short forms else."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        if self.english:
            return _english_number(value)
        from babel.numbers import format_compact_decimal, format_decimal

        if abs(value) >= 10_000:
            return format_compact_decimal(value, locale=self.code, fraction_digits=1)
        return format_decimal(value, format="#,##0.##", locale=self.code)

    def percent(self, share: float | None) -> str:
        """40% in English, %40 in Turkish: the locale's percent form, no decimals."""
        if share is None:
            return "–"
        if self.english:
            return f"{share * 100:.0f}%"
        from babel.numbers import format_percent

        return format_percent(share, locale=self.code)

    def decimal(self, value: float, digits: int = 1) -> str:
        """A number with `digits` decimals, e.g. a duration in days."""
        if self.english:
            return f"{value:.{digits}f}"
        from babel.numbers import format_decimal

        return format_decimal(value, format="#,##0." + "0" * digits, locale=self.code)

    def moment(self, value: datetime | date | None, tz: str | None = None, style="short") -> str:
        """A time (in `tz`) or a day as people read it in this language."""
        if value is None:
            return ""
        english, cldr = DATE_STYLES[style]
        if isinstance(value, datetime) and tz is not None:
            value = value.astimezone(ZoneInfo(tz))
        if self.english:
            shown = value.strftime(english)
        else:
            from babel.dates import format_date, format_datetime

            if isinstance(value, datetime):
                shown = format_datetime(value, cldr, tzinfo=value.tzinfo, locale=self.code)
            else:
                shown = format_date(value, cldr, locale=self.code)
        if style in ZONED and isinstance(value, datetime):
            shown += value.strftime(" %Z")
        return shown


def _english_number(value: int | float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:.1f}k"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


@cache
def language(code: str = "en") -> Language:
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r} (kulak speaks {', '.join(LANGUAGES)})")
    return Language(code)


@cache
def _catalog(code: str) -> gettext.NullTranslations:
    if code == "en":
        return gettext.NullTranslations()
    folder = files("monitor") / "locale"
    with (folder / code / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as mo:
        return gettext.GNUTranslations(mo)
