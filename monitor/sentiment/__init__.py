"""Sentiment per language behind one interface (English: VADER).

Provisional: English through VADER, language detection through py3langid; the Turkish
and Greek scorers replace the "unscored" answer for those languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

NEGATIVE_CUT = -0.05
POSITIVE_CUT = 0.05


@dataclass(frozen=True)
class Sentiment:
    lang: str
    compound: float | None
    label: str  # "pos" | "neg" | "neu" | "unscored"
    intents: tuple[str, ...] = ()


def label_for(compound: float) -> str:
    if compound <= NEGATIVE_CUT:
        return "neg"
    if compound >= POSITIVE_CUT:
        return "pos"
    return "neu"


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of the text, or "und" when there is nothing to go on."""
    if hint:
        return hint.split("-")[0].lower()
    if not text.strip():
        return "und"
    lang, _prob = _identifier().classify(text)
    return lang


def score(text: str, lang: str) -> Sentiment:
    if lang == "en":
        compound = _vader().polarity_scores(text)["compound"]
        return Sentiment(lang, compound, label_for(compound))
    return Sentiment(lang, None, "unscored")


def score_for_target(text: str, spans: list[tuple[int, int]], lang: str) -> Sentiment:
    """Score the words around one target's mentions (whole text for now)."""
    return score(text, lang)
