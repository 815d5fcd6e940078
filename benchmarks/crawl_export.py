"""A crawl's export, to compare two versions of kulak on the same posts, one command each:

    python benchmarks/crawl_export.py > after.jsonl      # in each checkout
    cmp before.jsonl after.jsonl

Starts `kulak run` of this checkout against a local Hacker News holding the same invented
posts every time (the throughput benchmark's, plus a few in Turkish, Greek and German, at
fixed dates), waits until every post that names a target is stored, stops it, and prints
`kulak export` sorted, without what differs between runs (when a post was collected, its
row id). A change meant to keep the stored data must leave this output identical.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.latency import ROOT, start_kulak_run, wait_for_first_collection
from benchmarks.throughput import invented_posts
from monitor.demo.live import LiveFeed, service_settings
from monitor.replay import ReplayServer
from monitor.store import Store
from tests.alerts.conftest import SlackServer

MORE = (
    "Demlik Cafe'de bugün kahve soğuktu, rezalet",
    "Το Demlik Cafe άργησε πάλι μία ώρα, απαράδεκτο",
    "Kahve Durağı harika bir yer, teşekkürler!",
    "Demlik Cafe hat heute wieder geschlossen",
)
WRITTEN = 1_780_000_000  # the first post's date, seconds since 1970; then one every 7 s
RUN_SEED = 11
#: what changes from run to run, left out of the comparison
VARYING = ("collected_at", "id")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait at most")
    args = parser.parse_args(argv)
    texts = [*invented_posts(args.posts, random.Random(RUN_SEED)), *MORE]
    folder = Path(tempfile.mkdtemp(prefix="kulak-crawl-export-"))
    with ReplayServer() as replay, SlackServer() as slack:
        feed = LiveFeed(replay)
        for index, text in enumerate(texts):
            feed.post(text, written=WRITTEN + 7 * index)
        settings = service_settings(folder, feed.url, slack.url, "1s")
        log = folder / "kulak-run.log"
        process = start_kulak_run(settings, log)
        try:
            deadline = time.time() + args.wait
            wait_for_first_collection(process, log, deadline)
            stored, stable_since = -1, time.time()
            while time.time() < deadline and time.time() - stable_since < 5:
                time.sleep(0.5)
                count = _count(folder / "kulak.sqlite3")
                if count != stored:
                    stored, stable_since = count, time.time()
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    exported = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "export", "--config", str(settings)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    rows = []
    for line in exported.splitlines():
        row = {k: v for k, v in json.loads(line).items() if k not in VARYING}
        rows.append(json.dumps(row, sort_keys=True, ensure_ascii=False))
    print("\n".join(sorted(rows)))
    print(f"{len(rows)} posts stored of {len(texts)} on the feed", file=sys.stderr)
    return 0 if rows else 1


def _count(database: Path) -> int:
    """Posts stored so far."""
    store = Store.open(f"sqlite:///{database}", migrate=False)
    try:
        return store.count_posts()
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
