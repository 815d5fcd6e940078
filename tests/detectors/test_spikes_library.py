"""The negative spike detector, by example: hourly counts of negative mentions of one brand."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from benchmarks.spikes import poisson
from monitor.analysis.spikes import (
    SpikeDetector,
    SpikeParams,
    detect_series,
    read_series_csv,
    run_detect_series,
)

START = datetime(2025, 3, 3, 0, 0)  # a Monday
HOUR = timedelta(hours=1)


def hourly(days: float, usual: float = 5.0) -> list[tuple[datetime, float]]:
    """A quiet series: `usual` negative mentions every hour, rows stamped at each hour's end."""
    return [(START + (i + 1) * HOUR, usual) for i in range(round(days * 24))]


def with_counts(rows, **counts_at: float):
    """Replace the count at given row timestamps, written as 'd<day>h<hour>' (day 0 = first)."""
    changed = dict(rows)
    for key, count in counts_at.items():
        day, hour = key[1:].split("h")
        changed[START + timedelta(days=int(day), hours=int(hour))] = count
    return sorted(changed.items())


def alert_times(rows, params: SpikeParams | None = None) -> list[datetime]:
    return [spike.ts for spike in detect_series(rows, params)]


def test_a_spike_after_a_quiet_week_alerts_once_at_the_spike_row():
    rows = with_counts(hourly(7), d5h15=80)

    spikes = detect_series(rows)

    assert [spike.ts for spike in spikes] == [START + timedelta(days=5, hours=15)]
    spike = spikes[0]
    assert (spike.value, spike.baseline, spike.factor) == (80, 5, 16)
    assert spike.explanation == (
        "80 negative mentions in the hour to 15:00, usually 5 at 15:00 (16x)"
    )


def test_a_storm_lasting_hours_alerts_once_at_its_first_hour():
    storm = {f"d4h{hour}": 90 for hour in range(10, 16)}
    rows = with_counts(hourly(7), **storm)

    assert alert_times(rows) == [START + timedelta(days=4, hours=10)]


def test_a_repeat_alerts_only_when_bigger_than_the_alert_and_after_the_cooldown():
    rows = with_counts(hourly(9), d4h9=80, d4h14=120, d5h15=80, d6h20=200)

    # 120 is bigger but within six hours; 80 again is no news for four weeks; 200 is
    assert alert_times(rows) == [
        START + timedelta(days=4, hours=9),
        START + timedelta(days=6, hours=20),
    ]
    assert alert_times(rows, SpikeParams(cooldown_hours=2)) == [
        START + timedelta(days=4, hours=9),
        START + timedelta(days=4, hours=14),
        START + timedelta(days=6, hours=20),
    ]


def test_a_storm_as_big_as_one_nine_days_ago_pages_again_only_with_a_one_week_record():
    rows = with_counts(hourly(16), d4h9=80, d13h9=80)

    assert alert_times(rows) == [START + timedelta(days=4, hours=9)]
    assert alert_times(rows, SpikeParams(record_weeks=1)) == [
        START + timedelta(days=4, hours=9),
        START + timedelta(days=13, hours=9),
    ]


def test_a_storm_that_ebbs_and_swells_again_before_it_is_over_alerts_once():
    ebb = {f"d4h{hour}": 25 for hour in range(10, 16)}  # five times usual, but no spike
    rows = with_counts(hourly(9), d4h9=80, **ebb, d4h16=150)
    settings = SpikeParams(cooldown_hours=2)

    assert alert_times(rows, settings) == [START + timedelta(days=4, hours=9)]
    # the same swell once the storm has been over for hours is a new episode
    calm_between = with_counts(hourly(9), d4h9=80, d4h16=150)
    assert alert_times(calm_between, settings) == [
        START + timedelta(days=4, hours=9),
        START + timedelta(days=4, hours=16),
    ]


def test_no_alert_during_warm_up_however_big_the_spike():
    rows = with_counts(hourly(5), d1h12=500, d2h23=500, d3h12=900)

    # the first day's 500 is seen: only a count beyond it is a record once warmed up
    assert alert_times(rows) == [START + timedelta(days=3, hours=12)]
    assert alert_times(with_counts(rows, d3h12=500)) == []


