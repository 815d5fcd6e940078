from datetime import UTC, datetime

from monitor.demo import run_demo

# Mid-afternoon in Istanbul: every demo post of the last twelve hours falls on that day.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_demo_writes_todays_digest_with_the_complaints(tmp_path):
    run = run_demo(tmp_path, now=NOW)

    html = run.files["Daily digest (HTML)"].read_text(encoding="utf-8")
    assert "20 Nov" in html or "2026-11-20" in html
    assert "no power outlets near the windows" in html  # the brand's top complaint
    assert "Demlik" in html and "Φρέσκο" in html
