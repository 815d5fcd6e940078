"""The words a post says about one target, when it names several.

The post is cut into clauses (sentence ends, commas, contrast words). A clause that names
targets belongs to those targets; a clause that names none belongs to the target named
last before it (or, at the start of a post, first after it): "Turkcell was awful,
switched to Vodafone, great coverage" gives "great coverage" to Vodafone.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import accumulate

Span = tuple[int, int]

CLAUSE_BREAK = re.compile(
    r"[.!?;:,\n…;]+|\s(?:but|ama|fakat|ancak|αλλά|όμως|ενώ|whereas|while|however)\s",
    re.IGNORECASE,
)


def clauses(text: str) -> list[Span]:
    """Offsets of the clauses of the text, breaks left out."""
    spans: list[Span] = []
    start = 0
    for found in CLAUSE_BREAK.finditer(text):
        if found.start() > start:
            spans.append((start, found.start()))
        start = found.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


class Mentions:
    """One target's mention spans, sorted, so that those meeting a clause are found by
    bisection: a post naming targets thousands of times is cut in n log n time, not n²."""

    def __init__(self, spans: list[Span]) -> None:
        self.spans = sorted(spans)
        self._starts = [start for start, _ in self.spans]
        self._reach = list(accumulate((end for _, end in self.spans), max))

    def meet(self, clause: Span) -> bool:
        """Whether any of the spans overlaps the clause."""
        before = bisect_left(self._starts, clause[1])
        return before > 0 and self._reach[before - 1] > clause[0]

    def within(self, start: int, end: int) -> list[Span]:
        """The spans inside `start`..`end`, as offsets from `start`."""
        first, last = bisect_left(self._starts, start), bisect_left(self._starts, end)
        return [(s - start, e - start) for s, e in self.spans[first:last] if e <= end]


def target_window(text: str, mine: Mentions, theirs: list[Mentions]) -> list[Span]:
    """Clauses about the target with the mentions `mine`, given the other targets' (a post
    that names no other target is about it whole)."""
    parts = clauses(text)
    owner: list[set[int]] = []  # 0 = this target, 1.. = others
    for clause in parts:
        named = {0} if mine.meet(clause) else set()
        named |= {k for k, other in enumerate(theirs, start=1) if other.meet(clause)}
        owner.append(named)
    carried: set[int] = set()
    for i, named in enumerate(owner):
        if named:
            carried = named
        else:
            owner[i] = carried
    following: set[int] = set()
    for i in range(len(owner) - 1, -1, -1):
        if owner[i]:
            following = owner[i]
        else:
            owner[i] = following
    return [clause for clause, named in zip(parts, owner, strict=True) if 0 in named]
