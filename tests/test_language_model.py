"""kulak's compact language model ranks as py3langid's own model restricted to the same
languages: the same n-grams counted in every text, the same probabilities as py3langid's
formula in double precision, so the same best language but for a near tie."""

from __future__ import annotations

import gzip
import math
import random
import re
from collections import Counter

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

from monitor.sentiment import language
from monitor.sentiment.english import analyzer
from monitor.sentiment.language import (
    FUNCTION_WORDS,
    LATIN,
    WHOLE,
    LatinModel,
    detect_language,
    latin_model,
)
from monitor.sentiment.lexicon import read_table

TEXTS = 3_000
ODD = ["Привет", "مرحبا", "你好", "καλημέρα", "😀", "🇹🇷", "\u0301", "ǅ", "İ", "ß", "ŞÇ", "\t", "—"]
SPACES = [" ", " ", " ", ", ", ". ", "! ", "?? ", " #", " @", "\n", "  "]


def texts(count: int, seed: int = 20) -> list[str]:
    """Runs of words from kulak's lexicons and function-word lists, some in capitals, some
    with other scripts, emoji or odd characters in between, from one word to 400."""
    vocabulary = [
        sorted(analyzer().lexicon),
        sorted(read_table("tr_lexicon.tsv")),
        sorted(read_table("el_lexicon.tsv")),
        *(sorted(words) for words in FUNCTION_WORDS.values()),
        ODD,
    ]
    rng = random.Random(seed)
    built = ["", " ", "!!", "a", "ok", "OK LOL", "😀😀"]
    while len(built) < count:
        # Some long enough for more n-grams than one integer sum takes (LatinModel.chunk).
        length = rng.randint(1, 40) if rng.random() < 0.97 else rng.randint(200, 400)
        words = [rng.choice(rng.choice(vocabulary)) for _ in range(length)]
        text = "".join(word + rng.choice(SPACES) for word in words).strip()
        built.append(text.upper() if rng.random() < 0.1 else text)
    return built


@pytest.fixture(scope="module")
def reference() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LATIN)
    return identifier


def test_the_same_ngrams_are_counted(reference):
    model = latin_model()
    number = model.lane * len(model.languages)
    for text in texts(TEXTS):
        data = reference._encode(text)
        automaton = (reference.tk_nextmove, reference._rowbase, reference.tk_output)
        expected = visit_counts(*automaton, data)
        counted = Counter({row >> number: n for row, n in model._counts(data).items()})
        assert counted == (expected or Counter()), text


def in_double_precision(reference: LanguageIdentifier, text: str) -> dict[str, float]:
    """py3langid's probabilities, its own counts and weights, summed in float64 (it sums
    in float32, which drifts by 1e-4 on texts of some thousand bytes)."""
    data = reference._encode(text)
    automaton = (reference.tk_nextmove, reference._rowbase, reference.tk_output)
    counts = visit_counts(*automaton, data)
    if not counts:
        return dict.fromkeys(reference.nb_classes, 1 / len(reference.nb_classes))
    rows = np.fromiter(counts.keys(), dtype=np.intp)
    weights = np.log1p(np.fromiter(counts.values(), dtype=np.float64))
    scores = weights @ reference.nb_ptc[rows].astype(np.float64) + reference.nb_pc
    scores = np.exp((scores - scores.max()) / math.sqrt(len(data)))
    return dict(zip(reference.nb_classes, (scores / scores.sum()).tolist(), strict=True))


def test_the_ranking_is_py3langids(reference):
    model = latin_model()
    near_ties = 0
    for text in texts(TEXTS):
        expected, ranked = reference.rank(text), model.rank(text)
        assert dict(ranked) == pytest.approx(in_double_precision(reference, text), abs=1e-9)
        if ranked[0][0] != expected[0][0]:
            assert expected[0][1] - dict(expected)[ranked[0][0]] < 1e-3, text
            near_ties += 1
    assert near_ties <= TEXTS // 500


def test_a_file_that_is_not_the_model_is_named(tmp_path):
    wrong = tmp_path / "latin.bin.gz"
    wrong.write_bytes(gzip.compress(b"not a model\n{}\n"))
    with pytest.raises(ValueError, match=r"latin\.bin\.gz: not a kulak language model"):
        LatinModel(wrong)


def test_the_whole_model_is_let_go_when_no_post_needs_it(monkeypatch):
    """Posts in other scripts load py3langid's whole model (75 MiB); kulak lets it go
    once they stop coming, and loads it again for the next one."""
    assert detect_language("Привет, как дела? Всё хорошо") == "ru"
    assert WHOLE.identifier is not None
    detect_language("The coffee was great today")
    assert WHOLE.identifier is not None  # used a moment ago
    monkeypatch.setattr(WHOLE, "used", WHOLE.used - WHOLE.IDLE - 1)
    assert detect_language("The coffee was great today") == "en"
    assert WHOLE.identifier is None
    assert detect_language("مرحبا، الخدمة كانت سيئة جدا") == "ar"


def counted_script(text: str) -> str | None:
    """The script check by its definition: every letter counted."""
    letters = sum(map(len, re.findall(r"[^\W\d_]+", text)))
    if not letters:
        return "und"
    if len(re.findall(r"[\u0370-\u03ff\u1f00-\u1fff]", text)) >= language.GREEK_SHARE * letters:
        return "el"
    if len(re.findall(r"[a-zA-Z\u00c0-\u024f]", text)) < language.LATIN_SHARE * letters:
        return "other"
    return None


def test_the_script_shortcuts_decide_as_counting_does(monkeypatch):
    """kulak settles a post whose letters are all in one script's range without counting;
    on strings mixing scripts, Greek punctuation, ×, ÷, digits and marks it decides as
    counting every letter does."""
    monkeypatch.setattr(language.WHOLE, "classify", lambda text: "other")
    pool = [*"abXşğıİçöüÀɏßǅ", *"αβΩάέἀ", "\u037e", "\u0384", "×", "÷", "²", "\u0301", "_", "1"]
    pool += [*"дЖя你مر", "٣", "😀", " ", "."]
    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        if not text.isascii():
            assert language._script(text) == counted_script(text), text
