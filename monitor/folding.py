"""Folding text so that spellings people treat as the same compare equal.

Case folding alone is wrong twice over in this product's languages: Turkish has a dotted
and a dotless i ("İstanbul" lower-cases to "istanbul", "IRMAK" to "ırmak"), and Greek
words lose their accents and end in a final sigma. Every character folds to exactly one
character, so offsets found in folded text map back onto the original.
"""

from __future__ import annotations

import unicodedata

# Each character folds to exactly one character, so offsets survive folding.
_TURKISH_I = str.maketrans({"İ": "i", "I": "ı"})
_DOTLESS = str.maketrans({"ı": "i"})
_FINAL_SIGMA = str.maketrans({"ς": "σ"})


def _strip_marks(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if len(base) == 1 else char


def _fold_char(char: str) -> str:
    lowered = char.translate(_TURKISH_I).lower()
    if len(lowered) != 1:
        lowered = char.lower()[:1] or char
    folded = _strip_marks(lowered).translate(_FINAL_SIGMA).translate(_DOTLESS)
    return folded if len(folded) == 1 else lowered


class _FoldTable(dict):
    """A str.translate table filled on first sight of each character (up to a bound, as
    posts are untrusted and could walk all of Unicode)."""

    LIMIT = 65536

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < self.LIMIT:
            self[code] = folded
        return folded


#: Two private-use characters that fold never yields (it makes them spaces): callers mark
#: spans of folded text with them (monitor.sentiment.intent), so a post that carries
#: them cannot pass for a mark, nor make a search for marks take quadratic time.
MARKS = ("\ue000", "\ue001")

_TABLE = _FoldTable({ord(mark): " " for mark in MARKS})


def fold(text: str) -> str:
    """Compare-ready text: lower case (Turkish-aware), no accents, one sigma, one i.

    Dotted and dotless i meet in one letter: writers on phones and keyboards without
    Turkish letters use them interchangeably, so "Turkcell'i" and "TURKCELL'İ" must agree.
    """
    if text.isascii():  # each ASCII character folds to its lower case ("I" too, to "i")
        return text.lower()
    return text.translate(_TABLE)
