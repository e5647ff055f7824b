"""Tests for the report renderer: real results rendered for real, asserted on what a student would read."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.models import CheckResult, Location, Problem, SubmissionResult
from grader.render import lessons_for, render_html, render_markdown, render_reports, report_context, write_reports

TITLE = "Planar data classification with one hidden layer"

ASSIGNMENT_LESSONS = {
    "zero-init": {
        "title": "Breaking symmetry",
        "text": "When every weight starts at the same value, every hidden unit computes the same function and "
        "receives the same gradient, so they never become different. Initialise weights with small random numbers.",
    },
    "function:initialize_parameters": {
        "title": "Initialising a network",
        "text": "Weights are random and small; biases start at zero.",
    },
    "wrong-shape": {"title": "Shapes in this assignment", "text": "W1 has shape (n_h, n_x) here."},
}

ZERO_INIT_MESSAGE = "W1 is all zeros, so every hidden unit stays identical."
EXPECTED_W1 = "array([[-0.00416758, -0.00056267],\n       [-0.02136196,  0.01640271]])"
GOT_W1 = "array([[0., 0.],\n       [0., 0.]])"
HOSTILE = "<script>alert('x')</script>"


def perfect_result() -> SubmissionResult:
    checks = (
        CheckResult(id="layer_sizes::sizes", function="layer_sizes", score=1, max_score=1, status="passed"),
        CheckResult(id="predict::values", function="predict", score=2, max_score=2, status="passed"),
        CheckResult(id="predict::dtype", function="predict", score=0.5, max_score=0.5, status="passed"),
    )
    return SubmissionResult(
        assignment="shallow-nn", submission="alice", score=3.5, max_score=3.5, duration_s=1.234, seed=7,
        checks=checks, sandbox=("namespaces", "seccomp", "rlimits"),
    )


def zero_init_result() -> SubmissionResult:
    where = Location(cell=7, line=3, code="    W1 = np.zeros((n_h, n_x))")
    checks = (
        CheckResult(id="layer_sizes::sizes", function="layer_sizes", score=1, max_score=1, status="passed"),
        CheckResult(
            id="initialize_parameters::W1_random", function="initialize_parameters", score=0, max_score=2,
            status="failed", message=ZERO_INIT_MESSAGE, flags=("wrong-values",), expected=EXPECTED_W1, got=GOT_W1,
            location=where, lesson="zero-init",
        ),
        CheckResult(
            id="initialize_parameters::W2_random", function="initialize_parameters", score=0, max_score=1,
            status="failed", message="W2 is all zeros as well.", flags=("wrong-values",),
            expected="random values", got="zeros", location=Location(cell=7, line=5, code="W2 = np.zeros((n_y, n_h))"),
            lesson="zero-init",
        ),
        CheckResult(
            id="forward_propagation::runs", function="forward_propagation", score=0, max_score=2, status="error",
            message="forward_propagation raised ValueError: shapes (4,2) and (3,400) not aligned",
            flags=("crash",), got="ValueError: shapes (4,2) and (3,400) not aligned",
            location=Location(cell=9, line=4, code="Z1 = np.dot(W1.T, X) + b1"),
        ),
    )
    return SubmissionResult(
        assignment="shallow-nn", submission="bob", score=1, max_score=6, duration_s=2.5, seed=1234,
        flags=("wrong-values", "crash"), checks=checks, sandbox=("rlimits",), output="cost after 0 iterations: 0.69\n",
    )


def invalid_result() -> SubmissionResult:
    return SubmissionResult(
        assignment="shallow-nn", submission="carol", score=0, max_score=10, duration_s=0.01, seed=3,
        flags=("invalid-submission",),
        problems=(Problem(kind="invalid-submission", message="the file is not valid JSON (line 1, column 1)"),),
    )


def hostile_result() -> SubmissionResult:
    check = CheckResult(
        id="compute_cost::value", function="compute_cost", score=0, max_score=1, status="failed",
        message=f"cost was {HOSTILE} | **bold** [link](http://evil.example) # not a heading",
        expected="0.693", got=f"{HOSTILE}\n```\n# escaped the fence?\n````",
        location=Location(cell=2, line=1, code=f"return '{HOSTILE}'  # ``` ``"), flags=("wrong-values",),
    )
    return SubmissionResult(
        assignment="shallow-nn", submission=f"mallory{HOSTILE}", score=0, max_score=1, duration_s=0.1, seed=0,
        checks=(check,), output=f"{HOSTILE}\n```\nstill inside?\n",
        problems=(Problem(kind="warning", message=f"cell 3 printed {HOSTILE}",
                          location=Location(line=4, code=HOSTILE)),),
    )


def render_both(result: SubmissionResult) -> tuple[str, str]:
    lessons = lessons_for(result, ASSIGNMENT_LESSONS)
    return (
        render_html(result, title=TITLE, lessons=lessons),
        render_markdown(result, title=TITLE, lessons=lessons),
    )


class _TagChecker(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def parse_html(document: str) -> _TagChecker:
    checker = _TagChecker()
    checker.feed(document)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


def split_fences(markdown: str) -> tuple[list[str], list[str]]:
    """(lines inside fenced code blocks, lines outside), asserting every fence is closed."""
    inside: list[str] = []
    outside: list[str] = []
    fence = ""
    for line in markdown.split("\n"):
        if fence:
            if re.fullmatch(rf"{fence}`*\s*", line):
                fence = ""
            else:
                inside.append(line)
            continue
        match = re.match(r"(`{3,})", line)
        if match:
            fence = match.group(1)
        else:
            outside.append(line)
    assert fence == "", "a code fence was never closed"
    return inside, outside


def without_code_spans(line: str) -> str:
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", line)


# ---------------------------------------------------------------------------------------------------------------


def test_lessons_for_prefers_assignment_then_generic_and_skips_unknown() -> None:
    result = zero_init_result()
    lessons = lessons_for(result, ASSIGNMENT_LESSONS)
    assert lessons["zero-init"]["title"] == "Breaking symmetry"
    assert lessons["function:initialize_parameters"]["title"] == "Initialising a network"
    assert lessons["wrong-values"]["title"] == "The numbers are not right"  # generic, from data/lessons.toml
    assert lessons["crash"]["text"]
    assert "function:forward_propagation" not in lessons  # no lesson anywhere: skipped
    assert "function:layer_sizes" not in lessons  # all its checks passed
    assert lessons_for(invalid_result(), {})["invalid-submission"]["title"] == "The file could not be read"
    overridden = lessons_for(zero_init_result(), {"crash": {"title": "Ours", "text": "Our text."}})
    assert dict(overridden["crash"]) == {"title": "Ours", "text": "Our text."}


def test_generic_lessons_cover_engine_flags() -> None:
    flags = ["timeout", "resource-limit", "syntax-error", "missing-function", "invalid-submission", "crash",
             "wrong-type", "wrong-shape", "wrong-dtype", "wrong-values", "grader-error"]
    result = SubmissionResult(assignment="a", submission="s", score=0, max_score=0, duration_s=0, seed=0,
                              flags=tuple(flags))
    lessons = lessons_for(result, {})
    assert list(lessons) == flags
    for lesson in lessons.values():
        assert lesson["title"] and lesson["text"].count(".") >= 2


def test_report_context_is_plain_data() -> None:
    result = zero_init_result()
    context = report_context(result, title=TITLE, lessons=lessons_for(result, ASSIGNMENT_LESSONS))
    json.dumps(context)
    assert context["result"] == {**result.to_dict(), "figures": [{**f.to_dict(), "data": {}} for f in result.figures]}
    assert context["percentage"] == pytest.approx(16.7)
    rows = {row["name"]: row for row in context["functions"]}
    assert [rows[n]["status"] for n in ("layer_sizes", "initialize_parameters", "forward_propagation")] == [
        "passed", "failed", "error"]
    assert (rows["initialize_parameters"]["score"], rows["initialize_parameters"]["max_score"]) == (0, 3)
    assert [g["function"] for g in context["failures"]] == ["initialize_parameters", "forward_propagation"]
    first, second = context["failures"][0]["checks"]
    # one lesson per failed check, the most specific; the second check's is the same idea, so it refers back
    assert [r["key"] for r in first["lessons"]] == ["zero-init"] and first["lessons"][0]["first"]
    assert [r["key"] for r in second["lessons"]] == ["zero-init"] and not second["lessons"][0]["first"]


def test_perfect_submission() -> None:
    page, markdown = render_both(perfect_result())
    for text in (page, markdown):
        assert "3.5 / 3.5" in text and "100%" in text
        assert "All passed" in text and "What went wrong" not in text
        assert "namespaces, seccomp, rlimits" in text and "1.2 s" in text
    assert "<details>" in page and "✓ values (2 / 2)" in page
    assert "| `predict` | 2.5 / 2.5 | ✓ All passed" in markdown


def test_failed_checks_show_mistake_expected_got_location_and_lesson() -> None:
    result = zero_init_result()
    page, markdown = render_both(result)
    plain_page = html.unescape(page)
    for text in (plain_page, markdown):
        assert "1 / 6" in text and "16.7%" in text and "bob" in text and "1234" in text
        for check in result.checks[1:]:
            assert check.message in text
        assert EXPECTED_W1 in text and GOT_W1 in text
        assert "Expected" in text and "Got" in text
        assert "cell 7, line 3" in text and "W1 = np.zeros((n_h, n_x))" in text and "cell 9, line 4" in text
        assert "Some failed" in text and "Error" in text
        assert "cost after 0 iterations: 0.69" in text
        for key in ("zero-init", "crash"):
            lesson = lessons_for(result, ASSIGNMENT_LESSONS)[key]
            assert lesson["title"] in text
        # each failed check tells its most specific lesson only: not the generic wrong-values one besides it
        for key in ("wrong-values", "function:initialize_parameters"):
            assert lessons_for(result, ASSIGNMENT_LESSONS)[key]["title"] not in text
        # Both failed checks point to zero-init: its text is shown once, then referred back to.
        assert text.count(ASSIGNMENT_LESSONS["zero-init"]["text"]) == 1
        assert text.count("Concept: Breaking symmetry") == 2
        assert "explained above" in text
    assert "```text\n" + EXPECTED_W1 + "\n```" in markdown
    assert "<pre><code>" + html.escape(GOT_W1, quote=False) in page
    assert 'href="#lesson-' in page


def test_invalid_submission_shows_problem_first() -> None:
    page, markdown = render_both(invalid_result())
    for text in (html.unescape(page), markdown):
        assert "could not be graded" in text
        assert "the file is not valid JSON (line 1, column 1)" in text
        assert "The file could not be read" in text  # the generic lesson
        assert "0 / 10" in text
        assert "Score by function" not in text
        assert text.index("could not be graded") < text.index("the file is not valid JSON")


def test_hostile_text_is_inert_in_html() -> None:
    page, _ = render_both(hostile_result())
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page
    checker = parse_html(page)
    assert not any(tag == "script" for tag, _ in checker.tags)
    assert not any(tag == "a" and "evil" in (attrs.get("href") or "") for tag, attrs in checker.tags)


def test_hostile_text_stays_in_markdown_fences() -> None:
    _, markdown = render_both(hostile_result())
    inside, outside = split_fences(markdown)
    assert HOSTILE in inside  # the got value and the printed output, verbatim
    assert "```" in inside and "# escaped the fence?" in inside and "still inside?" in inside
    for line in outside:
        bare = without_code_spans(line)
        assert not re.search(r"(?<!\\)<script", bare), line  # outside code, `<` only ever appears escaped
        assert not re.search(r"(?<!\\)\]\(", bare), line  # no live link syntax
    assert "cell 3 printed \\<script\\>" in markdown
    assert "&lt;" not in markdown  # Markdown is never HTML-escaped
    assert "| **bold**" not in markdown


def test_html_is_self_contained_balanced_and_mobile_ready() -> None:
    for result in (perfect_result(), zero_init_result(), invalid_result(), hostile_result()):
        page, _ = render_both(result)
        checker = parse_html(page)
        metas = [attrs for tag, attrs in checker.tags if tag == "meta"]
        assert any(m.get("name") == "viewport" and "width=device-width" in (m.get("content") or "") for m in metas)
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
        assert "<link" not in page.lower() and "@import" not in page and "url(" not in page
        assert [tag for tag, _ in checker.tags].count("h1") == 1
        assert page.startswith("<!DOCTYPE html>")


def test_write_reports(tmp_path: Path) -> None:
    result = zero_init_result()
    lessons = lessons_for(result, ASSIGNMENT_LESSONS)
    html_path, md_path = write_reports(result, tmp_path / "out" / "bob", title=TITLE, lessons=lessons)
    assert (html_path.name, md_path.name) == ("report.html", "report.md")
    assert html_path.read_text(encoding="utf-8") == render_html(result, title=TITLE, lessons=lessons)
    assert md_path.read_text(encoding="utf-8") == render_markdown(result, title=TITLE, lessons=lessons)


def test_both_formats_from_one_context_are_the_formats_rendered_alone() -> None:
    for result in (perfect_result(), zero_init_result(), invalid_result(), hostile_result()):
        lessons = lessons_for(result, ASSIGNMENT_LESSONS)
        assert render_reports(result, title=TITLE, lessons=lessons) == (
            render_html(result, title=TITLE, lessons=lessons), render_markdown(result, title=TITLE, lessons=lessons))
