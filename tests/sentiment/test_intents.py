"""Intents read from the words alone, in Turkish and Greek as in English: each phrasing here
is the cue, whatever the sentiment score says (so none is found by the tone alone)."""

import random
import re

import pytest

from monitor.folding import fold
from monitor.sentiment.intent import (
    CUE_THEN_TARGET,
    OTHER,
    TARGET,
    TARGET_THEN_CUE,
    _leaves_target,
    intents,
    marked,
)


def cued(text: str) -> tuple[str, ...]:
    return intents(fold(text), None)


PHRASINGS = {
    "switching": {
        "en": [
            "Never again, worst delivery of my life",
            "We won't be coming back to that branch",
            "I will not order from them again",
            "Cancelling my subscription tonight",
        ],
        "tr": [
            "Bir daha gelmem buraya",
            "Bu mağazaya bir daha asla gitmem",
            "Bir daha bu markadan almam",
            "Tövbe, bir daha sipariş vermeyeceğim",
            "Artık bu uygulamayı kullanmıyorum",
            "Bundan sonra oradan alışveriş yapmayacağım",
            "Artık müşteriniz değilim",
            "Hesabımı kapatıyorum, yeter",
            "Kartımı iptal ettim",
            "Numaramı başka operatöre taşıyorum",
            "Başka markete gideceğim bundan sonra",
            "Bu bankadan vazgeçtim",
            "Aboneliğimden vazgeçmeyi düşünüyorum",
        ],
        "el": [
            "Δεν ξαναπατάω σε αυτό το κατάστημα",
            "Δεν θα ξαναπατήσω το πόδι μου εκεί",
            "Δεν θα το ξαναγοράσω",
            "Ποτέ ξανά από αυτή την εταιρεία",
            "Δεν θα έρθω ξανά",
            "Κλείνω τον λογαριασμό μου αύριο",
            "Ακυρώνω τη συνδρομή μου",
            "Κάνω φορητότητα τον άλλο μήνα",
            "Πάω σε άλλη τράπεζα",
        ],
    },
    "complaint": {
        "en": [
            "The app keeps crashing",
            "Still not refunded after a month",
            "No signal in the whole building",
        ],
        "tr": [
            "Uygulama sürekli çöküyor",
            "Kargom hâlâ gelmedi",
            "İki kez para çekildi kartımdan",
            "Paramı iade etmiyorlar",
            "Müşteri hizmetlerine ulaşamıyorum",
            "Kimse ilgilenmiyor, bıktım",
            "Fazladan ücret yansımış faturama",
        ],
        "el": [
            "Η εφαρμογή κολλάει κάθε πρωί",
            "Μου χρέωσαν τη συνδρομή δύο φορές",
            "Ακόμα περιμένω την επιστροφή χρημάτων",
            "Κανείς δεν απαντά στο τηλέφωνο",
            "Τρεις μέρες χωρίς ίντερνετ",
            "Δεν δουλεύει η κάρτα μου",
        ],
    },
    "question": {
        "en": [
            "Can anyone recommend a bank with a decent app",
            "Which one is better for roaming",
        ],
        "tr": [
            "Faturayı nasıl iptal edebilirim bilen var",
            "Hangisi daha hızlı kargo",
            "Bu kartı kullanan var mı",
            "Aboneliği nasıl iptal ederim",
        ],
        "el": [
            "Ξέρει κανείς αν ανοίγει το κατάστημα την Κυριακή",
            "Πώς μπορώ να αλλάξω το πρόγραμμα",
            "Έχει κανείς εμπειρία με αυτή την τράπεζα",
            "Πότε θα λειτουργήσει ξανά η εφαρμογή;",
            "Πότε θα λειτουργήσει ξανά η εφαρμογή\u037e",
        ],
    },
    "praise": {
        "en": ["Thank you for the quick fix", "Well done, the new app is great"],
        "tr": [
            "Eline sağlık, harika hizmet",
            "Çok memnun kaldım",
            "İyi ki varsınız",
            "Emeğinize sağlık ekibin",
        ],
        "el": [
            "Άψογη εξυπηρέτηση από το κατάστημα",
            "Πολύ ευχαριστημένη από την αγορά",
            "Είστε οι καλύτεροι",
            "Εξαιρετική δουλειά από το προσωπικό",
        ],
    },
}


