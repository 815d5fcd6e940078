"""Which language a post is in, cheaply: script, function words and telltale letters first,
the py3langid model (shipped inside its package) only when those do not settle it.

The model costs about as much as VADER itself per post, so the cheap checks matter for
throughput. Latin-script posts are classified among the languages kulak's users meet, which
makes the model sure of short posts ("Sehr gut"). A post in another language is left
unscored only on evidence: its own function words, or the model's confident answer with no
word a scored language's lexicon knows; anything unclear goes to the likeliest language
kulak reads.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache

from monitor.folding import fold
from monitor.sentiment import english, turkish

SCORED = ("en", "tr", "el")
UNDETERMINED = "und"
# The Latin-script languages a Turkish or Greek brand's mentions arrive in; restricting the
# model to them keeps short posts from landing on a far-off language ("ok lol" as Javanese).
LATIN = ("en", "tr", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "no", "pl", "ro", "cs", "hu")
CONFIDENT = 0.7
GREEK_SHARE = 0.3
LATIN_SHARE = 0.5
FUNCTION_SHARE = 6  # one distinct word in six a common function word of the language

_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
# Letters only Turkish (and Azerbaijani) writes among the languages kulak meets.
_TURKISH = re.compile(r"[ığİĞşŞ]")
# Capitalised words: a name spelled with Turkish letters ("Beşiktaş") does not make the
# sentence Turkish; the model reads the rest.
_NAMES = re.compile(r"\b[A-ZÇĞİÖŞÜ]\w*")
# Hashtags, handles and links: names, not sentences; alone they never make a post foreign.
_TAGS = re.compile(r"[#@]\w+|https?://\S+|www\.\S+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\S+", text))


# Common words of each language that are not also common words of English or Turkish
# ("de", "da", "o", "ne", "mi", "su", "ya" are Turkish; "die", "war", "is" English too only
# where the language's own list holds them). One list per language, so adding one is a line.
FUNCTION_WORDS = {
    "en": _words(
        "the a an and or but if so not no in on at of to for from with about by up out "
        "i me my we our you your he she they them it its it's i'm im is are was were be "
        "been has have had do did does don't can't will would there here this that what "
        "when who all just like get got"
    ),
    "tr": _words(
        "ve bir bu çok cok için icin ama mi mı mu mü ben sen biz siz var yok gibi daha olan "
        "olarak kadar değil degil hiç hic neden nasıl nasil niye diye ile ki çünkü cunku "
        "artık artik hala sonra önce şimdi simdi yine bile hep tüm tum bence bi şey sey"
    ),
    "de": _words(
        "der die das und ist nicht ein eine einen einem dem des mit auf für ich wir sie war "
        "waren sehr auch noch schon aber wie nur bei von zum zur im nach heute gestern immer "
        "wieder kein keine mein meine unser hat habe haben wird wurde sind bin doch mal echt "
        "nie nichts wirklich ganz leider danke dank vielen schön an kam kann muss gibt geht kommt "
        "wurden"
    ),
    "fr": _words(
        "le la les une des du est pas très trop je il elle nous vous ils ce cette c'est "
        "mais avec pour dans sur qui que été était j'ai au aux mon ma mes chez rien "
        "jamais toujours encore vraiment merci beaucoup sont fait peut va"
    ),
    "es": _words(
        "el la los las una es está están estaba muy pero con por que del lo yo tú "
        "también porque cuando siempre nunca nada fue como más sí gracias tiene hace puede"
    ),
    "it": _words(
        "il lo gli una è sono era non molto ma con che di del della dei nel sul anche "
        "ancora sempre mai questo questa quello mio mia perché più già hanno siamo stato "
        "stata grazie mille fa può sei"
    ),
    "nl": _words(
        "het een niet zijn ik jij hij zij maar voor op dat dit ook nog heel erg zeer "
        "mijn geen wel naar bij uit wij jullie echt nooit bedankt dank heb heeft wordt werd kwam"
    ),
    "pt": _words(
        "os as um uma é são não muito mas com por que dos das na nos em eu você ele ela "
        "nós foi era está estava também ainda sempre nunca isso esse essa meu minha seu sua "
        "mais já obrigado obrigada tem faz pode vai"
    ),
}


def _by_word(lists: dict[str, frozenset[str]]) -> dict[str, tuple[str, ...]]:
    """Each function word with the languages that list it: one look-up per word of a post."""
    languages: dict[str, tuple[str, ...]] = {}
    for lang, listed in lists.items():
        for word in listed:
            languages[word] = (*languages.get(word, ()), lang)
    return languages


_LANGUAGES_OF = _by_word(FUNCTION_WORDS)
# Letters that settle a language on their own (one word's worth of evidence each).
TELLTALE = {
    "de": re.compile(r"ß"),
    "es": re.compile(r"[ñ¿¡]"),
    "pt": re.compile(r"[ãõ]"),
    "fr": re.compile(r"[êëœ]"),
    "it": re.compile(r"[ìòù]"),
}


@lru_cache(maxsize=2)
def _identifier(languages: tuple[str, ...] | None = None):
    """The model over all its languages, or over these only (sharing the full model's
    tables: `set_languages` replaces the copy's attributes, it does not edit them)."""
    if languages:
        narrowed = copy.copy(_identifier())
        narrowed.set_languages(languages)
        return narrowed
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def load_language_model() -> None:
    _identifier()
    _identifier(LATIN)


def _function_words(words: set[str], text: str) -> dict[str, int]:
    """How many distinct function words (and telltale letters) of each language the text
    has; `words` are its lower-case words, punctuation left on (function words rarely
    carry it)."""
    hits = dict.fromkeys(FUNCTION_WORDS, 0)
    for word in words:
        for lang in _LANGUAGES_OF.get(word, ()):
            hits[lang] += 1
    if not text.isascii():
        for lang, letters in TELLTALE.items():
            if letters.search(text):
                hits[lang] += 1
    return hits


def _script(text: str) -> str | None:
    """ "und" without letters, "el" for Greek, another code for a non-Latin script, None
    for Latin letters (most posts: plain ASCII is settled without counting)."""
    if text.isascii():
        return None if _LETTER.search(text) else UNDETERMINED
    letters = len(_LETTER.findall(text))
    if not letters:
        return UNDETERMINED
    if _GREEK.search(text) and len(_GREEK.findall(text)) >= GREEK_SHARE * letters:
        return "el"
    if len(_LATIN.findall(text)) < LATIN_SHARE * letters:
        return _identifier().classify(text)[0]  # Cyrillic, Arabic, CJK...: never scored here
    return None


def _by_letters(text: str) -> str | None:
    script = _script(text)
    if script is not None:
        return script
    words = set(text.lower().split())
    hits = _function_words(words, text)
    best = max(hits, key=hits.__getitem__)
    runner_up = max(count for lang, count in hits.items() if lang != best)
    if hits[best] >= 2 and hits[best] * FUNCTION_SHARE >= len(words) and hits[best] > runner_up:
        return best  # before Turkish letters: posts in any language name Turkish places
    if not text.isascii() and _TURKISH.search(_NAMES.sub(" ", text)):
        return "tr"
    if hits["tr"] >= 2 and hits["tr"] * FUNCTION_SHARE >= len(words):
        return "tr"
    return None


def _lexicon_words(words: list[str]) -> tuple[int, int]:
    """How many of these lower-case words the English and the Turkish lexicon know; a
    function word ("no") is evidence for the language it belongs to, not this."""
    lookup = turkish.rules().lookup
    words = [word for word in words if word not in _LANGUAGES_OF]
    return (
        sum(english.has_sentiment_word({word}) for word in words),
        sum(lookup(fold(word)) is not None for word in words),
    )


def _by_model(text: str) -> str:
    ranked = _identifier(LATIN).rank(text)
    best, probability = ranked[0]
    words = _WORD.findall(text.lower())
    in_english, in_turkish = _lexicon_words(words)
    if best not in SCORED and _LETTER.search(_TAGS.sub(" ", text)):
        hits = _function_words(set(text.lower().split()), text)
        if hits.get(best, 0) > max(hits["en"], hits["tr"]):
            return best  # "Pas mal du tout": its own words say so
        if probability >= CONFIDENT and not (in_english or in_turkish):
            return best
    unsure = probability < CONFIDENT and best != "en"
    if unsure and text.isascii() and in_english > in_turkish:
        return "en"  # "LMAO, AMAZING!": too short for the model, plain to VADER
    return best if best in SCORED else next(lang for lang, _ in ranked if lang in SCORED)


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of the text, or "und" when it has no letters to go on."""
    if hint:
        return hint.split("-")[0].lower()
    return _by_letters(text) or _by_model(text)
