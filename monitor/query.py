"""Boolean target queries: AND, OR, NOT, "phrases", parentheses and NEAR/n.

Keywords find a target's mentions; a query narrows which posts count, the way people
already write searches: `"Kahve Durağı" AND (priz OR wifi OR garson) NOT kampanya`.
Adjacent terms without an operator are joined by AND. `a NEAR/3 b` holds when the two
occur within three words of each other. Terms are compared after the same folding as
keywords (case, accents, Turkish i, Greek final sigma), on word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|(NEAR/\d+)|([^\s()"]+))')
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


class QueryError(ValueError):
    """A query that cannot be read; the message says where."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class All:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Near:
    left: Term
    right: Term
    distance: int


Node = Term | Not | All | Any_ | Near


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, value, position) for each token."""
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        found = TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise QueryError(f"unreadable query at character {position + 1}: {text[position:]!r}")
        opening, closing, phrase, near, word = found.groups()
        start = found.start() + len(found.group(0)) - len(found.group(0).lstrip())
        if opening:
            tokens.append(("(", "(", start))
        elif closing:
            tokens.append((")", ")", start))
        elif phrase is not None:
            tokens.append(("term", phrase, start))
        elif near:
            tokens.append(("near", near, start))
        elif word in ("AND", "OR", "NOT"):
            tokens.append((word, word, start))
        else:
            tokens.append(("term", word, start))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, text: str, fold: Callable[[str], str]) -> None:
        self.text = text
        self.fold = fold
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, message: str) -> QueryError:
        where = self.tokens[self.index][2] + 1 if self.index < len(self.tokens) else len(self.text)
        return QueryError(f"{message} at character {where} of {self.text!r}")

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("the query is empty")
        node = self.any_()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.tokens[self.index][1]!r}")
        return node

    def any_(self) -> Node:
        operands = [self.all_()]
        while self.peek() == "OR":
            self.take()
            operands.append(self.all_())
        return operands[0] if len(operands) == 1 else Any_(tuple(operands))

    def all_(self) -> Node:
        operands = [self.not_()]
        while self.peek() in ("AND", "NOT", "term", "("):
            if self.peek() == "AND":
                self.take()
            operands.append(self.not_())
        return operands[0] if len(operands) == 1 else All(tuple(operands))

    def not_(self) -> Node:
        if self.peek() == "NOT":
            self.take()
            return Not(self.not_())
        return self.near()

    def near(self) -> Node:
        left = self.atom()
        while self.peek() == "near":
            _, value, _ = self.take()
            right = self.atom()
            if not isinstance(left, Term) or not isinstance(right, Term):
                raise self.fail("NEAR joins two words or phrases")
            left = Near(left, right, int(value.split("/")[1]))
        return left

    def atom(self) -> Node:
        kind = self.peek()
        if kind == "(":
            self.take()
            node = self.any_()
            if self.peek() != ")":
                raise self.fail("missing )")
            self.take()
            return node
        if kind == "term":
            _, value, _ = self.take()
            words = tuple(WORD.findall(self.fold(value)))
            if not words:
                raise self.fail(f"{value!r} has no letters or digits")
            return Term(words)
        raise self.fail("expected a word, a phrase or (")


def parse_query(text: str, fold: Callable[[str], str]) -> Node:
    return _Parser(text, fold).parse()


def _positions(term: Term, words: list[str]) -> list[int]:
    size = len(term.words)
    return [
        i
        for i in range(len(words) - size + 1)
        if all(_same_word(words[i + k], w) for k, w in enumerate(term.words))
    ]


def _same_word(word: str, term: str) -> bool:
    # "Kahve Durağı'na" is still "durağı": an apostrophe ending does not change the word.
    return word == term or word.split("'")[0] == term


def evaluate(node: Node, folded_text: str) -> bool:
    words = WORD.findall(folded_text)

    def holds(node: Node) -> bool:
        if isinstance(node, Term):
            return bool(_positions(node, words))
        if isinstance(node, Not):
            return not holds(node.operand)
        if isinstance(node, All):
            return all(holds(n) for n in node.operands)
        if isinstance(node, Any_):
            return any(holds(n) for n in node.operands)
        left, right = _positions(node.left, words), _positions(node.right, words)
        return any(abs(a - b) <= node.distance for a in left for b in right)

    return holds(node)
