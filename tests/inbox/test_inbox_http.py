"""The inbox over real HTTP (uvicorn on 127.0.0.1) on SQLite and PostgreSQL: the leads
and their filters, a lead in its thread, the actions, and what it refuses."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest

from monitor.config import ConfigError
from monitor.inbox.auth import hash_password
from tests.inbox.conftest import HOSTILE, NOW, Client, inbox_settings, serving

COMPLAINT = "opportunity:Demlik:hackernews:101"
HOSTILE_KEY = "opportunity:Demlik:hackernews:104"


def titles(page: str) -> list[str]:
    return [line for line in page.splitlines() if "<h2><a href=" in line]


def test_leads_filter_and_show_a_post_in_its_thread(leads_store):
    older = replace(
        leads_store.alert_by_key(COMPLAINT),
        key="opportunity:Demlik:hackernews:99",
        created_at=NOW - timedelta(days=2),
    )
    leads_store.add_alert(older, [])
    with serving(leads_store, inbox_settings()) as url:
        client = Client(url)
        assert client.get("/").location == "/login"  # a name first
        client.sign_in("Ayşe")

        everything = client.get("/")
        greek = client.get("/?language=el")
        brand = client.get("/?" + urlencode({"target": "Kahve Durağı"}))
        questions = client.get("/?intent=question&source=hackernews")
        last_day = client.get("/?age=24h")
        nonsense = client.get("/?age=forever&state=lost")
        thread = client.get("/lead?key=" + COMPLAINT)

    assert everything.status == 200 and len(titles(everything.text)) == 5
    assert len(titles(last_day.text)) == 4 and "hackernews%3A99" not in last_day.text
    assert titles(nonsense.text) == titles(everything.text)  # unknown values: defaults
    assert [t for t in titles(greek.text) if "hackernews%3A103" in t] == titles(greek.text)
    assert len(titles(greek.text)) == 1
    assert len(titles(brand.text)) == 1 and "105" in titles(brand.text)[0]
    assert len(titles(questions.text)) == 1 and "103" in titles(questions.text)[0]
    page = thread.text
    # the parent (Demlik's own post), the complaint, and Demlik's answer, marked
    parent = page.index("new autumn menu is here!")
    post = page.index("Demlik Cafe lost my order again")
    answer = page.index("So sorry Bora, we sent you a voucher.")
    assert parent < post < answer
    assert "Demlik's own post" in page[:parent] and "Demlik's answer" in page[post:answer]
    assert 'href="https://news.ycombinator.com/item?id=101"' in page


def test_take_it_reply_and_a_second_taker_is_told_who(leads_store):
    with serving(leads_store, inbox_settings()) as url:
        ayse, mehmet = Client(url), Client(url)
        ayse.sign_in("Ayşe")
        mehmet.sign_in("Mehmet")
        page = ayse.get("/")

        taken = ayse.post(
            "/act",
            {"csrf": page.token(), "key": COMPLAINT, "action": "claim", "back": "//evil.example"},
        )
        told = ayse.get(taken.location)
        other_page = mehmet.get("/lead?key=" + COMPLAINT)
        refused = mehmet.post(
            "/act", {"csrf": other_page.token(), "key": COMPLAINT, "action": "claim"}
        )
        mehmet_told = mehmet.get(refused.location)
        replied = ayse.post(
            "/act", {"csrf": page.token(), "key": COMPLAINT, "action": "replied", "back": "/"}
        )
        open_leads = ayse.get(replied.location)
        done = ayse.get("/?state=replied")

    assert taken.status == 303 and taken.location == "/lead?key=" + quote(COMPLAINT, safe="")
    assert "Ayşe took it at 15:00" in told.text
    assert "Ayşe has it since 15:00" in mehmet_told.text
    (row,) = leads_store.triage_rows([COMPLAINT]).values()
    assert (row.state, row.claimed_by, row.closed_by) == ("replied", "Ayşe", "Ayşe")
    assert "Ayşe replied at 15:00" in open_leads.text
    assert COMPLAINT.replace(":", "%3A") not in open_leads.text.split('id="count"')[1]
    assert len(titles(done.text)) == 1 and "Ayşe replied at 21 Nov 15:00" in done.text


def test_a_sentiment_correction_is_kept_as_the_teams_label(leads_store):
    with serving(leads_store, inbox_settings()) as url:
        client = Client(url)
        client.sign_in("Ayşe")
        page = client.get("/lead?key=" + COMPLAINT)
        said = client.post(
            "/label",
            {"csrf": page.token(), "key": COMPLAINT, "label": "neu", "back": "/?target=Ağ\r\nX: 1"},
        )
        after = client.get(said.location)

    assert said.location == "/lead?key=" + quote(COMPLAINT, safe="")  # not a raw header
    (label,) = leads_store.iter_labels()
    assert (label.label, label.who, label.target, label.external_id) == (
        "neu",
        "Ayşe",
        "Demlik",
        "101",
    )
    assert "Ayşe says it is neutral: kulak learns from it" in after.text
    assert "The team says neutral (Ayşe)." in after.text


def test_a_form_without_its_sessions_token_is_refused(leads_store):
    with serving(leads_store, inbox_settings()) as url:
        ayse, mallory = Client(url), Client(url)
        ayse.sign_in("Ayşe")
        mallory.sign_in("Mallory")
        mallorys_token = mallory.get("/").token()
        claim = {"key": COMPLAINT, "action": "claim"}

        no_token = ayse.post("/act", claim)
        wrong = ayse.post("/act", {**claim, "csrf": "0" * 64})
        borrowed = ayse.post("/act", {**claim, "csrf": mallorys_token})
        no_cookie = Client(url).post("/act", {**claim, "csrf": mallorys_token})
        odd = ayse.post("/act", {**claim, "csrf": "ç" * 64})

    assert [a.status for a in (no_token, wrong, borrowed, no_cookie, odd)] == [403] * 5
    assert "did not come from the inbox" in wrong.text
    assert leads_store.triage_rows([COMPLAINT]) == {}


def test_only_named_users_with_their_password_sign_in(leads_store):
    hashed = hash_password("correct horse battery", iterations=1000)
    settings = inbox_settings(f"\ninbox:\n  host: 0.0.0.0\n  users:\n    ayse: '{hashed}'\n")
    with serving(leads_store, settings) as url:
        client = Client(url)
        login = client.get("/login")
        wrong = client.post(
            "/login", {"csrf": login.token(), "name": "ayse", "password": "wrong horse"}
        )
        unknown = client.post(
            "/login", {"csrf": login.token(), "name": "nobody", "password": "correct horse battery"}
        )
        still_out = client.get("/")
        client.sign_in("ayse", "correct horse battery")
        signed_in = client.get("/")
        signed_out = client.post("/logout", {"csrf": signed_in.token()})
        after = client.get("/")

    assert (wrong.status, unknown.status) == (401, 401)
    assert "Wrong name or password." in wrong.text and "Wrong name or password." in unknown.text
    assert still_out.location == "/login"
    assert signed_in.status == 200 and '<span class="who">ayse</span>' in signed_in.text
    assert signed_out.location == "/login" and after.location == "/login"
    assert hashed not in login.text + signed_in.text


def test_a_user_taken_out_of_the_settings_is_signed_out(leads_store):
    hashed = hash_password("correct horse battery", iterations=1000)
    secret = {"KULAK_INBOX_SECRET": "kept-across-restarts-0123456789"}
    section = "\ninbox:\n  secret: ${KULAK_INBOX_SECRET}\n  users:\n"
    both = inbox_settings(f"{section}    ayse: '{hashed}'\n    bora: '{hashed}'\n", secret)
    bora_only = inbox_settings(f"{section}    bora: '{hashed}'\n", secret)
    with serving(leads_store, both) as url:
        client = Client(url)
        client.sign_in("ayse", "correct horse battery")
    with serving(leads_store, both) as url:  # restarted, same secret: still signed in
        kept = Client(url, cookies=dict(client.cookies)).get("/")
    with serving(leads_store, bora_only) as url:
        dropped = Client(url, cookies=dict(client.cookies)).get("/")

    assert kept.status == 200 and '<span class="who">ayse</span>' in kept.text
    assert dropped.status == 303 and dropped.location == "/login"


def test_a_hostile_post_is_shown_as_text_and_its_link_dropped(leads_store):
    with serving(leads_store, inbox_settings()) as url:
        client = Client(url)
        client.sign_in("<script>alert(3)</script>")
        listing = client.get("/")
        lead = client.get("/lead?key=" + HOSTILE_KEY)

    for page in (listing, lead):
        assert "<script" not in page.text and "<img" not in page.text and "<b " not in page.text
        assert "javascript:" not in page.text
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page.text
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert HOSTILE.split(">")[0] not in lead.text
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in lead.text  # the name it was given
    assert "&lt;b onmouseover=alert(2)&gt;troll&lt;/b&gt;" in lead.text
    assert "Reply on Hacker News" not in lead.text  # its only link was javascript:


def test_cookies_are_httponly_strict_and_secure_when_asked(leads_store):
    with serving(leads_store, inbox_settings("\ninbox:\n  secure_cookies: true\n")) as url:
        first = Client(url).get("/login")
    with serving(leads_store, inbox_settings()) as url:
        plain = Client(url).get("/login")

    (cookie,) = first.headers.get_all("Set-Cookie")
    assert cookie.startswith("kulak_session=")
    assert "; HttpOnly" in cookie and "; SameSite=Strict" in cookie and "; Secure" in cookie
    assert "; Secure" not in plain.headers["Set-Cookie"]


def test_behind_a_proxy_its_header_names_the_user(leads_store):
    settings = inbox_settings("\ninbox:\n  host: 0.0.0.0\n  trusted_header: X-Forwarded-User\n")
    with serving(leads_store, settings) as url:
        stranger = Client(url).get("/")
        proxied = Client(url, headers={"X-Forwarded-User": "zeynep"})
        page = proxied.get("/")
        taken = proxied.post("/act", {"csrf": page.token(), "key": COMPLAINT, "action": "claim"})

    assert stranger.status == 303 and stranger.location == "/login"
    assert page.status == 200 and '<span class="who">zeynep</span>' in page.text
    assert taken.status == 303 and taken.location == "/lead?key=" + quote(COMPLAINT, safe="")
    (row,) = leads_store.triage_rows([COMPLAINT]).values()
    assert row.claimed_by == "zeynep"


def test_without_users_only_this_machines_names_reach_it(leads_store):
    with serving(leads_store, inbox_settings()) as url:
        rebound = Client(url, headers={"Host": "attacker.example:8765"}).get("/login")
        local = Client(url, headers={"Host": "localhost:8765"}).get("/login")

    assert rebound.status == 421 and local.status == 200


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("host: 0.0.0.0", "the inbox listens on 0.0.0.0, beyond this machine"),
        ("users: {ayse: hunter2}", "the password of 'ayse' is not a hash"),
        ("trusted_header: 'X-User: admin'", "is not a header name"),
    ],
)
def test_unsafe_inbox_settings_are_refused_by_name(section, problem):
    with pytest.raises(ConfigError, match=problem) as raised:
        inbox_settings(f"\ninbox:\n  {section}\n")
    assert "hunter2" not in str(raised.value)
