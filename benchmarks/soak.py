"""Soak, one command:

    python benchmarks/soak.py [--cycles 1000] [--interval 100ms]

Runs `kulak run` as a process against a local Hacker News (`monitor.demo.live`) and a
local Slack Web API for `--cycles` scheduler cycles (a cycle: one collection, detection
and delivery), with a new complaint about a competitor every few cycles so that every
stage keeps working. Samples the service's resident memory, threads and open files:
after start (once its first collections are done, `--started` cycles), then every 50
cycles after warm-up; resident memory after warm-up may not grow by more than 5%. The
collections' children (monitor.collector) come and go: the largest one seen since the
last sample is printed beside it, and their CPU time at the end.

`--trace DIR` runs the service under tracemalloc (`benchmarks/traced_run.py`), takes a
snapshot and counts live objects by type at the baseline and every `--trace-every`
cycles, and ends with what grew most between the first and the last snapshot. Tracing
makes the service slower and larger: its RSS figures are not the benchmark's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.latency import start_kulak_run
from monitor.demo.live import COMPLAINTS, LiveFeed, service_settings
from monitor.replay import ReplayServer
from monitor.store import Store
from tests.alerts.conftest import SlackServer

ARENA_ALIGN = 64 * 2**20  # glibc's thread arenas start on this boundary


def resources(pid: int) -> tuple[int, int, int]:
    """Resident memory (KiB), threads and open file descriptors of a process."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    rss = int(fields["VmRSS"].split()[0])
    return rss, int(fields["Threads"]), len(os.listdir(f"/proc/{pid}/fd"))


def children_rss(pid: int) -> int:
    """Resident memory (KiB) of a process's children together (0 when it has none)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, KeyError):  # ended
            for child in (task / "children").read_text().split():
                total += resources(int(child))[0]
    return total


def children_cpu(pid: int) -> float:
    """CPU seconds of a process's children that have ended and been waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def row(sample: tuple[int, int, int, int, int]) -> str:
    """A sample as printed: cycle, resident MiB, threads, open files, largest children."""
    cycle, rss, threads, fds, children = sample
    return f"  {cycle:5}  {rss / 1024:8.1f}  {threads:7}  {fds:10}  {children / 1024:13.1f}"


def mappings(pid: int) -> dict[str, int]:
    """Resident KiB of a process by kind of mapping: the main malloc heap, other threads'
    malloc arenas (anonymous, 64 MiB aligned), other anonymous memory (Python's own
    arenas among it), and files."""
    kinds = dict.fromkeys(("heap", "arenas", "anonymous", "files"), 0)
    kind = "files"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if line.startswith("Rss:"):
            kinds[kind] += int(line.split()[1])
        elif not line.split()[0].endswith(":"):
            fields = line.split(maxsplit=5)
            name = fields[5].strip() if len(fields) > 5 else ""
            start = int(fields[0].split("-")[0], 16)
            if name == "[heap]":
                kind = "heap"
            elif name:
                kind = "files"
            else:
                kind = "anonymous" if start % ARENA_ALIGN else "arenas"
    return kinds


def ask_snapshot(folder: Path, cycle: int, pid: int) -> None:
    """Ask the traced service for a snapshot named after `cycle`, and wait for it."""
    want = folder / f"cycle-{cycle:06}.want"
    (folder / f"{want.stem}.maps").write_text(json.dumps(mappings(pid)), encoding="utf-8")
    want.touch()
    while want.exists():
        time.sleep(0.05)


