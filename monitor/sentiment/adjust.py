"""This installation's correction of the scorer, learned from the team's own labels.

When a marketer says "this is not negative" on a post, kulak keeps the text, the score it
gave and the team's label. Once there are enough labels, it learns per word how far the
scorer was off on the labelled texts holding that word, shrunk towards no correction when
few labels back a word, and moves a later post's score by the mean correction of its
words: a café whose customers write "zam yine" (another price rise) as a complaint teaches
kulak that, and a later post saying it is read so.

The correction is trusted only when it helps on labels it did not learn from: the newest
fifth is held back, and the correction must agree with the team there more often than the
scorer alone. Its figures are in `kulak status`. Labels are never sent anywhere.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.folding import fold

#: labels before anything is learned, and the share of the newest held back to check it
MIN_LABELS = 20
HELD_BACK = 0.2
#: how many labels' worth of "no correction" each word starts with
PRIOR = 2.0
#: a word must occur in this many labelled texts to carry a correction
MIN_SUPPORT = 2
#: where each label asks the compound to be (the scorer's cuts are at -0.05 and 0.05)
AIM = {"neg": -0.5, "neu": 0.0, "pos": 0.5}
NEGATIVE_CUT, POSITIVE_CUT = -0.05, 0.05

_WORD = re.compile(r"[^\W\d_]{2,}")


def words(text: str) -> set[str]:
    return set(_WORD.findall(fold(text)))


def label_of(compound: float) -> str:
    if compound <= NEGATIVE_CUT:
        return "neg"
    return "pos" if compound >= POSITIVE_CUT else "neu"


@dataclass(frozen=True)
class Example:
    text: str
    compound: float  # what the scorer said
    label: str  # what the team says


@dataclass(frozen=True)
class Adjustment:
    weights: dict[str, float] = field(default_factory=dict)
    labels: int = 0
    held_back: int = 0
    scorer_agrees: float | None = None  # share of held-back labels the scorer matches
    adjusted_agrees: float | None = None  # the same with the correction
    trusted: bool = False

    def apply(self, text: str, compound: float) -> float:
        """The corrected compound, within -1..1; the scorer's own when not trusted."""
        if not self.trusted:
            return compound
        shifts = [self.weights[w] for w in words(text) if w in self.weights]
        if not shifts:
            return compound
        return max(-1.0, min(1.0, compound + sum(shifts) / len(shifts)))

    def describe(self) -> str:
        if self.labels < MIN_LABELS:
            return f"{self.labels} team labels; a correction is learned from {MIN_LABELS}"
        figures = (
            f"learned from {self.labels - self.held_back} team labels, checked on the newest "
            f"{self.held_back}: the scorer agrees with {self.scorer_agrees:.0%}, corrected "
            f"{self.adjusted_agrees:.0%}"
        )
        return figures + ("; in use" if self.trusted else "; not in use (it does not help)")


def from_labels(labels: Iterable[Any]) -> Adjustment:
    """Learned from the store's labels (`Store.iter_labels()`, oldest first)."""
    return learn([Example(x.text, x.compound, x.label) for x in labels if x.compound is not None])


def learn(examples: Sequence[Example]) -> Adjustment:
    """Learn on the oldest examples, check on the newest (`examples` oldest first)."""
    if len(examples) < MIN_LABELS:
        return Adjustment(labels=len(examples))
    cut = len(examples) - max(1, round(len(examples) * HELD_BACK))
    learned = Adjustment(weights=_weights(examples[:cut]), trusted=True)
    check = examples[cut:]
    scorer = _agreement(check, lambda e: e.compound)
    adjusted = _agreement(check, lambda e: learned.apply(e.text, e.compound))
    # In use with every label learned from, once the check shows it helps.
    return Adjustment(
        weights=_weights(examples),
        labels=len(examples),
        held_back=len(check),
        scorer_agrees=scorer,
        adjusted_agrees=adjusted,
        trusted=adjusted > scorer,
    )


def _weights(examples: Sequence[Example]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for example in examples:
        off = AIM[example.label] - example.compound
        for word in words(example.text):
            totals[word] += off
            counts[word] += 1
    return {
        word: totals[word] / (counts[word] + PRIOR)
        for word in totals
        if counts[word] >= MIN_SUPPORT
    }


def _agreement(examples: Sequence[Example], score) -> float:
    return sum(label_of(score(e)) == e.label for e in examples) / len(examples)
