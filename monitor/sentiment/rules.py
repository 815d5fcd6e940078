"""A VADER-style rule scorer shared by the languages kulak reads with its own lexicons.

Valences come from a lexicon; the rules around them (negation, intensifiers, contrast,
capitals, exclamation marks, emoji) follow Hutto & Gilbert's VADER so that a Turkish or
Greek compound means what an English one does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from monitor.folding import fold
from monitor.sentiment.english import NORMALIZE_ALPHA
from monitor.sentiment.lexicon import emoticons

NEGATION_SCALAR = -0.74
CAPS_INCREMENT = 0.733
EXCLAMATION_INCREMENT = 0.292
MAX_EXCLAMATIONS = 4
BOOSTER_DECAY = (1.0, 0.95, 0.9)
CONTRAST_BEFORE = 0.5
CONTRAST_AFTER = 1.5
NEGATION_SCOPE = 3  # words a negator reaches forward, as in VADER
# Valence of a plain word right after a negator, or before a word of absence (see
# Rules.negated_lean), in Turkish and Greek alike.
NEGATED_LEAN = -0.6
# In a post with both positive and negative words the negative ones weigh half as much
# again: readers weigh a complaint over the courtesy around it, and lexicon scorers lean
# positive without it (the 1.5 of SO-CAL, Taboada et al., Computational Linguistics 2011).
# A post of one polarity keeps VADER's magnitudes.
NEGATIVITY_WEIGHT = 1.5
SENTENCE_ENDS = frozenset(".!…")
QUESTION_ENDS = frozenset("?;")  # ";" is the Greek question mark, folded
QUOTES = frozenset('«»"“”„')
# Laughter and applause (folded): beside a negative word they are derision, not joy ("yine
# kesildi 😂😂", "👏👏 πάλι έπεσε"), and do not count, as praise beside a complaint does not
# (see Rules.praise).
DERISION = frozenset({"😂", "🤣", "😆", "😹", "haha", "hahaha", "lol", "👏"})


_LETTER = re.compile(r"[^\W\d_]")
_SYMBOL = re.compile(r"[^\w\s]")


def _emoticons(letter: bool) -> tuple[str, str]:
    """The emoticons that start with a letter ("xD") or the others, longest first, and
    where one can start. A symbol of one character ("😀") is a token on its own anyway."""
    chosen = (
        e
        for e in emoticons()
        if bool(_LETTER.match(e)) == letter and not (len(e) == 1 and _SYMBOL.match(e))
    )
    found = sorted(chosen, key=len, reverse=True)
    starts = "".join(sorted({re.escape(e[0]) for e in found}))
    return "|".join(re.escape(e) for e in found), f"(?=[{starts}])"


# Emoticons first (":-)" must not split), then words, then single emoji or symbols.
# Emoticons are only tried where one could start: those that start with a letter at their
# own first letters, before words; the others at their first symbols. (Trying every emoji
# at every symbol, one at a time, was most of the time spent tokenising.)
_WORDY, _WORDY_AT = _emoticons(letter=True)
_SYMBOLIC, _SYMBOLIC_AT = _emoticons(letter=False)
TOKEN = re.compile(
    rf"{_WORDY_AT}(?:{_WORDY})(?=\s|$)|[^\W\d_]+|{_SYMBOLIC_AT}(?:{_SYMBOLIC})(?=\s|$)|[^\w\s]"
)


@dataclass(frozen=True)
class Hit:
    """A lexicon answer: the valence, and whether the word's own ending negates it."""

    valence: float
    negated: bool = False
    stem: str | None = None
    """The lexicon entry or phrase reached, for `Rules.agrees`, `thanks` and `praise`."""


