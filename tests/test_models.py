"""Result models: frozen, and a JSON round trip that loses nothing."""

from __future__ import annotations

import dataclasses
import json

import pytest

from grader.models import CheckResult, Location, Problem, SubmissionResult


def sample() -> SubmissionResult:
    checks = (
        CheckResult(id="f::a", function="f", score=1.0, max_score=1.0, status="passed", duration_s=0.0125),
        CheckResult(id="f::b", function="f", score=0.0, max_score=0.5, status="failed", message="wrong",
                    flags=("zero-init",), expected="1", got="0", location=Location(cell=7, line=3, code="x = 0"),
                    lesson="zero-init", facts=(("W1_zero", False), ("W2_zero", True), ("scale", 0.01),
                                               ("kind", "zeros"), ("spread", None), ("units", 4))),
        CheckResult(id="g::a", function="g", score=0.0, max_score=2.0, status="error", flags=("timeout",)),
    )
    return SubmissionResult(assignment="a", submission="s", score=1.0, max_score=3.5, duration_s=0.25, seed=9,
                            flags=("zero-init", "timeout"), checks=checks,
                            problems=(Problem(kind="syntax-error", message="bad", location=Location(line=4)),),
                            sandbox=("process", "uid"), output="hi")


def test_json_round_trip():
    result = sample()
    text = json.dumps(result.to_dict())
    assert SubmissionResult.from_dict(json.loads(text)) == result


def test_results_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample().score = 10  # type: ignore[misc]


def test_function_scores_sum_per_function():
    assert sample().function_scores() == {"f": (1.0, 1.5), "g": (0.0, 2.0)}


def test_location_wording():
    assert Location(cell=7, line=3).describe() == "cell 7, line 3"
    assert Location(line=12).describe() == "line 12"


def test_unknown_status_and_schema_are_refused():
    data = sample().to_dict()
    data["checks"][0]["status"] = "won"
    with pytest.raises(ValueError, match="status"):
        SubmissionResult.from_dict(data)
    data = sample().to_dict()
    data["schema"] = 99
    with pytest.raises(ValueError, match="schema"):
        SubmissionResult.from_dict(data)


def test_the_documented_shape():
    data = sample().to_dict()
    for key in ("schema", "assignment", "submission", "score", "max_score", "duration_s", "seed", "flags", "checks"):
        assert key in data
    assert set(data["checks"][1]) >= {"id", "function", "score", "max_score", "status", "message", "flags"}


def test_check_durations_round_trip_and_are_not_part_of_the_verdict():
    data = sample().to_dict()
    assert data["checks"][0]["duration_s"] == 0.0125
    del data["checks"][1]["duration_s"]  # results.json written before checks were timed
    assert SubmissionResult.from_dict(data).checks[1].duration_s == 0.0
    untimed = sample().without_timings()
    assert untimed.duration_s == 0.0 and {c.duration_s for c in untimed.checks} == {0.0}
    assert untimed == dataclasses.replace(sample(), duration_s=0.0).without_timings()
