"""What the class summary says about a batch beyond its results: files a later one superseded, students of the
roster with no submission, archive members that are not submissions, and whose score changed since the batch was
last graded (``gradebook.score_changes``). Plain data with a JSON round trip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["BatchNotes", "CheckChange", "ScoreChange"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckChange:
    """One check whose outcome or points differ between two gradings of a submission."""

    id: str
    before: str  # e.g. "passed 1/1"; "" when the check did not exist
    after: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "before": self.before, "after": self.after}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckChange:
        return cls(id=str(data["id"]), before=str(data["before"]), after=str(data["after"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreChange:
    """A submission graded again with a different score."""

    submission: str
    before: float
    after: float
    max_before: float
    max_after: float
    checks: tuple[CheckChange, ...] = ()

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 6)

    def to_dict(self) -> dict[str, Any]:
        return {"submission": self.submission, "before": self.before, "after": self.after,
                "max_before": self.max_before, "max_after": self.max_after,
                "checks": [c.to_dict() for c in self.checks]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoreChange:
        return cls(submission=str(data["submission"]), before=float(data["before"]), after=float(data["after"]),
                   max_before=float(data["max_before"]), max_after=float(data["max_after"]),
                   checks=tuple(CheckChange.from_dict(c) for c in data.get("checks", ())))


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchNotes:
    """Everything about a batch the summary lists besides its results."""

    platform: str = "plain"
    superseded: tuple[tuple[str, str, str], ...] = ()  # (submission id, superseded file, the file graded instead)
    missing: tuple[str, ...] = ()  # roster students with no submission
    others: tuple[tuple[str, str], ...] = ()  # (archive member, why it is not graded)
    changes: tuple[ScoreChange, ...] = ()  # scores that differ from the previous grading

    def __bool__(self) -> bool:
        return bool(self.superseded or self.missing or self.others or self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "superseded": [list(s) for s in self.superseded],
                "missing": list(self.missing), "others": [list(o) for o in self.others],
                "changes": [c.to_dict() for c in self.changes]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchNotes:
        return cls(platform=str(data.get("platform", "plain")),
                   superseded=tuple((str(a), str(b), str(c)) for a, b, c in data.get("superseded", ())),
                   missing=tuple(str(m) for m in data.get("missing", ())),
                   others=tuple((str(a), str(b)) for a, b in data.get("others", ())),
                   changes=tuple(ScoreChange.from_dict(c) for c in data.get("changes", ())))
