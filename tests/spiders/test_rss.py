from datetime import UTC, datetime

import pytest

from monitor.crawl import collect
from monitor.replay import Reply
from spiders.rss import FeedMark, entry_post, fresh_entries, parse_date, parse_feed
from tests.helpers import FIXTURES, fixture_text, make_settings, run, runtime_for

BLOG, ATOM = "/feed/", "/atom.xml"
ETAG = '"blog-v1"'
MODIFIED = "Fri, 20 Nov 2026 07:00:00 GMT"

NEW_ITEM = """<item>
      <title>Kahve Durağı Moda şubesi açıldı</title>
      <link>https://kahve-notlari.example/2026/11/moda/</link>
      <guid isPermaLink="true">https://kahve-notlari.example/?p=813</guid>
      <pubDate>Fri, 20 Nov 2026 11:30:00 +0300</pubDate>
      <description>Yeni şubede bol priz var, sonunda!</description>
    </item>
    <item>"""


def blog_bytes(extra_item: bool = False) -> bytes:
    text = fixture_text("rss", "blog.xml")
    if extra_item:
        text = text.replace("<item>", NEW_ITEM, 1)
    return text.encode()


def rss_settings(replay_url: str, feeds: str = f"[{BLOG}]") -> object:
    return make_settings(
        f"""
sources:
  rss:
    base_url: {replay_url}
    backoff: 10ms
    feeds: {feeds}
"""
    )


def conditional(body: bytes, etag: str = ETAG, modified: str = MODIFIED):
    """A server honouring If-None-Match / If-Modified-Since, like any feed host."""

    def answer(request):
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", {"ETag": etag})
        headers = {"ETag": etag, "Last-Modified": modified, "Content-Type": "application/rss+xml"}
        return Reply(200, body, headers)

    return answer


def test_rss_items_become_plain_text_posts_in_utc():
    feed = parse_feed(blog_bytes())
    fallback = feed.updated
    posts = [
        entry_post(e, "rss", "https://kahve-notlari.example/feed/", fallback) for e in feed.entries
    ]

    assert feed.title == "Kahve Notları & Şehir"
    kadikoy, demlik, fresko, latte, stub = posts
    assert stub is None  # no title, no description: nothing to say
    assert kadikoy.external_id == "https://kahve-notlari.example/?p=812"
    assert kadikoy.url == "https://kahve-notlari.example/2026/11/kahve-duragi-kadikoy/"
    assert kadikoy.text == (
        "Kahve Durağı Kadıköy: priz yok, wifi yavaş\n"
        "Kahve Durağı’nda cam kenarında hiç priz yok & wifi çok yavaş.\n"
        "Üç saat bekledim, kimse ilgilenmedi 😤"
    )
    assert kadikoy.created_at == datetime(2026, 11, 20, 6, 15, tzinfo=UTC)
    assert kadikoy.author_name == "Ayşe Kaya"
    # Entity-escaped HTML, twice-escaped entities and an RSS `mail (Name)` author.
    assert demlik.text.endswith('Demlik Cafe\'s app "forgot" my stamps. Support never answers.')
    assert demlik.author_name == "Jo Walker" and demlik.external_id == "kahve-notlari-811"
    # No guid: the link identifies it. No author.
    assert fresko.external_id == fresko.url == "https://kahve-notlari.example/2026/11/fresko-ermou/"
    assert fresko.author_name is None and "👍" in fresko.text
    assert fresko.created_at == datetime(2026, 11, 18, 5, 5, tzinfo=UTC)
    # No date, no link: the channel's lastBuildDate and the feed URL stand in.
    assert latte.created_at == feed.updated == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    assert latte.url == "https://kahve-notlari.example/feed/"


