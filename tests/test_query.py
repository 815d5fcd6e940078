"""Boolean target queries, as a marketer writes them."""

import pytest

from monitor.config import ConfigError, Target
from monitor.folding import fold
from monitor.matching import Matcher
from monitor.query import QueryError, evaluate, parse_query
from tests.helpers import BASE_SETTINGS, make_settings


def holds(query: str, text: str) -> bool:
    return evaluate(parse_query(query, fold), fold(text))


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ('"Kahve Durağı" AND priz', "KAHVE DURAĞI'nda priz yok", True),
        ('"Kahve Durağı" AND priz', "Kahve Durağı çok güzel", False),
        ("wifi OR priz", "Wifi çekmiyor", True),
        ('"Kahve Durağı" (priz OR wifi) NOT kampanya', "Kahve Durağı wifi yok", True),
        ('"Kahve Durağı" (priz OR wifi) NOT kampanya', "Kahve Durağı wifi kampanya", False),
        ("NOT kampanya", "hiçbir şey", True),
        ("καφές NEAR/3 κρύος", "Ο ΚΑΦΈΣ ήταν πολύ κρύος", True),
        ("καφές NEAR/2 κρύος", "Ο καφές ήταν πολύ κρύος", False),
        ('"power outlets" NEAR/3 Demlik', "Demlik has no power outlets", True),
    ],
)
def test_queries(query, text, expected):
    assert holds(query, text) is expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(priz OR wifi", "missing ) at character 13"),
        ("priz OR", "expected a word, a phrase or ( at character 7"),
        ("(a OR b) NEAR/2 c", "NEAR joins two words or phrases"),
        ("", "the query is empty"),
    ],
)
def test_unreadable_queries_say_where(query, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query, fold)


def test_a_query_narrows_which_posts_name_the_target():
    target = Target(
        name="Kahve Durağı", kind="brand", keywords=["Kahve Durağı"], query="priz OR wifi"
    )
    matcher = Matcher([target])
    assert matcher.match("Kahve Durağı'nda priz yok")
    assert not matcher.match("Kahve Durağı'nda yeni menü")


def test_a_bad_query_in_settings_names_the_target():
    text = BASE_SETTINGS.replace("kind: brand", 'kind: brand\n    query: "(priz OR"')
    with pytest.raises(ConfigError) as caught:
        make_settings(base=text)
    (problem,) = caught.value.problems
    assert problem.startswith("targets[0].query (line 7): expected a word, a phrase or (")
