"""What `kulak run` loads before its first crawl: not what only some posts, some stores
or some channels need (the language model alone holds 84 MiB)."""

from __future__ import annotations

import subprocess
import sys

from monitor.store import Store

START_AND_LIST_MODULES = """
import sys
from alerts import email, slack
from monitor import cli, sentiment
from monitor.store import Store
sentiment.load()  # as `kulak run` does before its first crawl
Store.open(sys.argv[1]).close()
print(*sorted(m for m in sys.argv[2:] if m in sys.modules))
"""
LATER = ["py3langid", "numpy", "alembic", "mako", "jinja2", "css_inline"]


def test_a_service_starts_without_what_it_may_never_need(store_url):
    Store.open(store_url).close()  # the store exists and is up to date, as on a restart
    started = subprocess.run(
        [sys.executable, "-c", START_AND_LIST_MODULES, store_url, *LATER],
        capture_output=True,
        text=True,
        check=True,
    )
    assert started.stdout.split() == []
