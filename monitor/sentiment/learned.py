"""The learned half of the Turkish scorer: a linear model over the post's
features (monitor.sentiment.features) and the rule scorer's compound, giving calibrated
probabilities of negative, neutral and positive.

The rules know words a lexicon lists; the model has read labelled and self-labelled posts
(scripts/train_sentiment.py) and knows the words around them: profanity, complaint
vocabulary, endings. Its weights ship as package data (`data/model_<lang>.tsv.gz`), read
on first use; scoring is one dictionary look-up per feature.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from monitor.sentiment.features import tokens, word_features

CLASSES = ("neg", "neu", "pos")
# Languages with a shipped model. Greek has none: the only Greek training data that may be
# shipped (film subtitles) taught a model that read Greek posts worse than the rules do.
LANGUAGES = ("tr",)
POSITIVE_CUT = 0.05
NEUTRAL_EDGE = 0.049
# Greetings, thanks, pleas for help, praise said to someone and laughter (folded word
# beginnings): in a post the rules read as negative the model skips them too, as the rules
# do (Rules.thanks/praise, rules.DERISION).
COURTESY = (
    *("merhaba", "selam", "tesekkur", "sagol", "yardim", "destek"),
    *("tebrik", "bravo", "aferin", "alkis", "haha"),
)


class ModelError(ValueError):
    """A malformed model file, named by file and line number."""


def rule_features(compound: float) -> tuple[float, ...]:
    """What the model reads from the rule scorer: its compound, and which side of the
    neutral band it fell on (a rule hit at all is strong evidence of polarity)."""
    return (compound, float(compound >= POSITIVE_CUT), float(compound <= -POSITIVE_CUT))


@dataclass(frozen=True)
class Model:
    weights: dict[str, tuple[float, float, float]]
    """A word's own features (monitor.sentiment.features.word_features)."""
    pairs: dict[str, dict[str, tuple[float, float, float]]]
    """Word pairs by their first word, then their second: a pair is looked up in the
    words as read, not built as a string first (most words start no listed pair)."""
    dense: tuple[tuple[float, float, float], ...]
    bias: tuple[float, float, float]

    def __post_init__(self) -> None:
        # A word's own features always sum alike: remembered per word, as words repeat
        # (the frequent ones: a service meets ever new words; 65,536 held ~15 MiB).
        object.__setattr__(self, "word_weights", lru_cache(maxsize=8192)(self._word_weights))

    def _word_weights(self, word: str) -> tuple[float, float, float]:
        neg = neu = pos = 0.0
        for name in word_features(word):
            found = self.weights.get(name)
            if found is not None:
                neg += found[0]
                neu += found[1]
                pos += found[2]
        return neg, neu, pos

    def probabilities(self, text: str, compound: float) -> tuple[float, float, float]:
        """P(neg), P(neu), P(pos) of a text the rules scored `compound`."""
        neg, neu, pos = self.bias
        words = tokens(text)
        if compound < 0:
            words = [word for word in words if not word.startswith(COURTESY)]
        for word in words:
            w_neg, w_neu, w_pos = self.word_weights(word)
            neg += w_neg
            neu += w_neu
            pos += w_pos
        following = self.pairs.get
        previous = "^"
        for word in words:
            found = following(previous)
            if found is not None and (found := found.get(word)) is not None:
                neg += found[0]
                neu += found[1]
                pos += found[2]
            previous = word
        for value, (w_neg, w_neu, w_pos) in zip(rule_features(compound), self.dense, strict=True):
            neg += value * w_neg
            neu += value * w_neu
            pos += value * w_pos
        top = max(neg, neu, pos)
        neg, neu, pos = math.exp(neg - top), math.exp(neu - top), math.exp(pos - top)
        total = neg + neu + pos
        return neg / total, neu / total, pos / total


def reading(probabilities: tuple[float, float, float]) -> tuple[float, str]:
    """Compound and label of a text: the compound is P(pos) - P(neg), kept inside the
    band of the likeliest class, so that the usual cuts at +-0.05 give the same label."""
    label = CLASSES[probabilities.index(max(probabilities))]
    value = probabilities[2] - probabilities[0]
    if label == "pos":
        return max(value, POSITIVE_CUT), label
    if label == "neg":
        return min(value, -POSITIVE_CUT), label
    return max(-NEUTRAL_EDGE, min(NEUTRAL_EDGE, value)), label


def parse_model(text: str, name: str) -> Model:
    """`#bias`, `#dense` lines, then one `feature<TAB>neg<TAB>neu<TAB>pos` per line."""
    weights: dict[str, tuple[float, float, float]] = {}
    pairs: dict[str, dict[str, tuple[float, float, float]]] = {}
    dense: list[tuple[float, float, float]] = []
    bias: tuple[float, float, float] | None = None
    shared: dict[str, float] = {}  # one float per written weight: 1,132 among 63,921 (1.4 MiB)
    for number, line in enumerate(text.splitlines(), start=1):
        key, *values = line.split("\t")
        try:
            neg, neu, pos = (shared.setdefault(v, float(v)) for v in values)
        except ValueError:
            raise ModelError(f"{name} line {number}: expected three weights: {line!r}") from None
        if key == "#bias":
            bias = (neg, neu, pos)
        elif key == "#dense":
            dense.append((neg, neu, pos))
        elif " " in key:
            first, second = key.split(" ", 1)
            pairs.setdefault(first, {})[second] = (neg, neu, pos)
        else:
            weights[key] = (neg, neu, pos)
    if bias is None or len(dense) != len(rule_features(0.0)):
        raise ModelError(f"{name}: no #bias line or not {len(rule_features(0.0))} #dense lines")
    return Model(weights, pairs, tuple(dense), bias)


@lru_cache(maxsize=4)
def model(lang: str) -> Model:
    name = f"model_{lang}.tsv.gz"
    data = files("monitor.sentiment").joinpath("data", name).read_bytes()
    return parse_model(gzip.decompress(data).decode("utf-8"), name)
