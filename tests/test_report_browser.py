"""The HTML pages in a real browser: Debian's chromium, driven by selenium through chromedriver.

Four example submissions are graded for real, with the class summary of the batch, and a similarity report is made
from a renamed copy. Each page is opened from disk at desktop (1280 px) and phone (390 px) widths and checked for
what a reader would hit: errors in the console, figures that do not render, a page wider than a phone, identifiers
broken in mid-word, code cut off at the right, pass and fail told by colour alone, and what axe-core (the
accessibility checker, injected into the page) finds, in the light and the dark colour scheme: no serious or critical
violation. Screenshots of both layouts and axe's findings are saved to reports/test-artifacts/ for a person to look
at.

Skipped, with the reason, only when chromium, chromedriver or axe-core is not installed (CI installs all three: see
.ci/run, and fails instead of skipping). Nothing is downloaded: the browser, its driver and axe-core are local files.
"""

from __future__ import annotations

import base64
import json
import os
import re
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
AXE = ROOT / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
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
    # A renamed copy with a long line, for the similarity report.
    batch = tmp_path_factory.mktemp("similar")
    source = (EXAMPLES / "large_scale.py").read_text()
    (batch / "original.py").write_text(source)
    copy = source.replace("parameters", "params").replace("cache", "memo")
    long_line = "    logprobs = " + " + ".join(["np.multiply(np.log(A2), Y)"] * 6) + "  # a long line that must wrap"
    (batch / "copy.py").write_text(copy.replace("    logprobs = ", long_line + "\n    logprobs = ", 1))
    result = CliRunner().invoke(main, ["similarity", str(batch), "-a", "shallow-nn", "--out", str(out),
                                       "--threshold", "0.5"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def axe() -> str:
    if not AXE.is_file():
        message = f"axe-core is not installed at {AXE} (.ci/run installs it: npm ci --prefix .ci/axe)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


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


# ---- what every page must pass --------------------------------------------------------------------------------------

AXE_RUN_JS = """
var done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  done(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(function (n) { return n.target.join(' '); })};
  }));
}, function (e) { done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]); });
"""

# Where a line of an identifier may end: right after "::", ":", "-", "_", "." or "/" (the breakable filter's <wbr>).
BREAKS_JS = """
return Array.from(document.querySelectorAll(arguments[0])).map(function (el) {
  var text = el.textContent, out = [], pos = 0, lastTop = null, node;
  var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  while ((node = walker.nextNode())) {
    for (var i = 0; i < node.length; i++, pos++) {
      var range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      var rects = range.getClientRects();
      if (!rects.length) continue;
      var top = rects[0].top;
      if (lastTop !== null && top > lastTop + 3) out.push(text.slice(0, pos) + '|' + text.slice(pos));
      lastTop = top;
    }
  }
  return out;
}).filter(function (breaks) { return breaks.length; });
"""

TABLES_JS = """
return Array.from(document.querySelectorAll('table')).map(function (table) {
  var rows = Array.from(table.tBodies).flatMap(function (b) { return Array.from(b.rows); });
  var widths = rows.map(function (row) {
    return Array.from(row.cells).map(function (c) { return getComputedStyle(c).borderBottomWidth; });
  });
  return {
    caption: table.caption ? table.caption.textContent.trim() : '',
    head: table.tHead ? table.tHead.querySelectorAll('th[scope=col]').length : 0,
    rows: rows.length,
    rowHeaders: rows.filter(function (row) { return row.querySelector('th[scope=row]'); }).length,
    evenBorders: widths.every(function (w) { return new Set(w).size <= 1; }),
    wider: table.parentElement.scrollWidth > table.parentElement.clientWidth + 1
  };
});
"""

HEADINGS_JS = """
return Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).map(function (h) {
  return Number(h.tagName[1]);
});
"""


def _scheme(driver, dark: bool) -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})


def _axe(driver, script: str, page: str, label: str) -> list[dict]:
    """axe-core's violations on the open page (any impact), saved next to the screenshots."""
    driver.execute_script(script)
    violations = driver.execute_async_script(AXE_RUN_JS)
    (ARTIFACTS / f"{page}-{label}-axe.json").write_text(json.dumps(violations, indent=2) + "\n")
    return violations


