"""Does a post name a target, and where?

Texts and keywords are compared folded (monitor.folding), and the offsets of each
mention are kept: the sentiment scorer reads the words around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.config import Target
from monitor.folding import fold
from monitor.query import evaluate, parse_query

WORD_CHAR = r"[^\W_]"


@dataclass(frozen=True)
class Match:
    target: str
    target_kind: str
    spans: list[tuple[int, int]]
    matched: list[str]
    by_target: bool


class TargetMatcher:
    """Keywords, handles and hashtags on word boundaries; exclusions veto a post."""

    def __init__(self, target: Target) -> None:
        self.target = target
        terms = [*target.keywords, *target.hashtags, *target.all_handles]
        self.pattern = _alternation(terms)
        # Each folded term as it must appear: a post holding none of them is passed by
        # with a few substring tests instead of this target's regexes.
        self.needles = _folded(terms)
        self.exclude = _alternation(target.exclude) if target.exclude else None
        self.own_handles = {fold(h.lstrip("@")) for h in target.handles_everywhere}
        self.query = parse_query(target.query, fold) if target.query else None

    def match(
        self,
        text: str,
        author_handle: str | None = None,
        folded: str | None = None,
        owners: set[str] | None = None,
    ) -> Match | None:
        """`folded`: `fold(text)`, when the caller has it already. `owners`: the targets whose
        own account wrote the post, when known (`monitor.accounts`); else the author's
        handle is compared with the target's plain list of handles."""
        folded = fold(text) if folded is None else folded
        if not any(needle in folded for needle in self.needles):
            return None
        return self.found(text, folded, author_handle, owners)

    def found(
        self, text: str, folded: str, author_handle: str | None, owners: set[str] | None
    ) -> Match | None:
        """`match` for a post known to contain one of this target's folded terms."""
        if self.exclude is not None and self.exclude.search(folded):
            return None
        if self.query is not None and not evaluate(self.query, folded):
            return None
        spans: list[tuple[int, int]] = []
        matched: list[str] = []
        for found in self.pattern.finditer(folded):
            spans.append(found.span())
            if text[found.start() : found.end()] not in matched:
                matched.append(text[found.start() : found.end()])
        if not spans:
            return None
        if owners is not None:
            by_target = self.target.name in owners
        else:
            by_target = bool(author_handle) and fold(author_handle.lstrip("@")) in self.own_handles
        return Match(self.target.name, self.target.kind, spans, matched, by_target)


# Turkish case and plural endings as folded text: "Turkcellden", "Vodafone'a", "Migrosa".
_TURKISH_SUFFIXES = (
    *("ler", "lar", "leri", "lari", "lerin", "larin", "nin", "nun", "in", "un"),
    *("yi", "yu", "ye", "ya", "yle", "yla", "le", "la"),
    *("den", "dan", "ten", "tan", "de", "da", "te", "ta", "e", "a", "i", "u"),
)
_SUFFIX = "|".join(sorted(_TURKISH_SUFFIXES, key=len, reverse=True))


def _folded(terms: list[str]) -> set[str]:
    """The terms as a folded post must hold them."""
    return {fold(t.strip()) for t in terms if t.strip()}


def _alternation(terms: list[str]) -> re.Pattern[str]:
    """One regex for all terms, on word boundaries.

    A Turkish ending after the name, with an apostrophe ("Turkcell'e") or glued on as
    people type it ("turkcellden"), still names the target; any other longer word that
    merely starts with the name ("Applebee") does not.
    """
    alternatives = sorted(_folded(terms), key=len, reverse=True)
    body = "|".join(re.escape(term) for term in alternatives)
    return re.compile(rf"(?<!{WORD_CHAR})(?:{body})(?:'{WORD_CHAR}+|(?:{_SUFFIX}))?(?!{WORD_CHAR})")


class Matcher:
    def __init__(self, targets: list[Target]) -> None:
        self.matchers = [TargetMatcher(t) for t in targets]
        # Every target's folded terms in one list, in the targets' order: one substring test
        # per term picks the targets a post may name (not a call per target).
        self.needles = [(needle, tm) for tm in self.matchers for needle in tm.needles]

    def match(
        self, text: str, author_handle: str | None = None, owners: set[str] | None = None
    ) -> list[Match]:
        folded = fold(text)
        named = dict.fromkeys(tm for needle, tm in self.needles if needle in folded)
        found = (tm.found(text, folded, author_handle, owners) for tm in named)
        return [m for m in found if m is not None]

    def own_posts(self, owners: set[str], matched: list[Match]) -> list[Match]:
        """The targets whose own account wrote a post that does not name them: an answer
        ("Sorry, DM us") is the target's post all the same, kept for the response gap."""
        named = {m.target for m in matched}
        return [
            Match(tm.target.name, tm.target.kind, [], [], by_target=True)
            for tm in self.matchers
            if tm.target.name in owners and tm.target.name not in named
        ]
