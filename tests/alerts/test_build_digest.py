"""Building the daily digest from a real store: local days, shares, complaints, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from alerts.render import digest_text
from monitor.alert import Alert
from monitor.digest import build_digest, previous_day
from monitor.store import Store
from tests.alerts.conftest import OPPORTUNITY, RISK, SPIKE
from tests.helpers import record

DAY = date(2026, 11, 21)
TZ = "Europe/Istanbul"  # UTC+3


@dataclass
class Target:
    name: str
    kind: str
    handles: list[str] = field(default_factory=list)

    @property
    def handles_everywhere(self) -> list[str]:
        return self.handles


@dataclass
class Settings:
    targets: list[Target]


SETTINGS = Settings(
    [Target("Kahve Durağı", "brand", ["@kahveduragi"]), Target("Demlik", "competitor", ["@demlik"])]
)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def test_digest_counts_local_days_and_answers(store: Store) -> None:
    before = DAY - timedelta(days=1)
    store.save(
        [
            # 22:30 UTC on the 20th is 01:30 on the 21st in Istanbul: counts for the 21st
            record(1, utc(before, 22, 30), "Kahve Durağı", "neg", ("complaint",), followers=5000),
            record(2, utc(DAY, 8), "Kahve Durağı", "neg", ("complaint",), followers=90),
            record(3, utc(DAY, 9), "Kahve Durağı", "pos"),
            record(4, utc(DAY, 10), "Kahve Durağı", "neu", ("question",)),
            # the brand answers post 2 after 45 minutes (its reply does not name the brand)
            record(5, utc(DAY, 8, 45), "Demlik", author="kahveduragi", parent=2),
            # the day before (local): two mentions, one negative
            record(6, utc(before, 9), "Kahve Durağı", "neg"),
            record(7, utc(before, 10), "Kahve Durağı", "pos"),
            # a competitor's own reply to a complaint about it, marked by_target
            record(8, utc(DAY, 7), "Demlik", "neg", ("complaint",)),
            record(9, utc(DAY, 7, 10), "Demlik", author="demlik", parent=8, by_target=True),
            # the next local day: not in this digest
            record(10, utc(DAY, 21, 30), "Kahve Durağı", "neg"),
        ]
    )
    late = Alert(**{**SPIKE.__dict__, "key": "late", "created_at": utc(DAY, 21, 30)})
    for alert in (SPIKE, RISK, OPPORTUNITY, late):
        store.add_alert(alert, [])

    digest = build_digest(store, SETTINGS, DAY, TZ)

    brand, competitor = digest.targets
    assert len(brand.series) == 14 and brand.series[-1].day == DAY
    assert (brand.today.mentions, brand.today.negative) == (4, 2)
    assert (brand.yesterday.mentions, brand.yesterday.negative) == (2, 1)
    assert brand.negative_change is None  # 2 and 4 mentions: too few to compare shares
    # by reach; post 4, a neutral question, is no complaint
    assert [p.external_id for p in brand.complaints] == ["1", "2"]
    assert [p.answered for p in brand.complaints] == [False, True]
    assert [a.key for a in brand.alerts_of("spike")] == [SPIKE.key]  # the late one is tomorrow's
    assert digest.alerts_of("risk") == (RISK,)
    assert digest.alerts_of("opportunity") == (OPPORTUNITY,)

    # post 5 mentions Demlik, but as a reply by the brand it is still Demlik's mention
    assert competitor.today.mentions == 2
    gaps = {g.target: g for g in digest.response_gap}
    assert (gaps["Kahve Durağı"].complaints, gaps["Kahve Durağı"].answered) == (4, 1)
    assert gaps["Kahve Durağı"].median_minutes == 45
    assert (gaps["Demlik"].answered, gaps["Demlik"].median_minutes) == (1, 10)

    assert "Kahve Durağı (you): 4 complaints, 25% answered, median 45 min" in digest_text(digest)


def test_an_empty_store_makes_an_empty_but_valid_digest(store: Store) -> None:
    digest = build_digest(store, SETTINGS, DAY, TZ)
    assert [t.today.mentions for t in digest.targets] == [0, 0]
    assert digest.targets[0].today.negative_share is None
    assert "0 mentions" in digest_text(digest)


def test_a_morning_digest_is_about_the_local_day_before() -> None:
    # 23:30 UTC on the 21st is already 02:30 on the 22nd in Istanbul
    assert previous_day(TZ, now=utc(DAY, 23, 30)) == DAY
    assert previous_day("UTC", now=utc(DAY, 23, 30)) == DAY - timedelta(days=1)


def test_counts_read_as_english():
    from alerts.render import plural

    assert plural(1, "competitor opportunity") == "1 competitor opportunity"
    assert plural(0, "competitor opportunity") == "0 competitor opportunities"
    assert plural(3, "day") == "3 days" and plural(2, "spike") == "2 spikes"
