"""A store holding real leads (raised by the detectors from invented posts, one hostile),
the inbox serving it over HTTP on 127.0.0.1 from uvicorn in its own thread, and a small
client that keeps cookies and never follows redirects."""

from __future__ import annotations

import asyncio
import http.client
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest

from monitor.config import Settings
from monitor.detect import detect_once
from monitor.inbox.app import Inbox
from monitor.inbox.server import InboxServer
from monitor.store import Store
from tests.helpers import make_settings, record

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # 15:00 in Istanbul
HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)> Demlik Cafe scam'


def leads_in(store: Store) -> None:
    """Demlik's own post, a complaint answering it, Demlik's answer to the complaint; a
    Greek question, a hostile post, and a complaint about the brand with a wide reach."""
    at = NOW - timedelta(hours=2)
    own = record(100, at - timedelta(hours=1), "Demlik", author="demlikcafe", by_target=True)
    own.post.text = "Demlik Cafe: new autumn menu is here!"
    complaint = record(
        101, at, "Demlik", "neg", ("complaint",), "bora_k", parent=100, followers=800
    )
    complaint.post.text = "Demlik Cafe lost my order again, awful service."
    answer = record(102, at + timedelta(minutes=30), "Demlik", author="demlikcafe", parent=101)
    answer.post.text = "So sorry Bora, we sent you a voucher."
    greek = record(103, at, "Demlik", "neg", ("question",), "nikos_p")
    greek.post.text = "Το Demlik Cafe άργησε πάλι. Ξέρει κανείς καλύτερη εναλλακτική;"
    greek.lang = "el"
    hostile = record(104, at, "Demlik", "neg", ("complaint",), "troll")
    hostile.post.text = HOSTILE
    hostile.post.url = "javascript:alert(document.cookie)"
    hostile.post.author_name = "<b onmouseover=alert(2)>troll</b>"
    risk = record(105, at, "Kahve Durağı", "neg", ("complaint",), "ayse_k", followers=9000)
    risk.post.text = "Kahve Durağı charged me twice and nobody answers."
    store.save([own, complaint, answer, greek, hostile, risk])
    detect_once(store, inbox_settings(), NOW)


def inbox_settings(extra: str = "", env: dict[str, str] | None = None) -> Settings:
    return make_settings(extra, env=env)


@contextmanager
def serving(store: Store, settings: Settings) -> Iterator[str]:
    """The inbox on 127.0.0.1, a free port, its loop in a thread; yields its URL."""
    server = InboxServer(Inbox(store, settings, clock=lambda: NOW), "127.0.0.1", 0)
    loop = asyncio.new_event_loop()
    started, failed = threading.Event(), []
    stop = asyncio.Event()

    async def main() -> None:
        try:
            await server.start()
        except Exception as exc:
            failed.append(exc)
            return
        finally:
            started.set()
        await stop.wait()
        await server.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    started.wait(30)
    if failed:
        raise failed[0]
    try:
        yield server.url
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def token(self) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.text).group(1)


@dataclass
class Client:
    url: str
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, response.headers, text)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Answer:
        return self.request("POST", path, form)

    def sign_in(self, name: str, password: str | None = None) -> None:
        page = self.get("/login")
        form = {"csrf": page.token(), "name": name}
        if password is not None:
            form["password"] = password
        answer = self.post("/login", form)
        assert (answer.status, answer.location) == (303, "/"), answer.text


@pytest.fixture
def leads_store(store: Store) -> Store:
    leads_in(store)
    return store
