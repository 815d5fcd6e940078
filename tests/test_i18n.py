"""The Turkish and Greek catalogs: complete, current with the code, compiled as shipped.

The check extracts every English string from alerts/, the detectors and templates/ with
Babel, as scripts/i18n.py does; the tests below it show each way a catalog goes wrong is
caught (on a copy of the catalogs, never the shipped ones).
"""

from __future__ import annotations

import shutil
from copy import deepcopy
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from monitor.catalogs import LOCALE, extract, languages, po_path, problems


@pytest.fixture(scope="module")
def template():
    return extract()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(LOCALE, tmp_path / "locale")
    return tmp_path / "locale"


def edit(locale: Path, code: str, change) -> None:
    path = po_path(code, locale)
    with path.open("rb") as po:
        catalog = read_po(po, locale=code)
    change(catalog)
    with path.open("wb") as po:
        write_po(po, catalog, width=100, sort_output=True, include_lineno=False)


@pytest.mark.parametrize("code", ["tr", "el"])
def test_the_shipped_catalog_is_complete(template, code: str) -> None:
    assert code in languages()
    assert problems(code, template) == []


def test_the_templates_and_detectors_strings_are_extracted(template) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template}
    assert "Daily digest · %(day)s" in ids  # a template
    assert "I'll take it" in ids  # Slack's buttons
    assert "Risks to answer first" in ids  # a detector's heading (N_)
    assert "{n} spike" in ids  # a detector's counted noun (Nn_)


def test_a_string_not_in_the_catalog_is_reported(template, copy: Path) -> None:
    grown = deepcopy(template)
    grown.add("A sentence written today and not translated")
    found = problems("tr", grown, copy)
    assert found == ["tr: missing from the catalog: 'A sentence written today and not translated'"]


def test_untranslated_and_fuzzy_messages_are_reported(template, copy: Path) -> None:
    def spoil(catalog) -> None:
        catalog["Top complaints"].string = ""
        catalog["Why:"].flags.add("fuzzy")

    edit(copy, "el", spoil)
    found = problems("el", template, copy)
    assert "el: untranslated: 'Top complaints'" in found
    assert "el: fuzzy: 'Why:'" in found


def test_a_mo_older_than_its_po_is_reported(template, copy: Path) -> None:
    def retranslate(catalog) -> None:
        catalog["Why:"].string = "Neden böyle:"

    edit(copy, "tr", retranslate)
    assert problems("tr", template, copy) == [
        "tr: kulak.mo is out of date with its .po (run scripts/i18n.py)"
    ]


def test_a_translation_losing_a_placeholder_is_reported(template, copy: Path) -> None:
    def lose(catalog) -> None:
        catalog["{n} risk"].string = ("risk", "riskler")
        catalog["Daily digest · %(day)s"].string = "Günlük özet"

    edit(copy, "tr", lose)
    found = " ".join(problems("tr", template, copy))
    assert "'Daily digest · %(day)s'" in found
    assert "('{n} risk', '{n} risks')" in found
