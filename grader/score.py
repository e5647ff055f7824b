"""Scoring: pure functions from check outcomes and points to the result's numbers. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .assignment import Assignment
from .models import (
    QUIET_KINDS,
    CheckOutcome,
    CheckResult,
    Figure,
    Problem,
    SubmissionResult,
)

__all__ = ["collect_flags", "make_result", "not_graded", "score_checks", "totals"]


def score_checks(outcomes: Iterable[CheckOutcome], points: Mapping[str, float]) -> tuple[CheckResult, ...]:
    """Each passed check earns its points; a failed or errored one earns none."""
    results = []
    for outcome in outcomes:
        worth = float(points[outcome.id])
        results.append(CheckResult(
            id=outcome.id, function=outcome.function, status=outcome.status,
            score=worth if outcome.status == "passed" else 0.0, max_score=worth,
            message=outcome.message, flags=outcome.flags, expected=outcome.expected, got=outcome.got,
            location=outcome.location, lesson=outcome.lesson, duration_s=outcome.duration_s, facts=outcome.facts,
        ))
    return tuple(results)


def totals(checks: Iterable[CheckResult]) -> tuple[float, float]:
    """(score, max_score), rounded to avoid float noise from fractional points."""
    checks = tuple(checks)
    return round(sum(c.score for c in checks), 6), round(sum(c.max_score for c in checks), 6)


def collect_flags(checks: Iterable[CheckResult], problems: Iterable[Problem]) -> tuple[str, ...]:
    """Every flag of the submission, once each, in order of first appearance."""
    seen: dict[str, None] = {}
    for problem in problems:
        if problem.kind not in QUIET_KINDS:
            seen.setdefault(problem.kind)
    for check in checks:
        for flag in check.flags:
            seen.setdefault(flag)
    return tuple(seen)


def not_graded(assignment: Assignment, kind: str, message: str) -> tuple[CheckOutcome, ...]:
    """An error outcome with flag ``kind`` for every check, when a submission cannot be graded at all."""
    return tuple(
        CheckOutcome(id=cid, function=cid.split("::", 1)[0], status="error", flags=(kind,),
                     message=f"Not graded: {message}")
        for cid in assignment.points
    )


def make_result(assignment: Assignment, outcomes: Iterable[CheckOutcome], *, submission: str, path: str,
                seed: int, duration_s: float = 0.0, problems: tuple[Problem, ...] = (),
                sandbox: tuple[str, ...] = (), output: str = "",
                figures: tuple[Figure, ...] = ()) -> SubmissionResult:
    """The one place a ``SubmissionResult`` is built from outcomes: scores, totals and flags."""
    checks = score_checks(outcomes, assignment.points)
    score, most = totals(checks)
    return SubmissionResult(
        assignment=assignment.name, assignment_version=assignment.version, submission=submission, path=path,
        score=score, max_score=most, duration_s=duration_s, seed=seed, flags=collect_flags(checks, problems),
        checks=checks, problems=problems, sandbox=sandbox, output=output, figures=figures,
    )
