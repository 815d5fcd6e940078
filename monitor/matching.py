"""Does a post name a target, and where? Folding that is right for Turkish and Greek.

Case folding alone is wrong twice over in this product's languages: Turkish has a dotted
and a dotless i ("İstanbul" lower-cases to "istanbul", "IRMAK" to "ırmak"), and Greek
words lose their accents and end in a final sigma. We fold every text and every keyword
to one comparable form of the same length, so match offsets map back onto the original
text (the sentiment scorer needs them to read the words around a mention).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from monitor.config import Target

# Each character folds to exactly one character, so offsets survive folding.
_TURKISH_I = str.maketrans({"İ": "i", "I": "ı"})
_DOTLESS = str.maketrans({"ı": "i"})
_FINAL_SIGMA = str.maketrans({"ς": "σ"})
WORD_CHAR = r"[^\W_]"


def _strip_marks(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if len(base) == 1 else char


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    lowered = char.translate(_TURKISH_I).lower()
    if len(lowered) != 1:
        lowered = char.lower()[:1] or char
    folded = _strip_marks(lowered).translate(_FINAL_SIGMA).translate(_DOTLESS)
    return folded if len(folded) == 1 else lowered


def fold(text: str) -> str:
    """Compare-ready text: lower case (Turkish-aware), no accents, one sigma, one i.

    Dotted and dotless i meet in one letter: writers on phones and keyboards without
    Turkish letters use them interchangeably, so "Turkcell'i" and "TURKCELL'İ" must agree.
    """
    return "".join(_fold_char(c) for c in text)


@dataclass(frozen=True)
class Match:
    target: str
    target_kind: str
    spans: list[tuple[int, int]]
    matched: list[str]
    by_target: bool


class TargetMatcher:
    """Keywords, handles and hashtags on word boundaries; exclusions veto a post."""

    def __init__(self, target: Target) -> None:
        self.target = target
        terms = [*target.keywords, *target.hashtags, *target.handles]
        self.pattern = _alternation(terms)
        self.exclude = _alternation(target.exclude) if target.exclude else None
        self.own_handles = {fold(h.lstrip("@")) for h in target.handles}

    def match(self, text: str, author_handle: str | None = None) -> Match | None:
        folded = fold(text)
        if self.exclude is not None and self.exclude.search(folded):
            return None
        spans: list[tuple[int, int]] = []
        matched: list[str] = []
        for found in self.pattern.finditer(folded):
            spans.append(found.span())
            if text[found.start() : found.end()] not in matched:
                matched.append(text[found.start() : found.end()])
        if not spans:
            return None
        by_target = bool(author_handle) and fold(author_handle.lstrip("@")) in self.own_handles
        return Match(self.target.name, self.target.kind, spans, matched, by_target)


# Turkish case and plural endings as folded text: "Turkcellden", "Vodafone'a", "Migrosa".
_TURKISH_SUFFIXES = (
    *("ler", "lar", "leri", "lari", "lerin", "larin", "nin", "nun", "in", "un"),
    *("yi", "yu", "ye", "ya", "yle", "yla", "le", "la"),
    *("den", "dan", "ten", "tan", "de", "da", "te", "ta", "e", "a", "i", "u"),
)
_SUFFIX = "|".join(sorted(_TURKISH_SUFFIXES, key=len, reverse=True))


def _alternation(terms: list[str]) -> re.Pattern[str]:
    """One regex for all terms, on word boundaries.

    A Turkish ending after the name, with an apostrophe ("Turkcell'e") or glued on as
    people type it ("turkcellden"), still names the target; any other longer word that
    merely starts with the name ("Applebee") does not.
    """
    alternatives = sorted({fold(t.strip()) for t in terms if t.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(term) for term in alternatives)
    return re.compile(rf"(?<!{WORD_CHAR})(?:{body})(?:'{WORD_CHAR}+|(?:{_SUFFIX}))?(?!{WORD_CHAR})")


class Matcher:
    def __init__(self, targets: list[Target]) -> None:
        self.matchers = [TargetMatcher(t) for t in targets]

    def match(self, text: str, author_handle: str | None = None) -> list[Match]:
        return [m for tm in self.matchers if (m := tm.match(text, author_handle)) is not None]