@dataclass(frozen=True)
class Rules:
    """What one language needs: a lookup for folded words plus its function words."""

    lookup: Callable[[str], Hit | None]
    negators: frozenset[str] = frozenset()
    postnegators: frozenset[str] = frozenset()
    clitics: frozenset[str] = frozenset()
    """Short words between a negator and its word that do not count towards the scope:
    "δεν την κάνει καλά" is "not doing it well"."""
    boosters: dict[str, float] = field(default_factory=dict)
    contrast: frozenset[str] = frozenset()
    phrases: dict[str, float] = field(default_factory=dict)
    agrees: Callable[[str, str], bool] | None = None
    """Whether a word as written can be the lexicon entry its folded form reached."""
    negated_lean: float = 0.0
    """Valence of an unlisted or nearly neutral word right after a negator (clitics between):
    "δεν απαντάει" (does not answer) is how a complaint is told though "answer" is neutral."""
    absent: frozenset[str] = frozenset()
    """Words saying that what comes right before them is missing ("cevap yok", no answer):
    that word leans as one after a negator does."""
    thanks: frozenset[str] = frozenset()
    """Thanks (lexicon stems or phrases) close a message to a company whatever it says:
    in a post with a negative word they do not count, so "Kartım gelmedi, yardımcı olur
    musunuz? Teşekkürler" is read by its complaint. Thanks *for* something (a word of
    `thanks_for` next to them: "çözdüğünüz için teşekkürler") count as praise."""
    thanks_for: frozenset[str] = frozenset()
    praise: frozenset[str] = frozenset()
    """Praise said to someone ("bravo", "tebrikler", "μπράβο"): beside a negative word it is
    irony ("Tebrikler, internet yine kesildi") and does not count."""
    question_marks: frozenset[str] = frozenset()
    """A question asks, it does not assert: its positive words are not praise ("Bu mu
    sizin güzel hizmetiniz?", "Πού είναι η δικαιοσύνη;"). Negative ones still count."""
    names: frozenset[str] = frozenset()
    """Folded words that are also common first names ("Umut" hope, "Özgür" free, "Ελπίδα"
    hope): capitalised inside a sentence they are the name and carry no valence."""
    tags: frozenset[str] = frozenset()
    """Words (folded, one or two) that end a question asking agreement ("değil mi")."""
    exclamations: frozenset[str] = frozenset()
    """Good words said on their own as an exclamation ("Harika, yine kesildi", "Τέλεια!
    Πάλι έπεσε"): beside a negative word they are irony, as praise is. Said of something
    ("harika ürün") they count."""
    phrase_starts: frozenset[str] = field(init=False)
    """First words of `phrases`: only there is a phrase looked up."""

    def __post_init__(self) -> None:
        starts = frozenset(phrase.split(" ", 1)[0] for phrase in self.phrases)
        object.__setattr__(self, "phrase_starts", starts)


# "güzeeel", "cooook": a letter three or more times is one letter to the lexicon.
ELONGATED = re.compile(r"(\w)\1{2,}")
# Handles, links and retweet marks say nothing about sentiment but can look like words.
# Each alternative starts with its own character, so the regex engine skips to those
# characters (4x faster than "(?:@|https?://|www\.)\S+|\bRT\b", tried at every position).
NOISE = re.compile(r"@\S+|https?://\S+|www\.\S+|R(?<!\wR)T\b")


def cached_lookup(lookup: Callable[[str], Hit | None]) -> Callable[[str], Hit | None]:
    """The lookup, remembered per word, that also tries an elongated word shortened."""

    # Frequent words stay; a service meets ever new words, and 65,536 of them held ~15 MiB.
    @lru_cache(maxsize=8192)
    def remembered(word: str) -> Hit | None:
        hit = lookup(word)
        if hit is None and ELONGATED.search(word):
            hit = lookup(ELONGATED.sub(r"\1", word))
        return hit

    return remembered


def normalize(total: float) -> float:
    return max(-1.0, min(1.0, total / math.sqrt(total * total + NORMALIZE_ALPHA)))


def _caps_emphasis(tokens: list[str], i: int) -> bool:
    """Whether word i is shouted: in capitals, among words that are not (worked out only
    for a word in capitals, as few are)."""
    token = tokens[i]
    if len(token) < 2 or not token.isupper():
        return False
    uppers = [t.isupper() for t in tokens if t.isalpha()]
    return True in uppers and False in uppers


