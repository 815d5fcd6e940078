"""What the learned scorer reads in a post: words, their beginnings and endings, word pairs.

Turkish and Greek build words from a stem and endings, so a word's first letters stand for
its stem ("berbat", "berbatti", "berbatsin") and its last letters for its endings (the
negative "-medi", "-miyor"). Reading only those, not every letter n-gram, keeps a post to
a few dozen features: scoring stays a few dictionary look-ups per word.
"""

from __future__ import annotations

import re

from monitor.folding import fold
from monitor.sentiment.rules import ELONGATED, NOISE

PREFIXES = (3, 4, 5, 6)
SUFFIXES = (2, 3, 4)
# Words, and every other symbol on its own (emoji, "?", "!").
_TOKEN = re.compile(r"[^\W\d_]+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Folded words and symbols, handles and links dropped, "cooook" as "cook"."""
    text = fold(NOISE.sub(" ", text))
    if ELONGATED.search(text):  # rarely: a substitution costs more than a search
        text = ELONGATED.sub(r"\1\1", text)
    return _TOKEN.findall(text)


def word_features(token: str) -> list[str]:
    """The word itself, its first and its last letters."""
    found = [token]
    if len(token) > PREFIXES[0]:
        found += [f"{token[:size]}-" for size in PREFIXES if size < len(token)]
        found += [f"-{token[-size:]}" for size in SUFFIXES if size < len(token)]
    return found


def pairs(words: list[str]) -> list[str]:
    """Each word with the one before it ("^" at the start): "değil" after what."""
    return [f"{previous} {word}" for previous, word in zip(["^", *words], words, strict=False)]


def features(text: str) -> list[str]:
    """The feature names of one text (repeats kept: a feature counts each time it occurs)."""
    words = tokens(text)
    return [name for word in words for name in word_features(word)] + pairs(words)
