"""Matching folds Turkish and Greek right and respects word boundaries."""

import pytest

from monitor.config import Target
from monitor.matching import Matcher, fold

TURKCELL = Target(name="Turkcell", kind="competitor", keywords=["Turkcell"], handles=["@Turkcell"])
VODAFONE = Target(name="Vodafone", kind="brand", keywords=["Vodafone"], exclude=["Vodafone Arena"])
BANK = Target(name="Τράπεζα Πειραιώς", kind="competitor", keywords=["Πειραιώς", "Piraeus Bank"])
MATCHER = Matcher([TURKCELL, VODAFONE, BANK])


def targets_in(text: str, author: str | None = None) -> list[str]:
    return [m.target for m in MATCHER.match(text, author)]


def test_turkish_dotted_and_dotless_i_fold_together():
    assert fold("İSTANBUL") == fold("istanbul") == "istanbul"
    assert fold("IRMAK") == fold("ırmak")
    assert len(fold("İİİ ııı")) == len("İİİ ııı")


def test_greek_accents_and_final_sigma():
    assert fold("ΠΕΙΡΑΙΏΣ") == fold("πειραιως") == fold("Πειραιώς")
    assert targets_in("Η ΠΕΙΡΑΙΩΣ μου χρέωσε προμήθεια ξανά") == ["Τράπεζα Πειραιώς"]


@pytest.mark.parametrize(
    "text",
    ["TURKCELL'İ bıraktım", "turkcellden bıktım", "Turkcell'e geçtim", "@turkcell cevap verin"],
)
def test_turkish_endings_still_name_the_target(text):
    assert targets_in(text) == ["Turkcell"]


@pytest.mark.parametrize("text", ["Turkcellular towers", "myturkcell app", "vodafoneless life"])
def test_words_that_merely_contain_a_name_do_not_match(text):
    assert targets_in(text) == []


def test_exclusions_veto_the_target_only():
    assert targets_in("Concert at Vodafone Arena, Turkcell had no signal") == ["Turkcell"]


def test_a_post_can_name_several_targets_with_spans_for_each():
    text = "Left Turkcell for Vodafone, Turkcell was awful"
    turkcell, vodafone = MATCHER.match(text)
    assert [text[a:b] for a, b in turkcell.spans] == ["Turkcell", "Turkcell"]
    assert [text[a:b] for a, b in vodafone.spans] == ["Vodafone"]


def test_posts_by_the_targets_own_account_are_marked():
    (match,) = MATCHER.match("Turkcell olarak özür dileriz", author_handle="TURKCELL")
    assert match.by_target
    (match,) = MATCHER.match("Turkcell berbat", author_handle="ayse")
    assert not match.by_target


def test_ascii_text_folds_as_each_character_does():
    from monitor.folding import _TABLE

    every = "".join(map(chr, range(128)))
    assert fold(every) == every.translate(_TABLE)
    assert fold("TURKCELL Istanbul") == "turkcell istanbul"


def test_targets_come_in_their_order_and_overlapping_terms_name_each():
    cafe = Target(name="Kahve", kind="competitor", keywords=["Kahve"])
    chain = Target(name="Kahve Durağı", kind="brand", keywords=["Kahve Durağı", "Durak"])
    matcher = Matcher([chain, cafe])

    found = matcher.match("kahve, then KAHVE DURAĞI'nda durak")

    assert [m.target for m in found] == ["Kahve Durağı", "Kahve"]
    assert found[0].matched == ["KAHVE DURAĞI'nda", "durak"]
    assert found[1].matched == ["kahve", "KAHVE"]