@pytest.mark.parametrize(
    ("intent", "lang", "text"),
    [
        (intent, lang, text)
        for intent, by_lang in PHRASINGS.items()
        for lang, texts in by_lang.items()
        for text in texts
    ],
)
def test_each_intent_in_each_language(intent, lang, text):
    assert intent in cued(text)


@pytest.mark.parametrize(
    "text",
    [
        "Bir daha gelirim kesinlikle",  # I will come again
        "Bir daha gelmem lazım, bugün kapalıydı",  # I need to come again
        "Yarın bir daha deneyeceğim",
        "Artık çalışıyor, sorun çözüldü",
        "Hesabımı kontrol ettim",
        "Θα ξαναέρθω σίγουρα",
        "Ξαναπήγα χθες και ήταν τέλεια",
        "Την τελευταία φορά ήταν καλά",
        "I will come back next week",
        # cannot / will not give up, indispensable: loyalty, not leaving
        "Sabah kahvemden vazgeçemem",
        "Cuma günleri vazgeçemediğim tek yer",
        "Bu pastane benim için vazgeçilmez",
        "Ne olursa olsun bu markadan vazgeçmiyorum",
        "Asla vazgeçmem",
    ],
)
def test_coming_back_is_not_leaving(text):
    assert "switching" not in cued(text)


@pytest.mark.parametrize(
    "text",
    [
        "Mağaza pazartesi açılıyor",
        "Το κατάστημα ανοίγει στις εννιά",
        "Yeni şube Kadıköy'de",
        "Η τράπεζα ανακοίνωσε νέα προγράμματα",
    ],
)
def test_a_plain_report_has_no_intent(text):
    assert cued(text) == ()


def test_leaving_a_target_is_found_as_a_search_of_the_whole_text_finds_it():
    """Cues that end at the target are looked for only up to its last mention: on shuffled
    cue words, targets and punctuation, that finds what one search for every cue finds."""
    every_cue = re.compile(f"{CUE_THEN_TARGET.pattern}|{TARGET_THEN_CUE.pattern}")
    words = [
        *("left", "switched", "from", "away", "alternatives", "to", "cancelled", "my", "with"),
        *("done", "instead", "of", "bye", "the", "'den", "'i", "vazgectim", "biraktim", "yerine"),
        *("φευγω", "απο", "κλεινω", "τελος", "με", "την", TARGET, TARGET, OTHER, ",", ".", "!"),
    ]
    rng = random.Random(20)
    found = []
    for _ in range(5000):
        text = "".join(rng.choice(words) + rng.choice(["", " ", "  ", "\n"]) for _ in range(8))
        expected = TARGET in text and every_cue.search(text) is not None
        assert _leaves_target(text) == expected, text
        found.append(expected)
    assert 100 < sum(found) < 4900


def test_a_post_that_carries_the_marks_is_not_read_as_naming_a_target():
    """Kulak marks mentions with two private-use characters; a post's own fold to spaces."""
    assert fold(f"Demlik{TARGET}{OTHER}") == "demlik  "
    assert intents(f"i left {TARGET} yesterday", None) == ("switching",)  # kulak's mark
    assert cued(f"I left {TARGET} yesterday") == ()  # the post's own character


def test_a_cue_is_read_from_the_nearest_mention_of_the_target():
    """Never across another mark of the same target, so a post naming it thousands of
    times is searched in time linear in its length (it was quadratic: 20 seconds for
    40,000 characters)."""
    text = f"{TARGET} {TARGET}'i biraktim"
    assert TARGET_THEN_CUE.search(text).start() == text.rindex(TARGET)
    post = "Demlik'i bıraktım " + "Demlik " * 3000
    spans = [found.span() for found in re.finditer("Demlik", post)]
    assert intents(marked(post, spans, []), None) == ("switching",)