def test_small_counts_never_alert_even_as_a_big_multiple():
    rows = with_counts(hourly(7, usual=0.0), d5h10=9)

    assert alert_times(rows) == []
    (spike,) = detect_series(rows, SpikeParams(min_count=5))
    assert spike.ts == START + timedelta(days=5, hours=10)
    assert spike.explanation == "9 negative mentions in the hour to 10:00, usually none at 10:00"


def test_busy_monday_mornings_are_usual_on_mondays_but_a_spike_on_tuesday():
    rows = dict(hourly(7 * 5))
    for week in range(5):
        for hour in (9, 10, 11):
            rows[START + timedelta(weeks=week, hours=hour)] = 60.0
    rows[START + timedelta(weeks=4, days=1, hours=9)] = 60.0
    alerts = detect_series(sorted(rows.items()))

    assert [spike.ts for spike in alerts] == [START + timedelta(weeks=4, days=1, hours=9)]
    assert "usually 5 at 09:00" in alerts[0].explanation


def test_a_spike_on_a_monday_morning_is_measured_against_monday_mornings():
    rows = dict(hourly(7 * 3))
    for week in range(3):
        for hour in (9, 10, 11):
            rows[START + timedelta(weeks=week, hours=hour)] = 60.0
    rows[START + timedelta(weeks=2, hours=10)] = 700.0
    alerts = detect_series(sorted(rows.items()))

    assert [spike.ts for spike in alerts] == [START + timedelta(weeks=2, hours=10)]
    assert alerts[0].explanation == (
        "700 negative mentions in the hour to 10:00, usually 60 on Mondays at 10:00 (12x)"
    )


def test_share_gate_ignores_negatives_that_only_rise_with_all_mentions():
    detector = SpikeDetector()
    for ts, negatives in hourly(5):
        assert detector.step(ts, negatives, total=50) is None
    launch_day = START + timedelta(days=5, hours=12)

    assert detector.step(launch_day, 60, total=600) is None  # 10% negative, as usual

    complaint = detector.step(launch_day + 2 * HOUR, 60, total=120)
    assert complaint is not None
    assert (complaint.share, complaint.usual_share) == (0.5, 0.1)
    assert complaint.explanation.endswith("; 50% of all mentions, usually 10%")


def test_appending_future_rows_never_changes_earlier_decisions():
    rows = with_counts(hourly(14), d4h9=80, d4h20=30, d6h3=300, d9h14=55, d12h1=0)
    full = detect_series(rows)

    for cut in range(0, len(rows), 17):
        assert detect_series(rows[:cut]) == [spike for spike in full if spike.ts < rows[cut][0]]


def test_five_minute_buckets_are_described_as_such():
    rows = [(START + (i + 1) * timedelta(minutes=5), 2.0) for i in range(4 * 288)]
    rows[-1] = (rows[-1][0], 80.0)

    (spike,) = detect_series(rows)

    assert (
        spike.explanation
        == "80 negative mentions in the 5 minutes to 00:00, usually 2 at 00:00 (40x)"
    )


def test_a_row_a_minute_after_another_does_not_make_buckets_a_minute_long():
    five = timedelta(minutes=5)
    rows = [(START + (i + 1) * five, 2.0) for i in range(4 * 288)]
    rows.insert(500, (rows[499][0] + timedelta(minutes=1), 2.0))  # a reading sent twice
    rows[-1] = (rows[-1][0], 80.0)

    (spike,) = detect_series(rows)

    assert spike.explanation.startswith("80 negative mentions in the 5 minutes to 00:00,")


def test_a_rise_no_five_minutes_show_alone_alerts_over_the_hour():
    rows = [(START + (i + 1) * timedelta(minutes=5), 2.0) for i in range(4 * 288)]
    for i in range(len(rows) - 12, len(rows)):
        rows[i] = (rows[i][0], 6.0)  # three times usual, too little for one bucket to show

    (spike,) = detect_series(rows)

    assert spike.ts == rows[-8][0]  # after 5 of the 12 raised buckets
    assert (spike.value, spike.baseline) == (30, 10)
    assert spike.explanation == "30 negative mentions since 23:00, usually 10 at these hours (3.0x)"


