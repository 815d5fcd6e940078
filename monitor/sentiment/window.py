"""The words a post says about one target, when it names several.

The post is cut into clauses (sentence ends, commas, contrast words). A clause that names
targets belongs to those targets; a clause that names none belongs to the target named
last before it (or, at the start of a post, first after it): "Turkcell was awful,
switched to Vodafone, great coverage" gives "great coverage" to Vodafone.
"""

from __future__ import annotations

import re

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


def _names(clause: Span, spans: list[Span]) -> bool:
    return any(s < clause[1] and e > clause[0] for s, e in spans)


def target_window(text: str, spans: list[Span], others: list[list[Span]]) -> list[Span]:
    """Clauses about the target with these mention spans, given the other targets' spans."""
    if not spans or not any(others):
        return [(0, len(text))]
    parts = clauses(text)
    owner: list[set[int]] = []  # 0 = this target, 1.. = others
    for clause in parts:
        named = {0} if _names(clause, spans) else set()
        named |= {k for k, other in enumerate(others, start=1) if _names(clause, other)}
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
