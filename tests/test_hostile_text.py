"""Every output format stays well-formed whatever a student writes (issue 13, item 3): junit.xml, Gradescope's JSON,
the CSV gradebooks (plain and Canvas), report.html, report.md and the class summary (HTML and JSON), each read back
with a real parser, for each kind of hostile text in every field a student's code or file can fill."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from paths import ROOT

from grader.assignment import load_assignment
from grader.engine import finish
from grader.formats import write_junit
from grader.gradebook import write_csv
from grader.lms_export import write_platform_csv
from grader.models import LOAD_ERROR, SYNTAX_ERROR, CheckResult, Location, Problem, SubmissionResult
from grader.summary import summarise
from grader.summary_page import write_summary

SCHEMA = json.loads((ROOT / "tests" / "files" / "gradescope_results.schema.json").read_text())
ASSIGNMENT = load_assignment(ROOT, "shallow-nn")

HOSTILE = {
    "nul": "before\x00after",
    "escape": "\x1b[2J\x1b]0;pwned\x07red\x1b[0m",
    "form-feed": "page\x0cbreak\x0b\x08back",
    "c1": "next\x85csi\x9b31m\x90dcs\x9f",
    "surrogates": "lone \ud800 high, \udfff low, \udc00\udbff reversed",
    "noncharacters": "\ufffe\uffff",
    "markup": ("</failure></testcase></testsuite>]]><![CDATA[<script>alert(1)</script><!-- & \"q\" 'a' "
               "</pre></code></details><img src=x onerror=alert(1)> # heading | a | b | [link](javascript:x) "
               "```\n# forged heading\n| forged | row |\n```"),
    "formula": "=HYPERLINK(\"http://evil\",\"click\")",
    "huge": "A" * 10**7 + "\x00\x1b" * 1000,
}
# Characters no output may carry raw: C0 controls but tab, newline and carriage return, DEL, the C1 range.
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def hostile_result(text: str, sid: str = "mallory") -> SubmissionResult:
    """A result with ``text`` wherever a student's code or file can put text."""
    where = Location(cell=2, line=3, code=text)
    checks = (
        CheckResult(id="layer_sizes::values", function="layer_sizes", score=1.0, max_score=1.0, status="passed",
                    location=where),
        CheckResult(id="initialize_parameters::shapes", function="initialize_parameters", score=0.0,
                    max_score=1.0, status="failed", message=text, expected=text, got=text,
                    flags=("wrong-values", text), location=where),
        CheckResult(id="forward_propagation::values", function="forward_propagation", score=0.0, max_score=1.0,
                    status="error", message=f"ValueError: {text}", flags=("crash",), location=where),
    )
    problems = (Problem(kind=SYNTAX_ERROR, message=text, location=where), Problem(kind=LOAD_ERROR, message=text))
    return SubmissionResult(assignment=ASSIGNMENT.name, submission=sid, score=1.0, max_score=3.0, duration_s=1.5,
                            seed=3, flags=("wrong-values", "crash", SYNTAX_ERROR, text), checks=checks,
                            problems=problems, path=f"/batch/{text}.py", output=text)


def honest_result() -> SubmissionResult:
    return hostile_result("plain words", sid="honest")


@pytest.fixture(params=list(HOSTILE), ids=list(HOSTILE))
def outputs(request, tmp_path) -> tuple[str, Path, dict[str, str]]:
    """Every output for a batch of the hostile result and an honest one."""
    text = HOSTILE[request.param]
    results = [hostile_result(text), honest_result()]
    files = {name: body for name, body in finish(results[0], ASSIGNMENT, formats=("gradescope",)).files}
    write_junit(results, tmp_path / "junit.xml")
    write_csv(results, ASSIGNMENT.functions, tmp_path / "plain.csv")
    write_platform_csv(results, ASSIGNMENT, tmp_path / "canvas.csv", layout="canvas")
    write_summary(summarise(results, functions=ASSIGNMENT.functions), tmp_path, title="Class")
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")  # a lone surrogate would raise here
    return request.param, tmp_path, files


def test_results_json_is_strict_json(outputs):
    _, folder, _ = outputs
    data = json.loads((folder / "results.json").read_bytes().decode("utf-8", errors="strict"))
    assert SubmissionResult.from_dict(data).checks[1].message  # and reads back as a result
    _strict_strings(data)


