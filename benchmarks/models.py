"""Bring-your-own-model benchmark, one command:

    python benchmarks/models.py [--model SPEC] [--eval DIR] [--batch N]

SPEC is what `kulak score --model` takes (a model folder, ollama:NAME@URL, openai:NAME@URL);
without it, the tests' tiny ONNX model is built in a temporary folder (needs onnx), which
measures kulak's side of a local model (tokenising, batching, ONNX Runtime, the fallback)
rather than a real model's cost. It times, in turns over the same invented posts, the
offline scorer and `analyse_lines` with the model (language detection, offline scores as
fallback, the model's batches), and the model's backend alone. With --eval, it also prints
accuracy and macro-F1 per labelled file (`<lang>/<name>.tsv`) of the offline scorer and of
the model with its fallback.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.sentiment import read_labelled, report
from monitor.config import parse_model_spec
from monitor.sentiment import analyse, analyse_lines
from monitor.sentiment.backend import Judge
from monitor.sentiment.models import open_judge

ROUNDS = 5
TEMPLATES = (
    ("tr", "Kahve Durağı {n}. şubede kahve berbat, kimse ilgilenmiyor"),
    ("tr", "Demlik'in yeni menüsü harika, {n} kez gittim teşekkürler"),
    ("tr", "Kahve Durağı bugün {n} dakika bekletti, bir daha gelmem"),
    ("el", "Το Φρέσκο Καφέ στην {n} οδό είναι υπέροχο"),
    ("el", "Χάλια εξυπηρέτηση στο Φρέσκο Καφέ, περίμενα {n} λεπτά"),
    ("en", "Waited {n} minutes at Kahve Durağı and the coffee was terrible"),
    ("en", "Great service at Demlik today, table {n} was lovely"),
    ("tr", "Kahve Durağı {n} numaralı masada priz var mı?"),
)


def invented_posts(count: int) -> list[str]:
    """Distinct posts (no answer comes from the cache)."""
    return [TEMPLATES[n % len(TEMPLATES)][1].format(n=n) for n in range(count)]


def tiny_model(folder: Path) -> str:
    from tests.sentiment.tiny_model import build_tiny_model

    return str(build_tiny_model(folder / "tiny"))


def timed(run: Callable[[list[str]], object], texts: list[str]) -> float:
    started = time.perf_counter()
    run(texts)
    return time.perf_counter() - started


def rates(judge: Judge, texts: list[str]) -> dict[str, float]:
    """Texts per second of each way, timed in turns so a busy machine slows all alike."""
    ways: dict[str, Callable[[list[str]], object]] = {
        "offline scorer (analyse)": lambda chunk: [analyse(text) for text in chunk],
        "with the model (analyse_lines)": lambda chunk: list(analyse_lines(chunk, judge=judge)),
        "the model's backend alone": lambda chunk: [
            judge.backend.judge([(text, "tr") for text in chunk[i : i + judge.batch]])
            for i in range(0, len(chunk), judge.batch)
        ],
    }
    spent = dict.fromkeys(ways, 0.0)
    size = -(-len(texts) // ROUNDS)
    for start in range(0, len(texts), size):
        for name, way in ways.items():
            spent[name] += timed(way, texts[start : start + size])
    return {name: len(texts) / seconds for name, seconds in spent.items()}


def evaluate(judge: Judge, folder: Path) -> None:
    files = sorted(p for p in folder.glob("*/*.tsv") if p.parent.name != "lexicons")
    print(f"\n{'file':42} {'n':>5}  {'offline acc':>11} {'macroF1':>7}", end="")
    print(f"   {'model acc':>9} {'macroF1':>7}")
    for path in files:
        texts, gold = read_labelled(path)
        offline = report(gold, [analyse(text).label for text in texts])
        with_model = report(gold, [a["label"] for a in analyse_lines(texts, judge=judge)])
        name = f"{path.parent.name}/{path.stem}"
        print(
            f"{name:42} {len(texts):>5}  {offline[0]:>11.3f} {offline[1]:>7.3f}   "
            f"{with_model[0]:>9.3f} {with_model[1]:>7.3f}"
        )
    tally = judge.take_tally()
    print(f"by the model: {tally.by_model}; fell back: {dict(tally.fallback) or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="A model folder, ollama:NAME@URL or openai:NAME@URL.")
    parser.add_argument("--eval", type=Path, help="Folder of labelled TSV files.")
    parser.add_argument("--batch", type=int, default=16, help="Texts per model call.")
    parser.add_argument("--posts", type=int, default=4000, help="Invented posts to time.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        spec = args.model or tiny_model(Path(scratch))
        model = parse_model_spec(spec).model_copy(update={"batch": args.batch, "cache": 0})
        judge = open_judge(model)
        analyse("warm-up")  # loads the lexicons and the language model
        print(f"{judge.description}, batches of {judge.batch}, {args.posts} invented posts")
        for name, rate in rates(judge, invented_posts(args.posts)).items():
            print(f"  {name:32} {rate:>8,.0f} texts/s")
        if args.eval:
            judge.take_tally()  # count the labelled texts only
            evaluate(judge, args.eval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
