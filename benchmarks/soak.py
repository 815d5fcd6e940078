"""Soak, one command:

    python benchmarks/soak.py [--cycles 1000] [--interval 100ms]

Runs `kulak run` as a process against a local Hacker News (`monitor.demo.live`) and a
local Slack Web API for `--cycles` scheduler cycles (a cycle: one collection, detection
and delivery), with a new complaint about a competitor every few cycles so that every
stage keeps working. Samples the process's resident memory, threads and open files;
resident memory after warm-up may not grow by more than 5%.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.latency import start_kulak_run
from monitor.demo.live import COMPLAINTS, LiveFeed, service_settings
from monitor.replay import ReplayServer
from monitor.store import Store
from tests.alerts.conftest import SlackServer


def resources(pid: int) -> tuple[int, int, int]:
    """Resident memory (KiB), threads and open file descriptors of a process."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    rss = int(fields["VmRSS"].split()[0])
    return rss, int(fields["Threads"]), len(os.listdir(f"/proc/{pid}/fd"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=200, help="cycles before the baseline")
    parser.add_argument("--interval", default="100ms")
    parser.add_argument("--post-every", type=int, default=5, help="a new post every N cycles")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="kulak-soak-"))
    with ReplayServer() as replay, SlackServer() as slack:
        feed = LiveFeed(replay)
        settings = service_settings(folder, feed.url, slack.url, args.interval)
        store = Store.open(f"sqlite:///{folder / 'kulak.sqlite3'}")
        process = start_kulak_run(settings, folder / "kulak-run.log")
        samples: list[tuple[int, int, int, int]] = []
        started = time.monotonic()
        try:
            posted = 0
            cycles = 0
            while cycles < args.cycles:
                assert process.poll() is None, (folder / "kulak-run.log").read_text()
                cycles = store.state("hackernews").get("runs", 0)
                if cycles // args.post_every > posted:
                    feed.post(f"{COMPLAINTS[posted % len(COMPLAINTS)]} (#{posted})")
                    posted += 1
                if cycles >= args.warmup and (not samples or cycles - samples[-1][0] >= 50):
                    samples.append((cycles, *resources(process.pid)))
                time.sleep(0.02)
            samples.append((cycles, *resources(process.pid)))
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
    elapsed = time.monotonic() - started
    base, last = samples[0], samples[-1]
    growth = (last[1] - base[1]) / base[1]
    print(
        f"{last[0]} cycles in {elapsed:.0f} s (interval {args.interval}); {posted} posts, "
        f"{len(slack.received)} alerts delivered; exit code {code} after SIGTERM"
    )
    print("  cycle   RSS MiB  threads  open files")
    for cycle, rss, threads, fds in samples:
        print(f"  {cycle:5}  {rss / 1024:8.1f}  {threads:7}  {fds:10}")
    print(
        f"  RSS growth after warm-up ({base[0]} cycles): {growth:+.1%} "
        f"(limit +5%): {'met' if growth <= 0.05 else 'NOT met'}"
    )
    return 0 if growth <= 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
