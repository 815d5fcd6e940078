"""English is VADER's own language: one shared analyzer."""

from __future__ import annotations

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    return analyzer().polarity_scores(text)["compound"]


def has_sentiment_word(words: set[str]) -> bool:
    """Whether any of these lower-case words is in VADER's English lexicon."""
    return not words.isdisjoint(analyzer().lexicon)
