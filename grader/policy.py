"""Course policies applied to a scored result: late penalties and withheld check details. Pure functions.

Late penalty: for each started day past the deadline (after a grace period), ``penalty_per_day`` of the earned
score is taken away; past ``max_days`` nothing is left.

Visibility: until ``hidden_until``, the checks' messages, expected and got values, locations, lessons, flags and
figures are withheld from every output; the score, each check's points and status stay visible. The gradebook
database keeps the full result, so nothing needs regrading at release time.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .models import (
    INVALID_SUBMISSION,
    LATE,
    SYNTAX_ERROR,
    CheckResult,
    Late,
    SubmissionResult,
)

__all__ = ["LatePolicy", "OPEN_FLAGS", "WITHHELD", "apply_late", "iso", "parse_time", "withhold"]

WITHHELD = "Details of this check are withheld until {when}."
# Whole-submission flags that say nothing about the hidden checks, so they stay visible.
OPEN_FLAGS = frozenset({INVALID_SUBMISSION, SYNTAX_ERROR, LATE})


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; a time without a zone is taken as UTC."""
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True, kw_only=True)
class LatePolicy:
    """The ``[late]`` table of assignment.toml."""

    deadline: datetime
    penalty_per_day: float
    max_days: int
    grace: timedelta = timedelta(0)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> LatePolicy:
        policy = cls(deadline=parse_time(data["deadline"]), penalty_per_day=float(data.get("penalty_per_day", 0.1)),
                     max_days=int(data.get("max_days", 10)),
                     grace=timedelta(minutes=float(data.get("grace_minutes", 0))))
        if not 0 <= policy.penalty_per_day <= 1 or policy.max_days < 0:
            raise ValueError("penalty_per_day must be within 0..1 and max_days at least 0")
        return policy

    def days_late(self, submitted_at: datetime) -> int:
        overdue = submitted_at - (self.deadline + self.grace)
        return max(0, math.ceil(overdue / timedelta(days=1)))

    def penalty(self, days: int) -> float:
        if days <= 0:
            return 0.0
        if days > self.max_days:
            return 1.0
        return min(1.0, round(days * self.penalty_per_day, 6))


def apply_late(result: SubmissionResult, submitted_at: datetime, policy: LatePolicy) -> SubmissionResult:
    """The result with the late penalty for ``submitted_at`` applied (recorded even when it is zero)."""
    days = policy.days_late(submitted_at)
    penalty = policy.penalty(days)
    late = Late(submitted_at=iso(submitted_at), deadline=iso(policy.deadline), days_late=days, penalty=penalty,
                raw_score=result.score)
    flags = result.flags + ((LATE,) if days > 0 and LATE not in result.flags else ())
    return dataclasses.replace(result, score=round(result.score * (1 - penalty), 6), late=late, flags=flags)


def _withhold(check: CheckResult, when: str) -> CheckResult:
    return dataclasses.replace(check, message=WITHHELD.format(when=when), expected=None, got=None, location=None,
                               lesson=None, flags=())


def withhold(result: SubmissionResult, hidden_until: datetime | None, now: datetime) -> SubmissionResult:
    """What students may see at ``now``: the full result, or one with the checks' details withheld."""
    if hidden_until is None or now >= hidden_until:
        return result
    when = iso(hidden_until)
    return dataclasses.replace(
        result,
        checks=tuple(_withhold(check, when) for check in result.checks),
        flags=tuple(flag for flag in result.flags if flag in OPEN_FLAGS),
        figures=(),
        hidden_until=when,
    )
