"""JUnit XML and Gradescope results.json from hand-built results, read back with a real XML parser and checked
against Gradescope's schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import ROOT

from grader.formats import FORMATS, gradescope_results, junit_xml
from grader.models import (
    INVALID_SUBMISSION,
    LOAD_ERROR,
    STATUSES,
    SYNTAX_ERROR,
    WARNING,
    CheckResult,
    Late,
    Location,
    Problem,
    SubmissionResult,
)

SCHEMA = json.loads((ROOT / "tests" / "files" / "gradescope_results.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)  # built once: checking is cheap, building is not

PASSED = CheckResult(id="layer_sizes::shape", function="layer_sizes", score=1.0, max_score=1.0, status="passed",
                     location=Location(cell=2, line=1, code="def layer_sizes(X, Y):"))
FAILED = CheckResult(id="init::not_zero", function="init", score=0.0, max_score=0.75, status="failed",
                     message="W1 is all zeros.", flags=("zero-init", "mistake:zeros"), expected="random values",
                     got="zeros((4, 2))", location=Location(cell=5, line=3, code="W1 = np.zeros((n_h, n_x))"),
                     lesson="zero-init")
ERROR = CheckResult(id="backward::values", function="backward", score=0.0, max_score=2.25, status="error",
                    message="backward raised ZeroDivisionError", flags=("crash",), location=Location(line=40))


def result(sid: str = "alice", checks=(PASSED, FAILED, ERROR), **extra) -> SubmissionResult:
    score = sum(c.score for c in checks)
    return SubmissionResult(assignment="shallow-nn", submission=sid, score=score,
                            max_score=sum(c.max_score for c in checks), duration_s=1.23456, seed=42, checks=checks,
                            flags=tuple(f for c in checks for f in c.flags), **extra)


def parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def test_the_formats_the_cli_offers():
    assert FORMATS == ("junit", "gradescope")


# -- JUnit ---------------------------------------------------------------------------------------------------------


def test_junit_one_suite_per_submission_one_case_per_check():
    root = parse(junit_xml([result("alice"), result("bob", checks=(PASSED,))]))
    assert root.tag == "testsuites" and root.get("name") == "grader"
    alice, bob = root.findall("testsuite")
    assert (alice.get("name"), alice.get("tests"), alice.get("failures"), alice.get("errors"), alice.get("time")) == (
        "alice", "3", "1", "1", "1.235")
    assert (bob.get("tests"), bob.get("failures"), bob.get("errors")) == ("1", "0", "0")
    properties = {p.get("name"): p.get("value") for p in alice.find("properties")}
    assert properties == {"score": "1", "max_score": "4", "assignment": "shallow-nn", "seed": "42"}
    cases = alice.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("alice.layer_sizes", "layer_sizes::shape"), ("alice.init", "init::not_zero"),
        ("alice.backward", "backward::values")]
    assert list(cases[0]) == []  # a passed check is an empty test case


def test_junit_failure_and_error_carry_message_values_and_place():
    suite = parse(junit_xml([result()])).find("testsuite")
    failure = suite.find("testcase[@name='init::not_zero']/failure")
    assert failure.get("message") == "W1 is all zeros." and failure.get("type") == "zero-init,mistake:zeros"
    assert failure.text == ("W1 is all zeros.\n\nExpected:\nrandom values\n\nGot:\nzeros((4, 2))\n\n"
                            "Where to look: cell 5, line 3: W1 = np.zeros((n_h, n_x))\n\n"
                            "Flags: zero-init, mistake:zeros")
    error = suite.find("testcase[@name='backward::values']/error")
    assert error.get("type") == "crash"
    assert error.text == "backward raised ZeroDivisionError\n\nWhere to look: line 40\n\nFlags: crash"
    assert suite.find("testcase[@name='backward::values']/failure") is None


def test_junit_without_flags_names_the_kind_and_cuts_long_messages():
    long = CheckResult(id="f::x", function="f", score=0, max_score=1, status="failed", message="m" * 2000)
    bare = CheckResult(id="f::y", function="f", score=0, max_score=1, status="error", message="it hung")
    suite = parse(junit_xml([result(checks=(long, bare))])).find("testsuite")
    failure = suite.find("testcase[@name='f::x']/failure")
    assert failure.get("type") == "failure" and failure.get("message") == "m" * 500 and failure.text == "m" * 2000
    assert suite.find("testcase[@name='f::y']/error").get("type") == "error"


def test_junit_reports_unreadable_files_but_not_quiet_problems():
    problems = (Problem(kind=INVALID_SUBMISSION, message="empty.py is empty"),
                Problem(kind=SYNTAX_ERROR, message="cell 4 does not parse"),
                Problem(kind=LOAD_ERROR, message="print(x) raised NameError"),
                Problem(kind=WARNING, message="old notebook format"))
    suite = parse(junit_xml([result(problems=problems)])).find("testsuite")
    assert [e.text for e in suite.findall("system-err")] == ["empty.py is empty", "cell 4 does not parse"]


def test_junit_escapes_markup_in_what_students_control():
    hostile = '</failure></testcase><testcase name="forged"/><![CDATA[ & "quotes" \'apos\' ]]>'
    check = CheckResult(id="f::x", function="f", score=0, max_score=1, status="failed", message=hostile,
                        got=hostile, expected="<script>alert(1)</script>")
    suite = parse(junit_xml([result(checks=(check,))])).find("testsuite")
    assert [c.get("name") for c in suite.iter("testcase")] == ["f::x"]
    failure = suite.find("testcase/failure")
    assert failure.get("message") == hostile and hostile in failure.text and "<script>" in failure.text


def test_junit_of_no_results_is_an_empty_document():
    root = parse(junit_xml([]))
    assert root.tag == "testsuites" and list(root) == []


def test_junit_stays_well_formed_with_control_characters_in_student_text():
    # A student's exception message, or the repr its object returns, reaches the check's message and "got".
    check = CheckResult(id="f::x", function="f", score=0, max_score=1, status="error",
                        message="ValueError: \x1b[31mred\x1b[0m \x00", got="<Foo object: \x07\x08 \ud800>")
    suite = parse(junit_xml([result(checks=(check,))])).find("testsuite")
    error = suite.find("testcase/error")
    assert error.get("message") == "ValueError: \\x1b[31mred\\x1b[0m \\x00"  # shown, not dropped
    assert "<Foo object: \\x07\\x08 \\ud800>" in error.text


# -- Gradescope ----------------------------------------------------------------------------------------------------


def gradescope(res: SubmissionResult) -> dict:
    text = gradescope_results(res)
    assert text.endswith("\n")
    data = json.loads(text)
    VALIDATOR.validate(data)
    return data


def test_gradescope_results_follow_the_schema_and_the_result():
    data = gradescope(result())
    assert (data["score"], data["execution_time"], data["output"]) == (1.0, 1.235, "Score: 1 / 4")
    assert (data["visibility"], data["stdout_visibility"], data["output_format"]) == ("visible", "hidden", "text")
    assert [(t["name"], t["number"], t["score"], t["max_score"], t["status"]) for t in data["tests"]] == [
        ("layer_sizes::shape", "1", 1.0, 1.0, "passed"), ("init::not_zero", "2", 0.0, 0.75, "failed"),
        ("backward::values", "3", 0.0, 2.25, "failed")]  # Gradescope knows no "error": it is a failure there
    passed, failed, errored = data["tests"]
    assert passed["output"] == "" and passed["tags"] == []  # a passed check does not point anywhere
    assert failed["tags"] == ["zero-init", "mistake:zeros"]
    assert failed["output"].startswith("W1 is all zeros.\n\nExpected:\nrandom values\n\nGot:\nzeros((4, 2))")
    assert "Where to look: cell 5, line 3" in failed["output"]
    assert errored["output"].startswith("backward raised ZeroDivisionError")


def test_gradescope_summary_tells_late_withheld_and_unreadable():
    late = Late(submitted_at="2026-12-03T10:00:00+00:00", deadline="2026-12-01T23:59:00+00:00", days_late=2,
                penalty=0.2, raw_score=1.25)
    problems = (Problem(kind=INVALID_SUBMISSION, message="x.ipynb is not a notebook"),
                Problem(kind=WARNING, message="quiet"))
    data = gradescope(result(late=late, hidden_until="2026-12-20T00:00:00+00:00", problems=problems))
    assert data["output"].splitlines() == [
        "Score: 1 / 4", "Late by 2 day(s): 20% of 1.25 points taken away.",
        "The checks' details are withheld until 2026-12-20T00:00:00+00:00.", "x.ipynb is not a notebook"]


def test_gradescope_on_time_result_does_not_mention_lateness():
    on_time = Late(submitted_at="2026-12-01T00:00:00+00:00", deadline="2026-12-01T23:59:00+00:00", days_late=0,
                   penalty=0.0, raw_score=1.0)
    assert "Late" not in gradescope(result(late=on_time))["output"]


def test_gradescope_refuses_non_finite_numbers():
    with pytest.raises(ValueError):
        gradescope_results(result(checks=(CheckResult(id="f::x", function="f", score=float("nan"), max_score=1.0,
                                                      status="failed"),)))


# -- any result ----------------------------------------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")), max_size=40)
names = st.text("abcxyz_", min_size=1, max_size=8)
checks = st.builds(
    CheckResult,
    id=st.tuples(names, names).map("::".join), function=st.just("f"),
    score=st.sampled_from([0.0, 0.5, 1.0]), max_score=st.just(1.0), status=st.sampled_from(STATUSES),
    message=texts, flags=st.lists(st.sampled_from(["zero-init", "crash", "mistake:x"]), max_size=3).map(tuple),
    expected=st.none() | texts, got=st.none() | texts,
    location=st.none() | st.builds(Location, cell=st.none() | st.integers(1, 99), line=st.integers(1, 999),
                                   code=texts),
)
results = st.builds(
    SubmissionResult, assignment=st.just("demo"), submission=st.text("abcXYZ019_.@+-", min_size=1, max_size=20),
    score=st.floats(0, 100), max_score=st.floats(0, 100), duration_s=st.floats(0, 1000), seed=st.integers(0, 2**31),
    checks=st.lists(checks, max_size=6).map(tuple),
    problems=st.lists(st.builds(Problem, kind=st.sampled_from([INVALID_SUBMISSION, SYNTAX_ERROR, WARNING]),
                                message=texts), max_size=2).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(results, max_size=3))
def test_any_results_make_junit_that_parses_and_counts_right(batch):
    root = parse(junit_xml(batch))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [r.submission for r in batch]
    for suite, res in zip(suites, batch):
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == [c.id for c in res.checks]
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure")) == sum(
            c.status == "failed" for c in res.checks)
        assert int(suite.get("errors")) == len(suite.findall("testcase/error")) == sum(
            c.status == "error" for c in res.checks)
        for case, check in zip(cases, res.checks):
            node = case.find("failure") if check.status == "failed" else case.find("error")
            if check.status != "passed":
                assert node.get("message") == check.message[:500]
                assert (node.text or "").startswith(check.message)  # messages survive the round trip unchanged


@settings(max_examples=60, deadline=None)
@given(results)
def test_any_result_makes_valid_gradescope_results(res):
    data = gradescope(res)
    assert data["score"] == res.score and len(data["tests"]) == len(res.checks)
    assert [t["number"] for t in data["tests"]] == [str(i) for i in range(1, len(res.checks) + 1)]
    assert all(t["status"] == ("passed" if c.passed else "failed") for t, c in zip(data["tests"], res.checks))
