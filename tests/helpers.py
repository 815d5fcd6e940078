"""Helpers tests import: settings from YAML text, saved source answers, running crawls."""

from __future__ import annotations

import textwrap
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from scrapy.http import Request, TextResponse

from monitor import reactor
from monitor.config import Settings, parse_settings
from monitor.registry import source_options
from monitor.runtime import Runtime
from monitor.store import Store

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
        env=env or {},
    )


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
