"""Helpers tests import: settings from YAML text, saved source answers, running crawls."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from scrapy.http import Request, TextResponse
from sqlalchemy import create_engine, text

from monitor import reactor
from monitor.config import Settings, parse_settings
from monitor.records import Mention, Record
from monitor.registry import detector_options, source_options
from monitor.runtime import Runtime
from monitor.store import Store
from spiders.items import Post

T = TypeVar("T")

FIXTURES = Path(__file__).parent / "spiders" / "fixtures"

BASE_SETTINGS = """
kulak:
  timezone: Europe/Istanbul
targets:
  - name: Kahve Durağı
    kind: brand
    keywords: [Kahve Durağı, KahveDuragi]
    handles: ["@kahveduragi"]
  - name: Demlik
    kind: competitor
    keywords: [Demlik Cafe, Demlik]
    handles: ["@demlikcafe"]
  - name: Φρέσκο
    kind: competitor
    keywords: [Φρέσκο Καφέ, Fresko Cafe]
"""


def make_settings(extra: str = "", base: str = BASE_SETTINGS, env: dict | None = None) -> Settings:
    """Settings from the test targets plus `extra` YAML (sources, channels...)."""
    from alerts import channel_options

    return parse_settings(
        textwrap.dedent(base) + textwrap.dedent(extra),
        source_options=source_options(),
        channel_options=channel_options(),
        detector_options=detector_options(),
        env=env or {},
    )


def source_settings(source: str, base_url: str, **options: Any) -> Settings:
    """Settings with one source pointed at a replay, backing off fast; option values
    are YAML (`queries="[Kahve Durağı]"`)."""
    lines = {"base_url": base_url, "backoff": "10ms", **options}
    entry = "".join(f"\n    {key}: {value}" for key, value in lines.items())
    return make_settings(f"\nsources:\n  {source}:{entry}\n")


def runtime_for(settings: Settings, store: Store) -> Runtime:
    return Runtime(settings=settings, store=store)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Drive a coroutine on the asyncio reactor's loop (Scrapy needs that loop)."""
    return reactor.run(coro)


def fixture_text(source: str, name: str) -> str:
    return (FIXTURES / source / name).read_text(encoding="utf-8")


def fixture_response(
    source: str, name: str, url: str = "http://replay.test/", **meta: Any
) -> TextResponse:
    """A saved answer of a source as the Scrapy response its parser receives."""
    return TextResponse(
        url=url,
        body=(FIXTURES / source / name).read_bytes(),
        encoding="utf-8",
        request=Request(url, meta=meta),
    )


def record(
    n: int,
    at: datetime,
    target: str,
    label: str = "neu",
    intents: tuple[str, ...] = (),
    author: str = "someone",
    parent: int | None = None,
    by_target: bool = False,
    followers: int = 10,
    text: str | None = None,
    **engagement: int,
) -> Record:
    """Post `n` on Hacker News naming one of BASE_SETTINGS' targets, as the pipelines
    would store it: `label` and `intents` are that target's sentiment."""
    post = Post(
        source="hackernews",
        external_id=str(n),
        url=f"https://news.ycombinator.com/item?id={n}",
        text=text or f"post {n} about {target}",
        created_at=at,
        author_handle=author,
        author_followers=followers,
        parent_id=str(parent) if parent else None,
        **engagement,
    )
    kind = "brand" if target == "Kahve Durağı" else "competitor"
    compound = {"neg": -0.6, "pos": 0.6}.get(label, 0.0)
    mention = Mention(target, kind, [(0, 4)], [target], by_target, compound, label, intents)
    return Record(post, [mention], "tr")


def quiet_days(start: datetime, days: int, target: str = "Kahve Durağı", first_id: int = 1) -> list:
    """Three mentions of `target` an hour from `start`, one of them negative."""
    posts = []
    for hour in range(days * 24):
        at = start + timedelta(hours=hour, minutes=10)
        for i, label in enumerate(("neg", "neu", "pos")):
            posts.append(record(first_id + hour * 3 + i, at, target, label))
    return posts


def burst(at: datetime, count: int, first_id: int, target: str = "Kahve Durağı", **details):
    """`count` negative posts within 20 minutes after `at`, the later ones more followed."""
    return [
        record(
            first_id + i,
            at + timedelta(minutes=i % 20),
            target,
            "neg",
            followers=100 * i,
            **details,
        )
        for i in range(count)
    ]


def kulak(
    *args: str, cwd: Path, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the real command in a process of its own, as a user or a service would."""
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        input=input,
    )


def write_settings(folder: Path, extra: str) -> Path:
    path = folder / "settings.yaml"
    path.write_text(BASE_SETTINGS + extra, encoding="utf-8")
    return path


def check_and_collect(folder: Path, sources: str) -> tuple[str, list[str]]:
    """What `kulak check` prints and the lines `kulak collect --once` writes to stderr,
    for the test targets and these `sources:` entries (YAML)."""
    path = write_settings(folder, f"sources:\n{textwrap.indent(textwrap.dedent(sources), '  ')}")
    checked = kulak("check", "--config", str(path), cwd=folder)
    collected = kulak("collect", "--once", "--config", str(path), cwd=folder)
    return checked.stdout, collected.stderr.splitlines()


@contextmanager
def postgres_schema(url: str, prefix: str) -> Iterator[str]:
    """The URL of a new schema of its own on that server, dropped afterwards, so tests,
    benchmarks and developers never share tables."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{name}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def email_channel(port: int) -> str:
    """A `channels:` section whose `email` channel mails the local SMTP server on `port`."""
    return f"""channels:
  email:
    host: 127.0.0.1
    port: {port}
    security: none
    sender: kulak <kulak@example.com>
    to: [care@example.com]
"""
