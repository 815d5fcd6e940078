"""A target's own accounts, per platform: its posts are its answers, never complaints about
it; a name that only looks like it (`kahvecim_fan`) is a customer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from monitor.accounts import OwnAccounts
from monitor.cli import main
from monitor.config import ConfigError
from monitor.crawl import collect
from monitor.demo.sources.bluesky import Server, did_for, post_view
from monitor.digest import build_digest
from monitor.registry import spider_classes
from spiders import bluesky
from spiders.items import Post
from tests.helpers import make_settings, run, runtime_for

BRAND = """
targets:
  - name: Kahvecim
    kind: brand
    keywords: [Kahvecim]
    handles:
      x: ["@kahvecim"]
      bluesky: [kahvecim.bsky.social, "did:plc:kahvecimxxxxxxxxxxxxxxxx"]
      mastodon: ["@kahvecim@mastodon.social"]
      youtube: ["UCkahvecim0123456789abcd", "@kahvecimtv"]
      telegram: [t.me/kahvecim_news]
      hackernews: [kahvecim]
"""
SOURCES = """
sources:
  x: {enabled: false, bearer_token: token}
  bluesky: {enabled: false, handle: me.bsky.social, app_password: secret}
  mastodon: {enabled: false, instances: ["https://mastodon.social"]}
  youtube: {enabled: false, api_key: key, videos: [kD9xQ2mB7aE]}
  telegram: {enabled: false, channels: [kahvecim_news]}
  hackernews: {enabled: false}
"""


def brand_settings(sources: str = SOURCES, **kw):
    base = "kulak:\n  timezone: Europe/Istanbul\n" + BRAND
    return make_settings(sources, base=base, **kw)


def accounts() -> OwnAccounts:
    settings = brand_settings()
    return OwnAccounts(settings.targets, settings.sources, spider_classes())


def post(source: str, handle: str, url: str = "https://example.org/1", **extra) -> Post:
    return Post(source, "1", url, "text", datetime.now(UTC), author_handle=handle, extra=extra)


@pytest.mark.parametrize(
    ("source", "written"),
    [
        ("x", post("x", "KahveCim")),
        ("bluesky", post("bluesky", "kahvecim.bsky.social")),
        # a new handle, the same account: known by its DID (in the post's at:// URI)
        (
            "bluesky",
            Post(
                "bluesky",
                f"at://{'did:plc:kahvecim' + 'x' * 16}/app.bsky.feed.post/3l",
                "https://bsky.app/profile/kahve.cafe/post/3l",
                "text",
                datetime.now(UTC),
                author_handle="kahve.cafe",
            ),
        ),
        # remote form, as another server shows it, and local form on its own server
        ("mastodon", post("mastodon", "kahvecim@mastodon.social")),
        ("mastodon", post("mastodon", "kahvecim", "https://mastodon.social/@kahvecim/11")),
        ("youtube", post("youtube", "", author_channel_id="UCkahvecim0123456789abcd")),
        ("youtube", post("youtube", "KahvecimTV")),
        ("telegram", post("telegram", "kahvecim_news")),
        ("hackernews", post("hackernews", "kahvecim")),
    ],
)
def test_a_targets_own_post_is_known_on_each_platform(source, written):
    assert accounts().owners(source, written) == {"Kahvecim"}


@pytest.mark.parametrize(
    ("source", "written"),
    [
        ("x", post("x", "kahvecim_fan")),
        ("bluesky", post("bluesky", "kahvecim-fan.bsky.social")),
        # the same name on another server is someone else
        ("mastodon", post("mastodon", "kahvecim@mastodon.online")),
        ("mastodon", post("mastodon", "kahvecim", "https://mas.to/@kahvecim/11")),
        ("youtube", post("youtube", "kahvecim_fan", author_channel_id="UCfan00123456789abcdefgh")),
        ("telegram", post("telegram", "kahvecim_fans")),
        # an X name does not make its owner on Bluesky (that is the handles' per-platform point)
        ("bluesky", post("bluesky", "kahvecim")),
    ],
)
def test_a_near_miss_is_a_customer(source, written):
    assert accounts().owners(source, written) == set()


def test_handles_are_checked_by_each_platforms_rules_naming_key_and_line():
    bad = BRAND.replace('x: ["@kahvecim"]', 'x: ["@kahvecim.cafe"]').replace(
        'mastodon: ["@kahvecim@mastodon.social"]', 'mastodon: ["@kahvecim"]\n      myspace: [me]'
    )
    with pytest.raises(ConfigError) as caught:
        make_settings(SOURCES, base="kulak: {}\n" + bad)
    problems = "\n".join(caught.value.problems)
    assert "targets[0].handles.x[0] (line 8): '@kahvecim.cafe' is not an X handle" in problems
    assert "targets[0].handles.mastodon[0] (line 10): '@kahvecim' is not a Mastodon account" in (
        problems
    )
    assert "targets[0].handles.myspace (line 11): unknown source type 'myspace'" in problems


# -- through a real crawl: the brand's own posts on Bluesky ----------------------------------

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # 15:00 in Istanbul
ROWS = [
    # (rkey, hours ago, handle, name, followers, language, text, reply to)
    (
        "3lcu1a",
        3,
        "mert.bsky.social",
        "Mert",
        900,
        "tr",
        "Kahvecim kartımdan iki kez ödeme çekti, berbat hizmet 😡",
        None,
    ),
    # the brand answers without naming itself
    (
        "3lcu1b",
        2,
        "kahvecim.bsky.social",
        "Kahvecim",
        5000,
        "tr",
        "Çok özür dileriz, iadeniz bugün yapıldı 🙏",
        "3lcu1a",
    ),
    # the brand's own bad news: not a complaint about it
    (
        "3lcu1c",
        2,
        "kahvecim.bsky.social",
        "Kahvecim",
        5000,
        "tr",
        "Kahvecim Moda bugün elektrik kesintisi yüzünden kapalı, çok üzgünüz 😞",
        None,
    ),
    (
        "3lcu1d",
        1,
        "kahvecim-fan.bsky.social",
        "Fan",
        40,
        "tr",
        "Kahvecim'de priz yok, berbat 😡",
        None,
    ),
]


def view(row: tuple) -> dict:
    """A searchPosts view of one row, as a reply to another row where it is one."""
    found = post_view(NOW, (*row[:7], None))
    if row[7]:
        parent = next(r for r in ROWS if r[0] == row[7])
        ref = {"uri": f"at://{did_for(parent[2])}/app.bsky.feed.post/{row[7]}", "cid": "bafyrei"}
        found["record"]["reply"] = {"root": ref, "parent": ref}
    return found


@pytest.fixture(autouse=True)
def _no_bluesky_session_kept():
    bluesky._SESSIONS.clear()
    yield
    bluesky._SESSIONS.clear()


def test_own_posts_on_bluesky_are_answers_never_complaints(replay, sqlite_store):
    views = [view(row) for row in ROWS]
    profiles = [{"did": did_for(r[2]), "handle": r[2], "followersCount": r[4]} for r in ROWS]
    Server(replay, views, profiles, login=("me.bsky.social", "secret"))
    settings = brand_settings(
        f"""
