"""Reaching a lexicon stem from an inflected word, for languages that inflect by suffixes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.sentiment.lexicon import read_table
from monitor.sentiment.rules import Hit

# A three-letter stem only takes an ending that starts like one: a vowel, or a consonant
# and a vowel ("acil" is not "acı" + "l").
_SHORT_STEM_ENDING = re.compile(r"[aeiouαεηιουω]|[^aeiouαεηιουω][aeiouαεηιουω]")
# Turkish narrows a verb's final a/e before -iyor: "bekle" + "iyor" is "bekliyor".
_PROGRESSIVE = re.compile(r"[iu]yor")
# Turkish softens a final p, t, k before a vowel: "umut" + "u" is "umudu", "kaybet" +
# "iyor" is "kaybediyor", "kazık" + "ı" is "kazığı" (folded "kazigi").
_SOFTENED = {"p": "b", "t": "d", "k": "g"}
_VOWEL = re.compile(r"[aeiou]")


@dataclass
class StemLexicon:
    """Longest listed prefix wins; `verb_negation` says whether a verb's ending negates it.

    A word listed with valence 0 answers Hit(0.0): a known neutral word, not an unknown one.
    """

    words: dict[str, float]
    verbs: frozenset[str]
    verb_negation: re.Pattern[str] | None
    noun_negation: re.Pattern[str] | None
    min_stem: int = 3
    max_ending: int = 12

    @classmethod
    def from_data(cls, name: str, **kwargs: object) -> StemLexicon:
        table = read_table(name)
        words = {term.rstrip("-"): valence for term, valence in table.items() if " " not in term}
        verbs = frozenset(term.rstrip("-") for term in table if term.endswith("-"))
        return cls(words, verbs, **kwargs)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        self.narrowed = {verb[:-1]: verb for verb in self.verbs if verb[-1] in "ae"}
        self.softened = {
            word[:-1] + _SOFTENED[word[-1]]: word
            for word in self.words
            if len(word) >= 4 and word[-1] in _SOFTENED
        }
        # Every beginning of a listed stem (from min_stem letters): a word is cut no longer
        # than the longest of them it starts with, as no longer cut can reach a stem.
        stems = (*self.words, *self.narrowed, *self.softened)
        self.beginnings = frozenset(
            stem[:size] for stem in stems for size in range(self.min_stem, len(stem) + 1)
        )

    def lookup(self, word: str) -> Hit | None:
        valence = self.words.get(word)
        if valence is not None:
            return Hit(valence, stem=word)
        longest = self.min_stem
        while longest < len(word) and word[:longest] in self.beginnings:
            longest += 1
        shortest = max(self.min_stem, len(word) - self.max_ending)
        for cut in range(longest - 1, shortest - 1, -1):
            stem, ending = word[:cut], word[cut:]
            if stem in self.narrowed and _PROGRESSIVE.match(ending):
                verb = self.narrowed[stem]
                return Hit(self.words[verb], stem=verb)
            valence = self.words.get(stem)
            if valence is None and stem in self.softened and _VOWEL.match(ending):
                stem = self.softened[stem]
                valence = self.words[stem]
            if valence is None:
                continue
            if cut <= 3 and not _SHORT_STEM_ENDING.match(ending):
                return None
            return Hit(valence, self._negates(stem, ending), stem)
        return None

    def _negates(self, stem: str, ending: str) -> bool:
        if stem in self.verbs:
            return bool(self.verb_negation and self.verb_negation.match(ending))
        return bool(self.noun_negation and self.noun_negation.match(ending))
