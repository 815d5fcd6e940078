"""`kulak run` serves the inbox in its own loop; a port already taken is logged and the
service goes on; `kulak inbox --hash-password` makes the hash the settings take."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.inbox.auth import check_password
from monitor.registry import channels
from monitor.service import Service
from tests.helpers import run
from tests.inbox.conftest import Client, inbox_settings

ROOT = Path(__file__).parents[2]


def test_the_service_serves_the_inbox_and_stops_it(sqlite_store):
    settings = inbox_settings("\ninbox:\n  port: 0\n")
    service = Service(settings, sqlite_store, channels(settings))

    async def main() -> tuple[int, str]:
        server = await service.start_inbox()
        try:
            # the test's client blocks: it runs in a thread while the loop serves
            answer = await asyncio.to_thread(Client(server.url).get, "/login")
        finally:
            await server.stop()
        return answer.status, answer.text

    status, text = run(main())
    assert status == 200 and "Who are you?" in text


def test_a_taken_port_is_logged_and_the_service_goes_on(sqlite_store, caplog):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        settings = inbox_settings(f"\ninbox:\n  port: {port}\n")
        service = Service(settings, sqlite_store, channels(settings))
        with caplog.at_level(logging.ERROR):
            server = run(service.start_inbox())

    assert server is None
    assert f"inbox: cannot listen on 127.0.0.1 port {port}" in caplog.text


def test_disabled_it_is_not_served(sqlite_store):
    settings = inbox_settings("\ninbox:\n  enabled: false\n")
    assert run(Service(settings, sqlite_store, channels(settings)).start_inbox()) is None


def test_hash_password_prints_a_hash_of_the_password_typed():
    made = CliRunner().invoke(main, ["inbox", "--hash-password"], input="s3cret pass\n" * 2)
    short = CliRunner().invoke(main, ["inbox", "--hash-password"], input="short\nshort\n")

    assert made.exit_code == 0, made.output
    hashed = made.output.strip().splitlines()[-1]
    assert hashed.startswith("pbkdf2_sha256$600000$")
    assert check_password("s3cret pass", hashed) and not check_password("s3cret", hashed)
    assert "s3cret pass" not in made.output
    assert short.exit_code == 2 and "at least 8 characters" in short.output


def test_kulak_inbox_serves_it_alone_until_sigterm(tmp_path):
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        f"kulak:\n  database: sqlite:///{tmp_path / 'kulak.sqlite3'}\n"
        "targets:\n  - name: Demlik\n    kind: competitor\n    keywords: [Demlik]\n"
        "inbox:\n  port: 0\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "monitor.cli", "inbox", "--config", str(settings)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT) as served:
        try:
            line = served.stdout.readline()
            url = re.search(r"open (http://127\.0\.0\.1:\d+)", line).group(1)
            page = Client(url).get("/login")
        finally:
            served.send_signal(signal.SIGTERM)
        assert served.wait(timeout=30) == 0

    assert page.status == 200 and "Who are you?" in page.text
