"""Which language a post is in, cheaply: script and telltale letters first, the py3langid
model (shipped inside its package) only when those do not settle it.

The model costs about as much as VADER itself per post, so the cheap checks matter for
throughput. A post the model is unsure about goes to the likeliest language kulak reads;
only a confident answer of another language leaves a post unscored.
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.sentiment import english

SCORED = ("en", "tr", "el")
UNDETERMINED = "und"
CONFIDENT = 0.95
MIN_WORDS_FOR_OTHER = 4
GREEK_SHARE = 0.3

_LETTER = re.compile(r"[^\W\d_]")
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
# Letters only Turkish (and Azerbaijani) writes among the languages kulak meets.
_TURKISH = re.compile(r"[ığİĞşŞ]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_ENGLISH = frozenset(
    re.findall(
        r"\S+",
        "the a an and or but if so not no in on at of to for from with about by up out "
        "i me my we our you your he she they them it its it's i'm im is are was were be "
        "been has have had do did does don't can't will would there here this that what "
        "when who all just like get got",
    )
)
_TURKISH_WORDS = frozenset(
    re.findall(
        r"\S+",
        "ve bir bu çok cok için icin ama mi mı mu mü ben sen biz siz var yok gibi daha olan "
        "olarak kadar değil degil hiç hic neden nasıl nasil niye diye ile ki çünkü cunku "
        "artık artik hala sonra önce şimdi simdi yine bile hep tüm tum bence bi şey sey",
    )
)
FUNCTION_SHARE = 6  # one distinct word in six a common function word of the language


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def load_language_model() -> None:
    _identifier()


def _by_letters(text: str) -> str | None:
    if not _LETTER.search(text):
        return UNDETERMINED
    if _GREEK.search(text) and len(_GREEK.findall(text)) >= GREEK_SHARE * len(
        _LETTER.findall(text)
    ):
        return "el"
    words = set(text.lower().split())  # punctuation stays on: function words rarely carry it
    english, turkish = len(words & _ENGLISH), len(words & _TURKISH_WORDS)
    if english >= 2 and english * FUNCTION_SHARE >= len(words) and english > turkish:
        return "en"  # before Turkish letters: English posts name Turkish places
    if _TURKISH.search(text):
        return "tr"
    if turkish >= 2 and turkish * FUNCTION_SHARE >= len(words):
        return "tr"
    return None


def _by_model(text: str) -> str:
    best, probability = _identifier().classify(text)
    unsure_ascii = probability < CONFIDENT and text.isascii() and best != "en"
    if unsure_ascii and english.has_sentiment_word(set(_WORD.findall(text.lower()))):
        return "en"  # "LMAO, AMAZING!": too short for the model, plain to VADER
    if best in SCORED:
        return best
    if probability >= CONFIDENT and len(text.split()) >= MIN_WORDS_FOR_OTHER:
        return best
    return next(lang for lang, _ in _identifier().rank(text) if lang in SCORED)


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of the text, or "und" when it has no letters to go on."""
    if hint:
        return hint.split("-")[0].lower()
    return _by_letters(text) or _by_model(text)
