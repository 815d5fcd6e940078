"""One rule places posts and alerts on a digest's day: the local day of what happened."""

from __future__ import annotations

from datetime import UTC, date, datetime

from monitor.detect import detect_once
from monitor.digest import build_digest
from monitor.store import Store
from tests.helpers import make_settings, record

TZ = "Europe/Istanbul"  # UTC+3
DAY = date(2026, 12, 5)


def test_an_alert_raised_after_midnight_counts_on_the_day_its_post_was_written(store: Store):
    settings = make_settings()
    # 23:30 on 5 Dec in Istanbul: a Demlik customer asks for an alternative
    written = datetime(2026, 12, 5, 20, 30, tzinfo=UTC)
    store.save([record(1, written, "Demlik", "neg", ("complaint", "switching"), followers=300)])
    # kulak sees it at 01:50 on 6 Dec (a late collection, or the service just started)
    raised = datetime(2026, 12, 5, 22, 50, tzinfo=UTC)

    (alert,) = detect_once(store, settings, raised)
    fifth = build_digest(store, settings, DAY, TZ, now=raised)
    sixth = build_digest(store, settings, date(2026, 12, 6), TZ, now=raised)

    assert alert.kind == "opportunity" and alert.created_at == raised
    assert alert.event_time == written
    assert [a.key for a in fifth.alerts_of("opportunity")] == [alert.key]
    demlik = next(t for t in fifth.targets if t.name == "Demlik")
    assert demlik.today.mentions == 1  # the post and its alert on the same day
    assert sixth.alerts_of("opportunity") == ()
    # stored and read back, the alert keeps the time of its event
    assert store.alerts()[0].event_time == written


def test_a_spike_found_after_midnight_counts_on_the_day_of_its_hour(store: Store):
    from datetime import timedelta

    from tests.helpers import burst, quiet_days

    settings = make_settings()
    eleven_pm = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # 23:00 on 5 Dec in Istanbul
    store.save(quiet_days(eleven_pm - timedelta(days=5), 5) + burst(eleven_pm, 30, 9000))

    found = detect_once(store, settings, eleven_pm + timedelta(hours=1, minutes=10))

    (spike,) = [a for a in found if a.kind == "spike"]
    assert spike.event_time == eleven_pm
    fifth = build_digest(store, settings, DAY, TZ)
    assert [a.key for a in fifth.alerts_of("spike")] == [spike.key]
    assert build_digest(store, settings, date(2026, 12, 6), TZ).alerts_of("spike") == ()
