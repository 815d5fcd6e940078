"""A local HTTP server that answers like a source does, from scripted replies.

`kulak demo` points every source at one of these, and the tests do too: spiders are
exercised over real HTTP, through Scrapy's real downloader, with the source's real
response format, including its 429s, 5xx and malformed bodies.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: sent without Content-Length, as a server streaming its answer does: the client
    #: learns its size only by reading it to the end of the connection
    streamed: bool = False

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, dict | list):
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
            return json.dumps(self.body, ensure_ascii=False).encode(), headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
            return self.body.encode(), headers
        return self.body, headers


@dataclass
class Seen:
    """A request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


Handler = Callable[[Seen], Reply]

#: what a replay answers for /robots.txt unless a test adds its own: everything allowed
ALLOW_ALL_ROBOTS = Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})


@dataclass
class _Route:
    method: str
    path: str
    replies: list[Reply | Handler]
    served: int = 0

    def next(self, request: Seen) -> Reply:
        index = min(self.served, len(self.replies) - 1)
        self.served += 1
        reply = self.replies[index]
        return reply(request) if callable(reply) else reply


class ReplayServer:
    """Scripted replies per path: given in order, the last one repeating.

    With `tls` (a certificate file and its key), it answers HTTPS, as a source or a
    proxy in the middle would: what a client sends is only seen once the TLS
    handshake succeeded."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.routes: dict[tuple[str, str], _Route] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._tls: ssl.SSLContext | None = None
        if tls is not None:
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(*tls)

    def add(self, path: str, *replies: Reply | Handler, method: str = "GET") -> None:
        if not replies:
            raise ValueError("a route needs at least one reply")
        self.routes[(method, path)] = _Route(method, path, list(replies))

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the replay server is not running")
        host, port = self._server.server_address[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    def seen(self, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def start(self) -> ReplayServer:
        server_class = _TLSServer if self._tls else ThreadingHTTPServer
        self._server = server_class(("127.0.0.1", 0), self._handler_class())
        if self._tls:
            self._server.socket = self._tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _answer(self, request: Seen) -> Reply:
        with self._lock:
            self.requests.append(request)
            route = self.routes.get((request.method, request.path))
            if route is None and request.path == "/robots.txt":
                # HTML sources ask for robots.txt first, as they do of the real site.
                return ALLOW_ALL_ROBOTS
            if route is None:
                return Reply(404, {"error": "Record not found"})
            return route.next(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Seen(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = server._answer(request)
                body, headers = reply.encoded()
                if "Date" in headers:
                    # A reply may set the server's clock (relative dates count from it).
                    self.send_response_only(reply.status)
                    self.send_header("Server", self.version_string())
                else:
                    self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if not reply.streamed:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return _Handler


class _TLSServer(ThreadingHTTPServer):
    """Handshakes in each connection's thread; a client refusing the certificate ends its
    connection quietly."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None
