"""Adding a source, a channel or a detector is one file: here each comes from a package of
its own, announced by entry points as a third party would ship it, and the whole product
(settings, crawl, detection, delivery, Slack blocks, digest) takes them without a change."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import alerts
from alerts.render import digest_text
from alerts.slack_blocks import render
from monitor.crawl import collect
from monitor.deliver import deliver_once
from monitor.detect import detect_once
from monitor.digest import build_digest
from monitor.registry import channels, detector_classes, spider_classes
from monitor.replay import Reply
from monitor.store import Store
from tests.helpers import make_settings, run, runtime_for

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

SOURCE = """
from spiders.base import KulakSpider, SourceOptions
from spiders.items import PageDone, Post
from spiders.parsing import iso_to_utc


class NoticeboardSpider(KulakSpider):
    name = "noticeboard"
    Options = SourceOptions

    def first_requests(self):
        yield self.request(self.options.base_url + "/notes", self.parse_notes)

    def parse_notes(self, response):
        for note in response.json():
            yield Post(
                source=self.context.source, external_id=note["id"], url=note["url"],
                text=note["text"], created_at=iso_to_utc(note["at"]), query="",
            )
        yield PageDone(cursor={})
"""

CHANNEL = """
from pathlib import Path

from pydantic import Field

from alerts.base import Channel, ChannelOptions, SendResult


class PinboardOptions(ChannelOptions):
    folder: Path = Field(description="where each alert is pinned as a file")


class PinboardChannel(Channel):
    type = "pinboard"
    Options = PinboardOptions

    def _send(self, alert):
        (self.options.folder / f"{len(list(self.options.folder.iterdir()))}.txt").write_text(
            f"{alert.kind}: {alert.title}", encoding="utf-8"
        )
        return SendResult.sent()
"""

DETECTOR = """
from pydantic import Field

from monitor.alert import Alert
from monitor.detectors.base import Detector, DetectorOptions


class Options(DetectorOptions):
    word: str = Field("prize", description="A word worth a look.")


class Keyword(Detector):
    name = "keyword"
    Options = Options
    emoji = ":mag:"
    next_steps = "Read it and thank the author."
    heading = "Posts naming the word"
    noun = "keyword post"
    digest_place = "after_targets"

    def detect(self, ctx, options):
        return [
            Alert(
                key=f"keyword:{post['source']}:{post['external_id']}",
                kind=self.name,
                title=f"A post says {options.word}",
                summary=post["text"],
                created_at=ctx.now,
            )
            for post in ctx.store.iter_posts(since=ctx.now.replace(year=2000))
            if options.word in post["text"]
        ]
"""

ENTRY_POINTS = """
[kulak.sources]
noticeboard = kulak_extras.noticeboard:NoticeboardSpider

[kulak.channels]
pinboard = kulak_extras.pinboard:PinboardChannel

[kulak.detectors]
keyword = kulak_extras.keyword:Keyword
"""


def _forget_units() -> None:
    for registry in (spider_classes, detector_classes, alerts.registry):
        registry.cache_clear()


@pytest.fixture
def extras(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installed distribution `kulak-extras` with a source, a channel and a detector."""
    site = tmp_path / "site"
    package = site / "kulak_extras"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name, code in (("noticeboard", SOURCE), ("pinboard", CHANNEL), ("keyword", DETECTOR)):
        (package / f"{name}.py").write_text(textwrap.dedent(code), encoding="utf-8")
    info = site / "kulak_extras-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kulak-extras\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    _forget_units()
    yield tmp_path
    monkeypatch.undo()
    _forget_units()


def test_a_third_party_source_channel_and_detector_work_end_to_end(extras, replay) -> None:
    replay.add(
        "/notes",
        Reply(
            200,
            [
                {
                    "id": "n1",
                    "url": "https://board.example/n1",
                    "at": "2026-11-21T11:00:00Z",
                    "text": "Kahve Durağı gave me a prize, lovely",
                },
                {
                    "id": "n2",
                    "url": "https://board.example/n2",
                    "at": "2026-11-21T11:05:00Z",
                    "text": "Kahve Durağı is open late",
                },
            ],
        ),
    )
    pins = extras / "pins"
    pins.mkdir()
    settings = make_settings(
        f"""
        sources:
          noticeboard:
            base_url: {replay.url}
        channels:
          board:
            type: pinboard
            folder: {pins}
        detectors:
          keyword:
            word: prize
        """
    )
    store = Store.open(f"sqlite:///{extras / 'kulak.sqlite3'}")

    report = run(collect(runtime_for(settings, store), settings.sources[0]))
    assert report.ok and report.stored == 2

    raised = [a for a in detect_once(store, settings, NOW) if a.kind == "keyword"]
    assert [a.key for a in raised] == ["keyword:noticeboard:n1"]

    deliver_once(store, channels(settings))
    assert [p.read_text() for p in pins.iterdir()] == ["keyword: A post says prize"]

    blocks = render(raised[0])
    assert blocks["blocks"][0]["text"]["text"].startswith(":mag: ")
    assert "Read it and thank the author." in json.dumps(blocks)

    digest = build_digest(store, settings, NOW.date(), "UTC", now=NOW)
    text = digest_text(digest)
    assert "POSTS NAMING THE WORD" in text and "A post says prize" in text
    assert (1, "keyword post") in digest.counts()


def test_an_entry_point_that_is_not_a_unit_is_named(extras) -> None:
    points = extras / "site" / "kulak_extras-0.1.dist-info" / "entry_points.txt"
    points.write_text("[kulak.detectors]\nkeyword = kulak_extras.pinboard:PinboardChannel\n")
    _forget_units()
    with pytest.raises(TypeError, match=r"entry point 'keyword' of kulak\.detectors"):
        detector_classes()
