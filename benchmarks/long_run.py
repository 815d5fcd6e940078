"""The shipped settings.yaml served by `kulak run` for hours, one command:

    python benchmarks/long_run.py [--hours 3] [--interval as-shipped] [--post-every 20]

Reads the project's own settings.yaml and changes only where it points: the database
(a new SQLite file, or --database), the Hacker News search (a local one that posts
arrive on, `monitor.demo.live`), the Slack Web API (a local one) and the SMTP server
(a local aiosmtpd that asks for the shipped login); the digest time moves to a few
minutes after the start, so one digest falls inside the run. Everything else (targets,
intervals, detectors, routes) is as shipped.

Every `--post-every` seconds an invented post appears: a complaint about the competitor
Demlik (each one must become exactly one opportunity alert in Slack), or everyday chatter
about the brand. At the end it checks for loss (every post stored, every complaint
alerted once, or left for the daily digest once Slack's hourly cap is reached, one digest
mailed) and prints resident memory, threads and open files over time; memory after
warm-up may not grow by more than 5%.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.latency import ROOT, start_kulak_run
from benchmarks.soak import resources
from monitor.config import parse_duration
from monitor.demo.live import COMPLAINTS, LiveFeed
from monitor.demo.sources.hackernews import CHATTER
from monitor.replay import ReplayServer
from monitor.store import Store, schema
from tests.alerts.conftest import Mailbox, SlackServer, free_port

SMTP_PASSWORD = "long-run-şifre"
DIGEST_DELAY = timedelta(minutes=5)  # or a third of a shorter run


def shipped_settings(
    folder: Path, feed_url: str, slack_url: str, smtp_port: int, args: argparse.Namespace
) -> tuple[Path, dict[str, Any]]:
    """settings.yaml as shipped, its channels enabled and pointed at the local peers;
    returns its path and data."""
    settings = yaml.safe_load((ROOT / "settings.yaml").read_text(encoding="utf-8"))
    settings["kulak"]["database"] = args.database or "sqlite:///kulak.sqlite3"
    hackernews = settings["sources"]["hackernews"]
    hackernews["base_url"] = feed_url
    if args.interval:
        hackernews["interval"] = args.interval
    for channel in settings["channels"].values():
        channel.pop("enabled", None)  # shipped ready to enable: the peers are here
    settings["channels"]["slack"]["base_url"] = f"{slack_url}api/"
    tz = ZoneInfo(settings["kulak"]["timezone"])
    digest_at = datetime.now(tz) + min(DIGEST_DELAY, timedelta(hours=args.hours) / 3)
    settings["channels"]["email"].update(
        host="127.0.0.1", port=smtp_port, security="none", digest_at=f"{digest_at:%H:%M}"
    )
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path, settings


def start_smtp(username: str) -> tuple[Controller, Mailbox]:
    """A local SMTP server that accepts the shipped login and keeps every message."""

    def login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = data.login == username.encode() and data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok)

    mailbox = Mailbox()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=login,
        auth_require_tls=False,
    )
    controller.start()
    return controller, mailbox


def posted_keys(slack: SlackServer) -> Counter[tuple[str, str]]:
    """(alert kind, the post the alert is about) for every message Slack received."""
    keys: Counter[tuple[str, str]] = Counter()
    for message in slack.posted():
        key = message.body["metadata"]["event_payload"]["key"]
        keys[(key.split(":", 1)[0], key.rsplit(":", 1)[-1])] += 1
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=3)
    parser.add_argument("--interval", help="override the shipped poll interval")
    parser.add_argument("--post-every", type=float, default=20, help="seconds between posts")
    parser.add_argument("--sample-every", type=float, default=5, help="minutes between samples")
    parser.add_argument("--warmup", type=float, default=15, help="minutes before the baseline")
    parser.add_argument("--database", help="store URL (default: a new SQLite file)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="kulak-long-run-"))
    log = folder / "kulak-run.log"
    with ReplayServer() as replay, SlackServer() as slack:
        feed = LiveFeed(replay)
        smtp, mailbox = None, None
        try:
            smtp, mailbox = start_smtp("kulak@example.com")
            path, settings = shipped_settings(folder, feed.url, slack.url, smtp.port, args)
            process = start_kulak_run(path, log, {"SMTP_PASSWORD": SMTP_PASSWORD})
            complaints, chatter = [], []
            samples: list[tuple[float, int, int, int]] = []
            started = time.monotonic()
            end = started + args.hours * 3600
            next_post = next_sample = started + args.warmup * 60
            try:
                while time.monotonic() < end:
                    assert process.poll() is None, log.read_text()[-4000:]
                    now = time.monotonic()
                    if now >= next_post:
                        if rng.random() < 0.4:
                            text = f"{rng.choice(COMPLAINTS)} (#{len(complaints)})"
                            complaints.append(feed.post(text))
                        else:
                            text = rng.choice(CHATTER).format("Kahve Durağı")
                            chatter.append(feed.post(f"{text} (#{len(chatter)})"))
                        next_post += rng.uniform(0.5, 1.5) * args.post_every
                    if now >= next_sample:
                        samples.append(((now - started) / 60, *resources(process.pid)))
                        minute, rss, threads, files = samples[-1]
                        print(
                            f"  {minute:6.0f} min  RSS {rss / 1024:6.1f} MiB  "
                            f"{threads:3d} threads  {files:3d} files",
                            flush=True,
                        )
                        next_sample += args.sample_every * 60
                    time.sleep(0.2)
                # The last posts get two polls' time to be stored and alerted.
                wait = _interval_seconds(settings) * 2 + 30
                deadline = time.monotonic() + wait
                expected = {p.object_id for p in complaints}
                written = expected | {p.object_id for p in chatter}
                while time.monotonic() < deadline:
                    alerted = {post for kind, post in posted_keys(slack) if kind == "opportunity"}
                    if expected <= alerted and written <= stored_ids(folder, settings):
                        break
                    time.sleep(1)
                samples.append(((time.monotonic() - started) / 60, *resources(process.pid)))
            finally:
                process.send_signal(signal.SIGTERM)
                code = process.wait(timeout=120)
        finally:
            if smtp is not None:
                smtp.stop()
    return report(args, folder, settings, samples, complaints, chatter, slack, mailbox, code)


def _interval_seconds(settings: dict[str, Any]) -> float:
    return parse_duration(settings["sources"]["hackernews"]["interval"]).total_seconds()


def stored_ids(folder: Path, settings: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Ids of the Hacker News posts the store holds, and of those whose alert a channel is
    done with: sent, or left for the daily digest (its hourly cap reached)."""
    database = settings["kulak"]["database"].replace("sqlite:///", f"sqlite:///{folder}/")
    store = Store.open(database, migrate=False)
    a, d = schema.alerts, schema.deliveries
    sent = select(a.c.key).join(d, d.c.alert_id == a.c.id).where(d.c.status == "sent")
    try:
        with store.engine.connect() as conn:
            done = {key.rsplit(":", 1)[-1] for key in conn.execute(sent).scalars()}
        posts = {p["external_id"] for p in store.iter_posts() if p["source"] == "hackernews"}
        return posts, done
    finally:
        store.close()