def polarity(text: str, rules: Rules) -> float:
    """Compound score in -1..1 for one text."""
    text = NOISE.sub(" ", text)
    tokens = TOKEN.findall(text)
    # Folding maps one character to one, and no token holds a line break: the tokens are
    # folded in one call.
    joined = fold("\n".join(tokens))
    folded = joined.split("\n") if tokens else []
    # What this text holds none of is not looked for word by word: an elongated word (no
    # letter three times), a booster, a negator before or after, an emoji or emoticon.
    elongated = ELONGATED.search(joined) is not None
    boosted = elongated or not rules.boosters.keys().isdisjoint(folded)
    negators = not rules.negators.isdisjoint(folded)
    negatable = negators or not rules.postnegators.isdisjoint(folded)
    table = emoticons()
    emoticon_table = None if table.keys().isdisjoint(tokens) else table
    lookup, agrees, phrase_starts, names = (
        rules.lookup,
        rules.agrees,
        rules.phrase_starts,
        rules.names,
    )
    lean = rules.negated_lean
    leans = lean and (negators or not rules.absent.isdisjoint(folded))
    after_negator = _leaning(folded, rules) if leans else None
    valences: list[float] = []
    polite: list[int] = []  # where thanks or praise were read (see Rules.thanks)
    skip = 0
    for i, word in enumerate(folded):
        if skip:
            skip -= 1
            valences.append(0.0)
            continue
        token = tokens[i]
        phrase = _phrase_at(folded, i, rules.phrases) if word in phrase_starts else None
        if phrase is not None:
            hit, skip = Hit(phrase[0], stem=" ".join(folded[i : i + phrase[1] + 1])), phrase[1]
        elif emoticon_table is not None and (emoticon := emoticon_table.get(token)) is not None:
            hit = Hit(emoticon)
        elif word in names and _named(tokens, i):
            hit = None
        else:
            hit = lookup(word)
            if hit and hit.stem and agrees and not agrees(token, hit.stem):
                hit = None
        if (
            after_negator is not None
            and after_negator[i]
            and (hit is None or abs(hit.valence) < abs(lean))
        ):
            valences.append(lean)
            continue
        if hit is None or not hit.valence:
            valences.append(0.0)
            continue
        valence = hit.valence
        if _caps_emphasis(tokens, i):
            valence += math.copysign(CAPS_INCREMENT, valence)
        if boosted:
            valence = _apply_boosters(valence, folded, i, rules, tokens, elongated)
        if hit.negated or (
            negatable and _negated(folded, i, rules, after=phrase is None, bad=valence < 0)
        ):
            valence *= NEGATION_SCALAR
        term = hit.stem or word
        if (
            term in rules.praise
            or term in DERISION
            or (term in rules.exclamations and _alone(folded, i, rules))
            or (
                term in rules.thanks
                and not rules.thanks_for.intersection(folded[max(0, i - 1) : i + skip + 2])
            )
        ):
            polite.append(i)
        valences.append(valence)
    if not any(valences):
        return 0.0
    # Questions and scare quotes only take from positive words.
    if max(valences) > 0 and not rules.question_marks.isdisjoint(folded):
        asked = _asked(folded, rules)
        valences = [0.0 if v > 0 and asked[i] else v for i, v in enumerate(valences)]
    if max(valences) > 0 and not QUOTES.isdisjoint(folded):
        for i in _scare_quoted(folded):
            if valences[i] > 0:
                valences[i] *= NEGATION_SCALAR
    if polite and min(valences) < 0:
        for i in polite:
            valences[i] = 0.0
    if max(valences) > 0 > min(valences):
        valences = [v * NEGATIVITY_WEIGHT if v < 0 else v for v in valences]
    if not rules.contrast.isdisjoint(folded):
        contrast_at = max(i for i, word in enumerate(folded) if word in rules.contrast)
        valences = [
            v * (CONTRAST_BEFORE if i < contrast_at else CONTRAST_AFTER)
            for i, v in enumerate(valences)
        ]
    total = sum(valences)
    if total:
        bangs = min(text.count("!"), MAX_EXCLAMATIONS)
        total += math.copysign(bangs * EXCLAMATION_INCREMENT, total)
    return normalize(total)


def _alone(folded: list[str], i: int, rules: Rules) -> bool:
    """Whether word i is said on its own: no word but boosters before it in its sentence
    part ("Πολύ ωραία, ..."), and none right after it."""
    j = i - 1
    while j >= 0 and folded[j] in rules.boosters:
        j -= 1
    after = folded[i + 1] if i + 1 < len(folded) else "."
    return (j < 0 or not folded[j].isalpha()) and not after.isalpha()


def _named(tokens: list[str], i: int) -> bool:
    """Whether word i is written as a name: capitalised (not all capitals), and not the
    first word of a sentence."""
    token = tokens[i]
    return (
        token[0].isupper()
        and not token.isupper()
        and i > 0
        and tokens[i - 1] not in SENTENCE_ENDS
        and tokens[i - 1] not in QUESTION_ENDS
    )


