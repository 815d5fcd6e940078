"""Which language a post is in, cheaply: script, function words and telltale letters first,
py3langid's model only when those do not settle it: for Latin-script posts its weights for
a few languages, read from a compact file without NumPy (17 MiB where the whole model holds
75); for other scripts, rare and never scored, the whole model, let go when idle.

The model costs about as much as VADER itself per post, so the cheap checks matter for
throughput. Latin-script posts are classified among the languages kulak's users meet, which
makes the model sure of short posts ("Sehr gut"). A post in another language is left
unscored only on evidence: its own function words, or the model's confident answer with no
word a scored language's lexicon knows; anything unclear goes to the likeliest language
kulak reads.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import sys
import time
import unicodedata
from array import array
from collections import Counter
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from monitor.folding import fold
from monitor.sentiment import english, turkish

SCORED = ("en", "tr", "el")
UNDETERMINED = "und"
# The Latin-script languages a Turkish or Greek brand's mentions arrive in; restricting the
# model to them keeps short posts from landing on a far-off language ("ok lol" as Javanese).
LATIN = ("en", "tr", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "no", "pl", "ro", "cs", "hu")
CONFIDENT = 0.7
# py3langid's weights for LATIN, extracted by scripts/extract_language_model.py.
MODEL_PATH = Path(__file__).with_name("langid") / "latin.bin.gz"
MODEL_MAGIC = b"kulak-langid 2"
GREEK_SHARE = 0.3
LATIN_SHARE = 0.5
FUNCTION_SHARE = 6  # one distinct word in six a common function word of the language

# Runs of letters: counted by their lengths, a list item per run rather than per letter.
_LETTER = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]+")
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]+")
# A letter outside _LATIN's range, or outside _GREEK's.
_NOT_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]")
_NOT_GREEK = re.compile(r"[^\W\d_\u0370-\u03ff\u1f00-\u1fff]")
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
_ANY_TELLTALE = re.compile("|".join(letters.pattern for letters in TELLTALE.values()))


class LatinModel:
    """py3langid's naive Bayes over the LATIN languages, read from the compact file of
    scripts/extract_language_model.py without NumPy: the same n-gram counts, weights and
    softmax, so the same ranking. Sums are exact (integers) where py3langid's are single
    precision: only a near tie could rank differently.

    Each n-gram's weights are one integer, a lane per language (see the script), so that
    the weights of the n-grams a text holds once add up in a few integer sums."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        # Read piece by piece: a whole decompressed copy would leave a hole of its size in
        # the heap under the tables that outlive it.
        with gzip.open(path, "rb") as file:
            if (magic := file.readline().rstrip(b"\n")) != MODEL_MAGIC:
                raise ValueError(f"{path}: not a kulak language model ({magic[:20]!r})")
            meta = json.loads(file.readline())
            lengths = {int(length): count for length, count in meta["lengths"].items()}
            strings = [file.read(n) for n in sorted(lengths) for _ in range(lengths[n])]
            emits = array("i")
            emits.frombytes(file.read(4 * len(strings)))
            width = meta["row_bytes"]
            rows = [int.from_bytes(file.read(width), "little") for _ in range(meta["ngrams"])]
            if file.read(1) or len(emits) != len(strings) or len(strings[-1]) != max(lengths):
                raise ValueError(f"{path}: the language model's file is cut short or too long")
        if sys.byteorder == "big":  # the file is little-endian
            emits.byteswap()
        self.languages: list[str] = meta["languages"]
        self.priors: list[float] = meta["priors"]
        self.lane, self.chunk = meta["lane"], meta["chunk"]
        # Each state's string with the weights of the n-gram it counts (0: none).
        self.states = {
            string: rows[emit] if emit >= 0 else 0
            for string, emit in zip(strings, emits, strict=True)
        }

    def _counts(self, data: bytes) -> Counter[int]:
        """The n-grams py3langid's automaton counts in `data` (by their weights): its
        state after each byte is the longest suffix that is a state's string, at most
        one byte longer than the one before (a string too long is simply not found)."""
        get = self.states.get
        found = []
        length = 0
        for end in range(1, len(data) + 1):
            length += 1
            while length:
                row = get(data[end - length : end])
                if row is not None:
                    if row:
                        found.append(row)
                    break
                length -= 1
        return Counter(found)

    def rank(self, text: str) -> list[tuple[str, float]]:
        """All languages by probability, best first (py3langid's `rank`)."""
        if text.isupper():
            text = text.lower()
        data = unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
        counts = self._counts(data)
        scores = [0.0] * len(self.languages)
        if counts:
            # Each n-gram weighs log(1 + its count); most are there once.
            by_count: dict[int, list[int]] = {}
            for row, count in counts.items():
                by_count.setdefault(count, []).append(row)
            mask = (1 << self.lane) - 1
            for count, rows in by_count.items():
                weight = math.log1p(count) / -256
                for start in range(0, len(rows), self.chunk):
                    total = sum(rows[start : start + self.chunk])
                    for lane in range(len(scores)):
                        scores[lane] += weight * ((total >> (self.lane * lane)) & mask)
            scores = [score + prior for score, prior in zip(scores, self.priors, strict=True)]
        # The softmax at temperature sqrt(bytes), which keeps it calibrated across lengths.
        temperature = 1.0 / math.sqrt(len(data) or 1)
        top = max(scores)
        shares = [math.exp((score - top) * temperature) for score in scores]
        total = sum(shares)
        ranked = zip(self.languages, (share / total for share in shares), strict=True)
        return sorted(ranked, key=itemgetter(1), reverse=True)