def report(
    args: argparse.Namespace,
    folder: Path,
    settings: dict[str, Any],
    samples: list[tuple[float, int, int, int]],
    complaints: list,
    chatter: list,
    slack: SlackServer,
    mailbox: Mailbox,
    code: int,
) -> int:
    stored, done = stored_ids(folder, settings)
    posts = complaints + chatter
    missing = [p.object_id for p in posts if p.object_id not in stored]
    keys = posted_keys(slack)
    opportunities = Counter({post: n for (kind, post), n in keys.items() if kind == "opportunity"})
    # done with, yet never in Slack: the channel's hourly cap left it for the daily digest
    capped = [p.object_id for p in complaints if p.object_id in done - opportunities.keys()]
    unalerted = [
        p.object_id
        for p in complaints
        if p.object_id not in opportunities and p.object_id not in done
    ]
    repeated = {post: n for post, n in opportunities.items() if n > 1}
    subjects = [
        message_from_bytes(m.content, policy=policy.default)["Subject"] for m in mailbox.messages
    ]
    digests = [s for s in subjects if "digest" in s.casefold()]
    base, last = samples[0], samples[-1]
    growth = (last[1] - base[1]) / base[1]
    print(
        f"{args.hours:g} h of `kulak run` on the shipped settings.yaml "
        f"(interval {settings['sources']['hackernews']['interval']}); exit {code} after SIGTERM"
    )
    print(f"  posts: {len(posts)} written, {len(posts) - len(missing)} stored")
    print(
        f"  complaints: {len(complaints)}, alerted once: {len(opportunities) - len(repeated)}, "
        f"left for the daily digest (Slack's hourly cap): {len(capped)}, "
        f"not alerted: {len(unalerted)}, alerted more than once: {len(repeated)}"
    )
    print(f"  Slack messages by kind: {dict(Counter(kind for kind, _ in keys.elements()))}")
    print(f"  emails: {len(subjects)} ({len(digests)} digests)")
    print(f"  RSS {base[1] / 1024:.1f} -> {last[1] / 1024:.1f} MiB after warm-up: {growth:+.1%}")
    ok = not missing and not unalerted and not repeated and len(digests) == 1 and growth <= 0.05
    print(f"  no loss, no duplicate, one digest, growth <= 5%: {'met' if ok else 'NOT met'}")
    print(f"  (log: {folder / 'kulak-run.log'})")
    return 0 if ok and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
