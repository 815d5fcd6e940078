"""Serving the inbox with uvicorn inside kulak's own asyncio loop.

kulak's service owns SIGTERM and SIGINT (it stops crawls and finishes deliveries first),
so uvicorn must not install its own handlers; kulak binds the socket itself, so a port in
use is an error kulak can name instead of uvicorn exiting the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn

log = logging.getLogger(__name__)


class EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: the host process decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class InboxServer:
    def __init__(self, app: object, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self.server: EmbeddedServer | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen (OSError when the address cannot be bound), then serve in the background."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self.port), family=family)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            ws="none",  # the inbox has no script: uvicorn need not load websockets (0.7 MiB)
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
        self.server = EmbeddedServer(config)
        self.task = asyncio.ensure_future(self.server.serve(sockets=[sock]))
        while not self.server.started and not self.task.done():
            await asyncio.sleep(0.01)
        if self.task.done():
            self.task.result()  # raises what stopped it
        log.info("inbox: serving on %s", self.url)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        if self.server is None or self.task is None:
            return
        self.server.should_exit = True
        await self.task