def test_a_rise_building_over_an_afternoon_alerts_on_the_hours_together():
    rows = with_counts(hourly(7, usual=20.0), d5h13=30, d5h14=30, d5h15=30, d5h16=30)

    spikes = detect_series(rows)

    assert [spike.ts for spike in spikes] == [START + timedelta(days=5, hours=16)]
    assert spikes[0].explanation == (
        "120 negative mentions since 12:00, usually 80 at these hours (1.5x)"
    )
    assert alert_times(rows, SpikeParams(threshold=20)) == []


def test_a_series_that_always_swings_needs_a_bigger_jump_than_a_steady_one():
    steady = with_counts(hourly(7, usual=30.0), d6h12=80)
    swinging = [(ts, 30.0 + (20 if i % 2 else -20)) for i, (ts, _) in enumerate(steady)]
    swinging = with_counts(swinging, d6h12=80)

    assert alert_times(steady) == [START + timedelta(days=6, hours=12)]
    assert alert_times(swinging) == []


def test_buckets_out_of_order_are_refused():
    detector = SpikeDetector()
    detector.step(START + HOUR, 3)

    with pytest.raises(ValueError, match="is not after"):
        detector.step(START + HOUR, 4)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("factor", 0.5),
        ("min_count", -1),
        ("cooldown_hours", float("nan")),
        ("threshold", 0),
        ("sustained_hours", -4),
        ("burstiness", -0.1),
        ("record_weeks", 0),
    ],
)
def test_impossible_settings_are_refused_by_name(field, value):
    with pytest.raises(ValueError, match=field):
        SpikeParams(**{field: value})


def test_every_impossible_setting_is_said_at_once():
    with pytest.raises(ValueError) as refused:
        SpikeParams(factor=0.5, min_count=-1, threshold=0)
    assert str(refused.value) == (
        "factor must be at least 1, got 0.5; min_count must not be negative, got -1; "
        "threshold must be above 0, got 0"
    )


def test_csv_is_read_and_replayed_as_detect_series_runs_it(tmp_path):
    path = tmp_path / "brand.csv"
    lines = ["timestamp,value"] + [f"{ts.isoformat()},{value:g}" for ts, value in hourly(6)]
    lines[5 * 24 + 1] = f"{START + timedelta(days=5, hours=1):%Y-%m-%d %H:%M:%S},70"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert read_series_csv(path)[0] == (START + HOUR, 5.0)
    assert [spike.ts for spike in run_detect_series(path)] == [START + timedelta(days=5, hours=1)]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("yesterday,4", "3: 'yesterday' is not an ISO 8601 timestamp"),
        ("2025-03-03T03:00,four", "3: 'four' is not a number"),
        ("2025-03-03T03:00,-2", "3: the count must be a number >= 0, got -2"),
        ("2025-03-03T03:00", "3: expected 'timestamp,value'"),
        ("2025-03-03T01:00,4", "3: 2025-03-03T01:00 is not after the previous row"),
        ("2025-03-03T03:00+00:00,4", "3: mixes timezone-aware and naive timestamps"),
    ],
)
def test_bad_csv_rows_name_the_file_and_line(tmp_path, bad_line, message):
    path = tmp_path / "series.csv"
    path.write_text(f"timestamp,value\n2025-03-03T02:00,4\n{bad_line}\n", encoding="utf-8")

    with pytest.raises(ValueError) as error:
        read_series_csv(path)

    assert str(error.value).startswith(f"{path}:{message}")


