"""Sentiment benchmark, one command:

    python benchmarks/sentiment.py --eval /path/to/eval

For every labelled file under the folder (`<lang>/<name>.tsv`: text, label[, score]) it prints
kulak's accuracy and macro-F1 (weighted F1 too) beside raw vaderSentiment's, with the
language detected per post as in production. Binary sets (no neutral rows) are read as pos
vs neg, a neutral answer counting as pos. Then it times the full scorer (language detection
and scoring; and again with intents) against raw VADER on the same texts, in one run, and
prints the ratios.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.sentiment import analyse, label_for
from monitor.sentiment.english import analyzer

LABELS = ("pos", "neg", "neu")
CHUNK = 500  # texts per turn when the scorers are timed in turns


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, body = rows[0], rows[1:]
    text_at, label_at = header.index("text"), header.index("label")
    return [r[text_at] for r in body], [r[label_at] for r in body]


def f1_scores(gold: Sequence[str], guess: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    scores = {}
    for label in labels:
        tp = sum(g == label == p for g, p in zip(gold, guess, strict=True))
        predicted = sum(p == label for p in guess)
        actual = sum(g == label for g in gold)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        scores[label] = 2 * precision * recall / (precision + recall) if tp else 0.0
    return scores


def report(gold: list[str], guess: list[str]) -> tuple[float, float, float]:
    labels = [label for label in LABELS if label in gold]
    if "neu" not in labels:
        guess = ["pos" if g == "neu" else g for g in guess]
    accuracy = sum(g == p for g, p in zip(gold, guess, strict=True)) / len(gold)
    f1 = f1_scores(gold, guess, labels)
    macro = sum(f1.values()) / len(labels)
    weighted = sum(f1[label] * gold.count(label) for label in labels) / len(gold)
    return accuracy, macro, weighted


def kulak_label(text: str) -> str:
    return analyse(text).label


def vader_label(text: str) -> str:
    return label_for(analyzer().polarity_scores(text)["compound"])


def throughputs(scorers: Sequence[Callable[[str], object]], texts: list[str]) -> list[float]:
    """Texts per second of each scorer, timed in turns over the same chunks of texts, so
    that a machine busy with something else slows every scorer alike."""
    spent = [0.0] * len(scorers)
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        for index, score in enumerate(scorers):
            started = time.perf_counter()
            for text in chunk:
                score(text)
            spent[index] += time.perf_counter() - started
    return [len(texts) / seconds for seconds in spent]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, required=True, help="Folder of labelled TSV files.")
    args = parser.parse_args(argv)
    files = sorted(p for p in args.eval.glob("*/*.tsv") if p.parent.name != "lexicons")
    if not files:
        parser.error(f"no <lang>/<name>.tsv files under {args.eval}")
    print(
        f"{'file':42} {'n':>5}  {'kulak acc':>9} {'macroF1':>7} {'wF1':>6}   "
        f"{'vader acc':>9} {'macroF1':>7} {'wF1':>6}"
    )
    everything: list[str] = []
    for path in files:
        texts, gold = read_labelled(path)
        everything += texts
        ours = report(gold, [kulak_label(t) for t in texts])
        vader = report(gold, [vader_label(t) for t in texts])
        name = f"{path.parent.name}/{path.stem}"
        print(
            f"{name:42} {len(texts):>5}  {ours[0]:>9.3f} {ours[1]:>7.3f} {ours[2]:>6.3f}   "
            f"{vader[0]:>9.3f} {vader[1]:>7.3f} {vader[2]:>6.3f}"
        )
    vader_rate, scorer_rate, full_rate = throughputs(
        [analyzer().polarity_scores, partial(analyse, with_intents=False), analyse], everything
    )
    print(f"\nthroughput on {len(everything)} texts; raw VADER {vader_rate:,.0f}/s")
    for what, rate in (("detection + scoring", scorer_rate), ("... + intents", full_rate)):
        print(f"  kulak {what:20} {rate:>8,.0f}/s   ratio to VADER {rate / vader_rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