def test_junit_is_well_formed_for_the_whole_batch(outputs):
    kind, folder, _ = outputs
    raw = (folder / "junit.xml").read_bytes()
    root = ET.fromstring(raw)  # expat: any character XML 1.0 forbids is a fatal error
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"mallory", "honest"}
    for suite in suites.values():
        assert [c.get("name") for c in suite.iter("testcase")] == [
            "layer_sizes::values", "initialize_parameters::shapes", "forward_propagation::values"]
        assert len(suite.findall("testcase/failure")) == 1 and len(suite.findall("testcase/error")) == 1
    failure = suites["mallory"].find("testcase/failure")
    if kind in ("markup", "formula"):
        assert HOSTILE[kind][:100] in failure.text  # markup is text, kept word for word
    assert not RAW_CONTROL.search(raw)


def test_gradescope_json_follows_the_schema(outputs):
    _, folder, _ = outputs
    data = json.loads((folder / "gradescope.json").read_bytes().decode("utf-8", errors="strict"))
    jsonschema.validate(data, SCHEMA)
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "failed"]
    _strict_strings(data)


@pytest.mark.parametrize("layout", ["plain.csv", "canvas.csv"])
def test_csv_parses_and_runs_no_formula(outputs, layout):
    kind, folder, _ = outputs
    with (folder / layout).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    expected_rows = 3 if layout == "plain.csv" else 4  # header (+ points possible), two submissions
    assert len(rows) == expected_rows and len({len(row) for row in rows}) == 1
    for row in rows:
        for cell in row:
            assert cell[:1] not in FORMULA_START, (kind, cell[:60])
    assert not RAW_CONTROL.search((folder / layout).read_bytes())


@pytest.mark.parametrize("page", ["report.html", "summary.html"])
def test_html_is_well_formed_and_markup_stays_text(outputs, page):
    kind, folder, _ = outputs
    raw = (folder / page).read_bytes()
    assert not RAW_CONTROL.search(raw), RAW_CONTROL.search(raw)
    text = raw.decode("utf-8", errors="strict")
    tags = _balanced_tags(text)
    assert "script" not in tags and "img" not in tags
    if page == "report.html":
        honest = finish(honest_result(), ASSIGNMENT).files[1][1]
        assert _structure(text) == _structure(honest), kind  # the same elements as for plain words


def test_markdown_report_has_no_controls_and_no_forged_structure(outputs):
    kind, folder, _ = outputs
    raw = (folder / "report.md").read_bytes()
    assert not RAW_CONTROL.search(raw)
    honest = finish(honest_result(), ASSIGNMENT).files[2][1]
    assert _md_structure(raw.decode("utf-8", errors="strict")) == _md_structure(honest), kind


def test_summary_json_is_strict_json(outputs):
    _, folder, _ = outputs
    data = json.loads((folder / "summary.json").read_bytes().decode("utf-8", errors="strict"))
    assert data["submissions"] == 2
    _strict_strings(data)


# -- helpers -------------------------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
INLINE_FROM_TEXT = {"p", "br", "code"}  # what the rich-text filter makes of paragraphs, line breaks and `code`


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.seen: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def _balanced_tags(text: str) -> list[str]:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    assert not parser.errors and not parser.stack, (parser.errors[:5], parser.stack)
    return parser.seen


def _structure(text: str) -> list[str]:
    return [tag for tag in _balanced_tags(text) if tag not in INLINE_FROM_TEXT]


def _md_structure(text: str) -> list[str]:
    """Headings, table rows and fences: the lines that make Markdown structure (outside fenced blocks)."""
    out, fence = [], None
    for line in text.splitlines():
        run = re.match(r" {0,3}(`{3,}|~{3,})", line)
        if fence is None:
            if run:
                fence = run.group(1)
                out.append("fence")
            elif re.match(r" {0,3}#{1,6}( |$)", line):
                out.append("heading")
            elif line.startswith("|"):
                out.append("row")
        elif run and run.group(1)[0] == fence[0] and len(run.group(1)) >= len(fence) and not line.strip()[
                len(run.group(1)):]:  # fmt: skip
            fence = None
    return out


def _strict_strings(value) -> None:
    """No lone surrogate, no control character but tab and newline, anywhere in the data."""
    if isinstance(value, str):
        value.encode("utf-8", errors="strict")
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]", value), value[:80]
    elif isinstance(value, dict):
        for key, item in value.items():
            _strict_strings(key)
            _strict_strings(item)
    elif isinstance(value, list):
        for item in value:
            _strict_strings(item)
