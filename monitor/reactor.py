"""One asyncio event loop shared by Twisted (for Scrapy) and everything else.

Scrapy downloads through Twisted; APScheduler, the channels and the CLI live in asyncio.
Twisted's asyncio reactor runs on top of an asyncio loop, so installing it once and then
driving that loop with `run()` lets coroutines await crawls directly, as often as needed
(tests run many crawls in one process).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def loop() -> asyncio.AbstractEventLoop:
    """The event loop of the asyncio reactor, installing and starting it on first use."""
    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    if not is_reactor_installed():
        install_reactor(ASYNCIO_REACTOR)
    from twisted.internet import reactor

    if not reactor.running:
        # Idle pool threads (Scrapy's DNS lookups) must not keep a finished program alive:
        # kulak never writes from them, so they may die with the process.
        reactor.getThreadPool().threadFactory = _daemon_thread
        # Fires Twisted's start-up triggers (the DNS thread pool) without blocking.
        reactor.startRunning(installSignalHandlers=False)
    return reactor._asyncioEventloop  # type: ignore[attr-defined]


def _daemon_thread(*args: Any, **kwargs: Any) -> threading.Thread:
    return threading.Thread(*args, daemon=True, **kwargs)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on the reactor's loop."""
    return loop().run_until_complete(coro)


def shutdown() -> None:
    """Stop Twisted's threads so the process can exit; the loop is not needed after."""
    from scrapy.utils.reactor import is_reactor_installed

    if not is_reactor_installed():
        return
    from twisted.internet import reactor

    if reactor.running:
        reactor.fireSystemEvent("shutdown")
