"""Pipeline throughput, one command:

    python benchmarks/throughput.py [--posts 5000] [--database POSTGRESQL_URL]

Puts invented posts (English, Turkish and Greek, about the demo's cafés) through what a
collected post goes through: target matching, language detection, per-target sentiment
and intents, and storage (a new SQLite file by default, or new schemas on a PostgreSQL
server; pages of 50 with their cursor, as the store pipeline writes them). Raw VADER
scores the same texts and the minimal pipeline of benchmarks/minimal.py handles them, in
the same run, timed in turns over the same chunks. Prints each one's rate relative to raw
VADER (targets: 0.5 on SQLite, 0.3 on PostgreSQL), CPU per post of this process in VADER
calls (kulak's within 1.3 times the minimal pipeline's), where kulak's time goes, how
many English scores differ from vaderSentiment's, and how many stored rows differ from
those SQLAlchemy's own INSERT of the same posts and mentions writes (the store's hot path
writes its own statements): none of either, or the run fails.

Tried for issue 20 and not shipped (at 9777880, one run each, this benchmark's figures
before -> after): the thirteen modules of the analysis (folding, matching, language,
VADER's rewrite, the rule scorers and their stems, intents, windows, and `Post`) compiled
with mypyc, eight lines touched so that it takes them, scores and rows the same: SQLite
0.24 -> 0.27-0.28 of raw VADER, CPU 4.02 -> 3.42-3.50 VADER calls a post; PostgreSQL 0.20
-> 0.23, 4.06 -> 3.42. A sixth off, not half, which says most of the time is not the
interpreter's but work that runs in C either way (the regular expressions of the cue
lists and target names, string and dictionary operations, SQLite's and psycopg's own): the
targets are beneath what the product computes per post. Shipping compiled code would also
need a compiler on every install, or wheels for every platform.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.minimal import Minimal
from benchmarks.sentiment import CHUNK
from monitor.demo import demo_settings
from monitor.demo.live import COMPLAINTS
from monitor.demo.sources.hackernews import CHATTER, OUTAGE, TARGET_NAMES
from monitor.pipelines.language import LanguagePipeline
from monitor.pipelines.match import MatchPipeline
from monitor.pipelines.sentiment import SentimentPipeline
from monitor.records import Record
from monitor.runtime import Runtime, settle
from monitor.sentiment import load
from monitor.sentiment.english import analyzer, scorer
from monitor.sentiment.language import load_language_model
from monitor.store import Store, schema
from spiders.items import PageDone, Post
from tests.helpers import postgres_schema

PAGE = 50  # posts per stored page, a typical search page
SOURCE = "hackernews"


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
        # What the pipelines ask of the crawl they run in: which source it collects.
        crawl = SimpleNamespace(spider=SimpleNamespace(context=SimpleNamespace(source=SOURCE)))
        for stage in self.stages:
            stage.crawler = crawl
        self.spent: Counter[str] = Counter()
        self.buffer: list = []
        self.pages: list[list[Record]] = []  # what was stored, for the rows' check
        self.count = 0
        self.now = datetime.now(UTC)

    def flush(self) -> None:
        if self.buffer:
            started = time.perf_counter()
            self.store.save(self.buffer, SOURCE, PageDone({"benchmark": self.count}))
            self.spent["storage"] += time.perf_counter() - started
            self.pages.append(self.buffer)
            self.buffer = []

    def __call__(self, text: str) -> None:
        self.count += 1
        item = Post(SOURCE, str(self.count), f"https://x.test/{self.count}", text, self.now)
        for stage in self.stages:
            started = time.perf_counter()
            item = stage.process(item)
            self.spent[type(stage).__name__] += time.perf_counter() - started
        self.buffer.append(item)
        if len(self.buffer) == PAGE:
            self.flush()


def timed_in_turns(
    runs: list[Callable[[str], object]], texts: list[str]
) -> list[tuple[float, float]]:
    """(wall seconds, CPU seconds of this process) of each run over the same chunks of
    texts, timed in turns, so that a machine busy with something else slows each alike."""
    spent = [[0.0, 0.0] for _ in runs]
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        for index, run in enumerate(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            for text in chunk:
                run(text)
            if isinstance(run, Minimal | Pipeline):
                run.flush()  # a last, short page
            spent[index][0] += time.perf_counter() - wall
            spent[index][1] += time.process_time() - cpu
    return [(wall, cpu) for wall, cpu in spent]


@contextmanager
def databases(url: str | None, folder: Path) -> Iterator[tuple[str, str, str]]:
    """Three new, empty databases at kulak's schema: kulak's, the minimal pipeline's and
    the reference rows' (on PostgreSQL: new schemas, dropped afterwards)."""
    if url is None or url.startswith("sqlite"):
        yield tuple(f"sqlite:///{folder / name}.sqlite3" for name in ("kulak", "minimal", "rows"))
        return
    with (
        postgres_schema(url, "kulak_throughput") as ours,
        postgres_schema(url, "minimal") as floor,
        postgres_schema(url, "reference_rows") as rows,
    ):
        yield ours, floor, rows


