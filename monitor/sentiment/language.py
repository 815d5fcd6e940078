"""Which language a post is in, cheaply: script and telltale letters first, the py3langid
model (shipped inside its package) only when those do not settle it.

The model costs about as much as VADER itself per post, so the cheap checks matter for
throughput. A post the model is unsure about goes to the likeliest language kulak reads;
only a confident answer of another language leaves a post unscored.
"""

from __future__ import annotations

import re
from functools import lru_cache

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
ENGLISH_SHARE = 6  # one word in six a common English word


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _by_letters(text: str) -> str | None:
    letters = _LETTER.findall(text)
    if not letters:
        return UNDETERMINED
    if len(_GREEK.findall(text)) >= GREEK_SHARE * len(letters):
        return "el"
    words = _WORD.findall(text.lower())
    hits = {w for w in words if w in _ENGLISH}
    if len(hits) >= 2 and len(hits) * ENGLISH_SHARE >= len(set(words)):
        return "en"  # before Turkish letters: English posts name Turkish places
    if _TURKISH.search(text):
        return "tr"
    return None


def _by_model(text: str) -> str:
    ranked = _identifier().rank(text)
    best, probability = ranked[0]
    if best in SCORED:
        return best
    if probability >= CONFIDENT and len(text.split()) >= MIN_WORDS_FOR_OTHER:
        return best
    return next(lang for lang, _ in ranked if lang in SCORED)


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of the text, or "und" when it has no letters to go on."""
    if hint:
        return hint.split("-")[0].lower()
    return _by_letters(text) or _by_model(text)
