"""Each post's language: script and Turkish letters first, the packaged model otherwise."""

import pytest

from monitor.sentiment import analyse, detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The new plan is a great deal and I am happy with it", "en"),
        ("Kargo yine gecikti, müşteri hizmetleri telefonu açmıyor", "tr"),
        ("bu akşam maç var mi bilen var", "tr"),
        ("Η εξυπηρέτηση στο κατάστημα ήταν άψογη", "el"),
        ("η εφαρμογη της τραπεζας κολλαει συνεχεια", "el"),
        ("Der Kundendienst hat mir heute sehr schnell geholfen, danke", "de"),
        ("🙂🙂", "und"),
        ("", "und"),
    ],
)
def test_language_per_post(text, lang):
    assert detect_language(text) == lang


def test_the_source_tag_wins_over_detection():
    assert detect_language("Kargo yine gecikti", hint="en-GB") == "en"


def test_short_unclear_posts_go_to_a_language_kulak_reads():
    assert detect_language("ok lol") in {"en", "tr", "el"}


def test_other_languages_are_unscored_not_neutral():
    result = analyse("Der Kundendienst hat mir heute sehr schnell geholfen, danke")
    assert (result.lang, result.compound, result.label) == ("de", None, "unscored")


def test_posts_without_words_are_read_by_their_emoji():
    assert analyse("😡😡").label == "neg"
    assert analyse("😍").label == "pos"


def test_english_naming_a_turkish_place_is_english():
    assert detect_language("The branch in Kadıköy has no outlets and nobody cared") == "en"


def test_english_words_that_are_also_turkish_without_letters_stay_english():
    assert detect_language("Big Ben fails situational awareness test once again.") == "en"
