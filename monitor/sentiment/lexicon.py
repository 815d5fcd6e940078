"""Lexicons shipped as package data: one `term<TAB>valence` per line, '#' for comments."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from monitor.folding import fold
from monitor.sentiment.english import emoji_valences


class LexiconError(ValueError):
    """A malformed lexicon line, named by file and line number."""


def read_table(name: str, *, folded: bool = True) -> dict[str, float]:
    """Terms and valences from `data/<name>`."""
    text = files("monitor.sentiment").joinpath("data", name).read_text(encoding="utf-8")
    return parse_table(text, name, folded=folded)


def parse_table(text: str, name: str, *, folded: bool = True) -> dict[str, float]:
    """Later lines win over earlier ones; `name` only labels errors."""
    table: dict[str, float] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        term, _, value = line.partition("\t")
        try:
            valence = float(value)
        except ValueError:
            raise LexiconError(f"{name} line {number}: no number after the tab: {line!r}") from None
        table[fold(term.strip()) if folded else term.strip()] = valence
    return table


@lru_cache(maxsize=1)
def emoticons() -> dict[str, float]:
    """Emoji and emoticons, compared as written (":P" and ":p" are both listed): kulak's
    own table, over every other emoji valued by its English name."""
    return {**emoji_valences(), **read_table("emoji.tsv", folded=False)}
