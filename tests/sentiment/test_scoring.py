"""Turkish and Greek read like VADER reads English: lexicon plus rules around each word."""

import pytest

from monitor.sentiment import analyse, rules_compound, score
from monitor.sentiment.lexicon import LexiconError, parse_table, read_table
from monitor.sentiment.rules import Hit, Rules, polarity


def tr(text: str) -> float:
    return rules_compound(text, "tr")


def el(text: str) -> float:
    return rules_compound(text, "el")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Yeni paket harika, çok memnunum", "pos"),
        ("Kargo rezalet, ürün kırık geldi", "neg"),
        ("Telefonu hiç sevmedim", "neg"),  # negative verb suffix
        ("Bu uygulamayı beğenmiyorum", "neg"),
        ("Fiyatlar kötü değil", "pos"),  # değil after the word
        ("İyi bir hizmet değil", "neg"),  # değil after the phrase
        ("Hiçbir sorun yok, teşekkürler", "pos"),  # yok after a negative word
        ("Çekim gücü sorunsuz", "pos"),  # -suz: without
        ("cok guzel bir hizmet", "pos"),  # typed without Turkish letters
        ("Müşteri hizmetleri berbattı", "neg"),  # inflected form reaches "berbat"
        ("Yarın saat üçte toplantı var", "neu"),
        ("Onu kaybetmeyi göze alamam", "neg"),  # -meyi is "losing", not "not lose"
        ("@yetiskin_biri ne dersin", "neu"),  # a handle is not a word
        ("Hayal kırıklığı yaşadım", "neg"),  # a listed phrase
        ("Derdimi anlatamadım", "neg"),  # dert -> derd- before a vowel
        ("Umudumu kaybediyorum", "neg"),  # kaybet -> kaybed-
        ("Bilmiyorum, yarın bakarız", "neu"),  # a known neutral verb stays neutral
        ("Asker yarın dönüyor", "neu"),  # "asker" is not "aşk" + an ending
    ],
)
def test_turkish(text, label):
    assert score(text, "tr").label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Εξαιρετική εξυπηρέτηση, ευχαριστώ πολύ", "pos"),
        ("Απαράδεκτη συμπεριφορά από την τράπεζα", "neg"),
        ("ΑΠΑΡΑΔΕΚΤΗ ΣΥΜΠΕΡΙΦΟΡΑ", "neg"),  # capitals, no accents
        ("απαραδεκτη συμπεριφορα", "neg"),  # lower case, accents dropped
        ("χρεωσεις παντου κλεβουν κοσμο", "neg"),  # no accents, no stopwords
        ("τραπεζα βραβευτηκε καλυτερη ψηφιακη τραπεζα", "pos"),
        ("Δεν είναι καλή η εφαρμογή", "neg"),  # δεν before the word
        ("Η εφαρμογή δεν είναι κακή", "pos"),
        ("Το κατάστημα ανοίγει στις εννιά", "neu"),
        ("Δύο ώρες στο τηλέφωνο και κανείς δεν απαντάει", "neg"),  # a negated plain verb
        ("Η εφαρμογή δεν ανοίγει από χθες", "neg"),
        ("Κλειστά μαγαζιά και καμία στήριξη", "neg"),  # "no support"
        ("Ταλαιπωρήθηκα για μια κάρτα", "neg"),  # passive aorist reaches its stem
        ("Απογοητεύτηκα από την εξυπηρέτηση", "neg"),  # and its -τηκ- form
        ("Μου αρέσει πολύ η νέα εφαρμογή", "pos"),
        ("Δεν μου αρέσει καθόλου η νέα εφαρμογή", "neg"),
        ("Η ομάδα μας διακρίθηκε στον διαγωνισμό", "pos"),
        ("Άλλο ένα φιάσκο με τα ραντεβού", "neg"),
        ("Τα χρήματα του ταμείου ανάκαμψης θα μοιραστούν τον Μάιο", "neu"),  # a name
        ("Δεν ντρέπεστε;", "neg"),  # "aren't you ashamed?" is no praise
        ("Πολύ κακή εξυπηρέτηση", "neg"),  # a listed form of a short-stemmed word
        ("Ο Νίκος καλεί τους φίλους του στις εννιά", "neu"),  # not "νίκη", not "καλός"
        ("Η πλατφόρμα για τα ραντεβού ανοίγει σε μισή ώρα", "neu"),  # half, hour
    ],
)
def test_greek(text, label):
    assert score(text, "el").label == label


def test_intensifiers_and_diminishers():
    assert tr("çok güzel") > tr("güzel") > tr("biraz güzel") > 0
    assert el("πολύ καλό") > el("καλό") > el("λίγο καλό") > 0


