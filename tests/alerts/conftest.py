"""Sample alerts and a digest (invented posts in Turkish, Greek and English, one hostile),
and the real local peers channels talk to: a Slack Web API server and an SMTP server."""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from monitor.alert import Alert, AlertPost
from monitor.digest import DayCount, Digest, ResponseGap, TargetDigest, sections, target_sections

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
HOSTILE_TEXT = (
    "<script>alert(1)</script> @channel @here <!everyone> <https://evil.example|your invoice> "
    "*bold* & <@U024BE7LH> fake ping"
)


def hn_post(item: int, text: str, minutes_ago: int, **details: Any) -> AlertPost:
    """A complaint seen on Hacker News `minutes_ago` before NOW."""
    return AlertPost(
        source="hackernews",
        external_id=str(item),
        url=details.pop("url", f"https://news.ycombinator.com/item?id={item}"),
        text=text,
        created_at=NOW - timedelta(minutes=minutes_ago),
        intents=details.pop("intents", ("complaint",)),
        **details,
    )


TURKISH_POST = hn_post(
    41000001,
    "Kahve Durağı uygulaması yine çöktü, siparişim iki saattir gelmedi. Berbat!",
    40,
    author_handle="ayse_k",
    author_name="Ayşe K.",
    author_followers=12800,
    lang="tr",
    compound=-0.71,
    likes=230,
    reposts=41,
)
HOSTILE_POST = hn_post(
    41000002,
    HOSTILE_TEXT,
    20,
    url="javascript:alert(document.cookie)",
    author_handle="troll",
    author_name="<b>@channel</b>",
    lang="en",
    compound=-0.4,
)
GREEK_POST = hn_post(
    41000003,
    "Το Φρέσκο Καφέ άργησε πάλι μία ώρα. Ξέρει κανείς καλύτερη εναλλακτική;",
    120,
    author_handle="nikos_p",
    author_followers=940,
    lang="el",
    compound=-0.55,
    intents=("complaint", "question"),
    likes=12,
)
ENGLISH_POST = hn_post(
    41000004,
    "Kahve Durağı charged me twice and support has ignored me for 3 days.",
    60,
    author_handle="sam_writes",
    author_name="Sam",
    author_followers=154000,
    lang="en",
    compound=-0.62,
    likes=1900,
    reposts=420,
    replies=88,
)

SPIKE = Alert(
    key="spike:Kahve Durağı:2026-11-21T09",
    kind="spike",
    title="Negative spike for Kahve Durağı",
    summary="37 negative mentions in the last hour, against a usual 4.",
    created_at=NOW,
    target="Kahve Durağı",
    target_kind="brand",
    severity="critical",
    posts=(TURKISH_POST, HOSTILE_POST),
    facts={"baseline": 4.2, "now": 37, "factor": 8.8, "negative_share": 0.62},
)
RISK = Alert(
    key="risk:hackernews:41000004",
    kind="risk",
    title="High-reach complaint about Kahve Durağı",
    summary="A post by an account with 154k followers, reposted 420 times.",
    created_at=NOW,
    target="Kahve Durağı",
    target_kind="brand",
    severity="critical",
    posts=(ENGLISH_POST,),
    facts={"reach": 154000},
)
OPPORTUNITY = Alert(
    key="opportunity:hackernews:41000003",
    kind="opportunity",
    title="Unhappy Φρέσκο customer asking for an alternative",
    summary="A Φρέσκο customer complains about a late order and asks for alternatives.",
    created_at=NOW,
    target="Φρέσκο",
    target_kind="competitor",
    severity="info",
    posts=(GREEK_POST,),
)
HEALTH = Alert(
    key="health:reddit:2026-11-21",
    kind="health",
    title="Source reddit keeps failing",
    summary="5 runs in a row failed: 401 Unauthorized.",
    created_at=NOW,
    severity="warning",
    facts={"consecutive_failures": 5, "last_error": "auth_failed"},
)


def series(counts: list[tuple[int, int]], end: date = TODAY) -> tuple[DayCount, ...]:
    start = end - timedelta(days=len(counts) - 1)
    return tuple(
        DayCount(start + timedelta(days=i), mentions, negative)
        for i, (mentions, negative) in enumerate(counts)
    )