sources:
  bluesky:
    base_url: {replay.url}
    backoff: 10ms
    queries: [Kahvecim]
    handle: me.bsky.social
    app_password: secret
"""
    )

    report = run(collect(runtime_for(settings, sqlite_store), settings.sources[0]))
    assert report.ok, report.problems

    stored = {p["external_id"].rsplit("/", 1)[1]: p for p in sqlite_store.iter_posts()}
    by_brand = {key: [m["by_target"] for m in p["mentions"]] for key, p in stored.items()}
    assert by_brand == {"3lcu1a": [False], "3lcu1b": [True], "3lcu1c": [True], "3lcu1d": [False]}

    digest = build_digest(sqlite_store, settings, date(2026, 12, 5), "Europe/Istanbul", now=NOW)
    (gap,) = digest.response_gap
    assert (gap.complaints, gap.answered) == (2, 1)  # Mert answered; the fan not yet
    (target,) = digest.targets
    assert {p.author_handle for p in target.complaints} == {
        "mert.bsky.social",
        "kahvecim-fan.bsky.social",
    }


def test_check_warns_where_a_targets_answers_could_not_be_told(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(
        "kulak: {}\n" + BRAND + "  - name: Demlik\n    kind: competitor\n    keywords: [Demlik]\n"
        "sources:\n  hackernews: {}\n  rss: {feeds: ['https://example.org/feed']}\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(main, ["check", "--config", str(path)])

    assert result.exit_code == 0, result.output  # a warning, not a failure
    assert "Warning: Demlik has no account on hackernews (hackernews) in its handles" in (
        result.output
    )
    assert "Kahvecim has no account" not in result.output  # it names one for hackernews
    assert "on rss" not in result.output  # feeds show no replies
