"""The shared spider's judgement of answers: a bot-protection page is never data."""

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from spiders.status import problem_for_status
from tests.helpers import fixture_text


def answer(status: int, body: str, headers: dict | None = None, html: bool = True):
    cls = HtmlResponse if html else TextResponse
    url = "http://replay.test/page"
    return cls(
        url,
        status=status,
        body=body.encode(),
        headers=headers or {},
        encoding="utf-8",
        request=Request(url),
    )


@pytest.mark.parametrize("status", [200, 503])
def test_a_just_a_moment_page_is_blocked_whatever_its_status(status):
    problem = problem_for_status(answer(status, fixture_text("sikayetvar", "challenge.html")))
    assert problem is not None and problem.status == "blocked"


def test_a_challenge_that_asks_to_wait_says_so():
    page = fixture_text("sikayetvar", "challenge.html")
    problem = problem_for_status(answer(503, page, {"Retry-After": "600"}))
    assert problem.status == "blocked" and "Retry-After 600 s" in problem.reason


def test_the_cloudflare_mitigation_header_alone_marks_a_challenge():
    problem = problem_for_status(answer(200, "<html></html>", {"cf-mitigated": "challenge"}))
    assert problem is not None and problem.status == "blocked"


def test_posts_that_talk_about_captchas_are_data():
    body = '{"hits": [{"comment_text": "the <b>captcha</b> challenge-platform is annoying"}]}'
    assert problem_for_status(answer(200, body, html=False)) is None
    page = "<html><body><p>Demlik's wifi asks for a captcha every hour</p></body></html>"
    assert problem_for_status(answer(200, page)) is None


def test_a_plain_403_is_an_auth_failure_not_a_block():
    problem = problem_for_status(answer(403, '{"error": "invalid token"}', html=False))
    assert problem is not None and problem.status == "auth_failed"
