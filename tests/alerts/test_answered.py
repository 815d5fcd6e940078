"""An answered post is not answered again: alerts and digests say it was answered."""

from __future__ import annotations

from dataclasses import replace

from alerts.render import alert_text, digest_text, preview_html
from alerts.slack_blocks import render
from monitor.digest import Digest, sections
from tests.alerts.conftest import ENGLISH_POST, NOW, RISK, TODAY, series

ANSWERED = replace(
    RISK,
    summary="A negative post about Kahve Durağı by Sam on Hacker News. "
    "Kahve Durağı answered after 30 min.",
    posts=(replace(ENGLISH_POST, answered=True),),
    facts={"reach": 154000, "answered": "yes", "minutes_to_answer": 30},
)
UNANSWERED = replace(RISK, posts=(replace(ENGLISH_POST, answered=False),))


def test_an_answered_risk_does_not_ask_for_a_reply_within_the_hour():
    slack = render(ANSWERED)["blocks"]
    steps = next(b for b in slack if "Next steps" in b.get("text", {}).get("text", ""))
    assert "Your team has answered it" in steps["text"]["text"]
    assert "within the hour" not in steps["text"]["text"]
    mail = alert_text(ANSWERED)
    assert "Next steps: Your team has answered it" in mail and "within the hour" not in mail

    assert "Reply publicly within the hour" in alert_text(UNANSWERED)


def test_the_digest_marks_an_answered_risk():
    from monitor.digest import TargetDigest

    brand = TargetDigest("Kahve Durağı", "brand", series([(3, 1), (5, 2)]))
    digest = Digest(TODAY, "Europe/Istanbul", NOW, (brand,), sections([ANSWERED, UNANSWERED]))

    text = digest_text(digest)
    html = preview_html(digest)

    assert text.count("Answered already. Your team has answered it") == 1
    assert html.count("Answered already. Your team has answered it") == 1