def test_atom_entries_text_constructs_and_edits():
    feed = parse_feed(fixture_text("rss", "atom.xml").encode())
    fresko, switch = feed.entries

    assert fresko.link == "https://kafeneia.example/31"  # rel=alternate, not rel=replies
    assert fresko.published == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    assert fresko.changed == fresko.updated == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    assert fresko.summary.endswith("ένα freddo & κανείς δεν ζήτησε συγγνώμη.")
    assert fresko.author == "Νίκος Π."
    assert switch.title == "Kahve Durağı & Demlik Kafe, yan yana"
    assert switch.summary == (
        "Demlik Kafe'den Kahve Durağı'na geçtim: çay daha iyi, fiyatlar aynı.\nTavsiye ederim 🙂"
    )
    post = entry_post(switch, "rss", "https://kafeneia.example/atom.xml", feed.updated)
    assert post.created_at == datetime(2026, 11, 18, 21, 0, tzinfo=UTC) and post.author_name is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Fri, 20 Nov 2026 09:15:00 +0300", datetime(2026, 11, 20, 6, 15, tzinfo=UTC)),
        ("Fri, 20 Nov 2026 06:15:00 GMT", datetime(2026, 11, 20, 6, 15, tzinfo=UTC)),
        ("Fri, 20 Nov 2026 06:15:00 -0000", datetime(2026, 11, 20, 6, 15, tzinfo=UTC)),
        ("2026-11-20T09:15:00+03:00", datetime(2026, 11, 20, 6, 15, tzinfo=UTC)),
        ("2026-11-20T06:15:00.250Z", datetime(2026, 11, 20, 6, 15, 0, 250000, tzinfo=UTC)),
    ],
)
def test_dates_from_rfc_822_and_rfc_3339_to_utc(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "body, why",
    [
        (fixture_text("rss", "malformed.xml").encode(), "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"<html><body>Bakimdayiz</body></html>", "not an RSS or Atom feed"),
        (b'<rss version="2.0"></rss>', "without a <channel>"),
    ],
)
def test_bad_documents_raise_a_value_error_naming_the_problem(body, why):
    with pytest.raises(ValueError, match=why):
        parse_feed(body)


def saved(name: str) -> bytes:
    return (FIXTURES / "rss" / name).read_bytes()


def test_whitespace_before_the_xml_declaration_is_forgiven():
    (entry,) = parse_feed(saved("leading-space.xml")).entries

    assert entry.title == "Kahve Durağı Moda'da kuyruk yine uzundu" and entry.author == "Deniz Y."


def test_a_charset_named_only_in_the_content_type_is_the_feeds():
    body = saved("latin1.xml")

    (entry,) = parse_feed(body, content_type="application/rss+xml; charset=ISO-8859-1").entries

    assert entry.title == "Demlik Cafe: crème brûlée latte"
    assert entry.summary.startswith("Demlik Cafe'nin yeni latte'si çok güzel!")
    assert entry.author == "Zoë Müller"


def test_rss_1_0_rdf_items_are_read_with_their_dublin_core_dates():
    feed = parse_feed(saved("rdf.xml"))

    wifi, price = feed.entries
    assert feed.title == "Καφές Νέα"
    assert wifi.id == wifi.link == "https://kafe-nea.example/2026/11/fresko-wifi"
    assert wifi.title == "Φρέσκο Καφέ: επιτέλους γρήγορο wifi" and wifi.author == "Ελένη Π."
    assert wifi.published == datetime(2026, 11, 21, 6, 30, tzinfo=UTC)
    assert price.summary.startswith("Ο freddo espresso")


def test_an_undeclared_content_prefix_is_the_content_module():
    (entry,) = parse_feed(saved("undeclared-content.xml")).entries

    assert entry.summary == "The oat flat white at Kahve Durağı is silky & not too sweet."


def test_relative_links_resolve_against_xml_base_or_the_feed_url():
    url = "https://code.example/kahve-duragi/app/releases.atom"

    latest, older = parse_feed(saved("relative-links.xml"), url).entries

    assert latest.link == "https://code.example/kahve-duragi/app/releases/tag/v3.9.0"
    assert older.link == "https://mirror.example/app/releases/v3.8.2"


def test_entity_declarations_are_never_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-read")
    body = (
        f'  <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<rss><channel><item><title>a &x; b</title><content:encoded>c</content:encoded>"
        "</item></channel></rss>"
    ).encode()

    (entry,) = parse_feed(body).entries

    assert "do-not-read" not in entry.title


def test_a_messy_feed_is_collected_with_its_http_charset_and_links(replay, sqlite_store):
    latin = {"Content-Type": "application/rss+xml; charset=ISO-8859-1"}
    replay.add("/latin.xml", Reply(200, saved("latin1.xml"), latin))
    replay.add("/app/releases.atom", Reply(200, saved("relative-links.xml")))
    replay.add("/rdf", Reply(200, saved("rdf.xml")))
    settings = rss_settings(replay.url, "[/latin.xml, /app/releases.atom, /rdf]")
    runtime = runtime_for(settings, sqlite_store)

    report = run(collect(runtime, runtime.settings.source("rss")))

    assert report.ok and report.new_posts == 5
    posts = {p["url"]: p for p in sqlite_store.iter_posts()}
    assert "crème brûlée" in posts["https://cafe-notes.example/demlik-latte"]["text"]
    assert f"{replay.url}/kahve-duragi/app/releases/tag/v3.9.0" in posts
    assert "https://kafe-nea.example/2026/11/fresko-timi" in posts


def test_only_entries_newer_than_the_mark_are_fresh():
    entries = parse_feed(blog_bytes()).entries
    fallback = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    # The mark stands at the Demlik item: the Kadıköy item is newer, and the undated
    # latte item shares the mark's time but was not seen there.
    mark = FeedMark(newest=datetime(2026, 11, 19, 18, 40, tzinfo=UTC), ids=("kahve-notlari-811",))

    fresh, moved = fresh_entries(entries, mark, fallback)

    assert [e.title for e in fresh] == [
        "Kahve Durağı Kadıköy: priz yok, wifi yavaş",
        "Kahve Durağı oat latte: still the best in town",
    ]
    assert (moved.newest, moved.ids) == (
        datetime(2026, 11, 20, 7, 0, tzinfo=UTC),
        ("kahve-notlari-809",),
    )
    assert len(moved.known) == 5  # every entry listed, for the next answer
    again, _ = fresh_entries(entries, moved, fallback)
    assert again == []


def test_an_entry_listed_for_the_first_time_is_fresh_even_if_dated_earlier():
    entries = parse_feed(blog_bytes()).entries
    fallback = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    _, moved = fresh_entries(entries[:2], FeedMark(), fallback)

    # The Φρέσκο item (18 Nov) shows up only now, older than the newest entry seen.
    fresh, _ = fresh_entries(entries, moved, fallback)

    assert [e.link for e in fresh] == [
        "https://kahve-notlari.example/2026/11/fresko-ermou/",
        None,  # the undated item, listed for the first time too
        None,  # the empty stub (it makes no post)
    ]


def test_an_undated_entry_is_new_once_however_the_feed_date_moves():
    entries = parse_feed(blog_bytes()).entries
    _, moved = fresh_entries(entries, FeedMark(), datetime(2026, 11, 20, 7, 0, tzinfo=UTC))

    later, _ = fresh_entries(entries, moved, datetime(2026, 11, 21, 7, 0, tzinfo=UTC))

    assert later == []


def test_first_run_collects_then_an_unchanged_feed_costs_one_304(replay, sqlite_store):
    replay.add(BLOG, conditional(blog_bytes()))
    runtime = runtime_for(rss_settings(replay.url), sqlite_store)

    first = run(collect(runtime, runtime.settings.source("rss")))
    second = run(collect(runtime, runtime.settings.source("rss")))

    assert first.ok and first.requests == 1 and first.new_posts == 4 and first.not_modified == 0
    assert second.ok and second.requests == 1 and second.new_posts == 0
    assert second.not_modified == 1
    polls = replay.seen(BLOG)
    assert "if-none-match" not in polls[0].headers
    assert polls[1].headers["if-none-match"] == ETAG
    assert polls[1].headers["if-modified-since"] == MODIFIED
    assert polls[1].headers["user-agent"].startswith("kulak/")
    cursor = sqlite_store.state("rss")["cursor"][f"{replay.url}{BLOG}"]
    assert cursor["etag"] == ETAG and cursor["newest"] == "2026-11-20T07:00:00+00:00"


def test_a_changed_feed_yields_only_its_new_items(replay, sqlite_store):
    replay.add(
        BLOG,
        conditional(blog_bytes()),
        conditional(blog_bytes(extra_item=True), etag='"blog-v2"'),
    )
    runtime = runtime_for(rss_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("rss")))

    report = run(collect(runtime, runtime.settings.source("rss")))

    assert report.requests == 1 and report.new_posts == 1 and report.stored == 1
    assert sqlite_store.count_posts() == 5
    cursor = sqlite_store.state("rss")["cursor"][f"{replay.url}{BLOG}"]
    assert cursor["etag"] == '"blog-v2"' and cursor["ids"] == [
        "https://kahve-notlari.example/?p=813"
    ]


