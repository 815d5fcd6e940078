"""kulak's VADER gives vaderSentiment's score dicts exactly, on texts built to reach every
rule: boosters, negations, capitals, "but", "never so", "least", idioms, emoji, punctuation."""

from __future__ import annotations

import random
import string

import pytest
from vaderSentiment import vaderSentiment as reference

from monitor.sentiment.english import analyzer, scorer

TEXTS = 20_000
RULE_WORDS = [
    "but", "BUT", "no", "No", "not", "never", "so", "this", "without", "doubt", "least",
    "at", "very", "kind", "of", "sort", "just", "enough", "or", "nor", "isn't", "don't",
    "the", "shit", "bomb", "bad", "ass", "badass", "bus", "stop", "yeah", "right", "kiss",
    "death", "to", "die", "for", "beating", "heart", "cut", "mustard", "kinda", "KIND",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", " ", "  ", "\t", "\n", " \u00a0", ", ", "! ", "? ", "... "]
ODD = ["İ", "ΣΑΣ", "ß", "ǅ", "\u0301", "123", "@handle", "#tag", "http://x.test/a?b", "n't", "'"]


def vocabulary() -> list[list[str]]:
    """Pools of words the texts are drawn from, each pool drawn from as often."""
    vader = analyzer()
    lexicon = sorted(vader.lexicon)
    emoji = sorted(vader.emojis)
    return [
        lexicon,
        lexicon,
        [w for w in lexicon if not w.isalpha()],  # emoticons such as ":)" and "</3"
        sorted(reference.BOOSTER_DICT),
        sorted(reference.NEGATE),
        [w for phrase in reference.SPECIAL_CASES for w in phrase.split()],
        [w for phrase in reference.SENTIMENT_LADEN_IDIOMS for w in phrase.split()],
        RULE_WORDS,
        emoji,
        [e for e in emoji if len(e) == 1],
        ["cafe", "latte", "Demlik", "wifi", "order", "staff", "today", "x", "a"],
        ODD,
    ]


def shaped(word: str, rng: random.Random) -> str:
    """The word as people write it: capitals, punctuation around it, glued emoji."""
    roll = rng.random()
    if roll < 0.15:
        word = word.upper()
    elif roll < 0.22:
        word = word.capitalize()
    if rng.random() < 0.15:
        word += rng.choice(["!", "!!", "?", "??", "???", ".", ",", "...", "!?", ":)", "'"])
    if rng.random() < 0.05:
        word = rng.choice(string.punctuation) + word
    return word


def generated(count: int, seed: int = 20) -> list[str]:
    rng = random.Random(seed)
    pools = vocabulary()
    texts = ["", " ", "!!!", "??", "😀", " 😀😀 ", "no", "NO GOOD", "but", "kind of"]
    while len(texts) < count:
        words = [shaped(rng.choice(rng.choice(pools)), rng) for _ in range(rng.randint(1, 14))]
        text = words[0]
        for word in words[1:]:
            text += rng.choice(SEPARATORS) + word
        texts.append(text)
    return texts


def test_same_score_dicts_as_vadersentiment():
    vader, ours = analyzer(), scorer()
    differ = []
    for text in generated(TEXTS):
        expected = vader.polarity_scores(text)
        got = ours.polarity_scores(text)
        # repr tells -0.0 from 0.0 and shows key order
        if repr(got) != repr(expected) or ours.compound(text) != expected["compound"]:
            differ.append((text, expected, got))
    assert differ == []


@pytest.mark.parametrize(
    "text",
    [
        "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "Sentiment analysis has never been this good!",
        "Roger Dodger is one of the least compelling variations on this theme.",
        "With VADER, sentiment analysis is the shit!",
        "Not such a badass after all.",
        "Catch utf-8 emoji such as 💘 and 💋 and 😁",
        "good good but good good",  # equal values before and after "but"
    ],
)
def test_the_classic_examples(text):
    assert scorer().polarity_scores(text) == analyzer().polarity_scores(text)
