"""The inbox's main flows in headless Chromium (Debian's chromium and chromedriver, run
by path: nothing is downloaded): sign in with a name, filter, take a lead, correct its
sentiment, mark it replied; on SQLite and PostgreSQL. Each step leaves a screenshot in
the test's folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.inbox.conftest import inbox_settings, serving

COMPLAINT = "opportunity:Demlik:hackernews:101"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

if not (CHROMIUM and DRIVER) and os.environ.get("CI") != "true":
    pytest.skip(
        "headless Chromium tests need Debian's chromium and chromium-driver "
        "(apt-get install chromium chromium-driver); .ci/run installs them",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and DRIVER, "CI must have chromium and chromium-driver (see .ci/run)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1100,900",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def test_filter_take_correct_and_reply_in_a_browser(browser, leads_store, tmp_path: Path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def shot(name: str) -> None:
        browser.save_screenshot(str(tmp_path / f"{name}.png"))

    def flash() -> str:
        return browser.find_element(By.ID, "flash").text

    def press(selector: str) -> None:
        """Click, then wait for the next page: the old one's elements go stale."""
        page = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.CSS_SELECTOR, selector).click()
        WebDriverWait(browser, 20).until(staleness_of(page))

    with serving(leads_store, inbox_settings()) as url:
        browser.get(url + "/")
        browser.find_element(By.ID, "name").send_keys("Ayşe")
        press("#sign-in")
        assert browser.find_element(By.ID, "count").text == "4 leads"
        shot("1-leads")

        Select(browser.find_element(By.ID, "filter-language")).select_by_value("el")
        press("#apply-filters")
        assert browser.find_element(By.ID, "count").text == "1 lead"
        assert "language=el" in browser.current_url
        titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".lead h2")]
        assert titles == ["Demlik customer is asking"]
        shot("2-filtered")

        browser.get(url + "/")
        press('a[href*="hackernews%3A101"]')
        press('button[value="claim"]')
        assert flash() == "Ayşe took it at 15:00"
        assert browser.find_element(By.ID, "state").text == "Ayşe has it since 21 Nov 15:00"
        shot("3-taken")

        press('button[name="label"][value="neu"]')
        assert flash() == "Ayşe says it is neutral: kulak learns from it"
        assert browser.find_element(By.ID, "team-label").text == "The team says neutral (Ayşe)."
        shot("4-relabelled")

        press('button[value="replied"]')
        assert flash() == "Ayşe replied at 15:00"
        assert browser.find_element(By.ID, "state").text == "Ayşe replied at 21 Nov 15:00"
        shot("5-replied")

        browser.get(url + "/")
        assert browser.find_element(By.ID, "count").text == "3 leads"
        assert not browser.find_elements(By.CSS_SELECTOR, 'a[href*="hackernews%3A101"]')

        press('a[href*="hackernews%3A104"]')  # the hostile post
        assert "<script>" in browser.find_element(By.CSS_SELECTOR, ".lead-post .text").text
        assert browser.execute_script("return document.scripts.length") == 0
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018  no alert() ran
        shot("6-hostile")

    (row,) = leads_store.triage_rows([COMPLAINT]).values()
    assert (row.state, row.claimed_by, row.closed_by) == ("replied", "Ayşe", "Ayşe")
    (label,) = leads_store.iter_labels()
    assert (label.label, label.who) == ("neu", "Ayşe")
