"""The spike benchmark's machinery, on invented metrics: files run in parallel give what they
give one at a time, and the alarm list tells false alarms, windows hit and windows missed."""

from __future__ import annotations

from datetime import datetime, timedelta

from benchmarks.spikes import THRESHOLDS, Cache, NabFile, _alarms, found_rows
from monitor.analysis.spikes import SpikeParams

START = datetime(2025, 3, 3)
STEP = timedelta(minutes=5)
ROWS = 3 * 24 * 12  # three days of five-minute values


def metric(name: str, jump_at: int, window: tuple[int, int]) -> NabFile:
    """A gently cycling metric that jumps once, with one labelled window."""
    rows = [
        (START + i * STEP, 10 + (i % 7) / 10 + (50 if i == jump_at else 0)) for i in range(ROWS)
    ]
    return NabFile("realAWSCloudwatch", f"realAWSCloudwatch/{name}.csv", rows, [window])


FILES = [
    metric("caught", 700, (690, 740)),  # the jump falls in the window
    metric("wrong", 500, (700, 740)),  # the jump falls before it; nothing in it
]


def test_files_run_in_parallel_alert_where_they_alert_one_at_a_time():
    serial = found_rows(FILES, SpikeParams(), Cache(None), jobs=1)
    parallel = found_rows(FILES, SpikeParams(), Cache(None), jobs=2)
    assert parallel == serial
    assert set(serial) == set(THRESHOLDS)
    assert serial[3.0] == {
        "realAWSCloudwatch/caught.csv": [700],
        "realAWSCloudwatch/wrong.csv": [500],
    }


def test_alarms_tell_false_alarms_windows_hit_and_windows_missed(capsys):
    found = found_rows(FILES, SpikeParams(), Cache(None))[3.0]
    _alarms(FILES, found, 3.0)
    lines = capsys.readouterr().out.splitlines()
    assert "  realAWSCloudwatch/caught.csv: W0+0.20; missed: -" in lines
    jump = f"{START + 500 * STEP:%m-%d %H:%M}"
    window = f"{START + 700 * STEP:%m-%d %H:%M}"
    assert f"  realAWSCloudwatch/wrong.csv: FP@{jump}; missed: W0@{window}" in lines
