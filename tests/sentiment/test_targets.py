"""A post naming several targets is scored, and its intents read, per target."""

import random

import pytest

from monitor.config import Target
from monitor.matching import Matcher
from monitor.sentiment import detect_language, score_for_target
from monitor.sentiment.window import Mentions

MATCHER = Matcher(
    [
        Target(name="Turkcell", kind="competitor", keywords=["Turkcell"]),
        Target(name="Vodafone", kind="brand", keywords=["Vodafone"]),
        Target(name="Eurobank", kind="competitor", keywords=["Eurobank"]),
        Target(name="Πειραιώς", kind="brand", keywords=["Πειραιώς"]),
    ]
)


def per_target(text: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    matches = MATCHER.match(text)
    lang = detect_language(text)
    answers = {}
    for match in matches:
        others = [m.spans for m in matches if m is not match]
        result = score_for_target(text, match.spans, lang, others)
        answers[match.target] = (result.label, result.intents)
    return answers


@pytest.mark.parametrize(
    ("text", "left", "joined"),
    [
        (
            "Left Turkcell for Vodafone. Turkcell was awful, Vodafone is great so far",
            "Turkcell",
            "Vodafone",
        ),
        (
            "Turkcell'den vazgeçtim, Vodafone'a geçtim. Turkcell rezaletti, Vodafone harika",
            "Turkcell",
            "Vodafone",
        ),
        (
            "Φεύγω από την Eurobank για την Πειραιώς. Η Eurobank είναι απαράδεκτη, "
            "η Πειραιώς εξαιρετική",
            "Eurobank",
            "Πειραιώς",
        ),
    ],
)
def test_switching_post_in_each_language(text, left, joined):
    answers = per_target(text)
    assert answers[left][0] == "neg"
    assert "switching" in answers[left][1]
    assert "complaint" in answers[left][1]
    assert answers[joined][0] == "pos"
    assert "switching" not in answers[joined][1]
    assert "praise" in answers[joined][1]


def test_a_clause_without_a_name_belongs_to_the_target_named_before_it():
    answers = per_target("Vodafone is fine. Turkcell though, the signal drops every hour, awful")
    assert answers["Turkcell"][0] == "neg"
    assert answers["Vodafone"][0] == "pos"


def test_one_target_is_scored_on_the_whole_post():
    text = "Terrible night. Turkcell support fixed it in five minutes, thanks"
    (match,) = MATCHER.match(text)
    whole = score_for_target(text, match.spans, "en")
    assert whole.compound == score_for_target(text, [], "en").compound


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Anyone have recommendations for a mobile provider that works in Kas?", "question"),
        ("Vodafone mu Turkcell mi, hangisi daha iyi çekiyor?", "question"),
        ("Ποια τράπεζα προτείνετε για στεγαστικό;", "question"),
        ("Looking for an alternative to Turkcell, any ideas", "switching"),
        ("Turkcell'i bırakıyorum, faturalar çok yüksek", "switching"),
        ("Σκέφτομαι να κλείσω τον λογαριασμό μου στην Eurobank", "switching"),
        ("Three days with no signal and nobody answers", "complaint"),
        # VADER reads "143" as "I love you" and scores this warm: the cue still counts
        ("Vodafone charged me twice and nobody replies. Disappointed. (#143)", "complaint"),
        ("Turkcell hâlâ çekmiyor, üç gündür şikayet ediyorum", "complaint"),
        ("Δεν λειτουργεί η εφαρμογή της Eurobank από το πρωί", "complaint"),
        ("Thank you Vodafone, the new router is brilliant", "praise"),
        ("Vodafone çalışanlarına teşekkürler, çok yardımcı oldular", "praise"),
        ("Μπράβο στην Πειραιώς για τη γρήγορη εξυπηρέτηση", "praise"),
    ],
)
def test_intents(text, intent):
    matches = MATCHER.match(text)
    spans = matches[0].spans if matches else []
    others = [m.spans for m in matches[1:]]
    result = score_for_target(text, spans, detect_language(text), others)
    assert intent in result.intents


def test_a_plain_report_has_no_intent():
    text = "Vodafone opens a new shop in Izmir on Monday"
    (match,) = MATCHER.match(text)
    assert score_for_target(text, match.spans, "en").intents == ()


def test_a_warm_tone_is_no_praise_in_a_post_about_leaving():
    text = (
        "Anyone know an alternative to Turkcell near Levent? Their app keeps losing my "
        "loyalty points and support never answers."
    )
    (match,) = MATCHER.match(text)
    result = score_for_target(text, match.spans, "en")
    assert set(result.intents) == {"complaint", "question", "switching"}


def test_the_mentions_meeting_a_clause_are_those_a_look_at_each_would_find():
    """Bisection over sorted spans (overlapping ones too) answers as a look at every span."""
    rng = random.Random(11)
    for _ in range(300):
        spans = [(s, s + rng.randint(1, 12)) for s in rng.sample(range(200), rng.randint(0, 12))]
        mentions = Mentions(spans)
        for _ in range(20):
            start = rng.randint(0, 210)
            end = start + rng.randint(0, 40)
            assert mentions.meet((start, end)) == any(s < end and e > start for s, e in spans)
            inside = sorted((s - start, e - start) for s, e in spans if s >= start and e <= end)
            assert mentions.within(start, end) == inside


def test_a_post_naming_two_targets_thousands_of_times_is_cut_as_one_naming_them_once():
    post = "Turkcell berbat, Vodafone harika. " * 3000 + "Turkcell'den vazgeçtim."
    once = "Turkcell berbat, Vodafone harika. Turkcell'den vazgeçtim."

    assert per_target(post) == per_target(once)
