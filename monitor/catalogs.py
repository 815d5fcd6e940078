"""kulak's message catalogs, built with Babel: extract the English strings from the code and
templates, merge them into each language's `.po`, and compile the `.mo` shipped beside it.

`scripts/i18n.py` runs these steps; tests/test_i18n.py checks the shipped catalogs with the
same functions, so a string added without its translation fails the suite.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from monitor.i18n import DOMAIN, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "monitor" / "locale"
#: what is read for messages: people only see words from alerts, detectors and templates
METHODS = [
    ("alerts/**.py", "python"),
    ("monitor/detectors/**.py", "python"),
    ("monitor/analysis/**.py", "python"),
    ("monitor/inbox/**.py", "python"),
    ("monitor/triage.py", "python"),
    ("monitor/slack_triage.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
JINJA = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
#: gettext's keywords, and kulak's: `Nn_` (a counted pair), `phrase` and `nphrase` (alerts)
KEYWORDS = DEFAULT_KEYWORDS | {"Nn_": (1, 2), "phrase": None, "nphrase": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")
PERCENT = re.compile(r"%\((\w+)\)s")
#: the catalogs are rebuilt byte for byte from their .po: no dates that change every run
FIXED_DATE = datetime(2026, 1, 1)


def extract(root: Path = ROOT) -> Catalog:
    """Every English string people may read, as a template catalog."""
    catalog = Catalog(domain=DOMAIN, project="kulak", creation_date=FIXED_DATE)
    options = {pattern: JINJA for pattern, method in METHODS if method == "jinja2"}
    for name, lineno, message, comments, context in extract_from_dir(
        root, METHODS, options, KEYWORDS
    ):
        catalog.add(message, None, [(name, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(code: str, locale: Path = LOCALE) -> Path:
    return locale / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(code: str, locale: Path = LOCALE) -> Catalog:
    with po_path(code, locale).open("rb") as po:
        return read_po(po, locale=code, domain=DOMAIN)


def update(template: Catalog, code: str) -> Catalog:
    """The language's catalog with the template's messages: translations kept, new strings
    empty, vanished ones dropped (no fuzzy guesses: a person translates each)."""
    path = po_path(code)
    catalog = read(code) if path.exists() else Catalog(locale=code, domain=DOMAIN, project="kulak")
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    catalog.project, catalog.version = "kulak", ""
    catalog.last_translator = catalog.language_team = "kulak developers"
    catalog.copyright_holder = "kulak developers"
    catalog.revision_date = FIXED_DATE
    catalog.creation_date = FIXED_DATE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        # files, not line numbers: the catalogs change only when the words do
        write_po(po, catalog, width=100, sort_output=True, include_lineno=False)
    return catalog


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def compile_catalog(code: str) -> Path:
    path = po_path(code).with_suffix(".mo")
    path.write_bytes(compiled(read(code)))
    return path


def problems(code: str, template: Catalog, locale: Path = LOCALE) -> list[str]:
    """What is wrong with a language's shipped catalog, in words; [] when it is complete."""
    catalog = read(code, locale)
    found = []
    wanted = {_msg_key(m) for m in template if m.id}
    have = {_msg_key(m) for m in catalog if m.id}
    found += [f"{code}: missing from the catalog: {key!r}" for key in sorted(wanted - have)]
    found += [f"{code}: no longer in the code: {key!r}" for key in sorted(have - wanted)]
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(f"{code}: fuzzy: {message.id!r}")
        if not all(strings):
            found.append(f"{code}: untranslated: {message.id!r}")
        found += [f"{code}: {message.id!r}: {error}" for error in _placeholder_errors(message)]
    for message, errors in catalog.check():
        found += [f"{code}: {message.id!r}: {error}" for error in errors]
    mo = po_path(code, locale).with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != compiled(catalog):
        found.append(f"{code}: {mo.name} is out of date with its .po (run scripts/i18n.py)")
    return found


def _msg_key(message) -> str:
    return message.id if isinstance(message.id, str) else "|".join(message.id)


def _placeholder_errors(message) -> Iterable[str]:
    """The placeholders (`{name}` for str.format, `%(name)s` in templates) every translation
    keeps: a lost one would drop a number or a name from the sentence."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    expected = set().union(*(_placeholders(i) for i in ids))
    for translated in strings:
        if translated and _placeholders(translated) != expected:
            found = sorted(_placeholders(translated))
            yield f"placeholders {found} in {translated!r}, the English has {sorted(expected)}"


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text)) - {""} | set(PERCENT.findall(text))


def languages() -> list[str]:
    """The languages that have catalogs (English is the source)."""
    return [code for code in LANGUAGES if code != "en"]