def test_exclamation_marks_and_capitals_add_weight():
    assert tr("harika!!!") > tr("harika") > 0
    assert tr("hizmet BERBAT oldu") < tr("hizmet berbat oldu") < 0


def test_emoji_and_emoticons():
    assert tr("yeni kampanya geldi 😍") > 0 < el("νέα εφαρμογή :)")
    assert tr("fatura yine geldi 😡") < 0 > el("πάλι χρέωση :(")


def test_contrast_weighs_the_clause_after_it():
    assert tr("Fiyat iyi ama çekim berbat") < 0
    assert el("Ακριβό αλλά εξαιρετικό") > 0


def test_compound_stays_in_range():
    text = "harika " * 50 + "!!!!!!"
    assert 0.99 < tr(text) <= 1.0


def test_english_is_vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = "The support team was helpful, but the app keeps crashing"
    expected = SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    assert analyse(text).compound == expected


@pytest.mark.parametrize("name", ["tr_lexicon.tsv", "el_lexicon.tsv", "emoji.tsv"])
def test_shipped_lexicons_parse_with_valences_in_range(name):
    table = read_table(name)
    assert len(table) > 50
    assert all(-4 <= v <= 4 for v in table.values())


@pytest.mark.parametrize("name", ["tr_lexicon.tsv", "el_lexicon.tsv", "emoji.tsv"])
def test_no_term_is_listed_twice(name):
    from importlib.resources import files

    text = files("monitor.sentiment").joinpath("data", name).read_text(encoding="utf-8")
    terms = [line.split("\t")[0] for line in text.splitlines() if line and line[0] != "#"]
    assert len(terms) == len(set(terms))


def test_a_malformed_lexicon_line_is_named():
    with pytest.raises(LexiconError, match=r"mine.tsv line 3: no number"):
        parse_table("# comment\ngood\t2\nbad line without valence\n", "mine.tsv")


def test_elongated_words_reach_the_lexicon():
    assert tr("çoook güzeeeel") > tr("güzel") > 0


def test_a_negative_progressive_verb_leans_negative():
    assert tr("internet üç gündür gelmiyor") < 0
    assert tr("internet üç gündür geliyor") == 0


@pytest.mark.parametrize(
    "text",
    [
        "Maaşım hâlâ hesaba yatmadı",  # past
        "Siparişim kargoya verilmemiş",  # hearsay
        "Uygulamaya giremiyorum",  # cannot
        "Param iade edilemedi diyorlar",
        "Kredi kartı limitimi sormadan düşürmüşsünüz",
        "Sizi kimseye tavsiye etmem",
    ],
)
def test_turkish_service_complaints_read_negative(text):
    assert tr(text) < 0


def test_a_positive_past_verb_is_not_read_as_negated():
    assert tr("Maaşım hesaba yattı") == 0
    assert tr("Akademide ilk günüm") == 0


def test_emoji_outside_kulaks_table_are_valued_by_their_english_name():
    from monitor.sentiment.lexicon import emoticons

    assert "😿" not in read_table("emoji.tsv", folded=False)
    assert emoticons()["😿"] < 0  # "crying cat"
    assert tr("fatura geldi 😿") < 0


def test_a_word_written_with_turkish_letters_keeps_its_own_meaning():
    # "açıyor" (is opening) folds to "aciyor", the spelling of "acıyor" (it hurts).
    assert tr("Kadıköy'de yeni şube açıyor") == 0
    assert tr("başım çok acıyor") < 0
    # Without Turkish letters both readings stay open, and the lexicon's wins.
    assert tr("hizmet cok kotu") == tr("hizmet çok kötü") < 0


def test_greek_negation_reaches_past_clitics_and_stops_at_the_sentence_end():
    assert el("Δεν μου το έκαναν καλά") < 0  # "μου", "το" do not count towards the scope
    assert el("Καθόλου καλή εξυπηρέτηση") < 0  # "καθόλου" (at all) negates on its own
    assert el("Δεν ξέρω. Καλό είναι") > 0  # the negator stays in its sentence


def test_ridiculous_is_not_laughter():
    # "γελοίοι" (ridiculous) and "γέλιο" (laughter) share a stem once their endings go.
    assert el("Γελοίοι είστε") < 0 < el("Ωραίο γέλιο")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("İyi Parti bugün kongresini topladı", "tr"),
        ("Zafer Partisi il başkanı açıklama yaptı", "tr"),
        ("Η Νέα Δημοκρατία κατέθεσε τροπολογία", "el"),
        ("Βουλευτής της Ελληνικής Λύσης μίλησε στη Βουλή", "el"),
    ],
)
def test_a_party_name_is_no_praise(text, lang):
    assert rules_compound(text, lang) == 0