def report_trace(folder: Path, top: int = 12) -> None:
    """What grew between the first and the last snapshot: allocation sites, object types."""
    names = sorted(path.stem for path in folder.glob("cycle-*.json"))
    figures = {name: json.loads((folder / f"{name}.json").read_text()) for name in names}
    print("  MiB: resident by mapping (heap, thread arenas, other anonymous, files); traced")
    print("  by tracemalloc; malloc in use and free (all arenas), mmapped; SQLite's all,")
    print("  and its page caches'")
    print("  cycle    heap  arenas  anon  files  traced  in use   free  mmapped  sqlite  pages")
    for name in names:
        maps = {k: v / 1024 for k, v in json.loads((folder / f"{name}.maps").read_text()).items()}
        malloc = {k: v / 2**20 for k, v in figures[name]["malloc"].items()}
        print(
            f"  {int(name[6:]):5}  {maps['heap']:6.1f}  {maps['arenas']:6.1f}  "
            f"{maps['anonymous']:5.1f}  {maps['files']:5.1f}  "
            f"{figures[name]['traced'] / 2**20:6.1f}  {malloc.get('in_use', 0):6.1f}  "
            f"{malloc.get('free', 0):5.1f}  {malloc.get('mmapped', 0):7.1f}  "
            f"{malloc.get('sqlite', 0):6.1f}  {malloc.get('sqlite_pages', 0):5.1f}"
        )
    first, last = names[0], names[-1]
    if (folder / f"{first}.snapshot").exists():
        noise = [tracemalloc.Filter(False, tracemalloc.__file__)]
        old = tracemalloc.Snapshot.load(str(folder / f"{first}.snapshot")).filter_traces(noise)
        new = tracemalloc.Snapshot.load(str(folder / f"{last}.snapshot")).filter_traces(noise)
        print(f"  allocation sites that grew most, {first} to {last}:")
        for stat in new.compare_to(old, "traceback")[:top]:
            print(f"    {stat.size_diff / 1024:+9.1f} KiB  {stat.count_diff:+7} blocks")
            for line in stat.traceback.format(limit=6, most_recent_first=True):
                print(f"        {line}")
    types = [figures[name]["types"] for name in (first, last)]
    grown = sorted(types[1], key=lambda t: types[0].get(t, 0) - types[1][t])[:top]
    print(f"  live objects by type that grew most, {first} to {last}:")
    for name in grown:
        print(f"    {types[1][name] - types[0].get(name, 0):+8}  {name} ({types[1][name]})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=200, help="cycles before the baseline")
    parser.add_argument("--started", type=int, default=2, help="cycles that make a start")
    parser.add_argument("--interval", default="100ms")
    parser.add_argument("--post-every", type=int, default=5, help="a new post every N cycles")
    parser.add_argument("--trace", type=Path, help="snapshots here; see above")
    parser.add_argument("--trace-every", type=int, default=1000, help="cycles between snapshots")
    parser.add_argument(
        "--trace-frames", type=int, default=12, help="0: count objects only, at full speed"
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="kulak-soak-"))
    launcher: tuple[str, ...] = ("-m", "monitor.cli")
    if args.trace:
        args.trace.mkdir(parents=True, exist_ok=True)
        tracer = str(Path(__file__).with_name("traced_run.py"))
        launcher = (tracer, str(args.trace), str(args.trace_frames))
    with ReplayServer() as replay, SlackServer() as slack:
        feed = LiveFeed(replay)
        settings = service_settings(folder, feed.url, slack.url, args.interval)
        store = Store.open(f"sqlite:///{folder / 'kulak.sqlite3'}")
        process = start_kulak_run(settings, folder / "kulak-run.log", launcher=launcher)
        samples: list[tuple[int, int, int, int, int]] = []
        started_at: tuple[int, int, int, int, int] | None = None
        children = 0  # the largest resident memory of the children since the last sample
        started = time.monotonic()
        try:
            posted = 0
            cycles = traced = 0
            while cycles < args.cycles:
                assert process.poll() is None, (folder / "kulak-run.log").read_text()
                cycles = store.state("hackernews").get("runs", 0)
                children = max(children, children_rss(process.pid))
                if cycles // args.post_every > posted:
                    feed.post(f"{COMPLAINTS[posted % len(COMPLAINTS)]} (#{posted})")
                    posted += 1
                if started_at is None and cycles >= args.started:
                    started_at = (cycles, *resources(process.pid), children)
                    children = 0
                if cycles >= args.warmup and (not samples or cycles - samples[-1][0] >= 50):
                    samples.append((cycles, *resources(process.pid), children))
                    children = 0
                    if args.trace and (len(samples) == 1 or cycles - traced >= args.trace_every):
                        traced = cycles
                        ask_snapshot(args.trace, cycles, process.pid)
                time.sleep(0.02)
            samples.append((cycles, *resources(process.pid), children))
            children_cpu_s = children_cpu(process.pid)
            if args.trace:
                ask_snapshot(args.trace, cycles, process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
    elapsed = time.monotonic() - started
    base, last = samples[0], samples[-1]
    growth = (last[1] - base[1]) / base[1]
    print(
        f"{last[0]} cycles in {elapsed:.0f} s (interval {args.interval}); {posted} posts, "
        f"{len(slack.posted())} alerts delivered; exit code {code} after SIGTERM"
    )
    print("  cycle   RSS MiB  threads  open files  children MiB")
    if started_at is not None:
        print(row(started_at), " (after start)")
    for sample in samples:
        print(row(sample))
    print(
        f"  RSS growth after warm-up ({base[0]} cycles): {growth:+.1%} "
        f"(limit +5%): {'met' if growth <= 0.05 else 'NOT met'}"
    )
    if started_at is not None:
        print(f"  RSS growth from start: {(last[1] - started_at[1]) / started_at[1]:+.1%}")
    print(f"  CPU of the collections' children: {children_cpu_s:.1f} s")
    if args.trace:
        report_trace(args.trace)
    return 0 if growth <= 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
