"""Scoring: a pure function from check outcomes and points to the result's numbers. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .checks import CheckOutcome
from .models import CheckResult, Problem

# Problem kinds that describe the submission but are not flags of the grade.
NOT_FLAGS = frozenset({"warning", "load-error"})


def score_checks(outcomes: Iterable[CheckOutcome], points: Mapping[str, float]) -> tuple[CheckResult, ...]:
    """Each passed check earns its points; a failed or errored one earns none."""
    results = []
    for outcome in outcomes:
        worth = float(points[outcome.id])
        results.append(CheckResult(
            id=outcome.id, function=outcome.function, status=outcome.status,
            score=worth if outcome.status == "passed" else 0.0, max_score=worth,
            message=outcome.message, flags=outcome.flags, expected=outcome.expected, got=outcome.got,
            location=outcome.location, lesson=outcome.lesson,
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
        if problem.kind not in NOT_FLAGS:
            seen.setdefault(problem.kind)
    for check in checks:
        for flag in check.flags:
            seen.setdefault(flag)
    return tuple(seen)