def test_a_csv_without_its_header_is_refused(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("2025-03-03T02:00,4\n", encoding="utf-8")

    with pytest.raises(ValueError, match=r"series.csv:1: expected the header 'timestamp,value'"):
        read_series_csv(path)


def test_a_csv_saved_by_a_spreadsheet_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("timestamp,value\r\n2025-03-03T02:00,4\r\n".encode("utf-8-sig"))

    assert read_series_csv(path) == [(datetime(2025, 3, 3, 2), 4.0)]


def test_a_csv_that_is_not_utf8_is_refused_naming_the_file_and_line(tmp_path):
    path = tmp_path / "series.csv"
    path.write_bytes(
        "timestamp,value\n2025-03-03T02:00,4\n2025-03-03T03:00,4 \u00e9\n".encode("latin-1")
    )

    with pytest.raises(ValueError) as error:
        read_series_csv(path)

    assert str(error.value).startswith(f"{path}:3: not UTF-8 text")


def test_an_unfinished_last_bucket_is_judged_against_a_full_hour_of_usual():
    detector = SpikeDetector()
    for ts, negatives in hourly(5):
        assert detector.step(ts, negatives) is None
    twenty_past = START + timedelta(days=5, minutes=20)

    spike = detector.step(twenty_past, 40)

    assert spike is not None
    assert spike.explanation == (
        "40 negative mentions in the 20 minutes to 00:20, usually 5 at 00:00 (8.0x)"
    )


def sparse_hours(weeks: int, rate, seed: int = 11) -> list[tuple[datetime, float]]:
    """Hourly Poisson counts of a few negative mentions, `rate(ts)` an hour on average."""
    rng = random.Random(seed)
    rows = []
    for i in range(weeks * 7 * 24):
        ts = START + (i + 1) * HOUR
        rows.append((ts, float(poisson(rng, rate(ts)))))
    return rows


def office_rate(ts: datetime) -> float:
    """One or two mentions an hour in the day, fewer at night and at weekends."""
    rate = 2.0 if 8 <= ts.hour < 20 else 0.5
    return rate * (0.5 if ts.weekday() >= 5 else 1.0)


def test_a_burst_on_sparse_counts_alerts_at_once_and_nothing_else_does():
    rows = sparse_hours(4, office_rate)
    burst_at = START + timedelta(weeks=3, days=2, hours=14)
    rows = [(ts, 20.0 if ts == burst_at else count) for ts, count in rows]

    spikes = detect_series(rows)

    assert [(s.ts, s.kind) for s in spikes] == [(burst_at, "spike")]
    assert spikes[0].explanation.startswith("20 negative mentions in the hour to 14:00")


def test_a_new_source_is_reported_once_as_a_new_level_and_never_paged():
    step_at = START + timedelta(weeks=3, hours=12)

    def rate(ts: datetime) -> float:
        return office_rate(ts) * (2.0 if ts > step_at else 1.0)

    spikes = detect_series(sparse_hours(6, rate))

    assert [s.kind for s in spikes] == ["step"]
    (step,) = spikes
    assert step_at < step.ts < step_at + timedelta(days=3)
    assert step.explanation.startswith("negative mentions have run at ")
    assert step.explanation.endswith(
        "a new level (a newly added source, or more people talking), not a passing spike"
    )


def test_a_source_told_as_added_is_said_at_once_and_its_level_pages_no_one():
    added_at = START + timedelta(weeks=3, hours=12)
    burst_at = added_at + timedelta(days=8, hours=3)

    def rate(ts: datetime) -> float:
        return office_rate(ts) * (4.0 if ts > added_at else 1.0)

    rows = [(ts, count + (60 if ts == burst_at else 0)) for ts, count in sparse_hours(6, rate)]
    # Not told, the new source's level pages someone within hours of its arrival.
    assert detect_series(rows)[0].kind == "spike"

    spikes = detect_series(rows, sources_added=[(added_at, "Mastodon")])

    assert [(s.ts, s.kind) for s in spikes] == [(added_at, "source"), (burst_at, "spike")]
    assert spikes[0].source == "Mastodon"
    assert spikes[0].explanation.startswith("Mastodon was added: from now on its mentions count")


def test_decisions_on_a_noisy_prefix_never_change_when_rows_are_appended():
    rows = sparse_hours(5, office_rate, seed=5)
    rows = [(ts, count + (25 if i % 211 == 0 and i else 0)) for i, (ts, count) in enumerate(rows)]
    full = detect_series(rows)
    assert full  # the appended bursts do alert

    for cut in range(24 * 7, len(rows), 97):
        assert detect_series(rows[:cut]) == [s for s in full if s.ts < rows[cut][0]]


def test_a_burst_however_big_is_a_spike_and_never_a_new_level():
    burst = {START + timedelta(weeks=3, hours=h) for h in (13, 14, 15)}
    rows = [(ts, 60.0 if ts in burst else n) for ts, n in sparse_hours(5, office_rate)]

    spikes = detect_series(rows)

    assert [(s.ts, s.kind) for s in spikes] == [(min(burst), "spike")]
