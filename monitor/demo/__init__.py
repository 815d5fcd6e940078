"""`kulak demo`: the whole product, offline, on invented posts served by local replays."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from alerts.render import preview_html
from alerts.slack import preview_messages
from monitor import private, reactor
from monitor.alert import Alert
from monitor.config import Settings, parse_settings
from monitor.crawl import RunReport, collect_all
from monitor.deliver import ChannelReport, deliver_once
from monitor.detect import detect_once
from monitor.digest import build_digest
from monitor.plugins import discover
from monitor.registry import (
    channel_options,
    channels,
    detector_options,
    source_options,
    spider_classes,
)
from monitor.replay import ReplayServer
from monitor.runtime import Runtime
from monitor.store import Store

SETTINGS = Path(__file__).with_name("settings.yaml")

#: The story (two weeks of chatter, a power cut in the last forty minutes) needs a day that
#: has had its morning: run before noon, it would fall across midnight and give a digest
#: of two hours. Then the demo's clock is set to this time the afternoon before.
STORY_FROM = time(12, 0)
STORY_AFTERNOON = time(17, 50)


@dataclass
class DemoRun:
    folder: Path
    settings: Settings
    store: Store
    reports: list[RunReport]
    now: datetime  # the demo's clock: when its story ends
    alerts: list[Alert] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    def deliver_alerts(self) -> list[ChannelReport]:
        """Send the queued alerts through the outbox, to the console as no channel is set."""
        return deliver_once(self.store, channels(self.settings))


def demo_settings(entries: dict[str, dict[str, Any]], folder: Path) -> Settings:
    data = yaml.safe_load(SETTINGS.read_text(encoding="utf-8"))
    data["kulak"]["database"] = f"sqlite:///{folder / 'kulak-demo.sqlite3'}"
    data["sources"] = entries
    return parse_settings(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
        source_options=source_options(),
        channel_options=channel_options(),
        detector_options=detector_options(),
        env={},
    )


def _demo_source(name: str, unit: Any) -> bool:
    """A demo source is a module with `install(replay, now) -> settings entry`."""
    return isinstance(unit, ModuleType) and callable(getattr(unit, "install", None))


def start_replays(now: datetime) -> tuple[list[ReplayServer], dict[str, dict[str, Any]]]:
    """One local server per source that has both a spider and demo answers."""
    servers: list[ReplayServer] = []
    entries: dict[str, dict[str, Any]] = {}
    known = spider_classes()
    for name, module in discover("monitor.demo.sources", _demo_source).items():
        if name not in known:
            continue
        server = ReplayServer().start()
        servers.append(server)
        entry = dict(module.install(server, now))
        entry.setdefault("base_url", server.url)
        entry.setdefault("backoff", "100ms")
        entries[name] = entry
    return servers, entries


def story_clock(now: datetime, tz: str) -> datetime:
    """When the demo's story ends: `now` from noon on (local time), else 17:50 the day
    before, so the story holds at any hour."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    if local.time() >= STORY_FROM:
        return now
    day = local.date() - timedelta(days=1)
    return datetime.combine(day, STORY_AFTERNOON, zone).astimezone(UTC)


def run_demo(folder: Path | None = None, now: datetime | None = None) -> DemoRun:
    """Collect the invented posts, dated relative to the story's clock (`now`, or the
    afternoon before in the morning), detect, and write what a team would receive: the
    alerts as Slack messages and that day's digest."""
    folder = folder or Path(tempfile.mkdtemp(prefix="kulak-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    tz = yaml.safe_load(SETTINGS.read_text(encoding="utf-8"))["kulak"]["timezone"]
    now = story_clock(now or datetime.now(UTC), tz)
    servers, entries = start_replays(now)
    try:
        settings = demo_settings(entries, folder)
        store = Store.open(settings.general.database)
        runtime = Runtime(settings=settings, store=store)
        reports = reactor.run(collect_all(runtime, settings.enabled_sources))
    finally:
        for server in servers:
            server.stop()
    run = DemoRun(folder=folder, settings=settings, store=store, reports=reports, now=now)
    run.alerts = detect_once(store, settings, now)
    write_slack_messages(run)
    write_digest(run, now)
    return run


def write_slack_messages(run: DemoRun) -> None:
    """The Slack messages the alerts would make, as chat.postMessage payloads."""
    path = run.folder / "slack-messages.json"
    general = run.settings.general
    payloads = preview_messages(run.alerts, timezone=general.timezone, language=general.language)
    private.write_text(path, json.dumps(payloads, ensure_ascii=False, indent=2))
    run.files["Slack messages (JSON)"] = path


def write_digest(run: DemoRun, now: datetime) -> None:
    """The story day's digest so far: the demo's posts are all from the last day and a
    half."""
    tz = run.settings.general.timezone
    today = now.astimezone(ZoneInfo(tz)).date()
    digest = build_digest(run.store, run.settings, today, tz, now=now)
    path = run.folder / "digest.html"
    private.write_text(path, preview_html(digest, run.settings.general.language))
    run.files["Daily digest (HTML)"] = path
