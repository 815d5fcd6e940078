"""Train the learned half of kulak's Turkish and Greek scorers, one command:

    python scripts/train_sentiment.py --train /path/to/train [--out monitor/sentiment/data]

`--train` is a folder laid out as `<lang>/xed_subtitles_emotion_polarity.tsv` (XED film
subtitles, pos/neg/neu, CC BY 4.0) and `aux/tr/offenseval_tr_2020_offensive.tsv`
(OffensEval-TR 2020 tweets, off/not, CC BY); see NOTICE. Both are weak for a brand monitor:
subtitles are not posts, and offensive is not negative. So the tweets are labelled as well
as kulak can without people: offensive tweets as negative, and the others by the rule
scorer where it is sure (a clear compound, or no sentiment word at all for neutral). The
model learns the words around those the lexicon knows. Nothing here reads evaluation data.

Multinomial logistic regression with L2, fitted by full-batch Adam in numpy; the features
seen fewer than MIN_COUNT times are dropped, and weights too small to move a score are not
written. `--holdout` keeps a tenth of the subtitles out of training and reports on them.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.sentiment import rules_compound as rule_compound
from monitor.sentiment.features import features
from monitor.sentiment.learned import CLASSES, LANGUAGES, rule_features

MIN_COUNT = 3
L2 = 1e-4
STEPS = 300
LEARNING_RATE = 0.05
SURE = 0.5  # a rule compound this far from zero labels an unlabelled tweet
OFFENSIVE_WEIGHT = 0.5  # offensive is evidence of negative, not the same thing
SELF_LABELLED_WEIGHT = 0.5
MIN_WEIGHT = 0.1  # pruning below this changed no dev score; it halves the file
SEED = 13
XED = "xed_subtitles_emotion_polarity.tsv"
OFFENSEVAL = "offenseval_tr_2020_offensive.tsv"
DATA = Path(__file__).resolve().parent.parent / "monitor" / "sentiment" / "data"

Example = tuple[str, str, float]  # text, label, weight


def read_rows(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0]
    label_at, text_at = header.index("label"), header.index("text")
    return [(row[text_at], row[label_at]) for row in rows[1:]]


def self_labelled(texts: list[str], lang: str) -> list[Example]:
    """Unlabelled posts labelled by the rules where they are sure."""
    examples = []
    for text in texts:
        score = rule_compound(text, lang)
        if score >= SURE:
            examples.append((text, "pos", SELF_LABELLED_WEIGHT))
        elif score <= -SURE:
            examples.append((text, "neg", SELF_LABELLED_WEIGHT))
        elif score == 0.0:
            examples.append((text, "neu", SELF_LABELLED_WEIGHT))
    return examples


def examples(train: Path, lang: str, holdout: bool) -> tuple[list[Example], list[Example]]:
    """Training examples, and the held-out subtitles (empty without --holdout)."""
    subtitles = [(t, label, 1.0) for t, label in read_rows(train / lang / XED)]
    random.Random(SEED).shuffle(subtitles)
    cut = len(subtitles) // 10 if holdout else 0
    held, chosen = subtitles[:cut], subtitles[cut:]
    offensive = train / "aux" / lang / OFFENSEVAL
    if offensive.exists():
        rows = read_rows(offensive)
        chosen += [(t, "neg", OFFENSIVE_WEIGHT) for t, label in rows if label == "off"]
        chosen += self_labelled([t for t, label in rows if label == "not"], lang)
    return chosen, held


class Design:
    """Sparse feature counts (CSR) beside the dense rule features, for a list of texts."""

    def __init__(self, texts: list[str], lang: str, vocabulary: dict[str, int]) -> None:
        indptr, indices = [0], []
        dense = []
        for text in texts:
            indices += [vocabulary[f] for f in features(text) if f in vocabulary]
            indptr.append(len(indices))
            dense.append(rule_features(rule_compound(text, lang)))
        self.rows = np.repeat(np.arange(len(texts)), np.diff(indptr))
        self.indices = np.array(indices, dtype=np.int64)
        self.dense = np.array(dense, dtype=np.float64)
        self.size = len(texts)

    def scores(self, weights: np.ndarray, dense: np.ndarray, bias: np.ndarray) -> np.ndarray:
        sparse = np.stack(
            [np.bincount(self.rows, weights[self.indices, k], self.size) for k in range(3)], 1
        )
        return sparse + self.dense @ dense + bias


def softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def fit(design: Design, labels: np.ndarray, weights: np.ndarray, size: int) -> tuple:
    """Weights minimising the weighted log-loss plus L2, by Adam on the full batch."""
    params = [np.zeros((size, 3)), np.zeros((design.dense.shape[1], 3)), np.zeros(3)]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    target = np.eye(3)[labels]
    scale = weights / weights.sum()
    for step in range(1, STEPS + 1):
        error = (softmax(design.scores(*params)) - target) * scale[:, None]
        per_entry = error[design.rows]
        gradients = [
            np.stack([np.bincount(design.indices, per_entry[:, k], size) for k in range(3)], 1)
            + L2 * params[0],
            design.dense.T @ error,
            error.sum(axis=0),
        ]
        for param, gradient, (first, second) in zip(params, gradients, moments, strict=True):
            first *= 0.9
            first += 0.1 * gradient
            second *= 0.999
            second += 0.001 * gradient * gradient
            param -= (
                LEARNING_RATE
                * (first / (1 - 0.9**step))
                / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
            )
    return tuple(params)


def balanced(labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weights so each class weighs the same in total."""
    totals = np.bincount(labels, weights, 3)
    return weights * (totals.sum() / (3 * np.maximum(totals, 1e-9)))[labels]


