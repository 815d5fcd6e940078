"""One odd value in one item of a real answer costs that item at most, never the page.

Every JSON source's recorded answers are read again with one value of one item changed:
left out, null, a number, text, a list, an object, a huge or negative number, a flag, a
NUL; every feed's and three HTML sources' pages, with one element of one item left out
or its text and attributes made odd. Whatever the change, the parser returns, and the
posts of every other item are still there.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import lxml.html
import pytest
from lxml import etree

from spiders import (
    appstore,
    bluesky,
    eksisozluk,
    hackernews,
    mastodon,
    reddit,
    sikayetvar,
    telegram,
    x,
    youtube,
)
from spiders.items import Post, Skipped
from spiders.rss import entry_post, parse_feed
from tests.helpers import FIXTURES, fixture_text

Parse = Callable[[Any], Any]

ANSWERS: list[tuple[str, str, Parse]] = [
    ("hackernews", "page0.json", lambda d: hackernews.parse_hits(d, "q")),
    ("reddit", "search0.json", lambda d: reddit.parse_listing(d, "q")),
    ("reddit", "comments.json", lambda d: reddit.parse_listing(d, "q")),
    ("mastodon", "tag_page0.json", lambda d: mastodon.parse_statuses(d, "https://m.test", "q")),
    ("mastodon", "akkoma_tag.json", lambda d: mastodon.parse_statuses(d, "https://m.test", "q")),
    ("bluesky", "search_page0.json", lambda d: bluesky.parse_posts(d, "q")),
    ("x", "page0.json", lambda d: x.parse_search(d, "q")),
    ("x", "long_post.json", lambda d: x.parse_search(d, "q")),
    ("youtube", "page0.json", youtube.parse_threads),
    ("appstore", "page1.json", lambda d: appstore.parse_reviews(d, "1", "tr")),
]
ODD_VALUES = [None, 1, "x", [], {}, 1e20, -1, True, "\x00", [1], {"a": 1}]
LEFT_OUT = object()


def post_ids(parsed: Any) -> list[str]:
    """The ids of the posts a parser gave, whatever it wraps them in."""
    ids = []
    for found in parsed:
        if isinstance(found, tuple):  # (sort time or number, post): Bluesky, Telegram...
            found = found[1]
        if isinstance(found, list):  # YouTube: a thread
            ids += [post.external_id for post in found]
        elif isinstance(found, Post):
            ids.append(found.external_id)
    return ids


def lost(whole: list[str], kept: list[str]) -> list[str]:
    return [post for post in whole if post not in kept]


def item_paths(node: Any, path: tuple = (), in_item: bool = False) -> Iterator[tuple]:
    """Where a value sits inside an item of the answer (under a list, the first three of
    it); the answer's own shape, above its lists, is not an item's."""
    if isinstance(node, dict):
        children: Any = node.items()
    elif isinstance(node, list):
        children = enumerate(node[:3])
    else:
        return
    for key, child in children:
        inside = in_item or isinstance(key, int)
        if inside:
            yield (*path, key)
        yield from item_paths(child, (*path, key), inside)


def changed(data: Any, path: tuple, value: Any) -> Any:
    data = copy.deepcopy(data)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if value is LEFT_OUT:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("source", "name", "parse"), ANSWERS, ids=[f"{source}/{name}" for source, name, _ in ANSWERS]
)
def test_one_odd_value_in_an_item_costs_that_item_at_most(source, name, parse):
    data = json.loads(fixture_text(source, name))
    whole = post_ids(parse(data))
    # an item holds one post, a YouTube thread its top-level comment and its replies
    largest = max(len(thread) for thread in parse(data)) if source == "youtube" else 1
    tried = 0
    for path in item_paths(data):
        for value in (*ODD_VALUES, LEFT_OUT):
            gone = lost(whole, post_ids(parse(changed(data, path, value))))
            assert len(gone) <= largest, f"{source}/{name} at {path} = {value!r}: lost {gone}"
            tried += 1
    assert tried > 100 and len(whole) >= 2


FEEDS = [
    ("rss", "blog.xml"),
    ("rss", "atom.xml"),
    ("rss", "rdf.xml"),
    ("googlenews", "search-tr.xml"),
    ("reddit", "search.rss"),
]
ODD_TEXTS = ["", "x", "2026-99-99", "Mon, 99 Foo 2026", "<b>", "9" * 50, "javascript:x", "a" * 5000]
FEED_URL = "https://feeds.test/feed"
FEED_ITEMS = ("item", "entry")


def feed_post_ids(body: bytes) -> list[str]:
    """The ids of the posts a feed's entries make, as the feed sources make them."""
    entries = parse_feed(body, FEED_URL).entries
    posts = (entry_post(e, "rss", FEED_URL, WHEN) for e in entries if not isinstance(e, Skipped))
    return [post.external_id for post in posts if post is not None]


def local(element: Any) -> str:
    return element.tag.split("}")[-1] if isinstance(element.tag, str) else ""


def odd_elements(root: Any, is_item: Callable[[Any], bool]) -> Iterator[tuple[Any, str]]:
    """Copies of a document, each with one element of one of its first three items left
    out or made odd (its text and attributes), and what was changed."""

    def items(document: Any) -> list[Any]:
        return [element for element in document.iter() if is_item(element)][:3]

    for i, item in enumerate(items(root)):
        for j in range(1, len(list(item.iter()))):
            for text in (None, *ODD_TEXTS):
                changed = copy.deepcopy(root)
                element = list(items(changed)[i].iter())[j]
                if text is None:
                    element.getparent().remove(element)
                else:
                    element.text = text
                    element.attrib.update(dict.fromkeys(element.attrib, text))
                yield changed, f"<{local(element)}> = {text!r:.20}"


