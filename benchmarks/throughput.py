"""Pipeline throughput, one command:

    python benchmarks/throughput.py [--posts 5000] [--database URL]

Puts invented posts (English, Turkish and Greek, about the demo's cafés) through what a
collected post goes through: target matching, language detection, per-target sentiment
and intents, and storage (a SQLite file by default, in pages of 50 with their cursor, as
the store pipeline writes them). Raw VADER scores the same texts in the same run, timed
in turns over the same chunks. Prints posts per second of each, the ratio (target: at
least half VADER's rate) and where the pipeline's time goes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.sentiment import throughputs
from monitor.demo import demo_settings
from monitor.demo.live import COMPLAINTS
from monitor.demo.sources.hackernews import CHATTER, OUTAGE, TARGET_NAMES
from monitor.pipelines.language import LanguagePipeline
from monitor.pipelines.match import MatchPipeline
from monitor.pipelines.sentiment import SentimentPipeline
from monitor.runtime import Runtime
from monitor.sentiment import load
from monitor.sentiment.english import analyzer
from monitor.store import Store
from spiders.items import PageDone, Post

PAGE = 50  # posts per stored page, a typical search page


def invented_posts(count: int, rng: random.Random) -> list[str]:
    """Everyday remarks about each café, complaints and outage posts, numbered apart."""
    texts = []
    for index in range(count):
        kind = rng.random()
        if kind < 0.6:
            text = rng.choice(CHATTER).format(rng.choice(TARGET_NAMES))
        elif kind < 0.8:
            text = rng.choice(OUTAGE)
        else:
            text = rng.choice(COMPLAINTS)
        texts.append(f"{text} #{index}")
    return texts


class Pipeline:
    """One post at a time through the item pipelines' own code, pages stored as the store
    pipeline stores them; time spent per stage is kept."""

    def __init__(self, runtime: Runtime) -> None:
        self.store = runtime.store
        self.stages = [
            MatchPipeline(runtime),
            LanguagePipeline(runtime),
            SentimentPipeline(runtime),
        ]
        self.spent: Counter[str] = Counter()
        self.buffer: list = []
        self.count = 0
        self.now = datetime.now(UTC)

    def __call__(self, text: str) -> None:
        self.count += 1
        item = Post("hackernews", str(self.count), f"https://x.test/{self.count}", text, self.now)
        for stage in self.stages:
            started = time.perf_counter()
            item = stage.process(item)
            self.spent[type(stage).__name__] += time.perf_counter() - started
        self.buffer.append(item)
        if len(self.buffer) == PAGE:
            started = time.perf_counter()
            self.store.save(self.buffer, "hackernews", PageDone({"benchmark": self.count}))
            self.spent["storage"] += time.perf_counter() - started
            self.buffer = []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--database", help="store URL (default: a new SQLite file)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="kulak-throughput-"))
    settings = demo_settings({}, folder)
    store = Store.open(args.database or settings.general.database)
    pipeline = Pipeline(Runtime(settings=settings, store=store))
    texts = invented_posts(args.posts, random.Random(args.seed))
    load()  # the lexicons and the language model, not timed
    pipeline(texts[0])
    pipeline.spent.clear()
    ours, vader = throughputs([pipeline, analyzer().polarity_scores], texts)
    ratio = ours / vader
    print(f"{len(texts)} posts, store {store.dialect}")
    print(f"  pipeline (match, language, sentiment, storage): {ours:8.0f} posts/s")
    print(f"  raw VADER polarity_scores on the same texts:    {vader:8.0f} posts/s")
    print(f"  ratio {ratio:.2f} (target >= 0.50): {'met' if ratio >= 0.5 else 'NOT met'}")
    total = sum(pipeline.spent.values())
    for stage, seconds in pipeline.spent.most_common():
        print(f"    {stage:18} {seconds / total:6.1%}")
    store.close()
    return 0 if ratio >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