def test_an_edited_atom_entry_is_updated_not_duplicated(replay, sqlite_store):
    atom = fixture_text("rss", "atom.xml")
    edited = atom.replace(
        "<updated>2026-11-20T08:30:00+02:00</updated>\n    <author>",
        "<updated>2026-11-20T11:00:00+02:00</updated>\n    <author>",
    ).replace("κανείς δεν ζήτησε συγγνώμη", "τελικά μας κέρασαν γλυκό")
    assert edited.count("11:00:00") == 1
    replay.add(ATOM, Reply(200, atom.encode()), Reply(200, edited.encode()))
    runtime = runtime_for(rss_settings(replay.url, feeds=f"[{ATOM}]"), sqlite_store)
    run(collect(runtime, runtime.settings.source("rss")))

    report = run(collect(runtime, runtime.settings.source("rss")))

    assert report.new_posts == 0 and report.stored == 1
    (fresko,) = [p for p in sqlite_store.iter_posts() if p["external_id"].endswith("entry-31")]
    assert "μας κέρασαν γλυκό" in fresko["text"] and sqlite_store.count_posts() == 2


def test_each_feed_keeps_its_own_cursor_entry(replay, sqlite_store):
    replay.add(BLOG, conditional(blog_bytes()))
    replay.add(ATOM, Reply(200, fixture_text("rss", "atom.xml").encode()))
    runtime = runtime_for(rss_settings(replay.url, feeds=f"[{BLOG}, {ATOM}]"), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("rss")))

    assert report.requests == 2 and report.new_posts == 6
    cursor = sqlite_store.state("rss")["cursor"]
    assert set(cursor) == {f"{replay.url}{BLOG}", f"{replay.url}{ATOM}"}
    assert cursor[f"{replay.url}{ATOM}"]["etag"] is None  # the host sends no validators