@pytest.fixture
def digest() -> Digest:
    every = sections([SPIKE, OPPORTUNITY, RISK, HEALTH])
    brand = TargetDigest(
        name="Kahve Durağı",
        kind="brand",
        series=series([(40, 6), (38, 5), (45, 7), (41, 6), (39, 5), (60, 12), (120, 58)]),
        complaints=(ENGLISH_POST, TURKISH_POST, HOSTILE_POST),
        sections=target_sections(every, "Kahve Durağı"),
    )
    competitor = TargetDigest(
        name="Φρέσκο",
        kind="competitor",
        series=series([(20, 3), (22, 4), (18, 2), (25, 6), (21, 3), (19, 4), (24, 9)]),
        complaints=(GREEK_POST,),
        sections=target_sections(every, "Φρέσκο"),
    )
    return Digest(
        day=NOW.date(),
        timezone="Europe/Istanbul",
        generated_at=NOW,
        targets=(brand, competitor),
        sections=every,
        response_gap=(
            ResponseGap("Kahve Durağı", "brand", 40, 14, 185.0),
            ResponseGap("Φρέσκο", "competitor", 25, 17, 42.0),
        ),
    )


# -- a local Slack Web API ---------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"ok": True, "channel": "C0KAHVE", "ts": "1.1"})
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.time)  # when the message was posted


class SlackServer:
    """Speaks enough of the Slack Web API and incoming webhooks for slack-sdk; replies
    follow the script in `replies` (then 200 ok), every request is kept in `received`."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: list[Received] = []
        self.replies: list[Reply] = []
        self.routes: dict[str, Reply] = {}  # a method's fixed answer, before the script
        self.delay = delay  # seconds before each answer, like a slow peer
        self.arrived = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                kind = self.headers.get("Content-Type", "")
                body = dict(parse_qsl(raw.decode())) if "urlencoded" in kind else None
                with server.arrived:
                    server.received.append(
                        Received(self.path, dict(self.headers), body or json.loads(raw or b"{}"))
                    )
                    server.arrived.notify_all()
                time.sleep(server.delay)  # posted; the answer is slow to come back
                reply = server.routes.get(self.path) or (
                    server.replies.pop(0) if server.replies else Reply()
                )
                if self.path.startswith("/services/") and reply.body == Reply().body:
                    reply = Reply(body="ok")  # webhooks answer plain "ok"
                body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                self.send_response(reply.status)
                kind = "text/plain" if isinstance(reply.body, str) else "application/json"
                self.send_header("Content-Type", kind)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def posted(self) -> list[Received]:
        """The messages posted (chat.postMessage, or to a webhook), not their updates."""
        return [r for r in list(self.received) if not r.path.endswith("/chat.update")]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """The requests to `path` once there are `count` of them (fails after `timeout`)."""
        with self.arrived:
            self.arrived.wait_for(
                lambda: len([r for r in self.received if r.path == path]) >= count, timeout
            )
        found = [r for r in self.received if r.path == path]
        assert len(found) >= count, f"{len(found)} requests to {path}, expected {count}"
        return found

    def __enter__(self) -> SlackServer:
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slack_server() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


# -- peers that are down ----------------------------------------------------------------


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel does) but never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def closed_port() -> int:
    """A port nobody listens on: connecting is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# -- a local SMTP server ------------------------------------------------------------------

USER, PASSWORD = "kulak", "s3cret-Şifre"


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping what it accepts; `data_reply` makes it refuse instead."""

    messages: list[Any] = field(default_factory=list)
    data_reply: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        self.messages.append(envelope)
        return "250 Message accepted"

    def only_message(self) -> EmailMessage:
        assert len(self.messages) == 1, f"expected one message, got {len(self.messages)}"
        return message_from_bytes(self.messages[0].content, policy=policy.default)


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = data.login == USER.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    ca_file: Path | None = None


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made here (nothing to download or commit)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kulak test mail")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def smtp_factory(certificate: tuple[Path, Path]) -> Iterator[Any]:
    """Start SMTP servers: plain, with STARTTLS, or implicit TLS; with or without AUTH."""
    controllers: list[Controller] = []
    cert_path, key_path = certificate

    def start(security: str = "none", auth: bool = False) -> SmtpServer:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert_path, key_path)
        mailbox = Mailbox()
        kwargs: dict[str, Any] = {}
        if security == "starttls":
            kwargs |= {"tls_context": tls, "require_starttls": True}
        if auth:
            # aiosmtpd counts only STARTTLS as TLS; an implicit-TLS session is encrypted too
            kwargs |= {"authenticator": check_login, "auth_require_tls": security == "starttls"}
        controller = Controller(
            mailbox,
            hostname="127.0.0.1",
            port=free_port(),
            ssl_context=tls if security == "tls" else None,
            server_hostname="127.0.0.1",
            **kwargs,
        )
        controller.start()
        controllers.append(controller)
        return SmtpServer(controller.port, mailbox, cert_path if security != "none" else None)

    yield start
    for controller in controllers:
        controller.stop()
