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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .models import (
    INVALID_SUBMISSION,
    LATE,
    SYNTAX_ERROR,
    CheckResult,
    Identity,
    Late,
    SubmissionResult,
)

__all__ = ["LatePolicy", "OPEN_FLAGS", "WITHHELD", "apply_late", "extension_for", "hides", "iso", "parse_time",
           "read_extensions", "read_timestamps", "withhold"]

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


def apply_late(result: SubmissionResult, submitted_at: datetime, policy: LatePolicy, *,
               extension: bool = False) -> SubmissionResult:
    """The result with the late penalty for ``submitted_at`` applied (recorded even when it is zero).
    ``extension`` says that ``policy.deadline`` is this student's extended deadline."""
    days = policy.days_late(submitted_at)
    penalty = policy.penalty(days)
    late = Late(submitted_at=iso(submitted_at), deadline=iso(policy.deadline), days_late=days, penalty=penalty,
                raw_score=result.score, extension=extension)
    flags = result.flags + ((LATE,) if days > 0 and LATE not in result.flags else ())
    return dataclasses.replace(result, score=round(result.score * (1 - penalty), 6), late=late, flags=flags)


def _withhold(check: CheckResult, when: str) -> CheckResult:
    return dataclasses.replace(check, message=WITHHELD.format(when=when), expected=None, got=None, location=None,
                               lesson=None, flags=())


def hides(hidden_until: datetime | None, now: datetime) -> bool:
    """Whether the checks' details (and the figures) are withheld at ``now``."""
    return hidden_until is not None and now < hidden_until


def withhold(result: SubmissionResult, hidden_until: datetime | None, now: datetime) -> SubmissionResult:
    """What students may see at ``now``: the full result, or one with the checks' details withheld."""
    if hidden_until is None or not hides(hidden_until, now):
        return result
    when = iso(hidden_until)
    return dataclasses.replace(
        result,
        checks=tuple(_withhold(check, when) for check in result.checks),
        flags=tuple(flag for flag in result.flags if flag in OPEN_FLAGS),
        figures=(),
        hidden_until=when,
    )


def read_extensions(path: Path) -> dict[str, str]:
    """A CSV of per-student deadlines: columns ``student`` and ``deadline`` (ISO 8601). ``student`` is a submission
    id, a platform user id (Canvas user id, Moodle participant id) or the name a platform's file names give.
    Raises ValueError naming the row that is wrong."""
    table = _read_times(path, "student", "deadline", skip_blank=True)  # a blank student: a spreadsheet's spare row
    return {student.casefold(): deadline for student, deadline in table.items()}


def read_timestamps(path: Path) -> dict[str, str]:
    """A CSV of submission times: columns ``submission`` and ``submitted_at`` (ISO 8601), the header required.
    Raises ValueError naming the row that is wrong."""
    return _read_times(path, "submission", "submitted_at")


def _read_times(path: Path, key: str, column: str, *, skip_blank: bool = False) -> dict[str, str]:
    """``key`` -> the ISO 8601 time in ``column``, for each row of a CSV with a header that names both (cells
    stripped; with ``skip_blank``, rows without a key left out). Raises ValueError naming the file, and the row
    that is wrong."""
    import csv

    out: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {key, column} <= {f.strip() for f in reader.fieldnames}:
            raise ValueError(f"{path}: needs the columns {key},{column}")
        for line, row in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            if skip_blank and not row[key]:
                continue
            try:
                out[row[key]] = iso(parse_time(row[column]))
            except ValueError:
                raise ValueError(f"{path}, line {line}: {row[column]!r} is not an ISO 8601 time such as "
                                 "2026-12-03T23:59:00+00:00") from None
    return out


def extension_for(extensions: Mapping[str, str], submission: str, identity: Identity | None) -> str | None:
    """The extended deadline of this submission's student, matched by submission id, user id or name."""
    keys = [submission]
    if identity is not None:
        keys += [identity.user_id, identity.name, identity.name.replace("_", " ")]
    for key in keys:
        if key and key.casefold() in extensions:
            return extensions[key.casefold()]
    return None
