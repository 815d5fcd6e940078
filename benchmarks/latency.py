"""Alert latency of `kulak run`, one command:

    python benchmarks/latency.py [--posts 60] [--interval 5s] [--minutes 2]

Starts `kulak run` as a process against a local Hacker News (`monitor.demo.live`) and
a local Slack Web API, writes invented complaints about a competitor onto the feed at
random moments, and times each one from the moment it appears on the feed until Slack
receives its alert (collection, pipelines, storage, detection, outbox, delivery). Prints
p50, p95 and the worst, against the target p95 <= interval + 2 s. Sources run without
jitter here, so the interval is the whole wait a post can have before it is collected.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.config import parse_duration
from monitor.demo.live import COMPLAINTS, LiveFeed, service_settings
from monitor.replay import ReplayServer
from tests.alerts.conftest import SlackServer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-0000-latency-benchmark"


def start_kulak_run(
    settings: Path,
    log: Path,
    env: dict[str, str] | None = None,
    launcher: tuple[str, ...] = ("-m", "monitor.cli"),
) -> subprocess.Popen:
    """`kulak run` in a process of its own, its log lines in `log`; `env` adds secrets;
    `launcher`: how Python is told to start the command line."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, *launcher, "run", "--config", str(settings)],
            cwd=ROOT,
            env={**os.environ, "SLACK_BOT_TOKEN": TOKEN, **(env or {})},
            stderr=out,
        )


def wait_for_first_collection(process: subprocess.Popen, log: Path, deadline: float) -> None:
    """Until `kulak run` has collected once (started and warm, its store made); a service
    that ended or never got there is an error, not a wait without end."""
    while "collected hackernews" not in log.read_text(encoding="utf-8", errors="replace"):
        if process.poll() is not None or time.time() > deadline:
            raise SystemExit(f"kulak run did not collect; its log: {log}")
        time.sleep(0.05)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=60)
    parser.add_argument("--interval", default="5s", help="the source's poll interval")
    parser.add_argument("--minutes", type=float, default=2, help="posts are spread over this")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    interval = parse_duration(args.interval).total_seconds()
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="kulak-latency-"))
    with ReplayServer() as replay, SlackServer() as slack:
        feed = LiveFeed(replay)
        settings = service_settings(folder, feed.url, slack.url, args.interval)
        # Every complaint is timed to Slack: past the channel's hourly cap (30) the rest
        # would wait for the digest, which is the cap at work, not latency.
        options = yaml.safe_load(settings.read_text(encoding="utf-8"))
        options["channels"]["slack"]["max_per_hour"] = args.posts
        settings.write_text(yaml.safe_dump(options, allow_unicode=True), encoding="utf-8")
        process = start_kulak_run(settings, folder / "kulak-run.log")
        try:
            wait_for_first_collection(process, folder / "kulak-run.log", time.time() + 120)
            posts = []
            gap = args.minutes * 60 / args.posts
            for index in range(args.posts):
                time.sleep(rng.uniform(0, 2 * gap))
                posts.append(feed.post(f"{rng.choice(COMPLAINTS)} (#{index})"))
            deadline = time.time() + 3 * interval + 30
            arrived: dict[str, float] = {}
            while len(arrived) < len(posts) and time.time() < deadline:
                for message in slack.posted():
                    key = message.body["metadata"]["event_payload"]["key"]
                    arrived.setdefault(key.rsplit(":", 1)[-1], message.at)
                time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    latencies = [arrived[p.object_id] - p.visible_at for p in posts if p.object_id in arrived]
    missing = len(posts) - len(latencies)
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    target = interval + 2
    print(f"alert latency over {len(latencies)} posts (poll interval {args.interval}, no jitter)")
    print(f"  p50 {p50:.2f} s   p95 {p95:.2f} s   max {max(latencies):.2f} s")
    print(f"  target p95 <= {target:.1f} s: {'met' if p95 <= target else 'NOT met'}")
    if missing:
        print(f"  {missing} posts got no alert in time")
    return 0 if p95 <= target and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
