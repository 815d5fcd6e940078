"""Greek: accents and final sigma folded, words compared by stem (ending stripped), the
MKLab lexicon plus kulak's own words, negation by δεν/μην/όχι before the word."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from importlib.resources import files

from monitor.folding import fold
from monitor.sentiment.lexicon import read_table
from monitor.sentiment.rules import NEGATED_LEAN, Hit, Rules, cached_lookup

MKLAB_SCALE = 2.0  # the MKLab score runs -1..1; VADER's usual word valence is about 2
MIN_STEM = 3
# A word reaches a listed word by a stem of four letters or more: three-letter stems met
# common words ("ώρα" hour and "ωραίος", "τέλος" end and "τέλεια", "καλώ" I call and
# "καλός"), so short-stemmed words are listed in their common forms instead. Dev macro-F1
# (bank, politics): stems of 3+ 0.489, 0.606; 4+ 0.495, 0.607; 4+ with the forms listed
# 0.492, 0.606.
MIN_STEM_MATCH = 4

# Folded inflectional endings, longest first when stripping.
ENDINGS = tuple(
    sorted(
        {
            *("θηκαμε", "θηκατε", "θηκαν", "θηκεσ", "θηκα", "θηκε", "ανε", "αν"),
            *("τηκαμε", "τηκαν", "τηκα", "τηκε"),
            *("ουμαστε", "ομαστε", "οντουσαν", "ιουνται", "ονται", "ομαι", "εσαι", "εται"),
            *("ιεται", "ιεμαι", "ηκαμε", "ησαμε", "ουσαν", "ησαν", "ηκαν", "ουμε", "ουνε"),
            *("ωντασ", "οντασ", "μενοσ", "μενη", "μενο", "μενοι", "μενων", "μενεσ", "μενα"),
            *("ματα", "ματοσ", "ματων", "σεισ", "σεων", "ηκα", "ησα", "ηκε", "ησε", "αμε"),
            *("ατε", "ετε", "ουν", "εισ", "ουσ", "ιεσ", "ιων", "ιοι", "ικα", "ισα", "ιου"),
            *("ων", "ου", "οι", "οσ", "εσ", "ει", "ασ", "ησ", "ια", "ιο", "σε", "ση", "σα"),
            *("ω", "α", "ο", "η", "ε", "ι", "υ"),
        },
        key=len,
        reverse=True,
    )
)
VOWELS = frozenset("αεηιουω")
# The endings by their last letter, still longest first: a word is tried only against those
# that end as it does (stemming was a tenth of the time spent on a post).
ENDINGS_BY_LAST: dict[str, tuple[str, ...]] = {
    last: tuple(e for e in ENDINGS if e[-1] == last) for last in {e[-1] for e in ENDINGS}
}

# "καθόλου" (at all) negates on its own: "καθόλου καλά" is "not good at all"; so do "no"
# and "nothing": "καμία στήριξη" is no support; and "so-called": "δήθεν ασφαλής" is not safe.
NEGATORS = frozenset(
    fold(w)
    for w in (
        *("δεν", "δε", "μην", "μη", "όχι", "ούτε", "ουδέ", "χωρίς", "ποτέ", "καθόλου"),
        *("κανείς", "κανένας", "κανένα", "καμία", "καμιά", "κανενός", "καμίας", "τίποτα"),
        *("ουδεμία", "δήθεν", "τάχα", "τάχατε", "τάχαμου"),
    )
)
CLITICS = frozenset(
    fold(w)
    for w in (
        *("θα", "να", "το", "τα", "τη", "την", "τον", "της", "του", "των", "τους", "τις"),
        *("ο", "η", "οι", "μου", "σου", "μας", "σας", "με", "σε", "ένα", "μια", "πια"),
    )
)
BOOSTERS = {
    fold(w): v
    for w, v in {
        **dict.fromkeys(("πολύ", "πάρα", "τόσο", "τρομερά", "απίστευτα", "εντελώς"), 0.293),
        **dict.fromkeys(("τελείως", "πραγματικά", "υπερβολικά", "άκρως", "εξαιρετικά"), 0.293),
        **dict.fromkeys(("πιο", "πάντα", "ιδιαίτερα", "αρκετά"), 0.2),
        **dict.fromkeys(("λίγο", "κάπως", "σχεδόν", "ελάχιστα", "μάλλον"), -0.293),
    }.items()
}
CONTRAST = frozenset(
    fold(w) for w in ("αλλά", "όμως", "ωστόσο", "μα", "παρόλα", "εντούτοις", "πάντως")
)
# Thanks as written (see Rules.thanks): not by stem, as "ευχαριστώ" (thank you) shares its
# stem with "ευχαριστημένος" (satisfied).
# Greek asks with ";" (the Greek question mark folds to it) as well as "?".
QUESTION_MARKS = frozenset({"?", ";"})
NAMES = frozenset(
    fold(w) for w in ("ελπίδα", "χαρά", "ειρήνη", "αγάπη", "ευτυχία", "αρετή", "σωτηρία", "νίκη")
)
TAGS = frozenset(fold(w) for w in ("έτσι", "όχι", "σωστά", "ε", "έτσι δεν είναι"))
# Asking for help ("βοήθεια", 🙏) is a plea, not praise: it is read as thanks are.
THANKS = frozenset(
    fold(w) for w in ("ευχαριστώ", "ευχαριστούμε", "ευχαριστίες", "παρακαλώ", "βοήθεια", "🙏")
)
PRAISE = frozenset(fold(w) for w in ("μπράβο", "συγχαρητήρια", "εύγε"))


def stem(word: str) -> str:
    """Drop one inflectional ending, then one trailing vowel ("αγαπημενοσ" and "αγαπαω"
    both give "αγαπ"), keeping at least MIN_STEM letters."""
    for ending in ENDINGS_BY_LAST.get(word[-1:], ()):
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            word = word[: -len(ending)]
            break
    if len(word) > MIN_STEM and word[-1] in VOWELS:
        word = word[:-1]
    return word


def _mklab() -> dict[str, float]:
    """MKLab's terms as written, with their mean valence; neutral terms count as 0.

    Whole words only: reached by stem, its terms met unrelated words (politics dev macro-F1
    0.578 with stems of 5+ letters, 0.593 without, bank tweets 0.472 and 0.473).
    Function words and negators carry no valence.
    """
    text = files("monitor.sentiment").joinpath("data", "el_mklab_lexicon.tsv").read_text("utf-8")
    words: dict[str, list[float]] = defaultdict(list)
    for line in text.splitlines()[3:]:
        term, label, score, *_ = line.split("\t")
        head = fold(term.split()[0])
        if head.endswith("-") or len(head) < MIN_STEM or head in NEGATORS:
            continue
        words[head].append(0.0 if label == "neu" else float(score) * MKLAB_SCALE)
    return _means(words)


def _means(table: dict[str, list[float]]) -> dict[str, float]:
    return {key: sum(values) / len(values) for key, values in table.items()}


@lru_cache(maxsize=1)
def tables() -> tuple[dict[str, float], dict[str, float]]:
    """Whole words and stems; kulak's own words override MKLab's and are reached by stem."""
    words: dict[str, float] = _mklab()
    by_stem: dict[str, float] = {}
    for term, valence in read_table("el_lexicon.tsv").items():
        if " " not in term:
            words[term] = valence
            by_stem[stem(term)] = valence
    return words, by_stem


def lookup(word: str) -> Hit | None:
    if len(word) < MIN_STEM or word in NEGATORS:
        return None
    words, by_stem = tables()
    valence = words.get(word)
    if valence is None and len(its_stem := stem(word)) >= MIN_STEM_MATCH:
        valence = by_stem.get(its_stem)
    return Hit(valence) if valence else None


@lru_cache(maxsize=1)
def rules() -> Rules:
    tables()  # read with the rules, so the first post scored does not pay for it
    phrases = {t: v for t, v in read_table("el_lexicon.tsv").items() if " " in t}
    return Rules(
        lookup=cached_lookup(lookup),
        negators=NEGATORS,
        negated_lean=NEGATED_LEAN,
        clitics=CLITICS,
        boosters=BOOSTERS,
        contrast=CONTRAST,
        phrases=phrases,
        thanks=THANKS,
        praise=PRAISE,
        exclamations=frozenset(fold(w) for w in ("ωραία", "τέλεια", "υπέροχα", "καταπληκτικά")),
        thanks_for=frozenset({fold("για")}),
        question_marks=QUESTION_MARKS,
        names=NAMES,
        tags=TAGS,
    )
