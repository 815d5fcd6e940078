"""The inbox in the team's language (kulak.language), over real HTTP."""

from __future__ import annotations

from tests.helpers import BASE_SETTINGS, make_settings
from tests.inbox.conftest import Client, serving

COMPLAINT = "opportunity:Demlik:hackernews:101"


def in_language(code: str):
    zone = "  timezone: Europe/Istanbul\n"
    return make_settings(base=BASE_SETTINGS.replace(zone, f"{zone}  language: {code}\n"))


def test_the_inbox_in_turkish(leads_store):
    with serving(leads_store, in_language("tr")) as url:
        client = Client(url)
        login = client.get("/login")
        client.sign_in("Ayşe")
        leads = client.get("/")
        lead = client.get("/lead?key=" + COMPLAINT)
        missing = client.get("/lead?key=nothing")

    assert '<html lang="tr">' in login.text and "Siz kimsiniz?" in login.text
    assert 'id="count">4 fırsat<' in leads.text and "Süz</button>" in leads.text
    assert "Memnun olmayan Demlik müşterisi" in leads.text  # the alert's title, said in Turkish
    assert "henüz kimse üstlenmedi" in leads.text and "Üstlen</button>" in leads.text
    assert "Yazışma" in lead.text and "yanıt: Demlik" in lead.text
    assert "Duygu yanlış mı? Aslında" in lead.text and ">olumsuz</button>" in lead.text
    assert missing.status == 404 and "Böyle bir fırsat yok." in missing.text


def test_the_inbox_in_greek_says_who_took_a_lead(leads_store):
    with serving(leads_store, in_language("el")) as url:
        client = Client(url)
        client.sign_in("Ελένη")
        page = client.get("/")
        done = client.post("/act", {"csrf": page.token(), "key": COMPLAINT, "action": "claim"})
        told = client.get(done.location)
        taken = client.get("/?state=claimed")

    assert "Ελένη το ανέλαβε στις 15:00" in told.text  # the action's own words
    assert "Ελένη το έχει από 21 Νοε 15:00" in taken.text
    assert "1 ευκαιρία" in taken.text
