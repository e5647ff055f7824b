"""The feedback report in a real browser: Debian's chromium, driven by selenium through chromedriver.

Four example submissions are graded for real; each report.html is opened from disk and checked for what a student
would hit: errors in the console, figures that do not render, and a page wider than a phone. Screenshots of the
desktop and phone layouts are saved to reports/test-artifacts/ for a person to look at.

Skipped, with the reason, only when chromium or chromedriver is not installed (CI installs both: see .ci/run).
Nothing is downloaded: the browser and its driver are the system's.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from paths import EXAMPLES, ROOT
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from grader.cli import main

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = ROOT / "reports" / "test-artifacts"
SUBMISSIONS = ("correct", "zero_init", "large_scale", "wrong_backprop")
DESKTOP = (1280, 900)
PHONE = (390, 844)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser-reports")
    paths = [str(EXAMPLES / f"{sid}.py") for sid in SUBMISSIONS]
    result = CliRunner().invoke(main, [*paths, "--out", str(out), "--seed", "7"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver and the browser are given, so Selenium Manager has nothing to find; offline, it could not fetch.
    added = "SE_OFFLINE" not in os.environ
    os.environ.setdefault("SE_OFFLINE", "true")
    try:
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    finally:
        if added:
            del os.environ["SE_OFFLINE"]
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _viewport(driver, size: tuple[int, int], *, mobile: bool) -> None:
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1,
                            "mobile": mobile})


def _open(driver, page: Path) -> list[dict]:
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(page.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    return driver.get_log("browser")


def _screenshot(driver, path: Path) -> None:
    """The whole page, not just the viewport."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path.write_bytes(base64.b64decode(shot["data"]))


FIGURES_JS = """
return Array.from(document.querySelectorAll('figure.chart')).map(function (fig) {
  var svg = fig.querySelector('svg.plot');
  var box = svg ? svg.getBoundingClientRect() : null;
  var labelled = svg ? document.getElementById(svg.getAttribute('aria-labelledby')) : null;
  return {
    id: fig.id,
    svg: !!svg,
    role: svg ? svg.getAttribute('role') : null,
    title: labelled ? labelled.textContent.trim() : '',
    titleIsChild: !!(labelled && labelled.parentNode === svg && labelled.tagName.toLowerCase() === 'title'),
    width: box ? box.width : 0,
    height: box ? box.height : 0,
    right: box ? box.right : 0,
    shapes: svg ? svg.querySelectorAll('path, rect, circle, line').length : 0,
    caption: (fig.querySelector('figcaption') || {textContent: ''}).textContent.trim()
  };
});
"""


@pytest.mark.parametrize("sid", SUBMISSIONS)
def test_report_in_the_browser(browser, reports, sid):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = reports / sid / "report.html"
    expected = json.loads((reports / sid / "results.json").read_text())["figures"]
    assert [f["kind"] for f in expected] == ["lines", "histogram", "lines", "boundary"]

    # Desktop
    _viewport(browser, DESKTOP, mobile=False)
    logs = _open(browser, page)
    severe = [entry for entry in logs if entry.get("level") == "SEVERE"]
    assert not severe, severe
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0  # self-contained
    figures = browser.execute_script(FIGURES_JS)
    assert len(figures) == len(expected)
    for shown, data in zip(figures, expected):
        assert shown["svg"] and shown["role"] == "img" and shown["titleIsChild"], shown
        assert shown["title"] == data["title"]
        assert shown["width"] > 200 and shown["height"] > 100, shown
        assert shown["shapes"] > 10, shown
        assert data["caption"][:40] in shown["caption"]
    _screenshot(browser, ARTIFACTS / f"{sid}-desktop.png")

    # Phone: the page, figures included, must fit the width (no sideways scrolling)
    _viewport(browser, PHONE, mobile=True)
    logs = _open(browser, page)
    assert not [entry for entry in logs if entry.get("level") == "SEVERE"]
    assert browser.execute_script("return window.innerWidth") == PHONE[0]
    overflow = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"the page is {overflow[0]} px wide on a {overflow[1]} px phone"
    for shown in browser.execute_script(FIGURES_JS):
        assert 0 < shown["width"] <= PHONE[0] and shown["height"] > 0 and shown["right"] <= PHONE[0], shown
    _screenshot(browser, ARTIFACTS / f"{sid}-phone.png")
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