def _scare_quoted(folded: list[str]) -> list[int]:
    """Where the words of each pair of quotes holding one or two words are: "οι «άριστοι»"
    (the so-called best), "'güvenli' bankanız" (your "safe" bank). The writer disowns them,
    as with "δήθεν" (so-called). Longer quotes are someone's words, left as they are; the
    apostrophe is not a quote (Turkish writes "Garanti'ye")."""
    found: list[int] = []
    opened = None
    for i, word in enumerate(folded):
        if word in QUOTES:
            if opened is not None and 0 < sum(w.isalpha() for w in folded[opened + 1 : i]) <= 2:
                found += range(opened + 1, i)
            opened = None if opened is not None else i
    return found


def _asked(folded: list[str], rules: Rules) -> list[bool]:
    """Whether each word is in a question: from a question mark back to the end of the
    sentence before it. A question tagged for agreement ("harika, değil mi?") asserts."""
    found = [False] * len(folded)
    asking = False
    for i in range(len(folded) - 1, -1, -1):
        word = folded[i]
        if word in rules.question_marks:
            asking = not any(" ".join(folded[max(0, i - n) : i]) in rules.tags for n in (1, 2))
        elif word in SENTENCE_ENDS:
            asking = False
        found[i] = asking
    return found


def _phrase_at(folded: list[str], i: int, phrases: dict[str, float]) -> tuple[float, int] | None:
    """A listed phrase starting at word i, and how many more words it covers."""
    for length in (3, 2):
        valence = phrases.get(" ".join(folded[i : i + length]))
        if valence is not None and i + length <= len(folded):
            return valence, length - 1
    return None


def _apply_boosters(
    valence: float, folded: list[str], i: int, rules: Rules, tokens: list[str], elongated: bool
) -> float:
    """`elongated`: whether any word of the text has a letter three times or more."""
    for distance, decay in enumerate(BOOSTER_DECAY, start=1):
        j = i - distance
        if j < 0:
            break
        scalar = rules.boosters.get(folded[j])
        if scalar is None and elongated and ELONGATED.search(folded[j]):
            scalar = rules.boosters.get(ELONGATED.sub(r"\1", folded[j]))
        if scalar is None:
            continue
        if _caps_emphasis(tokens, j):
            scalar += math.copysign(CAPS_INCREMENT, scalar)
        valence += math.copysign(1.0, valence) * scalar * decay
    return valence


def _leaning(folded: list[str], rules: Rules) -> list[bool]:
    """Whether each word is the first word after a negator, clitics aside, or the word
    right before a word of absence ("cevap yok")."""
    found = []
    negated = False  # whether the last word that is not a clitic is a negator
    for i, word in enumerate(folded):
        found.append(
            (negated or (i + 1 < len(folded) and folded[i + 1] in rules.absent))
            and word.isalpha()
            and word not in rules.negators
            and word not in rules.clitics
        )
        if word not in rules.clitics:
            negated = word in rules.negators
    return found


def _negated(
    folded: list[str], i: int, rules: Rules, after: bool = True, bad: bool = False
) -> bool:
    """Whether a negator before word i, or (`after`) a postnegator within three words after
    it, negates it. A listed phrase is not negated from after: "hala bekliyorum cevap yok"
    (still waiting, no answer) ends its clause with its verb, and "yok" is the answer's.
    A `bad` word is missing only right before a word of absence, clitics aside ("sorun yok",
    "kötü bir şey yok"): in "şikayetime cevap yok" (no answer to my complaint) the answer is."""
    counted = 0
    for j in range(i - 1, -1, -1):  # three words back, not counting clitics and articles
        word = folded[j]
        if not word.isalpha() or word in rules.contrast:
            break
        if word in rules.negators:
            if word not in rules.clitics:
                return True
            break
        if word not in rules.clitics:
            counted += 1
            if counted == NEGATION_SCOPE:
                break
    if after and rules.postnegators:
        for j, word in enumerate(folded[i + 1 : i + 4]):  # "iyi bir hizmet değil"
            if word in rules.postnegators:
                between = folded[i + 1 : i + 1 + j]
                return not (bad and word in rules.absent and not rules.clitics.issuperset(between))
            if not word.isalpha() or word in rules.contrast:
                break
    return False
