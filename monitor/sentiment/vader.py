"""VADER 3.3.2's rules, written again for speed: the same score dicts, bit for bit, as
vaderSentiment's `SentimentIntensityAnalyzer.polarity_scores`, about twice as fast.

English sentiment is most of a post's cost in the pipeline. vaderSentiment lower-cases the
whole sentence again for every rule it checks around every sentiment word, and rebuilds
its word lists per call; here each text is lower-cased once and the rare rules (idioms,
"but", "least") are only tried where they can apply. The lexicon, emoji names, boosters,
negations and idioms are vaderSentiment's own, read from the installed package, which stays
the reference: tests/sentiment/test_vader.py compares both on a large generated corpus.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from itertools import pairwise

from vaderSentiment import vaderSentiment as reference

BOOSTERS: Mapping[str, float] = reference.BOOSTER_DICT
IDIOMS: Mapping[str, float] = reference.SPECIAL_CASES
NEGATIONS = frozenset(reference.NEGATE)
NEGATED = reference.N_SCALAR
CAPS = reference.C_INCR
STRESSED = ("so", "this")  # "never so good": stressed, not negated
ALPHA = 15  # normalize()'s default


def _word_pairs(phrases: list[str]) -> dict[str, frozenset[str]]:
    """For each word of a phrase, the words that follow it in some phrase: a window of
    words holding no such pair cannot match any phrase, so it is not assembled."""
    follows: dict[str, set[str]] = {}
    for phrase in phrases:
        words = phrase.split(" ")
        for first, second in pairwise(words):
            follows.setdefault(first, set()).add(second)
    return {word: frozenset(after) for word, after in follows.items()}


PAIRS = _word_pairs([p for p in (*IDIOMS, *BOOSTERS) if " " in p])
#: words that start a pair: a window holding none of them is passed by in one set test
PAIR_STARTS = frozenset(PAIRS)


class Vader:
    """Scores texts with VADER's rules over a lexicon and the emoji names."""

    def __init__(self, lexicon: Mapping[str, float], emojis: Mapping[str, str]) -> None:
        self.lexicon = lexicon
        # vaderSentiment replaces emoji one character at a time: longer keys never match.
        self.emoji_names = {emoji: name for emoji, name in emojis.items() if len(emoji) == 1}

    def polarity_scores(self, text: str) -> dict[str, float]:
        """{"neg", "neu", "pos", "compound"}, as vaderSentiment rounds them."""
        text, sentiments = self._sentiments(text)
        if not sentiments:
            return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
        emphasis = _emphasis(text)
        positive = negative = 0.0
        neutral = 0
        for value in sentiments:
            if value > 0:
                positive += float(value) + 1  # +1 and -1: a neutral word counts 1
            if value < 0:
                negative += float(value) - 1
            if value == 0:
                neutral += 1
        if positive > math.fabs(negative):
            positive += emphasis
        elif positive < math.fabs(negative):
            negative -= emphasis
        total = positive + math.fabs(negative) + neutral
        return {
            "neg": round(math.fabs(negative / total), 3),
            "neu": round(math.fabs(neutral / total), 3),
            "pos": round(math.fabs(positive / total), 3),
            "compound": round(_compound(sentiments, emphasis), 4),
        }

    def compound(self, text: str) -> float:
        """polarity_scores(text)["compound"], without working out the other three."""
        text, sentiments = self._sentiments(text)
        if not sentiments:
            return 0.0
        return round(_compound(sentiments, _emphasis(text)), 4)

    def _sentiments(self, text: str) -> tuple[str, list[float]]:
        """The text as VADER reads it (emoji spelled out) and each word's valence."""
        names = self.emoji_names
        if not names.keys().isdisjoint(text):
            # vaderSentiment puts a space before a name unless one is there: the same words.
            text = "".join(" " + names[c] if c in names else c for c in text)
        text = text.strip()
        punctuation = string.punctuation
        words = [
            word if len(bare := word.strip(punctuation)) <= 2 else bare for word in text.split()
        ]
        lower = list(map(str.lower, words))
        lexicon = self.lexicon
        sentiments: list[float] = []
        cap_diff: bool | None = None
        last = len(lower) - 1
        for i, word in enumerate(lower):
            valence = None if word in BOOSTERS else lexicon.get(word)
            if valence is None or (word == "kind" and i < last and lower[i + 1] == "of"):
                sentiments.append(0)
                continue
            if cap_diff is None:
                capitals = sum(map(str.isupper, words))
                cap_diff = 0 < len(words) - capitals < len(words)
            sentiments.append(self._valence(words, lower, i, valence, cap_diff))
        if "but" in lower:
            _but(sentiments, lower.index("but"))
        return text, sentiments

    def _valence(
        self, words: list[str], lower: list[str], i: int, valence: float, cap_diff: bool
    ) -> float:
        """The valence of lexicon word `i` after the words before it have their say."""
        lexicon = self.lexicon
        word = lower[i]
        if word == "no" and i < len(lower) - 1 and lower[i + 1] in lexicon:
            valence = 0.0  # "no" negates the next word instead
        if (
            (i > 0 and lower[i - 1] == "no")
            or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[word] * NEGATED
        if cap_diff and words[i].isupper():
            if valence > 0:
                valence += CAPS
            else:
                valence -= CAPS
        for back in (1, 2, 3):
            if i < back or lower[i - back] in lexicon:
                continue
            scalar = BOOSTERS.get(lower[i - back])  # most words are no booster
            boost = 0.0 if scalar is None else _boost(words[i - back], scalar, valence, cap_diff)
            if back == 2 and boost != 0:
                boost = boost * 0.95
            elif back == 3 and boost != 0:
                boost = boost * 0.9
            valence = valence + boost
            valence = _negation(valence, lower, back, i)
            if back == 3:
                valence = _idioms(valence, lower, i)
        least = i > 0 and lower[i - 1] == "least" and "least" not in lexicon
        if least and (i == 1 or lower[i - 2] not in ("at", "very")):
            valence = valence * NEGATED
        return valence


def _boost(word: str, scalar: float, valence: float, cap_diff: bool) -> float:
    """What a booster or dampener word (of this scalar) adds to a valence."""
    if valence < 0:
        scalar *= -1
    if word.isupper() and cap_diff:
        if valence > 0:
            scalar += CAPS
        else:
            scalar -= CAPS
    return scalar


def _negated(word: str) -> bool:
    return word in NEGATIONS or "n't" in word


def _negation(valence: float, lower: list[str], back: int, i: int) -> float:
    """Negation by the word `back` places before word `i`, or stress by "never so"."""
    if back == 1:
        return valence * NEGATED if _negated(lower[i - 1]) else valence
    if back == 2:
        if lower[i - 2] == "never" and lower[i - 1] in STRESSED:
            return valence * 1.25
        if lower[i - 2] == "without" and lower[i - 1] == "doubt":
            return valence
        return valence * NEGATED if _negated(lower[i - 2]) else valence
    if (lower[i - 3] == "never" and lower[i - 2] in STRESSED) or lower[i - 1] in STRESSED:
        return valence * 1.25
    if lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
        return valence
    return valence * NEGATED if _negated(lower[i - 3]) else valence


def _idioms(valence: float, lower: list[str], i: int) -> float:
    """Idioms ("the bomb", "kiss of death") replace a valence; "kind of" dampens it."""
    window = lower[i - 3 : i + 3]
    if PAIR_STARTS.isdisjoint(window) or not _has_pair(window):
        return valence
    three, two, one, zero = lower[i - 3], lower[i - 2], lower[i - 1], lower[i]
    before = (f"{one} {zero}", f"{two} {one} {zero}", f"{two} {one}")
    for phrase in (*before, f"{three} {two} {one}", f"{three} {two}"):
        if phrase in IDIOMS:
            valence = IDIOMS[phrase]
            break
    if len(lower) - 1 > i:
        phrase = f"{zero} {lower[i + 1]}"
        if phrase in IDIOMS:
            valence = IDIOMS[phrase]
    if len(lower) - 1 > i + 1:
        phrase = f"{zero} {lower[i + 1]} {lower[i + 2]}"
        if phrase in IDIOMS:
            valence = IDIOMS[phrase]
    for phrase in (f"{three} {two} {one}", f"{three} {two}", f"{two} {one}"):
        if phrase in BOOSTERS:
            valence = valence + BOOSTERS[phrase]
    return valence


def _has_pair(window: list[str]) -> bool:
    """Whether two neighbouring words of the window start some idiom or booster phrase."""
    get = PAIRS.get
    for first, second in pairwise(window):  # noqa: SIM110 (a loop: no generator to make)
        if second in get(first, ()):
            return True
    return False


def _but(sentiments: list[float], at: int) -> None:
    """Words before the first "but" count half, after it one and a half.

    As vaderSentiment does it: each value is looked up again by equality, so of equal
    values the first one is the one changed (repeatedly, if it is met again).
    """
    for position in range(len(sentiments)):
        value = sentiments[position]
        first = sentiments.index(value)
        if first < at:
            sentiments[first] = value * 0.5
        elif first > at:
            sentiments[first] = value * 1.5


def _emphasis(text: str) -> float:
    """What "!" (up to four) and "??" (two or more) add to a text's strength."""
    exclamations = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    if questions <= 1:
        return exclamations + 0
    return exclamations + (questions * 0.18 if questions <= 3 else 0.96)


def _compound(sentiments: list[float], emphasis: float) -> float:
    total = float(sum(sentiments))
    if total > 0:
        total += emphasis
    elif total < 0:
        total -= emphasis
    normal = total / math.sqrt(total * total + ALPHA)
    return max(-1.0, min(1.0, normal))