@pytest.mark.parametrize(("source", "name"), FEEDS, ids=[f"{s}/{n}" for s, n in FEEDS])
def test_one_odd_element_in_a_feed_item_costs_that_item_at_most(source, name):
    body = (FIXTURES / source / name).read_bytes()
    whole = feed_post_ids(body)
    tried = 0
    for changed, what in odd_elements(etree.fromstring(body), lambda e: local(e) in FEED_ITEMS):
        gone = lost(whole, feed_post_ids(etree.tostring(changed)))
        assert len(gone) <= 1, f"{name}: {what}: lost {gone}"
        tried += 1
    assert tried > 50 and len(whole) >= 2


PAGES = [
    (
        "telegram/channel-newest.html",
        lambda html: telegram.parse_channel_page(html, "kahveduragi").messages,
        lambda e: e.get("data-post") is not None,
    ),
    (
        "eksisozluk/topic-p1.html",
        lambda html: eksisozluk.parse_topic_page(html).entries,
        lambda e: e.tag == "li" and e.get("data-id") is not None,
    ),
    (  # a page is one complaint, which it cannot go without, and the brand's answers
        "sikayetvar/wrong-order-twice-in-a-row.html",
        lambda html: sikayetvar.parse_complaint(html, "demlik-cafe", WHEN),
        lambda e: "complaint-answer-container" in e.get("class", ""),
    ),
]


@pytest.mark.parametrize(("path", "parse", "is_item"), PAGES, ids=[p for p, _, _ in PAGES])
def test_one_odd_element_in_a_page_item_costs_that_item_at_most(path, parse, is_item):
    html = fixture_text(*path.split("/"))
    whole = post_ids(parse(html))
    tried = 0
    for changed, what in odd_elements(lxml.html.fromstring(html), is_item):
        gone = lost(whole, post_ids(parse(lxml.html.tostring(changed, encoding="unicode"))))
        assert len(gone) <= 1, f"{path}: {what}: lost {gone}"
        tried += 1
    assert tried > 50 and len(whole) >= 2


def test_a_tweet_that_cannot_be_read_is_skipped_and_said_and_the_others_kept():
    data = json.loads(fixture_text("x", "page0.json"))
    data["data"].insert(1, {"id": ["not", "an", "id"], "text": "odd"})
    data["includes"]["users"].insert(0, {"name": "no id"})

    parsed = list(x.parse_search(data, "q"))

    skipped = [found for found in parsed if isinstance(found, Skipped)]
    assert len(skipped) == 1 and "without an id" in skipped[0].reason
    original = post_ids(x.parse_search(json.loads(fixture_text("x", "page0.json")), "q"))
    assert post_ids(parsed) == original


def test_a_reply_that_cannot_be_read_is_skipped_alone_and_its_thread_kept():
    data = json.loads(fixture_text("youtube", "page0.json"))
    thread = next(t for t in data["items"] if len(t.get("replies", {}).get("comments", [])) >= 2)
    odd, kept = thread["replies"]["comments"][:2]
    del odd["snippet"]["publishedAt"]

    threads = list(youtube.parse_threads(data))

    (skipped,) = [found for found in threads if isinstance(found, Skipped)]
    assert "publishedAt" in skipped.reason and odd["id"] in skipped.sample
    ids = post_ids(threads)
    top = thread["snippet"]["topLevelComment"]["id"]
    assert top in ids and kept["id"] in ids and odd["id"] not in ids


WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("field", ["external_id", "url", "text"])
def test_a_post_without_its_id_url_or_text_is_refused_naming_it(field):
    values = {"external_id": "1", "url": "https://x.test/1", "text": "Demlik priz yok"}

    with pytest.raises(ValueError, match=f"x: a post's {field} is None, not text"):
        Post("x", **{**values, field: None}, created_at=WHEN)


def test_a_post_with_a_blank_id_is_refused_as_it_would_overwrite_others():
    with pytest.raises(ValueError, match="x: a post's external_id is blank"):
        Post("x", " ", "https://x.test/", "Demlik priz yok", WHEN)


def test_a_hit_whose_id_is_null_is_skipped_and_said_not_stored_as_none():
    data = json.loads(fixture_text("hackernews", "page0.json"))
    first = data["hits"][0]["objectID"]
    data["hits"][0]["objectID"] = None

    parsed = list(hackernews.parse_hits(data, "q"))

    (skipped,) = [found for found in parsed if isinstance(found, Skipped)]
    assert "external_id is None" in skipped.reason
    assert "None" not in post_ids(parsed) and first not in post_ids(parsed)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (12, 12),
        (12.0, 12),
        ("12", 12),  # some APIs send counts as text
        (" 7 ", 7),
        ("x", None),  # once walked a range of 2**64 numbers: the collection hung
        ([3], None),
        ({"count": 3}, None),
        (True, None),
        ("\x00", None),
        ("-1", None),
        ("9" * 30, None),
        (2**63, None),
        (1.5, None),
        (float("nan"), None),
        (float("inf"), None),
    ],
)
def test_a_count_is_a_whole_number_the_store_holds_or_unknown(sent, stored):
    post = Post("x", "1", "https://x.test/1", "Demlik priz yok", WHEN, likes=sent, lang=7)

    assert post.likes == stored and post.lang is None