def _check_page(driver, axe_script: str, path: Path, name: str) -> dict[str, list]:
    """Open ``path`` at both widths and both colour schemes; assert what every page must pass; return what the
    caller checks further, per width."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.set_script_timeout(60)
    found: dict[str, list] = {}
    for label, size, mobile in (("desktop", DESKTOP, False), ("phone", PHONE, True)):
        _viewport(driver, size, mobile=mobile)
        for dark in (False, True):
            _scheme(driver, dark)
            logs = _open(driver, path)
            assert not [entry for entry in logs if entry.get("level") == "SEVERE"], logs
            assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
            violations = _axe(driver, axe_script, name, f"{label}{'-dark' if dark else ''}")
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            assert not serious, f"{name} at {label} width{' (dark)' if dark else ''}: {serious}"
            assert not [v for v in violations if v["id"] in ("heading-order", "page-has-heading-one")], violations
        _scheme(driver, False)
        _open(driver, path)
        width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{name} is {width[0]} px wide on a {width[1]} px screen"
        levels = driver.execute_script(HEADINGS_JS)
        assert levels[0] == 1 and levels.count(1) == 1, levels
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), f"{name}: headings skip a level: {levels}"
        tables = driver.execute_script(TABLES_JS)
        for table in tables:
            assert table["head"] and table["evenBorders"], table
            assert table["rowHeaders"] == table["rows"], f"{name}: a row without a header cell: {table}"
        found[label] = tables
        _screenshot(driver, ARTIFACTS / f"{name}-{label}.png")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return found


@pytest.mark.parametrize("sid", SUBMISSIONS)
def test_report_reads_without_colour_and_passes_axe(browser, reports, axe, sid):
    _check_page(browser, axe, reports / sid / "report.html", sid)
    _viewport(browser, PHONE, mobile=True)
    _open(browser, reports / sid / "report.html")
    # Pass and fail are said in words and symbols, not only in colour.
    statuses = browser.execute_script(
        "return Array.from(document.querySelectorAll('.status')).map(function (e) { return e.textContent.trim(); })")
    assert statuses
    for status in statuses:
        assert re.fullmatch(r"[✓✗⚠] \S.*", status), status
    # Function names wrap only between words, never inside one.
    breaks = browser.execute_script(BREAKS_JS, "table code")
    assert all(re.search(r"[-_./:]\|", b) for found in breaks for b in found), breaks
    # Every picture has a text alternative: a title and a description, and a caption in words.
    for svg in browser.execute_script(SVG_JS):
        assert svg["title"] and svg["desc"], svg
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


SVG_JS = """
return Array.from(document.querySelectorAll('svg[role=img]')).map(function (svg) {
  var title = svg.querySelector(':scope > title'), desc = svg.querySelector(':scope > desc');
  return {title: title ? title.textContent.trim() : '', desc: desc ? desc.textContent.trim() : ''};
});
"""


def test_summary_fits_a_phone_and_passes_axe(browser, reports, axe):
    tables = _check_page(browser, axe, reports / "summary.html", "summary")
    assert not [t["caption"] for t in tables["phone"] if t["wider"]], "a summary table scrolls sideways on a phone"
    for width, size, mobile in (("phone", PHONE, True), ("desktop", DESKTOP, False)):
        _viewport(browser, size, mobile=mobile)
        _open(browser, reports / "summary.html")
        breaks = browser.execute_script(BREAKS_JS, "table code")
        assert all(re.search(r"[-_./:]\|", b) for found in breaks for b in found), f"{width}: {breaks}"
        if width == "phone":
            assert breaks, "at 390 px the long check ids must wrap (at their separators)"
        for svg in browser.execute_script(SVG_JS):
            assert svg["title"] and svg["desc"], svg
        # The mistakes are quoted as written: no number turned into "#"; the example is a submission id.
        cells = browser.execute_script(
            "return Array.from(document.querySelectorAll('#mistakes-table ~ tbody tr')).map(function (r) {"
            "  return [r.cells[1].querySelector('.prose').textContent, r.cells[1].querySelector('.example code')"
            "    .textContent]; });")
        assert cells and not [m for m, _ in cells if "#" in m]
        assert {example for _, example in cells} <= set(SUBMISSIONS)
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_summary_with_batch_notes_passes_axe(browser, reports, axe, tmp_path):
    """The summary's lists for archives and regrades: changed scores, missing students, superseded files."""
    from grader.batch_notes import BatchNotes, CheckChange, ScoreChange
    from grader.summary import ClassSummary
    from grader.summary_page import render_summary_html

    summary = ClassSummary.from_dict(json.loads((reports / "summary.json").read_text()))
    notes = BatchNotes(
        platform="canvas", missing=("Ada Lovelace", "Alan Turing"),
        superseded=(("wrong_backprop", "lovelaceada_1234_5678_shallow_nn-1.ipynb",
                     "lovelaceada_1234_5679_shallow_nn.ipynb"),),
        others=(("notes.txt", "not a .py or .ipynb file"),),
        changes=(ScoreChange(submission="zero_init", before=7.5, after=9.0, max_before=10.0, max_after=10.0,
                             checks=(CheckChange(id="initialize_parameters::small_scale", before="failed 0/0.5",
                                                 after="passed 0.5/0.5"),)),))
    page = tmp_path / "summary-notes.html"
    page.write_text(render_summary_html(summary, title="Planar data classification", notes=notes))
    tables = _check_page(browser, axe, page, "summary-notes")
    assert not [t["caption"] for t in tables["phone"] if t["wider"]], "a summary table scrolls sideways on a phone"


def test_similarity_page_wraps_and_highlights_matching_lines(browser, reports, axe):
    _check_page(browser, axe, reports / "similarity.html", "similarity")
    for width, size, mobile in (("phone", PHONE, True), ("desktop", DESKTOP, False)):
        _viewport(browser, size, mobile=mobile)
        _open(browser, reports / "similarity.html")
        code = browser.execute_script(
            "return Array.from(document.querySelectorAll('pre')).map(function (p) {"
            "  return [p.scrollWidth, p.clientWidth, p.querySelectorAll('mark').length, p.textContent]; });")
        assert code
        for scroll, client, _, _ in code:
            assert scroll <= client + 1, f"{width}: a code block is cut off at the right ({scroll} > {client})"
        assert any("a long line that must wrap" in text for *_, text in code)
        # A renamed copy: its lines match line for line, names aside, so nearly every line is highlighted.
        marked = sum(count for _, _, count, _ in code)
        lines = sum(len([line for line in text.split("\n") if line.strip()]) for *_, text in code)
        assert marked >= 0.8 * lines, (marked, lines)
        bars = browser.execute_script(
            "var m = document.querySelector('pre mark'); return getComputedStyle(m).borderLeftStyle;")
        assert bars == "solid"  # a shape as well as a colour
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
