"""Who uses the inbox: password hashes, signed cookies, and the forms' CSRF tokens.

Passwords are kept as PBKDF2-SHA256 hashes with their salt and iteration count
(`kulak inbox --hash-password`), so the settings file never holds a password. Cookies
carry their value and an HMAC of it under the inbox's secret: nobody can forge a session
or a name. Each form carries an HMAC of the session cookie, so another site cannot post
on a signed-in user's behalf.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, unquote

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000  # OWASP's figure for PBKDF2-SHA256 (2023)
SESSION_DAYS = 14


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    """'pbkdf2_sha256$ITERATIONS$SALT$HASH', salt and hash in URL-safe base64."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return "$".join((ALGORITHM, str(iterations), _b64(salt), _b64(digest)))


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches; a malformed hash matches nothing. Slow on purpose."""
    try:
        algorithm, iterations, salt, digest = stored.split("$")
        expected = _unb64(digest)
        tried = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
    except ValueError:
        return False
    return algorithm == ALGORITHM and hmac.compare_digest(tried, expected)


@cache
def decoy() -> str:
    """Checked against when the name is unknown, so a wrong name takes as long as a wrong
    password and does not tell which names exist."""
    return hash_password(secrets.token_hex(8))


@dataclass(frozen=True)
class Session:
    """The session cookie's content: a random id, who signed in ("" for nobody yet), and
    when it was issued (Unix seconds)."""

    nonce: str
    name: str
    issued: int

    @classmethod
    def new(cls, name: str, now: float) -> Session:
        return cls(secrets.token_urlsafe(16), name, int(now))


class Signer:
    """HMAC-SHA256 under the inbox's secret, for cookies and forms."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _mac(self, purpose: str, value: str) -> str:
        message = f"{purpose}\0{value}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def sign(self, purpose: str, value: str) -> str:
        """A cookie value: the text percent-encoded, a dot, its MAC."""
        return f"{quote(value, safe='')}.{self._mac(purpose, value)}"

    def unsign(self, purpose: str, signed: str) -> str | None:
        encoded, _, mac = signed.rpartition(".")
        value = unquote(encoded)
        return value if _same(mac, self._mac(purpose, value)) else None

    def session_cookie(self, session: Session) -> str:
        return self.sign("session", f"{session.issued}:{session.nonce}:{session.name}")

    def session(self, cookie: str | None, now: float) -> Session | None:
        """The session a cookie carries, if it is ours and not older than SESSION_DAYS."""
        value = self.unsign("session", cookie) if cookie else None
        if value is None:
            return None
        issued, nonce, name = value.split(":", 2)
        if not issued.isdigit() or now - int(issued) > SESSION_DAYS * 86400:
            return None
        return Session(nonce, name, int(issued))

    def csrf_token(self, session: Session) -> str:
        return self._mac("csrf", f"{session.issued}:{session.nonce}:{session.name}")

    def csrf_ok(self, session: Session, token: str) -> bool:
        return _same(token, self.csrf_token(session))


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of text from outside (any characters) with ours."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from exc
