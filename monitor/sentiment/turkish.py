"""Turkish: suffix negation on verbs (-me/-ma, -mıyor, -mez, -eme "cannot"), postposed
"değil"/"yok", and -sız/-siz "without" on nouns; all compared folded (ı=i, ş=s, ü=u...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from monitor.folding import fold
from monitor.sentiment.lexicon import read_table
from monitor.sentiment.rules import NEGATED_LEAN, Hit, Rules, cached_lookup
from monitor.sentiment.stems import StemLexicon

# Folded endings, read right after the verb stem: "sevme", "sevmedim", "sevmez",
# "sevmeyen", "sevmiyor", "sevemedim"; not the infinitive "sevmek", "sevmeli" (must),
# "sevmeyi" (loving) or "sevmiş" (has loved).
VERB_NEGATION = re.compile(
    r"(?:(?:t|d[iu]r|t[iu]r)?[iu]?[ln])?"
    r"(?:y?[ea]?m[ea](?:$|z|d|m|y[ea]c|y[ea]n|y[iu]n|y[iu]z|s[iu]n|s[iu]z)|y?[ea]?m[iu]yor)"
)
NOUN_NEGATION = re.compile(r"s[iu]z")

POSTNEGATORS = frozenset(
    fold(w)
    for w in (
        *("değil", "değildi", "değilim", "değiliz", "değilsin", "değilsiniz", "değiller"),
        *("değildir", "değilmiş", "yok", "yoktu", "yoktur", "yokmuş", "olmaz", "olmadı"),
        *("olmamış", "olmuyor", "olmadım", "olmadık", "olmuyorum", "olmadılar"),
        # "memnun kalmadım" (I was not left satisfied), "sorun kalmadı" (no problem is left)
        *("kalmadı", "kalmadım", "kalmadık", "kalmadılar", "kalmıyor", "kalmaz", "kalmamış"),
    )
)
BOOSTERS = {
    fold(w): v
    for w, v in {
        **dict.fromkeys(("çok", "cok", "aşırı", "gerçekten", "cidden", "resmen"), 0.293),
        **dict.fromkeys(("acayip", "fazlasıyla", "oldukça", "epey", "bayağı", "baya"), 0.25),
        **dict.fromkeys(("en", "tam", "gayet", "inanılmaz", "müthiş", "süper"), 0.25),
        **dict.fromkeys(("kesinlikle", "tamamen", "bu kadar", "öyle", "böyle", "hep"), 0.2),
        **dict.fromkeys(("biraz", "az", "azıcık", "kısmen", "nispeten", "pek"), -0.293),
    }.items()
}
# "cevap yok" (no answer), "sözde reform" (a so-called reform): how a complaint is told
# with neutral words; leans (NEGATED_LEAN) as a Greek word after "δεν" does.
ABSENT = frozenset(fold(w) for w in ("yok", "yoktu", "yokmuş", "yoktur"))
# Words inside a noun phrase that neither lean nor end a negation's reach ("sözde bir reform").
CLITICS = frozenset(fold(w) for w in ("bir", "şey", "falan", "filan"))
# "So-called": "sözde güvenli" is not safe (Turkish negates by suffix or "değil", after the word).
NEGATORS = frozenset(fold(w) for w in ("sözde", "güya", "sözümona"))
CONTRAST = frozenset(
    fold(w) for w in ("ama", "fakat", "ancak", "lakin", "halbuki", "oysa", "rağmen", "karşın")
)
NAMES = frozenset(
    fold(w)
    for w in (
        *("umut", "ümit", "onur", "barış", "özgür", "mutlu", "sevgi", "neşe", "sevinç"),
        *("huzur", "cennet", "melek", "gönül", "kurtuluş", "zafer", "başarı"),
    )
)
TAGS = frozenset(fold(w) for w in ("değil mi", "di mi", "dimi"))
# Lexicon stems and phrases of thanking (see Rules.thanks).
# Asking for help ("yardım", "destek", 🙏) is a plea, not praise: it is read as thanks are.
THANKS = frozenset(
    fold(w)
    for w in ("teşekkür", "teşekkürler", "sağol", "sağolun", "sağ ol", "yardım", "destek", "🙏")
)
PRAISE = frozenset(
    fold(w)
    for w in ("bravo", "aferin", "tebrik", "tebrikler", "helal", "eline sağlık", "alkış", "alkışla")
)


# A verb in the negative progressive ("gelmiyor", "çalışmıyor", "açmıyorsunuz"), past
# ("yatmadı", "dönüş yapılmadı") or hearsay ("gönderilmemiş"), or saying "cannot"
# ("giremiyorum", "alamadım"), leans negative even when the verb itself is neutral: it is
# how service complaints are told. (Of five forms tried, this one had the best mean dev
# macro-F1 over the two Turkish files: Aydın 0.698 -> 0.716, Beyaz 0.721 -> 0.709.)
NEGATIVE_PROGRESSIVE = re.compile(r"\w+[^aeiou][ea]?m(?:[iu]yor|[ea]d[iu]|[ea]m[iu]s)")
NEGATIVE_PROGRESSIVE_VALENCE = -0.6


def _with_negated_verbs(lookup: Callable[[str], Hit | None]) -> Callable[[str], Hit | None]:
    def read(word: str) -> Hit | None:
        hit = lookup(word)
        if hit is None and NEGATIVE_PROGRESSIVE.match(word):
            return Hit(NEGATIVE_PROGRESSIVE_VALENCE)
        return hit

    return read


# Letters only a Turkish keyboard types: a writer who has them spells words with them.
_TURKISH_LETTERS = re.compile(r"[çşğöü]")
_LOWER = str.maketrans({"İ": "i", "I": "i", "ı": "i"})


def _lower(text: str) -> str:
    """Lower case keeping ç, ş, ğ, ö, ü; dotted and dotless i meet, as in folding."""
    return text.translate(_LOWER).lower()


@lru_cache(maxsize=1)
def _spellings() -> dict[str, frozenset[str]]:
    spelled: dict[str, set[str]] = {}
    for term in read_table("tr_lexicon.tsv", folded=False):
        term = term.rstrip("-")
        spelled.setdefault(fold(term), set()).add(_lower(term))
    return {stem: frozenset(forms) for stem, forms in spelled.items()}


def agrees(token: str, stem: str) -> bool:
    """Whether a word as written can be this folded lexicon stem.

    Folding lets "kotu" reach "kötü", but it also sends "açıyor" (opening) to "acı"
    (pain). A writer who types Turkish letters is taken at their word; the stem's last
    letter is left out, as endings change it ("kazık" in "kazığı").
    """
    if token.isascii():  # no Turkish letter, as its lower case has none either
        return True
    return _written_agrees(token, stem)


# Words and their stems repeat: the answer is remembered for the frequent ones.
@lru_cache(maxsize=4096)
def _written_agrees(token: str, stem: str) -> bool:
    written = _lower(token)
    if not _TURKISH_LETTERS.search(written):
        return True
    forms = _spellings().get(stem)
    size = len(stem) - 1
    return forms is None or any(written[:size] == form[:size] for form in forms)


@lru_cache(maxsize=1)
def rules() -> Rules:
    lexicon = StemLexicon.from_data(
        "tr_lexicon.tsv", verb_negation=VERB_NEGATION, noun_negation=NOUN_NEGATION
    )
    phrases = {t: v for t, v in read_table("tr_lexicon.tsv").items() if " " in t}
    _spellings()  # read with the rules, so the first post scored does not pay for it
    return Rules(
        lookup=cached_lookup(_with_negated_verbs(lexicon.lookup)),
        negators=NEGATORS,
        negated_lean=NEGATED_LEAN,
        absent=ABSENT,
        clitics=CLITICS,
        postnegators=POSTNEGATORS,
        boosters=BOOSTERS,
        contrast=CONTRAST,
        phrases=phrases,
        agrees=agrees,
        thanks=THANKS,
        praise=PRAISE,
        exclamations=frozenset(fold(w) for w in ("harika", "süper", "mükemmel", "güzel")),
        thanks_for=frozenset({fold("için")}),
        question_marks=frozenset({"?"}),
        names=NAMES,
        tags=TAGS,
    )
