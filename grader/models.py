"""Plain result data: frozen dataclasses with a JSON round trip.

Every stage after loading speaks in these types. They know nothing of HTML, JUnit or Gradescope; each output format
is an adapter over ``SubmissionResult.to_dict()``.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from . import bounds

__all__ = [
    "CheckOutcome",
    "CheckResult",
    "Figure",
    "GRADER_ERROR",
    "INVALID_SUBMISSION",
    "Identity",
    "LATE",
    "LOAD_ERROR",
    "Late",
    "Location",
    "Problem",
    "QUIET_KINDS",
    "SCHEMA_VERSION",
    "STATUSES",
    "SYNTAX_ERROR",
    "Status",
    "SubmissionResult",
    "WARNING",
]

SCHEMA_VERSION = 1

Status = Literal["passed", "failed", "error"]
STATUSES: tuple[str, ...] = ("passed", "failed", "error")

# Flags and problem kinds the engine sets itself. Checks add their own (``zero-init``, ``mistake:<id>``, ...).
INVALID_SUBMISSION = "invalid-submission"  # the file cannot be graded at all
SYNTAX_ERROR = "syntax-error"  # a cell or chunk does not parse; it costs only the functions it defines
GRADER_ERROR = "grader-error"  # a check or stage failed inside the grader: never the student's fault
LATE = "late"  # a late penalty applies
LOAD_ERROR = "load-error"  # a top-level statement raised while the definitions loaded
WARNING = "warning"  # something about the file worth knowing that changes nothing
# Problem kinds that describe the submission but are not flags of its grade.
QUIET_KINDS = frozenset({LOAD_ERROR, WARNING})


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where a line of student code came from: a notebook cell or a line of a .py file."""

    cell: int | None = None  # 1-based index among *all* cells of the notebook, as Jupyter shows them
    line: int  # 1-based line inside the cell, or inside the file for .py submissions
    code: str = ""  # the text of that line, for the report

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", bounds.text(self.code, bounds.CODE))

    def describe(self) -> str:
        """Human wording, e.g. ``cell 7, line 3``."""
        if self.cell is None:
            return f"line {self.line}"
        return f"cell {self.cell}, line {self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {"cell": self.cell, "line": self.line, "code": self.code}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Location:
        return cls(cell=data.get("cell"), line=int(data["line"]), code=str(data.get("code", "")))


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckOutcome:
    """What one check concluded, before scoring: a ``CheckResult`` without points."""

    id: str  # "<function>::<check name>"
    function: str
    status: Status
    message: str = ""
    flags: tuple[str, ...] = ()
    expected: str | None = None
    got: str | None = None
    location: Location | None = None
    lesson: str | None = None
    duration_s: float = 0.0  # how long the check ran, set up and torn down included
    facts: tuple[bounds.Fact, ...] = ()  # what the check measured, for the lessons' conditions (grader.lessons)

    def __post_init__(self) -> None:
        _bound_check(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """The outcome of one hidden check against one student function."""

    id: str  # "<function>::<check name>"
    function: str
    score: float
    max_score: float
    status: Status
    message: str = ""
    flags: tuple[str, ...] = ()
    expected: str | None = None  # what the reference produced, already rendered as short text
    got: str | None = None  # what the student's function produced
    location: Location | None = None  # where in the submission to look
    lesson: str | None = None  # key into the lessons table that explains the concept
    duration_s: float = 0.0  # how long the check ran (JUnit's time), set up and torn down included
    facts: tuple[bounds.Fact, ...] = ()  # what the check measured, for the lessons' conditions (grader.lessons)

    def __post_init__(self) -> None:
        _bound_check(self)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "function": self.function,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "message": self.message,
            "flags": list(self.flags),
            "expected": self.expected,
            "got": self.got,
            "location": self.location.to_dict() if self.location else None,
            "lesson": self.lesson,
            "duration_s": self.duration_s,
            "facts": dict(self.facts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        status = data["status"]
        if status not in STATUSES:
            raise ValueError(f"unknown check status {status!r}")
        loc = data.get("location")
        return cls(
            id=str(data["id"]),
            function=str(data["function"]),
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            status=status,
            message=str(data.get("message", "")),
            flags=tuple(data.get("flags", ())),
            expected=data.get("expected"),
            got=data.get("got"),
            location=Location.from_dict(loc) if loc else None,
            lesson=data.get("lesson"),
            duration_s=float(data.get("duration_s", 0.0)),
            facts=bounds.facts(facts) if isinstance(facts := data.get("facts"), dict) else (),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """Something wrong with the submission as a whole (a syntax error in a cell, an unreadable file, ...)."""

    kind: str  # a flag name: syntax-error, invalid-submission, timeout, resource-limit, ...
    message: str
    location: Location | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", bounds.text(self.kind, bounds.NAME))
        object.__setattr__(self, "message", bounds.text(self.message, bounds.TEXT))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "location": self.location.to_dict() if self.location else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        loc = data.get("location")
        return cls(
            kind=str(data["kind"]),
            message=str(data["message"]),
            location=Location.from_dict(loc) if loc else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """Data for one picture in the report, drawn by the templates: plain numbers, no drawing here.

    ``kind`` names the template macro (e.g. ``lines``, ``histogram``, ``boundary``, ``matrix``); ``data`` holds
    JSON values only (lists of numbers and strings), so the figure survives the JSON round trip unchanged.
    """

    kind: str
    title: str
    caption: str = ""
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    _size: int = field(default=0, init=False, repr=False, compare=False)  # measured once: results ask it often

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", bounds.text(self.kind, bounds.NAME))
        object.__setattr__(self, "title", bounds.text(self.title, bounds.NAME))
        data = json.dumps(dict(self.data))
        caption = self.caption
        if len(data) > bounds.FIGURE_JSON:
            data, caption = "{}", f"{caption} (Not drawn: its data is too large.)".strip()
        object.__setattr__(self, "caption", bounds.text(caption, bounds.TEXT))
        bounded = _printable_json(json.loads(data))
        object.__setattr__(self, "data", MappingProxyType(bounded))
        object.__setattr__(self, "_size", len(json.dumps(bounded)))

    @property
    def size(self) -> int:
        """Characters of its data as JSON."""
        return self._size

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "caption": self.caption, "data": dict(self.data)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        return cls(kind=str(data["kind"]), title=str(data["title"]), caption=str(data.get("caption", "")),
                   data=dict(data.get("data", {})))


@dataclass(frozen=True, slots=True, kw_only=True)
class Late:
    """A late penalty that was applied: when it came in, how late, and what it cost."""

    submitted_at: str  # ISO 8601, UTC
    deadline: str
    days_late: int
    penalty: float  # the fraction of the earned score taken away, 0..1
    raw_score: float  # the score before the penalty
    extension: bool = False  # ``deadline`` is this student's extended deadline, not the assignment's

    def to_dict(self) -> dict[str, Any]:
        return {"submitted_at": self.submitted_at, "deadline": self.deadline, "days_late": self.days_late,
                "penalty": self.penalty, "raw_score": self.raw_score, "extension": self.extension}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Late:
        return cls(submitted_at=str(data["submitted_at"]), deadline=str(data["deadline"]),
                   days_late=int(data["days_late"]), penalty=float(data["penalty"]),
                   raw_score=float(data["raw_score"]), extension=bool(data.get("extension", False)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """Who handed a submission in, as the learning platform's download names it (see docs/lms.md)."""

    platform: str  # "canvas" or "moodle"
    user_id: str  # Canvas: the user id (or anon_<id> under anonymous grading); Moodle: the participant id
    name: str = ""  # the student's name as the file name spells it
    late: bool = False  # the platform's own late marker (Canvas's LATE_); Moodle's download has none
    prefix: str = ""  # the platform's name for the student's files, reused to name the feedback file
    attachment: str = ""  # Canvas: the attachment id of the graded file (feedback files must name it)
    file: str = ""  # the file's name inside the archive

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "user_id": self.user_id, "name": self.name, "late": self.late,
                "prefix": self.prefix, "attachment": self.attachment, "file": self.file}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Identity:
        return cls(platform=str(data["platform"]), user_id=str(data["user_id"]), name=str(data.get("name", "")),
                   late=bool(data.get("late", False)), prefix=str(data.get("prefix", "")),
                   attachment=str(data.get("attachment", "")), file=str(data.get("file", "")))


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmissionResult:
    """Everything the grader concluded about one submission. Serialised as ``results.json``."""

    assignment: str
    submission: str  # the id: the file name without its extension
    score: float
    max_score: float
    duration_s: float
    seed: int
    flags: tuple[str, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    problems: tuple[Problem, ...] = ()
    path: str = ""
    assignment_version: str = ""
    sandbox: tuple[str, ...] = ()  # the isolation layers that were active
    output: str = ""  # the head of what the student's code printed while loading
    figures: tuple[Figure, ...] = ()  # pictures for the report, computed in the trusted process
    late: Late | None = None  # set when a late penalty applies (then ``score`` is after the penalty)
    hidden_until: str | None = None  # set when the checks' details are withheld until this time
    identity: Identity | None = None  # who handed it in, when it came from a learning platform's download
    schema: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "submission", bounds.text(self.submission, bounds.NAME))
        object.__setattr__(self, "path", bounds.text(self.path, bounds.TEXT))
        object.__setattr__(self, "flags", bounds.names(self.flags, bounds.RESULT_FLAGS))
        object.__setattr__(self, "problems", _fewer_problems(tuple(self.problems)))
        object.__setattr__(self, "output", bounds.text(self.output, bounds.OUTPUT))
        object.__setattr__(self, "figures", _fewer_figures(tuple(self.figures)))
        _share_text(self)

    def function_scores(self) -> dict[str, tuple[float, float]]:
        """Score and maximum for each graded function, in check order."""
        out: dict[str, tuple[float, float]] = {}
        for check in self.checks:
            got, most = out.get(check.function, (0.0, 0.0))
            out[check.function] = (got + check.score, most + check.max_score)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "assignment": self.assignment,
            "assignment_version": self.assignment_version,
            "submission": self.submission,
            "path": self.path,
            "score": self.score,
            "max_score": self.max_score,
            "duration_s": self.duration_s,
            "seed": self.seed,
            "flags": list(self.flags),
            "sandbox": list(self.sandbox),
            "problems": [p.to_dict() for p in self.problems],
            "checks": [c.to_dict() for c in self.checks],
            "output": self.output,
            "figures": [f.to_dict() for f in self.figures],
            "late": self.late.to_dict() if self.late else None,
            "hidden_until": self.hidden_until,
            "identity": self.identity.to_dict() if self.identity else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        schema = int(data.get("schema", SCHEMA_VERSION))
        if schema != SCHEMA_VERSION:
            raise ValueError(f"results schema {schema} is not supported (expected {SCHEMA_VERSION})")
        return cls(
            schema=schema,
            assignment=str(data["assignment"]),
            assignment_version=str(data.get("assignment_version", "")),
            submission=str(data["submission"]),
            path=str(data.get("path", "")),
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            duration_s=float(data["duration_s"]),
            seed=int(data["seed"]),
            flags=tuple(data.get("flags", ())),
            sandbox=tuple(data.get("sandbox", ())),
            problems=tuple(Problem.from_dict(p) for p in data.get("problems", ())),
            checks=tuple(CheckResult.from_dict(c) for c in data.get("checks", ())),
            output=str(data.get("output", "")),
            figures=tuple(Figure.from_dict(f) for f in data.get("figures", ())),
            late=Late.from_dict(data["late"]) if data.get("late") else None,
            hidden_until=data.get("hidden_until"),
            identity=Identity.from_dict(data["identity"]) if data.get("identity") else None,
        )

    def without_timings(self) -> SubmissionResult:
        """The same result with the durations zeroed (its own and its checks'), for comparing two gradings."""
        checks = tuple(dataclasses.replace(check, duration_s=0.0) for check in self.checks)
        return dataclasses.replace(self, duration_s=0.0, checks=checks)


# ---------------------------------------------------------------------------------------------------------------
# Bounds (see bounds.py): applied by the constructors above, so that no result can hold more


def _bound_check(check: CheckOutcome | CheckResult) -> None:
    object.__setattr__(check, "id", bounds.text(check.id, bounds.NAME))
    object.__setattr__(check, "function", bounds.text(check.function, bounds.NAME))
    object.__setattr__(check, "message", bounds.text(check.message, bounds.TEXT))
    object.__setattr__(check, "flags", bounds.names(check.flags, bounds.FLAGS))
    for name in ("expected", "got"):
        value = getattr(check, name)
        if value is not None:
            object.__setattr__(check, name, bounds.text(value, bounds.PREVIEW))
    if check.lesson is not None:
        object.__setattr__(check, "lesson", bounds.text(check.lesson, bounds.NAME))
    object.__setattr__(check, "facts", bounds.facts(check.facts))


def _printable_json(value: Any) -> Any:
    """JSON data with every string (keys too) printable."""
    if isinstance(value, str):
        return bounds.printable(value)
    if isinstance(value, list):
        return [_printable_json(item) for item in value]
    if isinstance(value, dict):
        return {bounds.printable(key): _printable_json(item) for key, item in value.items()}
    return value


def _fewer_problems(problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """At most ``bounds.PROBLEMS``: those that flag the grade first, the others counted in a last warning."""
    if len(problems) <= bounds.PROBLEMS:
        return problems
    order = sorted(range(len(problems)), key=lambda i: problems[i].kind in QUIET_KINDS)
    kept = set(order[: bounds.PROBLEMS - 1])
    left = Counter(p.kind for i, p in enumerate(problems) if i not in kept)
    listing = ", ".join(f"{count} {kind}" for kind, count in left.most_common())
    note = Problem(kind=WARNING, message=f"{sum(left.values())} more problems are not listed ({listing}).")
    return (*(p for i, p in enumerate(problems) if i in kept), note)


def _fewer_figures(figures: tuple[Figure, ...]) -> tuple[Figure, ...]:
    """At most ``bounds.FIGURES``, whose data together stays within ``bounds.FIGURES_JSON`` characters: once it
    would not, the later figures are shown as their title and caption only."""
    out: list[Figure] = []
    total = 0
    for figure in figures[: bounds.FIGURES]:
        size = figure.size
        if total + size > bounds.FIGURES_JSON:
            figure = dataclasses.replace(figure, data={}, caption=f"{figure.caption} (Not drawn: the report holds "
                                                                  "as much figure data as it may.)".strip())
            size = 2
        total += size
        out.append(figure)
    return tuple(out)


def _share_text(result: SubmissionResult) -> None:
    """Cut the longest texts of ``result`` to one length when together they exceed ``bounds.RESULT_TEXT``."""
    lengths = [len(result.output)]
    for check in result.checks:
        lengths += [len(check.message), len(check.expected or ""), len(check.got or ""),
                    len(check.location.code) if check.location else 0]
    for problem in result.problems:
        lengths += [len(problem.message), len(problem.location.code) if problem.location else 0]
    cap = bounds.share(lengths, bounds.RESULT_TEXT)
    if cap is None:
        return

    def cut(value: str | None) -> Any:
        return None if value is None else bounds.clip(value, cap)

    def place(location: Location | None) -> Location | None:
        return None if location is None else dataclasses.replace(location, code=cut(location.code))

    object.__setattr__(result, "output", cut(result.output))
    object.__setattr__(result, "checks", tuple(
        dataclasses.replace(c, message=cut(c.message), expected=cut(c.expected), got=cut(c.got),
                            location=place(c.location)) for c in result.checks))
    object.__setattr__(result, "problems", tuple(
        dataclasses.replace(p, message=cut(p.message), location=place(p.location)) for p in result.problems))
