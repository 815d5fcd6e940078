"""The polling loop the steady-state benchmarks share: one source through the real
collector, a first run that fills its cursor, then `polls` runs summed."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from monitor import reactor
from monitor.config import parse_settings
from monitor.crawl import collect
from monitor.registry import channel_options, source_options
from monitor.runtime import Runtime
from monitor.store import Store


def steady_state(
    settings_yaml: str, source_name: str, polls: int, database: Path, tick: Callable[[int], None]
) -> dict[str, int]:
    """Totals of the runs after the first; `tick(poll)` moves the replays' clock first."""
    settings = parse_settings(
        settings_yaml, source_options=source_options(), channel_options=channel_options(), env={}
    )
    store = Store.open(f"sqlite:///{database}")
    runtime = Runtime(settings=settings, store=store)
    source = settings.source(source_name)
    reactor.run(collect(runtime, source))  # fills the cursor
    totals = {"requests": 0, "new_posts": 0, "stored": 0, "not_modified": 0, "problems": 0}
    try:
        for poll in range(1, polls + 1):
            tick(poll)
            report = reactor.run(collect(runtime, source))
            totals["requests"] += report.requests
            totals["new_posts"] += report.new_posts
            totals["stored"] += report.stored
            totals["not_modified"] += report.not_modified
            totals["problems"] += len(report.problems)
    finally:
        store.close()
    return totals


def polls_argument(doc: str) -> int:
    """The number of polls asked for on the command line, announced."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--polls", type=int, default=48, help="steady-state polls per source")
    polls = parser.parse_args().polls
    print(f"{polls} polls after the first run, every source through monitor.crawl.collect")
    return polls