#: what a stored post and its mention are compared on: everything but the row ids and the
#: collection times (stamped when stored)
COMPARED = [
    *(f"p.{c.name}" for c in schema.posts.c if c.name not in ("id", "collected_at", "updated_at")),
    *(f"m.{c.name}" for c in schema.mentions.c if c.name not in ("id", "post_id")),
]


def stored_rows(store: Store) -> list[tuple]:
    """Every post with its mentions as the database holds them (the driver's values, not
    SQLAlchemy's conversions of them)."""
    query = (
        f"SELECT {', '.join(COMPARED)} FROM posts p JOIN mentions m ON m.post_id = p.id "
        "ORDER BY p.source, p.external_id, m.target"
    )
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(query)]


def reference_rows(store: Store, pages: list[list[Record]]) -> list[tuple]:
    """The same posts and mentions stored by SQLAlchemy's own INSERTs, one row at a time."""
    posts, mentions = schema.posts, schema.mentions
    names = [c.name for c in posts.c if c.name not in ("id", "collected_at", "updated_at")]
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        for records in pages:
            for record in records:
                values = {name: getattr(record.post, name) for name in names}
                values["lang"] = record.lang or record.post.lang
                statement = insert(posts).values(**values, collected_at=now, updated_at=now)
                post_id = conn.execute(statement.returning(posts.c.id)).scalar_one()
                for mention in record.mentions:
                    conn.execute(
                        insert(mentions).values(
                            post_id=post_id,
                            target=mention.target,
                            target_kind=mention.target_kind,
                            created_at=record.post.created_at,
                            lang=record.lang or "und",
                            compound=mention.compound,
                            label=mention.label,
                            intents=list(mention.intents),
                            matched=mention.matched,
                            by_target=mention.by_target,
                        )
                    )
    return stored_rows(store)


def raw_connection(store: Store) -> Any:
    """A connection of the database's own driver, as a minimal program would open one."""
    if store.dialect == "postgresql":
        url = store.engine.url.set(drivername="postgresql")
        return psycopg.connect(url.render_as_string(hide_password=False))
    connection = sqlite3.connect(store.engine.url.database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument(
        "--database", help="a PostgreSQL server URL (default: new SQLite files)", metavar="URL"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="kulak-throughput-"))
    settings = demo_settings({}, folder)
    texts = invented_posts(args.posts, random.Random(args.seed))
    reference, ours = analyzer(), scorer()
    differ = sum(ours.polarity_scores(t) != reference.polarity_scores(t) for t in texts)
    load()  # the lexicons and the language model, not timed
    load_language_model()
    with databases(args.database, folder) as (kulak_url, minimal_url, rows_url):
        store, floor_store, rows_store = (
            Store.open(kulak_url),
            Store.open(minimal_url),
            Store.open(rows_url),
        )
        floor_db = raw_connection(floor_store)
        pipeline = Pipeline(Runtime(settings=settings, store=store))
        floor = Minimal(settings.targets, floor_db, store.dialect == "postgresql", PAGE)
        for text in texts[:PAGE]:  # a page first: what loads on first use, not timed
            pipeline(text)
            floor(text)
        pipeline.spent.clear()
        settle()  # as a collection's process does before its first post
        runs = [pipeline, floor, reference.polarity_scores]
        (ours_wall, ours_cpu), (floor_wall, floor_cpu), (vader_wall, vader_cpu) = timed_in_turns(
            runs, texts[PAGE:]
        )
        stored = store.count_posts()
        ours, reference = stored_rows(store), reference_rows(rows_store, pipeline.pages)
        wrong = abs(len(ours) - len(reference))
        wrong += sum(a != b for a, b in zip(ours, reference, strict=False))
        floor_db.close()
        store.close()
        floor_store.close()
        rows_store.close()
    ratio, floor_ratio = vader_wall / ours_wall, vader_wall / floor_wall
    cpu = ours_cpu / vader_cpu
    floor_cpu_ratio = floor_cpu / vader_cpu
    target = 0.5 if store.dialect == "sqlite" else 0.3
    print(f"{len(texts)} posts ({stored} stored), store {store.dialect}")
    print(f"  English scores differing from vaderSentiment's: {differ}")
    print(f"  stored rows differing from SQLAlchemy's own INSERT of them: {wrong}")
    print("  rate vs raw VADER, CPU per post in VADER calls (this process):")
    print(f"    kulak (match, language, sentiment, storage) {ratio:5.2f}  {cpu:5.2f}")
    print(f"    minimal pipeline {floor_ratio:32.2f}  {floor_cpu_ratio:5.2f}")
    print(f"  kulak's CPU per post / minimal's: {cpu / floor_cpu_ratio:.2f} (target <= 1.30)")
    verdict = "met" if ratio >= target else "NOT met"
    print(f"  rate ratio {ratio:.2f} (target >= {target:.2f}): {verdict}")
    total = sum(pipeline.spent.values())
    for stage, seconds in pipeline.spent.most_common():
        print(f"    {stage:18} {seconds / total:6.1%}")
    return 0 if ratio >= target and not differ and not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
