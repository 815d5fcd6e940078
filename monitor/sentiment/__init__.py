"""Sentiment and intent per language behind one interface.

English is scored by VADER; Turkish and Greek by kulak's own VADER-style rules
(monitor.sentiment.rules) over lexicons shipped in `data/`, Turkish then by a learned model
that reads the rules' score beside the words (monitor.sentiment.learned). Posts in other
languages are labelled "unscored" rather than passed off as neutral.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from monitor.folding import fold
from monitor.sentiment import english, greek, learned, turkish
from monitor.sentiment.backend import Judge, Verdict
from monitor.sentiment.intent import intents, marked
from monitor.sentiment.language import SCORED, UNDETERMINED, detect_language
from monitor.sentiment.rules import Rules, polarity
from monitor.sentiment.window import Mentions, Span, target_window

NEGATIVE_CUT = -0.05
POSITIVE_CUT = 0.05
LANGUAGES = ("auto", *SCORED)
EMOJI_ONLY = Rules(lookup=lambda word: None)
RULES = {"tr": turkish.rules, "el": greek.rules}

__all__ = [
    "LANGUAGES",
    "Sentiment",
    "about_target",
    "analyse",
    "analyse_lines",
    "compound",
    "detect_language",
    "judged",
    "label_for",
    "load",
    "reading",
    "rules_compound",
    "score",
    "score_for_target",
    "score_with_cues",
]


@dataclass(frozen=True)
class Sentiment:
    lang: str
    compound: float | None
    label: str  # "pos" | "neg" | "neu" | "unscored"
    intents: tuple[str, ...] = ()


def load() -> None:
    """Read the lexicons now, not on the first post that needs them. The language model
    is left until a post's script and words do not tell its language (about 17 MiB, 75
    for a script other than Latin or Greek), and many services never meet such a post."""
    english.scorer()
    turkish.rules()
    greek.rules()


def label_for(compound: float) -> str:
    if compound <= NEGATIVE_CUT:
        return "neg"
    if compound >= POSITIVE_CUT:
        return "pos"
    return "neu"


def reading(text: str, lang: str) -> tuple[float, str] | None:
    """Compound (-1..1) and label for a language kulak reads, None for any other.

    A post with no letters ("und") is read by its emoji and emoticons alone. Turkish is
    read by the rules and then by the learned model, which takes the rules' compound as
    one of its inputs; Greek by the rules (see learned.LANGUAGES for why).
    """
    if lang == "en":
        value = english.compound(text)
    elif lang == UNDETERMINED:
        value = polarity(text, EMOJI_ONLY)
    elif lang in learned.LANGUAGES:
        value = rules_compound(text, lang)
        return learned.reading(learned.model(lang).probabilities(text, value))
    elif lang in RULES:
        value = rules_compound(text, lang)
    else:
        return None
    return value, label_for(value)


def rules_compound(text: str, lang: str) -> float:
    """The rule scorer's compound alone, for Turkish or Greek (what the model reads)."""
    return polarity(text, RULES[lang]())


def compound(text: str, lang: str) -> float | None:
    """-1..1 for a language kulak reads, None for any other."""
    found = reading(text, lang)
    return None if found is None else found[0]


def _sentiment(text: str, lang: str, cues: str | None) -> Sentiment:
    """`cues` is the folded text intents are read from; None reads no intents."""
    found = reading(text, lang)
    if found is None:
        return Sentiment(lang, None, "unscored")
    value, label = found
    return Sentiment(lang, value, label, intents(cues, value) if cues is not None else ())


def score(text: str, lang: str, *, with_intents: bool = True) -> Sentiment:
    """Sentiment (and intents) of a whole text in a known language."""
    return _sentiment(text, lang, fold(text) if with_intents else None)


def analyse(text: str, lang: str = "auto", *, with_intents: bool = True) -> Sentiment:
    """Detect the language (unless given) and score the whole text."""
    lang = detect_language(text) if lang == "auto" else lang
    return score(text, lang, with_intents=with_intents)


def analyse_lines(
    lines: Iterable[str], lang: str = "auto", judge: Judge | None = None
) -> Iterator[dict[str, object]]:
    """One JSON-ready answer per line of text (blank lines too, so answers stay in step).

    With a model (`judge`), lines are read a batch at a time; the model answers for the
    languages it covers, the offline scorer for the rest and whenever the model fails, and
    each answer says which one it is from (`by`)."""
    lines = iter(lines)
    while texts := [line.rstrip("\r\n") for line in islice(lines, judge.batch if judge else 1)]:
        results = [analyse(text, lang) for text in texts]
        asked = [i for i, r in enumerate(results) if judge and judge.covers(r.lang)]
        verdicts = judge.judge([(texts[i], results[i].lang) for i in asked]) if judge else []
        by_model = set()
        for i, verdict in zip(asked, verdicts, strict=True):
            if verdict is not None:
                results[i] = judged(verdict, results[i].lang, fold(texts[i]))
                by_model.add(i)
        for i, result in enumerate(results):
            answer: dict[str, object] = {
                "lang": result.lang,
                "compound": None if result.compound is None else round(result.compound, 4),
                "label": result.label,
                "intents": list(result.intents),
            }
            if judge:
                answer["by"] = "model" if i in by_model else "offline"
            yield answer


def score_for_target(
    text: str, spans: list[Span], lang: str, others: list[list[Span]] | None = None
) -> Sentiment:
    """Score the clauses about one target; `others` are the other targets' mention spans."""
    about, cues = about_target(text, spans, others)
    return score_with_cues(about, lang, cues)


def score_with_cues(text: str, lang: str, cues: str) -> Sentiment:
    """Score `text` offline, reading intents from `cues` (see `about_target`)."""
    return _sentiment(text, lang, cues)


def about_target(
    text: str, spans: list[Span], others: list[list[Span]] | None = None
) -> tuple[str, str]:
    """The clauses about one target, and the folded text its intents are read from (with
    the target and the others marked)."""
    others = others or []
    if not spans or not any(others):
        # The whole post (most posts name one target): every span is in it already, as
        # found in the folded text, which is as long as the text.
        return text.strip(), marked(text, spans, others)
    mine, theirs = Mentions(spans), [Mentions(other) for other in others]
    window = target_window(text, mine, theirs)
    about = ". ".join(text[start:end].strip() for start, end in window)
    cues = " . ".join(
        marked(
            text[start:end],
            mine.within(start, end),
            [other.within(start, end) for other in theirs],
        )
        for start, end in window
    )
    return about, cues


def judged(verdict: Verdict, lang: str, cues: str) -> Sentiment:
    """A model's verdict as kulak's answer; intents from kulak's cues when the model
    gives none."""
    found = verdict.intents if verdict.intents is not None else intents(cues, verdict.compound)
    return Sentiment(lang, verdict.compound, verdict.label, found)
