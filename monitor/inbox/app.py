"""The inbox as a small ASGI application: a few pages rendered on the server, and POST
forms for the same actions as the Slack buttons.

Who acts is the signed-in user (settings `inbox.users`), the user a trusted reverse proxy
names (`inbox.trusted_header`), or, on this machine only, a name asked once. Every POST
carries a CSRF token (an HMAC of the session cookie); cookies are HttpOnly and
SameSite=Strict; post text is escaped by the templates, links to sources are http(s)
only, and the pages load no script at all (the Content-Security-Policy says so). Store
calls run in worker threads: a slow database never stalls the service's loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from alerts.render import environment
from alerts.slack_blocks import RELABELS
from alerts.wording import sentiment_words
from monitor.config import LOOPBACK, Settings
from monitor.i18n import language
from monitor.inbox import leads as inbox_leads
from monitor.inbox.auth import Session, Signer, check_password, decoy
from monitor.store import Store
from monitor.triage import ACTIONS, act, correct_sentiment

log = logging.getLogger(__name__)

SESSION, FLASH = "kulak_session", "kulak_flash"
MAX_BODY = 64 * 1024
MAX_NAME = 60
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    form: dict[str, str]


class TooLarge(Exception):
    pass


async def read_request(scope: Scope, receive: Receive) -> Request:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    cookies: dict[str, str] = {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
        cookies = {name: morsel.value for name, morsel in jar.items()}
    except CookieError:  # a malformed Cookie header: as if there were none
        cookies = {}
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            raise TooLarge
        if not message.get("more_body"):
            break
    form: dict[str, str] = {}
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        pairs = parse_qsl(body.decode("utf-8", "replace"), max_num_fields=50)
        form = dict(reversed(pairs))  # the first of a repeated field wins
    query = dict(reversed(parse_qsl(scope.get("query_string", b"").decode("latin-1"))))
    return Request(scope["method"], scope["path"], query, headers, cookies, form)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None
    cookies: list[str] = field(default_factory=list)

    async def send(self, send: Send) -> None:
        headers = [(b"content-type", self.content_type.encode()), *SECURITY_HEADERS]
        if self.location:
            headers.append((b"location", self.location.encode("latin-1")))
        headers += [(b"set-cookie", cookie.encode("latin-1")) for cookie in self.cookies]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def redirect(location: str) -> Response:
    return Response(303, location=location)


def safe_back(back: str, default: str) -> str:
    """Only a path on this site: a form can never send a user elsewhere."""
    local = back.startswith("/") and not back.startswith("//") and "\\" not in back
    if local and back.isascii() and back.isprintable():
        return back
    return default


class Inbox:
    """The ASGI application (`uvicorn.Config(app=Inbox(...))`)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store, self.settings, self.clock = store, settings, clock
        self.options = settings.inbox
        secret = self.options.secret
        self.signer = Signer(secret.get_secret_value().encode() if secret else os.urandom(32))
        self.tz = settings.general.timezone
        self.lang = language(settings.general.language)
        self.css = (files("templates") / "inbox.css").read_bytes()
        # Password checks are slow on purpose: a burst of sign-ins may use two cores, no more.
        self.checking = asyncio.Semaphore(2)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            request = await read_request(scope, receive)
        except TooLarge:
            await Response(413, b"Too large", "text/plain").send(send)
            return
        try:
            response = await self.handle(request)
        except Exception:  # the store failing: tell the user, keep serving
            log.exception("inbox: %s %s failed", request.method, request.path)
            response = self.page(
                "inbox_message.html",
                500,
                message=self.lang.gettext("kulak could not do that; see its log."),
            )
        await response.send(send)

    # -- who is asking -----------------------------------------------------------------

    def host_ok(self, request: Request) -> bool:
        """Without users or a proxy, only a page opened on this machine by its loopback
        name: another site rebinding its name to 127.0.0.1 cannot reach the inbox."""
        if self.options.users or self.options.trusted_header:
            return True
        host = urlsplit("//" + request.headers.get("host", "")).hostname or ""
        return host in LOOPBACK

    def who(self, request: Request, session: Session) -> str | None:
        header = self.options.trusted_header
        if header:
            return request.headers.get(header.lower(), "").strip()[:MAX_NAME] or None
        if self.options.users and session.name not in self.options.users:
            return None  # signed in once, since taken out of the settings
        return session.name or None

    def cookie(self, name: str, value: str, max_age: int) -> str:
        flags = f"Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict"
        return f"{name}={value}; {flags}" + ("; Secure" if self.options.secure_cookies else "")

    # -- routing -----------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        if request.path == "/inbox.css":
            return Response(200, self.css, "text/css; charset=utf-8")
        if not self.host_ok(request):
            return Response(
                421, b"Open the inbox at http://127.0.0.1 on this machine.", "text/plain"
            )
        now = self.clock().timestamp()
        session = self.signer.session(request.cookies.get(SESSION), now)
        fresh = session is None
        if session is None:
            session = Session.new("", now)
        who = self.who(request, session)
        if request.method == "POST":
            token = request.form.get("csrf", "")
            if fresh or not self.signer.csrf_ok(session, token):
                log.warning("inbox: a form without a valid CSRF token was refused")
                response = self.page(
                    "inbox_message.html",
                    403,
                    message=self.lang.gettext(
                        "This form has expired or did not come from the inbox: "
                        "reload the page and try again."
                    ),
                )
            else:
                response = await self.post(request, session, who)
        elif request.method in ("GET", "HEAD"):
            response = await self.get(request, session, who)
        else:
            response = Response(405, b"Method not allowed", "text/plain")
        if fresh:
            cookie = self.signer.session_cookie(session)
            response.cookies.append(self.cookie(SESSION, cookie, 14 * 86400))
        return response

    async def get(self, request: Request, session: Session, who: str | None) -> Response:
        if request.path == "/login":
            return self.login_page(session, who)
        if who is None:
            return redirect("/login")
        flash = self.signer.unsign("flash", request.cookies.get(FLASH, "")) or ""
        context = {"who": who, "csrf": self.signer.csrf_token(session), "flash": flash}
        if request.path == "/":
            filters = inbox_leads.Filters.from_query(request.query)
            found = await asyncio.to_thread(
                inbox_leads.listing, self.store, self.settings, filters, self.clock()
            )
            back = "/" + ("?" + filters.query() if filters.query() else "")
            response = self.page(
                "inbox_leads.html", 200, listing=found, filters=filters, back=back, **context
            )
        elif request.path == "/lead":
            key = request.query.get("key", "")
            found = await asyncio.to_thread(inbox_leads.lead, self.store, key)
            if found is None:
                return self.page(
                    "inbox_message.html", 404, message=self.lang.gettext("No such lead."), **context
                )
            thread = await asyncio.to_thread(
                inbox_leads.thread, self.store, self.settings, found.alert
            )
            back = "/lead?key=" + quote(key, safe="")
            response = self.page(
                "inbox_lead.html", 200, lead=found, thread=thread, back=back, **context
            )
        else:
            return self.page(
                "inbox_message.html", 404, message=self.lang.gettext("No such page."), **context
            )
        if flash:
            response.cookies.append(self.cookie(FLASH, "", 0))
        return response

    async def post(self, request: Request, session: Session, who: str | None) -> Response:
        if request.path == "/login":
            return await self.login(request, session)
        if request.path == "/logout":
            response = redirect("/login")
            signed_out = Session.new("", self.clock().timestamp())
            response.cookies.append(
                self.cookie(SESSION, self.signer.session_cookie(signed_out), 14 * 86400)
            )
            return response
        if who is None:
            return redirect("/login")
        if request.path in ("/act", "/label"):
            return await self.act(request, who)
        return Response(404, b"No such form", "text/plain")

    # -- pages -------------------------------------------------------------------------

    def page(self, template: str, status: int, **context: Any) -> Response:
        context.setdefault("who", None)
        context.setdefault("flash", "")
        html = (
            environment(self.lang.code)
            .get_template(template)
            .render(
                tz=self.tz, relabels=RELABELS, proxied=bool(self.options.trusted_header), **context
            )
        )
        return Response(status, html.encode())

    def login_page(
        self, session: Session, who: str | None, status: int = 200, problem: str = ""
    ) -> Response:
        if self.options.trusted_header:
            message = self.lang.gettext(
                "kulak takes who you are from the {header} header your proxy sets: open the "
                "inbox through the proxy."
            ).format(header=self.options.trusted_header)
            if who:
                return redirect("/")
            return self.page("inbox_message.html", 401, message=message)
        return self.page(
            "inbox_login.html",
            status,
            csrf=self.signer.csrf_token(session),
            passwords=bool(self.options.users),
            problem=problem,
            who=who,
        )

    async def login(self, request: Request, session: Session) -> Response:
        if self.options.trusted_header:
            return self.login_page(session, None)
        name = request.form.get("name", "").strip()
        users = self.options.users
        if users:
            stored = users.get(name)
            hashed = stored.get_secret_value() if stored else decoy()
            password = request.form.get("password", "")
            async with self.checking:
                matched = await asyncio.to_thread(check_password, password, hashed)
            ok = matched and stored is not None
            problem = "Wrong name or password."
        else:
            ok = 0 < len(name) <= MAX_NAME and name.isprintable()
            problem = f"Give a name of 1 to {MAX_NAME} characters."
        if not ok:
            log.warning("inbox: a sign-in was refused")
            return self.login_page(session, None, 401, problem)
        signed_in = Session.new(name, self.clock().timestamp())
        response = redirect("/")
        response.cookies.append(
            self.cookie(SESSION, self.signer.session_cookie(signed_in), 14 * 86400)
        )
        return response

    async def act(self, request: Request, who: str) -> Response:
        key = request.form.get("key", "")
        found = await asyncio.to_thread(inbox_leads.lead, self.store, key)
        if found is None:
            return self.page(
                "inbox_message.html", 404, message=self.lang.gettext("No such lead."), who=who
            )
        now = self.clock()
        if request.path == "/label":
            label = request.form.get("label", "")
            if label not in RELABELS:
                return Response(400, b"Unknown label", "text/plain")
            await asyncio.to_thread(correct_sentiment, self.store, found.alert, label, who, now)
            words = sentiment_words(who, RELABELS[label], self.lang)
        else:
            action = request.form.get("action", "")
            if action not in ACTIONS:
                return Response(400, b"Unknown action", "text/plain")
            outcome = await asyncio.to_thread(
                act, self.store, found.alert, action, who, now, self.tz, self.lang
            )
            words = outcome.words
        log.info("inbox: %s on %s: %s", who, key, words)
        response = redirect(
            safe_back(request.form.get("back", ""), "/lead?key=" + quote(key, safe=""))
        )
        response.cookies.append(self.cookie(FLASH, self.signer.sign("flash", words), 60))
        return response