def test_joining_is_not_murder():
    # "katılıyorum" (I agree) folds to the spelling of "katil" (murderer) plus an ending.
    assert tr("Size katılıyorum") == tr("Toplantıya katıldım") == 0
    assert tr("Katil yakalandı") < 0


def test_closing_thanks_do_not_outweigh_a_complaint():
    assert tr("Kartım iki haftadır gelmedi, ilgilenir misiniz? Teşekkürler") < 0
    assert el("Η κάρτα δεν έχει έρθει ακόμα, ευχαριστώ") < 0
    # alone, or thanks for something, they still praise
    assert tr("Teşekkürler") > 0 < el("Ευχαριστώ!")
    assert tr("Sorunumu hemen çözdüğünüz için teşekkürler") > 0
    assert el("Ευχαριστώ για τη γρήγορη λύση στο πρόβλημα") > 0


def test_praise_beside_a_complaint_is_irony():
    assert tr("Tebrikler Turkcell, internet yine gitti, rezalet") == tr(
        "Internet yine gitti, rezalet"
    )
    assert score("Tebrikler, internet yine kesildi", "tr").label == "neg"
    assert el("Μπράβο κυβέρνηση, άλλο ένα φιάσκο") < 0
    assert tr("Tebrikler, harika bir kampanya") > 0 < el("Μπράβο, εξαιρετική δουλειά")


def test_asking_for_help_is_no_praise():
    assert tr("Kartım gelmedi, yardımcı olur musunuz?") < 0
    assert tr("Param iade edilmedi, lütfen yardım edin 🙏") == tr("Param iade edilmedi")
    assert el("Βοήθεια, η κάρτα μου δεν λειτουργεί 🙏") == el("Η κάρτα μου δεν λειτουργεί")
    assert tr("Yardımınız için çok teşekkürler 🙏") > 0  # thanks for help still praise
    assert el("Μπορείτε να με βοηθήσετε με την κάρτα μου;") == 0


def test_greetings_carry_no_sentiment():
    assert tr("Merhaba, şubeniz cumartesi açık mı?") == 0
    assert el("Καλημέρα, τι ώρα ανοίγει το κατάστημα;") == 0


def test_a_question_does_not_praise():
    # A question asks; its positive words assert nothing, its negative ones still count.
    assert tr("Bu mu sizin mükemmel hizmetiniz?") == 0
    assert el("Αυτή είναι η καλύτερη εξυπηρέτηση;") == 0
    assert el("Αυτή είναι η καλύτερη εξυπηρέτηση\u037e") == 0  # the Greek question mark
    assert tr("Neden hâlâ berbat bu uygulama?") < 0
    # the question is only its own sentence, and one asking agreement asserts
    assert tr("Harika bir gün. Yarın açık mısınız?") == tr("Harika bir gün.") > 0
    assert tr("Kampanya harika, değil mi?") > 0
    assert el("Ωραία εφαρμογή, έτσι;") > 0


def test_laughter_or_applause_beside_a_complaint_is_derision():
    assert tr("Uygulama yine çöktü, rezalet 😂😂") == tr("Uygulama yine çöktü, rezalet")
    assert el("Πάλι χάλασε το σύστημα, ντροπή 🤣") == el("Πάλι χάλασε το σύστημα, ντροπή")
    assert el("👏👏 Έπεσε πάλι το σύστημα") == el("Έπεσε πάλι το σύστημα")
    assert tr("Bu reklam çok komik 😂") > 0 < el("Υπέροχη παράσταση 👏👏")  # alone: joy
    assert el("Ο κλόουν της ημέρας 🤡") < 0


def test_so_called_negates():
    assert el("Η δήθεν καλή εξυπηρέτηση") < 0 < el("Η καλή εξυπηρέτηση")
    assert tr("Sözde güvenli bir uygulama") < 0 < tr("Güvenli bir uygulama")


def test_a_word_in_scare_quotes_is_disowned():
    assert el("Οι «άριστοι» μας κυβερνούν") < 0 < el("Οι άριστοι μας κυβερνούν")
    assert tr('"Güvenli" bankanız yine çöktü') < tr("Güvenli bankanız yine çöktü")
    # a longer quote is someone's words; an apostrophe is no quote
    assert tr('Müdür "çok güzel bir gün, teşekkürler" dedi') > 0
    assert tr("Garanti'ye teşekkürler, harika bir gün") > 0


