"""Scoring as pure functions: outcomes and points in, numbers and flags out. No sandbox, no pytest session."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import ROOT

from grader.assignment import Assignment, Limits, load_assignment
from grader.models import (
    GRADER_ERROR,
    INVALID_SUBMISSION,
    LOAD_ERROR,
    QUIET_KINDS,
    STATUSES,
    SYNTAX_ERROR,
    WARNING,
    CheckOutcome,
    CheckResult,
    Figure,
    Location,
    Problem,
    SubmissionResult,
)
from grader.score import collect_flags, make_result, not_graded, score_checks, totals

POINTS = {"f::a": 1.5, "f::b": 0.5, "g::only": 2.0}


def assignment(points: dict[str, float] = POINTS) -> Assignment:
    """An assignment built by hand: the scorer needs only its name, version and points."""
    return Assignment(name="demo", version="3", title="Demo", public_dir=Path("/nowhere/assignments/demo"),
                      reference_dir=None, functions=("f", "g"), helpers=(), stub_modules=(), execute="definitions",
                      limits=Limits(), points=MappingProxyType(dict(points)), tolerances=MappingProxyType({}),
                      lessons=MappingProxyType({}), fingerprint="0" * 16)


def outcome(cid: str, status: str = "passed", **extra) -> CheckOutcome:
    return CheckOutcome(id=cid, function=cid.split("::")[0], status=status, **extra)  # type: ignore[arg-type]


def check(cid: str, score: float, most: float, *flags: str) -> CheckResult:
    return CheckResult(id=cid, function=cid.split("::")[0], score=score, max_score=most,
                       status="passed" if score == most else "failed", flags=flags)


# -- score_checks ------------------------------------------------------------------------------------------------


def test_a_passed_check_earns_its_points_and_the_others_none():
    results = score_checks([outcome("f::a"), outcome("f::b", "failed"), outcome("g::only", "error")], POINTS)
    assert [(r.id, r.status, r.score, r.max_score) for r in results] == [
        ("f::a", "passed", 1.5, 1.5), ("f::b", "failed", 0.0, 0.5), ("g::only", "error", 0.0, 2.0)]
    assert all(type(r.score) is float and type(r.max_score) is float for r in results)


def test_scoring_keeps_everything_the_check_said():
    where = Location(cell=3, line=2, code="W1 = np.zeros((n_h, n_x))")
    said = outcome("f::b", "failed", message="all zeros", flags=("zero-init", "mistake:zeros"), expected="random",
                   got="zeros", location=where, lesson="zero-init")
    (result,) = score_checks([said], POINTS)
    assert result == CheckResult(id="f::b", function="f", score=0.0, max_score=0.5, status="failed",
                                 message="all zeros", flags=("zero-init", "mistake:zeros"), expected="random",
                                 got="zeros", location=where, lesson="zero-init")


def test_integer_points_become_floats():
    (result,) = score_checks([outcome("f::a")], {"f::a": 2})
    assert result.score == 2.0 and type(result.score) is float and type(result.max_score) is float


def test_a_check_without_points_is_never_silently_worth_nothing():
    with pytest.raises(KeyError, match="f::unknown"):
        score_checks([outcome("f::unknown")], POINTS)


statuses = st.sampled_from(STATUSES)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(POINTS)), statuses, min_size=1))
def test_score_is_the_points_of_the_passed_checks(status_of):
    results = score_checks([outcome(cid, status) for cid, status in status_of.items()], POINTS)
    score, most = totals(results)
    assert score == pytest.approx(sum(POINTS[c] for c, s in status_of.items() if s == "passed"))
    assert most == pytest.approx(sum(POINTS[c] for c in status_of))
    assert 0.0 <= score <= most
    assert [r.id for r in results] == list(status_of)  # order kept


# -- totals ------------------------------------------------------------------------------------------------------


def test_totals_round_away_float_noise():
    checks = [check(f"f::{i}", 0.1, 0.1) for i in range(3)] + [check("g::x", 0.0, 0.2)]
    assert sum(c.score for c in checks) != 0.3  # what plain float addition gives
    assert totals(checks) == (0.3, 0.5)


def test_totals_of_nothing_and_of_a_generator():
    assert totals([]) == (0.0, 0.0)
    assert totals(check(f"f::{i}", 1.0, 1.0) for i in range(4)) == (4.0, 4.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), max_size=30))
def test_totals_of_quarter_points_are_exact(pairs):
    checks = [check(f"f::{i}", min(a, b) / 4, max(a, b) / 4) for i, (a, b) in enumerate(pairs)]
    assert totals(checks) == (sum(min(a, b) for a, b in pairs) / 4, sum(max(a, b) for a, b in pairs) / 4)


# -- collect_flags -----------------------------------------------------------------------------------------------


def test_flags_once_each_in_order_of_first_appearance_problems_first():
    checks = [check("f::a", 0, 1, "zero-init", "symmetric-init"), check("f::b", 0, 1, "zero-init", "timeout"),
              check("g::x", 1, 1)]
    problems = [Problem(kind=SYNTAX_ERROR, message="cell 3"), Problem(kind=SYNTAX_ERROR, message="cell 9")]
    assert collect_flags(checks, problems) == ("syntax-error", "zero-init", "symmetric-init", "timeout")


def test_quiet_problem_kinds_are_not_flags():
    problems = [Problem(kind=LOAD_ERROR, message="print(x) raised"), Problem(kind=WARNING, message="big file"),
                Problem(kind=INVALID_SUBMISSION, message="empty")]
    assert QUIET_KINDS == {LOAD_ERROR, WARNING}
    assert collect_flags([], problems) == (INVALID_SUBMISSION,)
    assert collect_flags([check("f::a", 0, 1, LOAD_ERROR)], []) == (LOAD_ERROR,)  # a check may still say it


flag_names = st.sampled_from(["zero-init", "timeout", "crash", SYNTAX_ERROR, LOAD_ERROR, WARNING, "mistake:x"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(flag_names, max_size=4), max_size=6), st.lists(flag_names, max_size=4))
def test_collected_flags_are_exactly_the_distinct_loud_ones(check_flags, problem_kinds):
    checks = [check(f"f::{i}", 0, 1, *flags) for i, flags in enumerate(check_flags)]
    problems = [Problem(kind=kind, message="m") for kind in problem_kinds]
    flags = collect_flags(checks, problems)
    assert len(flags) == len(set(flags))
    expected = {k for k in problem_kinds if k not in QUIET_KINDS} | {f for fs in check_flags for f in fs}
    assert set(flags) == expected


# -- not_graded ----------------------------------------------------------------------------------------------------


def test_not_graded_is_an_error_for_every_check_with_the_reason():
    outcomes = not_graded(assignment(), INVALID_SUBMISSION, "demo.py is empty")
    assert [(o.id, o.function, o.status, o.flags) for o in outcomes] == [
        ("f::a", "f", "error", (INVALID_SUBMISSION,)), ("f::b", "f", "error", (INVALID_SUBMISSION,)),
        ("g::only", "g", "error", (INVALID_SUBMISSION,))]
    assert {o.message for o in outcomes} == {"Not graded: demo.py is empty"}


def test_not_graded_covers_every_check_of_a_real_assignment():
    real = load_assignment(ROOT, "shallow-nn")
    outcomes = not_graded(real, GRADER_ERROR, "the grading worker died")
    assert {o.id for o in outcomes} == set(real.points) and len(outcomes) == len(real.points)
    assert {o.function for o in outcomes} <= set(real.functions)
    result = make_result(real, outcomes, submission="s", path="s.py", seed=0)
    assert result.score == 0.0 and result.max_score == real.max_score and result.flags == (GRADER_ERROR,)


# -- make_result ---------------------------------------------------------------------------------------------------


def test_make_result_builds_the_whole_result():
    problems = (Problem(kind=SYNTAX_ERROR, message="cell 4 does not parse", location=Location(cell=4, line=1)),
                Problem(kind=WARNING, message="the notebook was saved by an old Jupyter"))
    figure = Figure(kind="lines", title="cost", data={"x": [0, 1], "y": [1.0, 0.5]})
    result = make_result(
        assignment(), [outcome("f::a"), outcome("f::b", "failed", flags=("zero-init",)),
                       outcome("g::only", "error", flags=("missing-function",))],
        submission="alice", path="batch/alice.ipynb", seed=77, duration_s=1.25, problems=problems,
        sandbox=("process", "uid"), output="hello\n", figures=(figure,))
    assert result == SubmissionResult(
        assignment="demo", assignment_version="3", submission="alice", path="batch/alice.ipynb", score=1.5,
        max_score=4.0, duration_s=1.25, seed=77, flags=(SYNTAX_ERROR, "zero-init", "missing-function"),
        checks=result.checks, problems=problems, sandbox=("process", "uid"), output="hello\n", figures=(figure,))
    assert [c.score for c in result.checks] == [1.5, 0.0, 0.0]
    assert result.late is None and result.hidden_until is None
    assert SubmissionResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_make_result_defaults_and_is_frozen():
    result = make_result(assignment(), [], submission="nobody", path="", seed=1)
    assert (result.score, result.max_score, result.checks, result.flags) == (0.0, 0.0, (), ())
    assert (result.duration_s, result.problems, result.sandbox, result.output, result.figures) == (0.0, (), (), "", ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = 1.0  # type: ignore[misc]
