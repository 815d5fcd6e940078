"""Invented Hacker News threads about the demo cafés.

Two weeks of everyday chatter give the detectors a baseline; in the last forty minutes
the brand's Kadıköy branch loses power and complaints pile up, so the demo shows a
negative spike next to the competitors' unhappy customers.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from monitor.replay import ReplayServer, Reply

COMMENTS = [
    (
        "ayse_k",
        3,
        "Kahve Durağı in Kadıköy has no power outlets near the windows. Two hours in, "
        "laptop dead, nobody cared when I asked. Not coming back.",
    ),
    ("nikos_p", 5, "Fresko Cafe on Ermou finally fixed their wifi, great place to work now."),
    (
        "dev_mert",
        8,
        "Anyone know an alternative to Demlik Cafe near Levent? Their app keeps "
        "losing my loyalty stamps and support never answers.",
    ),
    ("selin", 26, "Kahve Durağı's oat latte is honestly the best in Istanbul."),
    ("jo_w", 30, "Demlik Cafe was fine I guess, nothing special."),
]

#: everyday remarks, one of each target's names put in at `{}`
CHATTER = [
    "Worked from {} this morning, good coffee and a quiet corner.",
    "{} has the friendliest baristas in town, lovely place.",
    "Meeting a client at {} later, it is usually fine for calls.",
    "The new seasonal menu at {} is nice, the cinnamon roll is great.",
    "{} was packed today, had to wait a bit for a table.",
    "Bugün {} şubesinde çalıştım, kahve güzeldi, internet hızlıydı.",
    "{} çalışanları çok güler yüzlü, teşekkürler.",
    "Σήμερα δούλεψα στο {}, ωραίος καφές και ήσυχη γωνιά.",
    "Το {} έχει πολύ ευγενικό προσωπικό, μου αρέσει.",
    "The filter coffee at {} was a bit bitter today, not great.",
    "{} kahvesi bugün biraz soğuktu, hoş değil.",
]

#: the brand's bad afternoon: a power cut nobody explains
OUTAGE = [
    "Power cut at Kahve Durağı Kadıköy, card machines down and nobody tells us anything.",
    "Kahve Durağı Kadıköy'de elektrik kesildi, kartla ödeme yok, kimse bilgi vermiyor. Rezalet!",
    "Sat 30 minutes in the dark at Kahve Durağı, staff just shrugged. Awful.",
    "Kahve Durağı'nda yarım saattir elektrik yok, sipariş alınmıyor, berbat bir hizmet.",
    "Kahve Durağı Kadıköy closed the doors without a word, terrible way to treat regulars.",
    "Στο Kahve Durağı έπεσε το ρεύμα και κανείς δεν μας εξηγεί τίποτα. Απαράδεκτο.",
    "Kahve Durağı lost power, my laptop died and nobody apologised. Very disappointed.",
    "Kahve Durağı çalışanları elektrik kesintisinde müşterileri kapıya koydu, çok kötü.",
    "No power, no coffee, no explanation. Kahve Durağı Kadıköy is a mess today.",
    "Kahve Durağı'nda kesinti var, kimse ilgilenmiyor, param iade edilmedi. Şikayetçiyim.",
    "Kahve Durağı, your Kadıköy branch is in the dark and your staff is rude about it. Bad.",
    "Kahve Durağı Kadıköy: elektrik yok, kahve yok, özür yok. Berbat!",
    "Waited an hour at Kahve Durağı for a refund after the power cut. Never again.",
    "Η εξυπηρέτηση στο Kahve Durağı σήμερα ήταν χάλια, κανείς δεν ενδιαφέρθηκε.",
    "Kahve Durağı'nı arıyorum, telefon açılmıyor. Elektrik kesintisi için tek kelime yok.",
    "Kahve Durağı Kadıköy is useless today: dark, cold and the staff ignore everyone.",
    "Kahve Durağı'nda laptopum kapandı, prize bile ulaşamadık, hiç memnun değilim.",
    "Shame on Kahve Durağı, sending customers out in the rain without a word.",
    "Kahve Durağı'nın Kadıköy şubesi bugün felaket, kimse sorumluluk almıyor.",
    "Kahve Durağı staff told us to leave, no refund for the coffee we never got. Angry.",
]

TARGET_NAMES = ("Kahve Durağı", "Demlik Cafe", "Fresko Cafe")
HISTORY_DAYS = 14
STORY_ID = 42000000


def _comment(object_id: int, author: str, created: datetime, text: str) -> dict[str, Any]:
    return {
        "_tags": ["comment", f"author_{author}", f"story_{STORY_ID}"],
        "author": author,
        "comment_text": text,
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_at_i": int(created.timestamp()),
        "objectID": str(object_id),
        "parent_id": STORY_ID,
        "points": None,
        "story_id": STORY_ID,
        "story_title": "Ask HN: Where do you work from in Istanbul and Athens?",
    }


def _thread(now: datetime) -> list[tuple[str, datetime, str]]:
    """(author, time, text) of every invented comment, the same for the same `now`."""
    rng = random.Random(20261120)
    found = [(a, now - timedelta(hours=h), text) for a, h, text in COMMENTS]
    for day in range(2, HISTORY_DAYS + 1):
        for name in TARGET_NAMES:
            for _ in range(rng.randint(2, 4)):
                at = now - timedelta(days=day, minutes=rng.randint(0, 12 * 60))
                found.append((f"user{rng.randint(100, 999)}", at, rng.choice(CHATTER).format(name)))
    for index, text in enumerate(OUTAGE):
        found.append((f"guest{index + 1}", now - timedelta(minutes=4 + 2 * index), text))
    return found


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    hits = [
        _comment(STORY_ID + 1 + index, author, created, text)
        for index, (author, created, text) in enumerate(_thread(now))
    ]

    def search(request: Any) -> Reply:
        query = (request.param("query") or "").casefold()
        since = int((request.param("numericFilters") or "created_at_i>0").split(">")[1])
        found = [
            h
            for h in hits
            if h["created_at_i"] > since and query.split()[0] in h["comment_text"].casefold()
        ]
        return Reply(
            200,
            {
                "hits": found,
                "nbHits": len(found),
                "page": 0,
                "nbPages": 1,
                "hitsPerPage": len(found),
                "query": request.param("query"),
            },
        )

    replay.add("/api/v1/search_by_date", search)
    return {"type": "hackernews"}