def train(chosen: list[Example], lang: str) -> tuple[dict[str, int], tuple]:
    counts = Counter(f for text, _, _ in chosen for f in set(features(text)))
    vocabulary = {
        f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= MIN_COUNT))
    }
    design = Design([t for t, _, _ in chosen], lang, vocabulary)
    labels = np.array([CLASSES.index(label) for _, label, _ in chosen])
    weights = balanced(labels, np.array([w for _, _, w in chosen]))
    return vocabulary, fit(design, labels, weights, len(vocabulary))


def macro_f1(gold: np.ndarray, guess: np.ndarray) -> float:
    scores = []
    for k in set(gold.tolist()):
        tp = np.sum((gold == k) & (guess == k))
        precision = tp / max(np.sum(guess == k), 1)
        recall = tp / max(np.sum(gold == k), 1)
        scores.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return float(np.mean(scores))


def report(held: list[Example], lang: str, vocabulary: dict[str, int], params: tuple) -> str:
    design = Design([t for t, _, _ in held], lang, vocabulary)
    gold = np.array([CLASSES.index(label) for _, label, _ in held])
    guess = design.scores(*params).argmax(axis=1)
    rules = np.array([_rule_class(rule_compound(t, lang)) for t, _, _ in held])
    return (
        f"{lang} held-out subtitles n={len(held)}: model acc {np.mean(guess == gold):.3f} "
        f"macro-F1 {macro_f1(gold, guess):.3f}; rules acc {np.mean(rules == gold):.3f} "
        f"macro-F1 {macro_f1(gold, rules):.3f}"
    )


def _rule_class(score: float) -> int:
    return 0 if score <= -0.05 else 2 if score >= 0.05 else 1


def write(path: Path, vocabulary: dict[str, int], params: tuple) -> int:
    """The model as gzipped TSV; features whose weights all round to nothing are left out."""
    weights, dense, bias = params
    weights = weights - weights.mean(axis=1, keepdims=True)  # softmax is shift-invariant
    lines = [_line("#bias", bias - bias.mean())]
    lines += [_line("#dense", row - row.mean()) for row in dense]
    kept = 0
    for name, index in vocabulary.items():
        if np.abs(weights[index]).max() >= MIN_WEIGHT:
            lines.append(_line(name, weights[index]))
            kept += 1
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    return kept


def _line(name: str, values: np.ndarray) -> str:
    return "\t".join([name, *(f"{v:.3f}" for v in values)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, required=True, help="Folder of training data.")
    parser.add_argument("--out", type=Path, default=DATA, help="Where model_<lang>.tsv.gz go.")
    parser.add_argument("--holdout", action="store_true", help="Report on held-out subtitles.")
    parser.add_argument(
        "--lang", nargs="*", default=list(LANGUAGES), help="Also el: trained, not shipped."
    )
    args = parser.parse_args(argv)
    for lang in args.lang:
        chosen, held = examples(args.train, lang, args.holdout)
        print(f"{lang}: {len(chosen)} examples, {Counter(label for _, label, _ in chosen)}")
        vocabulary, params = train(chosen, lang)
        if held:
            print(report(held, lang, vocabulary, params))
        kept = write(args.out / f"model_{lang}.tsv.gz", vocabulary, params)
        print(f"{lang}: {kept} of {len(vocabulary)} features written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