def test_waits_as_asked_on_429_then_collects(replay, sqlite_store):
    replay.add(
        BLOG,
        Reply(429, "Too Many Requests", {"Retry-After": "1"}),
        conditional(blog_bytes()),
    )
    runtime = runtime_for(rss_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("rss")))

    assert report.ok and report.new_posts == 4 and len(replay.seen(BLOG)) == 2


def test_server_errors_leave_the_cursor_alone_and_are_recorded(replay, sqlite_store):
    replay.add(BLOG, Reply(502, "<html>Bad Gateway</html>"))
    runtime = runtime_for(rss_settings(replay.url), sqlite_store)

    report = run(collect(runtime, runtime.settings.source("rss")))

    assert report.problems[0][0] == "unreachable" and "502" in report.problems[0][1]
    assert sqlite_store.state("rss")["cursor"] == {}
    assert len(replay.seen(BLOG)) == 4  # the first try and three polite retries


@pytest.mark.parametrize("body", [fixture_text("rss", "malformed.xml").encode(), b""])
def test_malformed_or_empty_body_keeps_posts_and_the_old_validators(replay, sqlite_store, body):
    replay.add(BLOG, conditional(blog_bytes()), Reply(200, body, {"ETag": '"broken"'}))
    runtime = runtime_for(rss_settings(replay.url), sqlite_store)
    run(collect(runtime, runtime.settings.source("rss")))

    report = run(collect(runtime, runtime.settings.source("rss")))

    assert report.problems[0][0] == "malformed" and "not well-formed XML" in report.problems[0][1]
    assert sqlite_store.count_posts() == 4
    cursor = sqlite_store.state("rss")["cursor"][f"{replay.url}{BLOG}"]
    assert cursor["etag"] == ETAG  # the broken answer's ETag is not trusted


def test_feeds_must_be_http_urls():
    from monitor.config import ConfigError

    with pytest.raises(ConfigError, match=r"feeds\[0\].*not an http\(s\) URL"):
        make_settings(
            """
sources:
  rss:
    feeds: [/only/a/path.xml]
"""
        )
