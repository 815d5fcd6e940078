"""What `kulak run` loads before its first crawl: not what only some posts, some stores
or some channels need (py3langid's whole model alone holds 75 MiB with NumPy)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor import service
from monitor.demo.live import LiveFeed
from monitor.replay import ReplayServer
from monitor.store import Store

START_AND_LIST_MODULES = """
import sys
from alerts import email, slack
from monitor import cli, sentiment
from monitor.registry import channel_options
channel_options()  # every channel's module, the console's among them
from monitor.store import Store
sentiment.load()  # the lexicons, as a collection reads them at its first post
Store.open(sys.argv[1]).close()
print(*sorted(m for m in sys.argv[2:] if m in sys.modules))
"""
LATER = ["py3langid", "numpy", "alembic", "mako", "jinja2", "css_inline", "rich"]


def test_a_service_starts_without_what_it_may_never_need(store_url):
    Store.open(store_url).close()  # the store exists and is up to date, as on a restart
    started = subprocess.run(
        [sys.executable, "-c", START_AND_LIST_MODULES, store_url, *LATER],
        capture_output=True,
        text=True,
        check=True,
    )
    assert started.stdout.split() == []


def test_a_sqlite_service_never_loads_postgresqls_dialect(tmp_path):
    url = f"sqlite:///{tmp_path / 'kulak.sqlite3'}"
    Store.open(url).close()
    started = subprocess.run(
        [sys.executable, "-c", START_AND_LIST_MODULES, url, "sqlalchemy.dialects.postgresql"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert started.stdout.split() == []


CRAWL_EXTENSIONS = """
import sys, tempfile
from pathlib import Path
from scrapy.settings import Settings
from monitor.crawl import scrapy_settings
from monitor.demo import demo_settings
settings = demo_settings({"hackernews": {"type": "hackernews"}}, Path(tempfile.mkdtemp()))
crawl = Settings(scrapy_settings(settings, settings.sources[0]))
print(*crawl.get_component_priority_dict_with_base("EXTENSIONS"))
print("aiohttp" in sys.modules, "twisted.conch" in sys.modules)
"""


def test_a_crawl_never_loads_the_scrapy_extensions_kulak_turns_off():
    """Scrapy imports each extension it is told about, even one turned off: its remote
    control brings aiohttp (8 MiB), its telnet console Twisted's conch. kulak leaves them,
    and the feed exports it never sets, out of the list."""
    listed, loaded = subprocess.run(
        [sys.executable, "-c", CRAWL_EXTENSIONS], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "scrapy.extensions.corestats.CoreStats" in listed.split()
    for unused in ("remote_control", "telnet", "feedexport"):
        assert not [path for path in listed.split() if unused in path]
    assert loaded.split() == ["False", "False"]


GIVE_BACK = """
import linecache
from pathlib import Path
from monitor.service import give_back_memory

def resident():
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0])

blocks = [bytes(1000) for _ in range(60_000)]  # 60 MB of malloc'd blocks (not pymalloc's)
last = blocks.pop()  # kept: the heap's top stays in use, so freeing cannot shrink it
del blocks
linecache.getlines(linecache.__file__)
before = resident()
give_back_memory()
print(before - resident(), len(linecache.cache))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_what_a_pass_leaves_free_is_given_back_to_the_system():
    given, cached = subprocess.run(
        [sys.executable, "-c", GIVE_BACK], capture_output=True, text=True, check=True
    ).stdout.split()
    if service._malloc_trim is not None:  # glibc
        assert int(given) > 40_000  # KiB of the 60 MB freed inside the heap
    assert cached == "0"


def test_the_english_analyzer_keeps_its_tables_not_the_text_of_its_files():
    from monitor.sentiment.english import analyzer

    held = {name: len(value) for name, value in vars(analyzer()).items()}
    assert held.keys() == {"lexicon", "emojis"}
    assert analyzer().polarity_scores("The coffee was great :)")["compound"] > 0.5


SERVE_INBOX = """
import asyncio, sys
from monitor.inbox.server import InboxServer

async def app(scope, receive, send):
    pass

async def main():
    server = InboxServer(app, "127.0.0.1", 0)
    await server.start()
    await server.stop()

asyncio.run(main())
print("websockets" in sys.modules)
"""


def test_the_inbox_is_served_without_websockets():
    """The inbox has no script; uvicorn loads websockets (0.7 MiB) only if told it may."""
    served = subprocess.run(
        [sys.executable, "-c", SERVE_INBOX], capture_output=True, text=True, check=True
    )
    assert served.stdout.split() == ["False"]


def test_the_turkish_model_holds_one_float_per_distinct_weight():
    from monitor.sentiment.learned import model

    weights = [value for triple in model("tr").weights.values() for value in triple]
    distinct = {value.hex() for value in weights}  # -0.0 apart from 0.0
    assert len({id(value) for value in weights}) == len(distinct) < len(weights) / 10


SERVE_AND_LIST_MODULES = """
import os, signal, sys, threading, time
from pathlib import Path
from monitor.registry import load
from monitor.service import Service, serve
from monitor.store import Store

settings, url, expected = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = Store.open(url)

def stop_once_stored():
    while store.count_posts() < expected:
        time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGTERM)

threading.Thread(target=stop_once_stored, daemon=True).start()
serve(Service(load(settings), store, {}))
print(*sorted(m for m in sys.modules if m.startswith(("monitor.pipelines", "monitor.crawl",
    "monitor.sentiment", "twisted.internet.reactor", "py3langid"))))
"""
#: English, Turkish, Greek, and German (which only the Latin language model tells)
SCORED_POSTS = [
    "Demlik Cafe lost my order again. Awful service.",
    "Demlik'te bugün de kuyruk vardı, berbat",
    "Το Demlik άργησε μία ώρα, απαράδεκτη εξυπηρέτηση.",
    "Demlik hat heute wieder geschlossen, das ist wirklich schade",
]


def test_a_service_collects_without_loading_the_pipelines_or_the_crawler(tmp_path):
    """Collections run in children (monitor.collector): the service itself never loads
    the item pipelines, the language and sentiment models (nor the modules that hold them)
    or Twisted's reactor, and keeps nothing a crawl leaves."""
    url = f"sqlite:///{tmp_path / 'kulak.sqlite3'}"
    with ReplayServer() as replay:
        feed = LiveFeed(replay)
        for text in SCORED_POSTS:
            feed.post(text, written=time.time() - 60)
        settings = tmp_path / "settings.yaml"
        settings.write_text(
            "targets:\n  - name: Demlik\n    kind: competitor\n    keywords: [Demlik]\n"
            f"sources:\n  hackernews:\n    base_url: {feed.url}\n"
        )
        served = subprocess.run(
            [sys.executable, "-c", SERVE_AND_LIST_MODULES, settings, url, str(len(SCORED_POSTS))],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
    assert served.stdout.split() == []
    stored = {post["text"]: post["lang"] for post in Store.open(url).iter_posts()}
    assert stored == dict(zip(SCORED_POSTS, ["en", "tr", "el", "de"], strict=True))


SETTLE = """
import gc
from monitor.runtime import settle
before = gc.get_freeze_count()
settle()
print(before, gc.get_freeze_count())
"""


def test_a_collection_leaves_what_it_starts_with_out_of_the_cycle_collectors_passes():
    """Libraries, settings and lexicons live as long as the collection's process: the
    cycle collector need not scan them again for every few posts' garbage."""
    before, frozen = subprocess.run(
        [sys.executable, "-c", SETTLE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(before) == 0
    assert int(frozen) > 50_000