@lru_cache(maxsize=1)
def latin_model() -> LatinModel:
    """Read once, on the first post the cheap checks leave open."""
    return LatinModel()


class WholeModel:
    """py3langid's model over all its languages, only for posts in a script other than
    Latin or Greek, which kulak names but never scores. It holds 75 MiB, so it is let go
    once no such post has come for IDLE seconds (the next one loads it again, in about a
    second)."""

    IDLE = 600.0

    def __init__(self) -> None:
        self.identifier: Any = None
        self.used = 0.0

    def classify(self, text: str) -> str:
        identifier = self.identifier
        if identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            self.identifier = identifier
        self.used = time.monotonic()
        return identifier.classify(text)[0]

    def let_go_if_idle(self) -> None:
        if self.identifier is not None and time.monotonic() - self.used > self.IDLE:
            self.identifier = None


WHOLE = WholeModel()


def load_language_model() -> None:
    latin_model()


def _function_words(words: set[str], text: str) -> dict[str, int]:
    """How many distinct function words (and telltale letters) of each language the text
    has; `words` are its lower-case words, punctuation left on (function words rarely
    carry it)."""
    hits = dict.fromkeys(FUNCTION_WORDS, 0)
    for word in words & _LANGUAGES_OF.keys():
        for lang in _LANGUAGES_OF[word]:
            hits[lang] += 1
    if not text.isascii() and _ANY_TELLTALE.search(text):
        for lang, letters in TELLTALE.items():
            if letters.search(text):
                hits[lang] += 1
    return hits


def _count(letters: re.Pattern[str], text: str) -> int:
    return sum(map(len, letters.findall(text)))


def _script(text: str) -> str | None:
    """ "und" without letters, "el" for Greek, another code for a non-Latin script, None
    for Latin letters (most posts: plain ASCII is settled without counting)."""
    if text.isascii():
        return None if _LETTER.search(text) else UNDETERMINED
    if not _LETTER.search(text):
        return UNDETERMINED
    greek = _GREEK.search(text)
    # When every letter is in one script's range, that script has at least as many
    # characters as there are letters: settled without counting.
    if not greek and not _NOT_LATIN.search(text):
        return None
    if greek and not _NOT_GREEK.search(text):
        return "el"
    # Handles, hashtags and links are names: "Σε λίγο @atticatvgr με τον @bastal2" is Greek.
    if (words := _TAGS.sub(" ", text)) is not text and _LETTER.search(words):
        text, greek = words, _GREEK.search(words)
    letters = _count(_LETTER, text)
    if greek and _count(_GREEK, text) >= GREEK_SHARE * letters:
        return "el"
    if _count(_LATIN, text) < LATIN_SHARE * letters:
        return WHOLE.classify(text)  # Cyrillic, Arabic, CJK...: never scored here
    return None


def _by_letters(text: str) -> str | None:
    script = _script(text)
    if script is not None:
        return script
    words = set(text.lower().split())
    hits = _function_words(words, text)
    *_, runner_up, top = sorted(hits.values())
    if top >= 2 and top * FUNCTION_SHARE >= len(words) and top > runner_up:
        # before Turkish letters: posts in any language name Turkish places
        return next(lang for lang, count in hits.items() if count == top)
    if not text.isascii() and _TURKISH.search(_NAMES.sub(" ", text)):
        return "tr"
    if hits["tr"] >= 2 and hits["tr"] * FUNCTION_SHARE >= len(words):
        return "tr"
    return None


def _lexicon_words(words: list[str]) -> tuple[int, int]:
    """How many of these lower-case words VADER's English lexicon and the Turkish lexicon
    know; a function word ("no") is evidence for the language it belongs to, not this."""
    lookup = turkish.rules().lookup
    words = [word for word in words if word not in _LANGUAGES_OF]
    return (
        sum(map(english.analyzer().lexicon.__contains__, words)),
        sum(lookup(fold(word)) is not None for word in words),
    )


def _by_model(text: str) -> str:
    ranked = latin_model().rank(text)
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
    WHOLE.let_go_if_idle()
    if hint:
        return hint.split("-")[0].lower()
    return _by_letters(text) or _by_model(text)
