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


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Das Essen war schrecklich", "de"),  # "war" is an English word VADER knows
        ("Das Paket kam kaputt an", "de"),  # "an" is English too
        ("Sehr schlecht", "de"),
        ("Il caffè era terribile", "it"),
        ("Ottimo servizio, grazie mille", "it"),
        ("Le colis est arrivé cassé", "fr"),
        ("Pas mal du tout", "fr"),
        ("La comida estaba fría", "es"),
        ("Muy mal", "es"),
        ("Het pakket is nooit aangekomen", "nl"),
        ("Bedankt voor de hulp", "nl"),
        ("O serviço foi péssimo", "pt"),
        ("Obrigado pela ajuda", "pt"),
    ],
)
def test_other_languages_are_recognised_even_in_short_posts(text, lang):
    assert detect_language(text) == lang
    assert analyse(text).label == "unscored"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ich war gestern bei Türk Telekom in Kadıköy, niemand hat geholfen", "de"),
        ("Vielen Dank Turkcell", "de"),
        ("Le vol Pegasus pour İstanbul était encore en retard", "fr"),
        ("Il pacco di Trendyol è arrivato rotto", "it"),
        ("La tarjeta de Garanti BBVA no funciona en Beşiktaş", "es"),
    ],
)
def test_a_foreign_sentence_naming_a_turkish_brand_is_not_turkish(text, lang):
    result = analyse(text)
    assert (result.lang, result.compound, result.label) == (lang, None, "unscored")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("berbat", "tr"),  # one word the model calls another language
        ("harika", "tr"),
        ("Vodafone rezalet", "tr"),
        ("cok kotu", "tr"),
        ("Hattımı iptal et", "tr"),  # "et" is also French
        ("terrible", "en"),
        ("Genial", "en"),
        ("super", "en"),
    ],
)
def test_short_posts_with_a_word_kulak_knows_stay_scored(text, lang):
    assert detect_language(text) == lang
    assert analyse(text).label != "unscored"


def test_other_scripts_are_recognised_and_unscored():
    result = analyse("Обслуживание было ужасным")
    assert (result.lang, result.label) == ("ru", "unscored")


def test_hashtags_and_links_alone_do_not_make_a_post_foreign():
    gap = "\u200b" * 3  # zero-width spaces, as some apps write between hashtags
    text = f"#kostaspapadakis{gap} #chania{gap} #crete{gap} #volt_gr https://t.co/x1"
    assert detect_language(text) in {"en", "tr", "el"}


def test_handles_and_links_do_not_outvote_the_greek_words_of_a_post():
    text = (
        "Απόψε στις 9 με τον @kostas_papadakis_official και την @eleni_georgiou https://t.co/Ab12Cd"
    )
    assert detect_language(text) == "el"