def test_a_name_is_not_its_word():
    assert tr("Bugün Özgür Özel konuştu") == 0 < tr("Özgür bir ülke")  # first word: a word
    assert tr("Dün Umut ile Barış geldi") == 0 < tr("Barış ve umut istiyoruz")
    assert el("Χθες η Ελπίδα ήρθε στο γραφείο") == 0 < el("Υπάρχει ελπίδα")
    assert tr("HER ŞEYE RAĞMEN UMUT VAR") > 0  # all capitals: a word


def test_about_is_not_attentive():
    assert tr("Kredi kartımla ilgili bir sorun var") == tr("Kredi kartımda bir sorun var") < 0


def test_applause_beside_a_complaint_is_irony():
    assert tr("Alkışlar, sistem yine çöktü") == tr("Sistem yine çöktü") < 0
    assert tr("Alkışlar, harika bir konser") > 0


def test_negative_words_weigh_more_beside_positive_ones():
    table = {"good": Hit(2.0), "bad": Hit(-2.0)}
    words = Rules(lookup=table.get)
    assert polarity("good and bad", words) < 0 < polarity("good and good", words)
    # a post of one polarity keeps its magnitude
    assert polarity("bad and bad", words) == -polarity("good and good", words)
    assert el("Ευγενικό προσωπικό, απαράδεκτη καθυστέρηση") < 0


def test_the_clause_after_a_concession_dominates():
    assert tr("Kargo gecikmesine rağmen ürün güzel") > 0 > tr("Kargo gecikti, ürün güzel")
    assert tr("Ürün güzel olmasına rağmen kargo rezalet") < tr("Ürün güzel, kargo rezalet")
    assert el("Η εφαρμογή είναι χάλια, πάντως το προσωπικό ευγενικό") > 0


def test_a_passive_or_causative_verb_is_negated_by_its_ending():
    assert tr("Talebim hâlâ çözülmedi") < 0 < tr("Talebim çözüldü")
    assert tr("Uygulama düzeltilmedi") < 0 < tr("Uygulama düzeltildi")
    assert tr("Kampanyanız hiç beğenilmedi") < 0 < tr("Kampanyanız çok beğenildi")
    assert tr("Sevilmek güzel") > 0  # the infinitive is not negated


def test_a_negated_auxiliary_negates_the_word_before_it():
    assert tr("Hizmetten hiç memnun kalmadım") < 0 < tr("Hizmetten memnun kaldım")
    assert tr("Artık hiçbir sorun kalmadı") > 0  # no problem left


def test_insults_made_with_a_negative_ending():
    assert tr("Utanmaz bir şirket") < 0  # shameless, not "not ashamed"
    assert tr("Bu muamele kabul edilemez") < 0
    assert el("Το γαμημένο σύστημα έπεσε πάλι") < 0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Üç haftadır kartımı hala bekliyorum", "tr"),
        ("hala bekliyorum cevap yok", "tr"),  # "yok" negates the answer, not the phrase
        ("Bu ne biçim bir uygulama", "tr"),
        ("Böyle bankacılık olmaz olsun", "tr"),
        ("Başvurum reddedildi", "tr"),
        ("Ya sabır, yine aynı hata", "tr"),
        ("Δέκα μέρες και ακόμα περιμένω την κάρτα", "el"),
        ("Καλά να πάθουμε που τους ψηφίσαμε", "el"),
        ("Καλά κρασιά με τα νέα μέτρα", "el"),
        ("Για γέλια είναι η εξυπηρέτηση", "el"),
        ("Κρίμα τα λεφτά", "el"),
    ],
)
def test_complaints_told_without_a_plain_negative_word(text, lang):
    assert rules_compound(text, lang) < 0


def test_what_is_missing_leans_negative():
    assert tr("Şikayetime cevap yok") < 0
    assert tr("Sözde reform") < 0  # "so-called" leans as "δεν" does
    assert tr("Hiçbir sorun yok") > 0 < tr("Kötü bir şey yok")  # a missing problem is good
    assert tr("İyi bir hizmet yok") < 0
    # "yok" belongs to its own clause: it leans "param" (my money) but does not negate "güzel"
    assert tr("Manzara güzel ama param yok") > tr("Manzara güzel değil ama param yok")
    assert tr("Bu lezzetin eşi benzeri yok") > 0  # there is none like it


def test_a_good_word_exclaimed_beside_a_complaint_is_irony():
    assert tr("Harika, internet yine kesildi") == tr("İnternet yine kesildi")
    assert el("Πολύ ωραία, πάλι χωρίς νερό") < 0
    assert el("Τέλεια, έπεσε πάλι το σύστημα") == el("Έπεσε πάλι το σύστημα")
    # said of something, or with no complaint, it is praise
    assert tr("Harika ürün, kargo biraz gecikti") > tr("Ürün, kargo biraz gecikti")
    assert tr("Harika!") > 0 < el("Τέλεια!")
