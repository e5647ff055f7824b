"""Tests for the class summary: real SubmissionResult objects (built from results.json-shaped dicts) summarised and
rendered for real, asserted on the numbers and on what an instructor would read."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser
from typing import Any

import pytest

from grader.models import CheckResult, Problem, SubmissionResult
from grader.summary import (
    LIST_LIMIT,
    TOP_MISTAKES,
    ClassSummary,
    mistake_key,
    summarise,
)
from grader.summary_page import render_summary_html, write_summary

TITLE = "Planar data classification with one hidden layer"
FUNCTIONS = ("layer_sizes", "initialize_parameters", "backward_propagation")
# (check id, points), in the order the checks run; 10 points in all
CHECKS = (
    ("layer_sizes::values", 1.0),
    ("initialize_parameters::shapes", 1.0),
    ("initialize_parameters::not_zero", 2.0),
    ("backward_propagation::values", 3.0),
    ("backward_propagation::gradient_check", 3.0),
)
SANDBOX = ["process", "rlimits", "uid", "no_new_privs", "landlock", "seccomp", "namespaces", "pdeathsig"]
ZERO = "W1 and W2 are all zeros. With zero weights every hidden unit computes the same function."
HOSTILE = "<script>alert('x')</script>"


def differ(k: int, rest: str = " Check dZ1.") -> str:
    """A real-looking backprop message; only the numbers change between students."""
    return f"dW1 has wrong values: {k} of 11 entries differ at index (0, {k}) (largest difference 0.{k}27).{rest}"


def check_dict(cid: str, points: float, failure: tuple[str, str, list[str]] | None) -> dict[str, Any]:
    status, message, flags = failure or ("passed", "", [])
    return {
        "id": cid, "function": cid.split("::")[0], "score": points if status == "passed" else 0.0,
        "max_score": points, "status": status, "message": message, "flags": flags, "expected": None, "got": None,
        "location": {"cell": None, "line": 9, "code": f"def {cid.split('::')[0]}(X, Y):"}, "lesson": None,
    }


def result(
    sid: str,
    failures: dict[str, tuple[str, str, list[str]]] | None = None,
    *,
    duration: float = 0.3,
    problems: list[dict[str, Any]] | None = None,
    checks: tuple[tuple[str, float], ...] = CHECKS,
) -> SubmissionResult:
    """A SubmissionResult from a dict shaped like a real results.json."""
    failures = failures or {}
    check_dicts = [check_dict(cid, points, failures.get(cid)) for cid, points in checks]
    problems = problems or []
    flags = [p["kind"] for p in problems if p["kind"] not in ("warning", "load-error")]
    flags += [f for c in check_dicts for f in c["flags"]]
    return SubmissionResult.from_dict({
        "schema": 1, "assignment": "shallow-nn", "assignment_version": "1", "submission": sid,
        "path": f"submissions/{sid}.py", "score": sum(c["score"] for c in check_dicts),
        "max_score": sum(c["max_score"] for c in check_dicts), "duration_s": duration, "seed": 309531074,
        "flags": list(dict.fromkeys(flags)), "sandbox": SANDBOX, "problems": problems, "checks": check_dicts,
        "output": "",
    })


def invalid(sid: str, why: str = "empty.py is empty") -> SubmissionResult:
    """What the pipeline writes for a file that could not be loaded: every check errored, not graded."""
    failures = {cid: ("error", f"Not graded: {why}", ["invalid-submission"]) for cid, _ in CHECKS}
    return result(sid, failures, duration=0.002,
                  problems=[{"kind": "invalid-submission", "message": why, "location": None}])


def syntax(sid: str) -> SubmissionResult:
    """A .py file whose layer_sizes has a syntax error: that function is missing, the rest loads."""
    message = "SyntaxError on line 1: expected ':'\n    def layer_sizes(X, Y)"
    failures = {"layer_sizes::values": ("error", f"layer_sizes is not defined in the submission, because of a "
                                        f"syntax error: {message}", ["missing-function", "syntax-error"])}
    where = {"cell": None, "line": 1, "code": "def layer_sizes(X, Y)"}
    return result(sid, failures, problems=[{"kind": "syntax-error", "message": message, "location": where}])


def zero_init(sid: str, **kw: Any) -> SubmissionResult:
    return result(sid, {"initialize_parameters::not_zero": ("failed", ZERO, ["zero-init"])}, **kw)


def wrong_backprop(sid: str, k: int, **kw: Any) -> SubmissionResult:
    return result(sid, {
        "backward_propagation::values": ("failed", differ(k), ["wrong-values"]),
        "backward_propagation::gradient_check": ("failed", f"Your gradients disagree: relative difference 0.{k}.",
                                                 ["gradient-mismatch"]),
    }, **kw)


@pytest.fixture
def cohort() -> list[SubmissionResult]:
    """Ten submissions: scores 10, 10, 10, 8, 8, 4, 4, 9, 0 (invalid), 9 (syntax error)."""
    return [
        result("alice", duration=0.25),
        result("bob", duration=1.5),
        result("chen", duration=0.75),
        zero_init("dana", duration=0.5),
        zero_init("eve", duration=0.4),
        wrong_backprop("finn", 3, duration=2.5),
        wrong_backprop("gus", 5, duration=0.1),
        result("hana", {"layer_sizes::values": ("failed", "layer_sizes returned (2, 4, 1); expected (5, 4, 2).",
                                                ["wrong-values"])}),
        invalid("ivan"),
        syntax("jo"),
    ]


class _Parsed(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(document)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse(document: str) -> _Parsed:
    parsed = _Parsed(document)
    assert not parsed.errors and not parsed.stack, (parsed.errors, parsed.stack)
    return parsed


def assert_self_contained(document: str) -> None:
    parsed = parse(document)
    assert not parsed.named("script") and not parsed.named("link") and not parsed.named("img")
    assert not [a for _, attrs in parsed.tags for a in attrs if a.lower().startswith("on") or a in ("src", "href")
                and not str(attrs[a]).startswith("#")]
    assert "url(" not in document and "@import" not in document
    assert re.findall(r"https?://[^\"'\s]+", document) == ["http://www.w3.org/2000/svg"] * len(parsed.named("svg"))
    assert parsed.named("meta")[1] == {"name": "viewport", "content": "width=device-width, initial-scale=1"}


# ---------------------------------------------------------------------------------------------------------------
# Numbers


def test_counts_and_score_statistics(cohort):
    summary = summarise(cohort, functions=FUNCTIONS)
    assert (summary.submissions, summary.graded, summary.failed_to_load, summary.syntax_errors) == (10, 9, 1, 1)
    assert summary.max_score == 10.0
    assert summary.mean == pytest.approx(72 / 10)
    assert summary.median == 8.5  # 0 4 4 8 8 | 9 9 10 10 10
    assert (summary.lowest, summary.highest) == (0.0, 10.0)
    assert summarise(cohort[:3] + cohort[5:7], functions=FUNCTIONS).median == 10.0  # odd count: the middle one


def test_histogram_bins_cover_zero_to_max_score():
    scores = [0.0, 0.5, 1.0, 2.25, 4.0, 7.4999, 7.5, 7.5, 10.0, 9.999]
    results = [result(f"s{i}", checks=(("f::c", 10.0),)) for i in range(len(scores))]
    results = [SubmissionResult.from_dict({**r.to_dict(), "score": s}) for r, s in zip(results, scores)]
    summary = summarise(results, functions=("f",))
    assert [(b.lower, b.upper) for b in summary.histogram] == [(float(i), float(i + 1)) for i in range(10)]
    # [0,1): 0, .5 | [1,2): 1 | [2,3): 2.25 | [4,5): 4 | [7,8): 7.4999, 7.5, 7.5 | [9,10]: 9.999, 10
    assert [b.count for b in summary.histogram] == [2, 1, 1, 0, 1, 0, 0, 3, 0, 2]
    fractional = summarise(results[:4], functions=("f",), bins=4)  # max 10 in bins of 2.5: 0, .5, 1 | 2.25
    assert [b.count for b in fractional.histogram] == [4, 0, 0, 0]
    assert fractional.histogram[-1].upper == 10.0


def test_pass_rates_follow_the_template_order_and_skip_unloaded_submissions(cohort):
    # The first result has the functions in another order, and one the assignment does not list; within a
    # function, checks keep the order they were graded in.
    shuffled = (CHECKS[3], CHECKS[0], ("extra::bonus", 1.0), CHECKS[4], CHECKS[1], CHECKS[2])
    late = result("zed", {"initialize_parameters::shapes": ("failed", "W1 has shape (2, 4).", [])}, checks=shuffled)
    summary = summarise([late, *cohort], functions=FUNCTIONS)
    assert [c.id for c in summary.checks] == [
        "layer_sizes::values", "initialize_parameters::shapes", "initialize_parameters::not_zero",
        "backward_propagation::values", "backward_propagation::gradient_check", "extra::bonus",
    ]
    rates = {c.id: (c.passed, c.failed, c.errored, c.total) for c in summary.checks}
    assert rates["layer_sizes::values"] == (8, 1, 1, 10)  # hana failed, jo errored; ivan (invalid) not counted
    assert rates["initialize_parameters::not_zero"] == (8, 2, 0, 10)
    assert rates["initialize_parameters::shapes"] == (9, 1, 0, 10)
    assert rates["extra::bonus"] == (1, 0, 0, 1)
    means = {f.function: (f.mean, f.max_score, f.submissions) for f in summary.functions}
    assert list(means) == [*FUNCTIONS, "extra"]
    assert means["initialize_parameters"] == (pytest.approx((10 * 3 - 2 * 2 - 1) / 10), 3.0, 10)
    assert means["backward_propagation"] == (pytest.approx(6 * 8 / 10), 6.0, 10)


def test_top_flags_count_submissions(cohort):
    twice = result("kim", {"initialize_parameters::not_zero": ("failed", ZERO, ["zero-init"]),
                           "initialize_parameters::shapes": ("failed", "bad shape", ["zero-init"])})
    summary = summarise([*cohort, twice], functions=FUNCTIONS)
    assert [(f.flag, f.count) for f in summary.flags] == [
        ("wrong-values", 3), ("zero-init", 3), ("gradient-mismatch", 2), ("invalid-submission", 1),
        ("missing-function", 1), ("syntax-error", 1),
    ]
    assert summary.flag_kinds == 6
    page = render_summary_html(summary, title=TITLE)
    assert re.search(r"<code>zero-<wbr>init</code></th><td class=\"num\">3</td><td class=\"num\">27.3%</td>", page)


def test_mistake_key_strips_numbers_and_keeps_the_first_sentence():
    assert mistake_key(differ(3)) == mistake_key(differ(5, rest=" Another hint."))
    expected = "dW1 has wrong values: # of # entries differ at index (#, #) (largest difference #)"
    assert mistake_key(differ(3)) == expected
    assert mistake_key("88% are beyond |z| > 2; tolerance rtol=1e-05, ±1e-06, -3.5") == (
        "#% are beyond |z| > #; tolerance rtol=#, ±#, #")
    assert mistake_key("SyntaxError on line 1: expected ':'\n    def f(X)") == "SyntaxError on line #: expected ':'"
    assert mistake_key("  ") == "(no message)"
    assert len(mistake_key("x" * 1000)) == 200


def test_mistakes_group_by_check_and_message_and_rank_by_count(cohort):
    more = [wrong_backprop("ada", 7), wrong_backprop("zoe", 9)]
    summary = summarise([*cohort, *more], functions=FUNCTIONS)
    top = [(m.check, m.message, m.count, m.example) for m in summary.mistakes]
    assert top[0] == ("backward_propagation::values", mistake_key(differ(3)), 4, "ada")
    assert top[1] == ("backward_propagation::gradient_check", "Your gradients disagree: relative difference #", 4,
                      "ada")
    assert top[2] == ("initialize_parameters::not_zero", "W1 and W2 are all zeros", 2, "dana")
    assert summary.mistakes[0].example_message == (
        "dW1 has wrong values: 7 of 11 entries differ at index (0, 7) (largest difference 0.727)")
    assert {m.check for m in summary.mistakes[3:]} == {"layer_sizes::values"}  # hana's and jo's, once each
    # The unloaded submission's "Not graded" errors are not mistakes.
    assert not [m for m in summary.mistakes if m.message.startswith("Not graded")]
    assert summary.mistake_groups == 5
    page = render_summary_html(summary, title=TITLE)
    # The page quotes each group's example as it was written (numbers and formulas intact), and names the example
    # submission the same way on every row.
    mistakes = page.split('id="mistakes-table"', 1)[1].split("</table>", 1)[0]
    assert ('<span class="prose">dW1 has wrong values: 7 of 11 entries differ at index (0, 7) (largest difference '
            '0.727)</span><br><span class="example">Example: <code>ada</code></span>') in mistakes
    assert '<span class="prose">W1 and W2 are all zeros</span><br><span class="example">Example: <code>dana</code>' \
        in mistakes
    assert not re.search(r"(?<!&)#", mistakes)  # no number replaced by "#" (entities such as &#39; aside)
    assert mistakes.count('<span class="example">Example: <code>') == len(summary.mistakes)


def test_only_the_top_mistakes_are_kept():
    results = [result(f"s{i:02d}", {"layer_sizes::values": ("failed", f"Mistake number {chr(65 + i)}, case {i}.", [])})
               for i in range(20)]
    results += [result("t", {"layer_sizes::values": ("failed", "Mistake number T, case 99.", [])})]
    summary = summarise(results, functions=FUNCTIONS)
    assert len(summary.mistakes) == TOP_MISTAKES and summary.mistake_groups == 20
    assert summary.mistakes[0].message == "Mistake number T, case #" and summary.mistakes[0].count == 2
    assert summary.mistakes[0].example == "s19"


def test_slowest_submissions_in_order(cohort):
    ties = [result("tie-b", duration=2.5), result("tie-a", duration=2.5)]
    summary = summarise([*cohort, *ties] + [result(f"quick{i}", duration=0.01) for i in range(20)],
                        functions=FUNCTIONS)
    assert [(s.submission, s.duration_s) for s in summary.slowest[:5]] == [
        ("finn", 2.5), ("tie-b", 2.5), ("tie-a", 2.5), ("bob", 1.5), ("chen", 0.75)]
    assert len(summary.slowest) == 10
    assert summary.slowest[-1].duration_s == 0.25 and summary.slowest[0].score == 4.0


def test_failed_to_load_and_syntax_errors_are_listed(cohort):
    summary = summarise(cohort, functions=FUNCTIONS)
    assert [(f.submission, f.kind, f.message) for f in summary.load_failures] == [
        ("ivan", "invalid-submission", "empty.py is empty")]
    assert [(f.submission, f.message) for f in summary.syntax_failures] == [
        ("jo", "SyntaxError on line 1: expected ':'\n    def layer_sizes(X, Y)")]
    page = render_summary_html(summary, title=TITLE)
    failed = page[page.index('id="failed"'):]
    assert "<code>ivan</code></th><td class=\"msg\">empty.py is empty</td>" in failed
    assert "<code>jo</code></th><td class=\"msg\">SyntaxError on line 1: expected &#39;:&#39;\n" in failed


def test_long_failure_lists_are_cut_and_say_so():
    results = [invalid(f"broken{i:05d}") for i in range(LIST_LIMIT + 30)]
    summary = summarise(results, functions=FUNCTIONS)
    assert summary.failed_to_load == LIST_LIMIT + 30 and len(summary.load_failures) == LIST_LIMIT
    assert summary.graded == 0 and summary.checks == () and summary.mistakes == ()
    page = render_summary_html(summary, title=TITLE)
    assert f"the first {LIST_LIMIT} are listed" in page
    assert "broken00049" in page and "broken00050" not in page
    assert "No checks ran" in page


# ---------------------------------------------------------------------------------------------------------------
# The page


def test_page_is_self_contained_with_a_labelled_svg_histogram(cohort):
    page = render_summary_html(summarise(cohort, functions=FUNCTIONS), title=TITLE)
    assert_self_contained(page)
    parsed = parse(page)
    (svg,) = parsed.named("svg")
    assert svg["role"] == "img" and svg["aria-labelledby"] == "chart-title chart-desc"
    assert svg["viewbox"] == "0 0 640 320"
    bars = [a for a in parsed.named("rect") if a.get("class") == "bar"]
    assert len(bars) == 10
    heights = [float(str(a["height"])) for a in bars]
    assert heights[0] > 0 and heights[1] == 0 and heights[9] == max(heights)  # one 0; 9, 9, 10, 10, 10
    text = "".join(parsed.text)
    assert "Score (out of 10)" in text and "Submissions" in text and "Histogram of scores" in text
    # the same data as a table
    assert re.search(r"<th scope=\"row\">9–10</th><td class=\"num\">5</td><td class=\"num\">50%</td>", page)
    headings = [tag for tag, _ in parsed.tags if tag in ("h1", "h2")]
    assert headings[0] == "h1" and headings.count("h1") == 1 and headings.count("h2") >= 6
    assert page.count('class="table-wrap"') >= 6


def test_student_text_is_escaped():
    evil = result(HOSTILE, {"layer_sizes::values": ("failed", f"Your value {HOSTILE} is wrong.", [HOSTILE])},
                  duration=9.0)
    summary = summarise([evil, invalid(f"x{HOSTILE}", why=f"{HOSTILE} is not a notebook"), syntax(f"y{HOSTILE}")],
                        functions=FUNCTIONS)
    page = render_summary_html(summary, title=f"Title {HOSTILE}")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert page.count("&lt;script&gt;") >= 6  # title, id, message, flag, unloaded id and message, syntax id
    assert_self_contained(page)


def test_empty_input_renders_a_sensible_page(tmp_path):
    summary = summarise([], functions=FUNCTIONS)
    assert (summary.submissions, summary.graded, summary.mean, summary.median, summary.max_score) == (0, 0, None,
                                                                                                      None, 0.0)
    assert summary.histogram == () == summary.checks == summary.slowest
    page = render_summary_html(summary, title=TITLE)
    assert_self_contained(page)
    assert "Class summary of 0 submissions" in page and "nothing to summarise" in page
    assert "<svg" not in page
    path = write_summary(summary, tmp_path, title=TITLE)
    assert path.name == "summary.html"
    assert json.loads((tmp_path / "summary.json").read_text())["submissions"] == 0


def test_zero_max_score_has_no_histogram():
    summary = summarise([result("a", checks=())], functions=FUNCTIONS)
    assert summary.submissions == 1 and summary.histogram == ()
    page = render_summary_html(summary, title=TITLE)
    assert "No score range to show" in page
    assert_self_contained(page)


def test_to_dict_round_trips_through_json(cohort, tmp_path):
    summary = summarise(iter(cohort), functions=FUNCTIONS)  # any iterable, consumed once
    data = summary.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert ClassSummary.from_dict(json.loads(json.dumps(data))) == summary
    assert data["checks"][0] == {"id": "layer_sizes::values", "function": "layer_sizes", "passed": 7, "failed": 1,
                                 "errored": 1}
    html_path = write_summary(summary, tmp_path / "out", title=TITLE)
    assert json.loads((tmp_path / "out" / "summary.json").read_text()) == data
    assert html_path.read_text(encoding="utf-8") == render_summary_html(summary, title=TITLE)


def test_twenty_thousand_results_summarise_and_render_quickly():
    n = 20_000
    points = dict(CHECKS)

    def synthetic(i: int) -> SubmissionResult:
        checks = []
        for j, (cid, worth) in enumerate(CHECKS):
            if (i + j) % 7 == 0:
                checks.append(CheckResult(id=cid, function=cid.split("::")[0], score=0.0, max_score=worth,
                                          status="failed", flags=("wrong-values",),
                                          message=f"{i % 13} of 11 entries differ (largest {i / 7:.3f}). Hint {i}."))
            else:
                checks.append(CheckResult(id=cid, function=cid.split("::")[0], score=worth, max_score=worth,
                                          status="passed"))
        flags = ("wrong-values",) if any(not c.passed for c in checks) else ()
        if i % 101 == 0:
            flags += ("invalid-submission",)
        problems = (Problem(kind="syntax-error", message=f"SyntaxError in cell {i}"),) if i % 97 == 0 else ()
        return SubmissionResult(assignment="shallow-nn", submission=f"student{i:05d}",
                                score=sum(c.score for c in checks), max_score=sum(points.values()),
                                duration_s=(i * 7919 % 10007) / 1000, seed=i, flags=flags, checks=tuple(checks),
                                problems=problems)

    results = [synthetic(i) for i in range(n)]
    start = time.perf_counter()
    summary = summarise(results, functions=FUNCTIONS)
    summarised = time.perf_counter()
    page = render_summary_html(summary, title=TITLE)
    elapsed = time.perf_counter() - start
    print(f"\n20,000 results: summarise {summarised - start:.3f} s, render {elapsed - (summarised - start):.3f} s, "
          f"total {elapsed:.3f} s, page {len(page) // 1024} KiB")
    assert summary.submissions == n and summary.failed_to_load == len(range(0, n, 101))
    assert sum(b.count for b in summary.histogram) == n
    assert summary.mistake_groups == len(CHECKS)  # numbers stripped: every message of a check groups together
    assert len(page) < 100_000 and page.count("student") < 150  # top-N lists only
    assert elapsed < 10.0
