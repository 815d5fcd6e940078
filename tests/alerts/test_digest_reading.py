"""The digest reads without contradictions: complaints are complaints, shares are compared
only on enough mentions, every post quoted or not has its link, charts have their dates."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from alerts.render import digest_text, preview_html
from monitor.digest import (
    DayCount,
    Digest,
    TargetDigest,
    build_digest,
    sections,
    target_sections,
)
from monitor.store import Store
from tests.alerts.conftest import NOW, SPIKE, TODAY, TURKISH_POST, hn_post, series
from tests.alerts.test_build_digest import SETTINGS, utc
from tests.helpers import record

DAY = date(2026, 11, 21)


def test_a_neutral_question_is_no_top_complaint(store: Store):
    store.save(
        [
            record(1, utc(DAY, 9), "Kahve Durağı", "neu", ("question",), text="sessiz kafe?"),
            record(2, utc(DAY, 10), "Kahve Durağı", "neg", ("complaint",), text="soğuk kahve"),
            record(3, utc(DAY, 11), "Kahve Durağı", "pos", ("switching",), text="artık X'e"),
        ]
    )

    brand = build_digest(store, SETTINGS, DAY, "Europe/Istanbul").targets[0]

    assert sorted(p.text for p in brand.complaints) == ["artık X'e", "soğuk kahve"]


def test_negative_shares_are_compared_only_on_enough_mentions():
    def change(before: tuple[int, int], today: tuple[int, int]) -> int | None:
        days = (DayCount(date(2026, 11, 20), *before), DayCount(DAY, *today))
        return TargetDigest("Demlik", "competitor", days).negative_change

    assert change((1, 1), (12, 8)) is None  # "100%" of one post: nothing to compare
    assert change((9, 3), (12, 8)) == 33  # whole points, as every other change reads
    assert change((10, 9), (12, 8)) == -23
    quiet = TargetDigest("Demlik", "competitor", series([(1, 1), (12, 8)]))
    digest = Digest(TODAY, "Europe/Istanbul", NOW, (quiet,))
    assert "67% negative (–)" in digest_text(digest)


def test_posts_beyond_those_quoted_are_links():
    more = [
        hn_post(
            41000100 + n,
            f"complaint {n}",
            5 + n,
            author_handle=f"user{n}",
            source_name="Hacker News",
            handle_prefix="",
        )
        for n in range(4)
    ]
    every = sections([replace(SPIKE, posts=(TURKISH_POST, *more))])
    counts = series([(3, 1)] * 13 + [(40, 30)])
    brand = TargetDigest("Kahve Durağı", "brand", counts, (), target_sections(every, SPIKE.target))
    digest = Digest(TODAY, "Europe/Istanbul", NOW, (brand,), every)

    html = preview_html(digest)
    text = digest_text(digest)

    assert "… and 2 more: " in html
    for n in (2, 3):
        link = f'href="https://news.ycombinator.com/item?id={41000100 + n}"'
        assert re.search(re.escape(link) + rf"[^>]*>user{n} on Hacker News</a>", html)
        assert (
            f"user{n} on Hacker News: https://news.ycombinator.com/item?id={41000100 + n}" in text
        )


def test_the_trend_chart_has_its_dates():
    brand = TargetDigest("Kahve Durağı", "brand", series([(3, 1)] * 14))
    html = preview_html(Digest(TODAY, "Europe/Istanbul", NOW, (brand,)))

    (days,) = re.findall(r'<table class="days".*?</table>', html, re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", days)
    assert len(cells) == 14
    assert cells[0] == "8<br>Nov" and cells[-1] == "21"
