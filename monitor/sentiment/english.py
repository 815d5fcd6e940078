"""English is VADER's own language: one shared analyzer, vaderSentiment's (the reference,
and where the lexicon is read from) and kulak's faster one giving the same scores."""

from __future__ import annotations

import math
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.sentiment.vader import Vader

NORMALIZE_ALPHA = 15.0  # VADER's: compound = sum / sqrt(sum^2 + alpha)
MIN_EMOJI_COMPOUND = 0.05
MAX_VALENCE = 3.5


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    """VADER's analyzer, without the copies of its two files it keeps after reading them
    into its lexicon and emoji tables (0.8 MiB held for the life of the service)."""
    reference = SentimentIntensityAnalyzer()
    del reference.lexicon_full_filepath, reference.emoji_full_filepath
    return reference


@lru_cache(maxsize=1)
def scorer() -> Vader:
    reference = analyzer()
    return Vader(reference.lexicon, reference.emojis)


def compound(text: str) -> float:
    return scorer().compound(text)


def emoji_valences() -> dict[str, float]:
    """Valences of single-character emoji, read from VADER's English name for each
    ("face with tears of joy"), on the -4..4 word scale."""
    valences = {}
    for emoji, name in analyzer().emojis.items():
        if len(emoji) != 1:
            continue
        score = compound(name)
        if abs(score) >= MIN_EMOJI_COMPOUND:
            valences[emoji] = max(-MAX_VALENCE, min(MAX_VALENCE, _word_valence(score)))
    return valences


def _word_valence(score: float) -> float:
    """The one-word valence VADER would normalise to this compound."""
    return score * math.sqrt(NORMALIZE_ALPHA / (1 - score * score))
