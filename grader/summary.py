"""The class summary: what an instructor reads after grading a batch of hundreds to tens of thousands of results.

``summarise`` folds the results into a ``ClassSummary`` in one pass (O(n) time; memory grows with the number of
distinct scores, checks, flags and mistakes, never with a list of every submission): the counts, score statistics
and histogram, the pass rate of every check, the mean score per function, the most frequent flags and mistakes, the
slowest submissions and those that failed to load. Only bounded top-N lists name submissions, so the summary stays
small for 50,000 results. Its page is ``grader.summary_page``.

Who counts where: score statistics, the histogram and flag percentages cover every submission (one that failed to
load scores 0, as in the gradebook); check pass rates, function means and mistakes cover only the graded ones (those
not flagged ``invalid-submission``), whose checks really ran.
"""

from __future__ import annotations

import dataclasses
import heapq
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .models import INVALID_SUBMISSION, SYNTAX_ERROR, WARNING, CheckResult, SubmissionResult

__all__ = [
    "CheckRate",
    "ClassSummary",
    "FlagCount",
    "FunctionMean",
    "HISTOGRAM_BINS",
    "HistogramBin",
    "LIST_LIMIT",
    "LoadFailure",
    "MESSAGE_LIMIT",
    "Mistake",
    "SlowSubmission",
    "TOP_FLAGS",
    "TOP_MISTAKES",
    "TOP_SLOWEST",
    "mistake_key",
    "summarise",
]

HISTOGRAM_BINS = 10
TOP_MISTAKES = 15
TOP_SLOWEST = 10
TOP_FLAGS = 20
LIST_LIMIT = 50  # at most this many failed-to-load and syntax-error submissions are listed by name
MESSAGE_LIMIT = 200

_NUMBER = re.compile(r"(?<!\w)[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
_STATUS_SLOT: Mapping[str, int] = MappingProxyType({"passed": 0, "failed": 1, "error": 2})


# ---------------------------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True, slots=True, kw_only=True)
class HistogramBin:
    """Submissions with ``lower <= score < upper`` (the last bin also holds ``score == upper``)."""

    lower: float
    upper: float
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRate:
    """How the graded submissions fared on one check."""

    id: str
    function: str
    passed: int
    failed: int
    errored: int

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errored


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionMean:
    """The mean score of one function over the graded submissions that have checks for it."""

    function: str
    mean: float
    max_score: float
    submissions: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagCount:
    flag: str
    count: int  # submissions carrying the flag


@dataclass(frozen=True, slots=True, kw_only=True)
class Mistake:
    """Failed or errored checks grouped by check and by the first sentence of the message, numbers as ``#``."""

    check: str
    function: str
    message: str  # normalised: first sentence, numbers replaced by "#"
    count: int
    example: str  # the smallest submission id in the group
    example_message: str  # that submission's first sentence, numbers kept


@dataclass(frozen=True, slots=True, kw_only=True)
class SlowSubmission:
    submission: str
    duration_s: float
    score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadFailure:
    """A submission that did not load (or lost code to a syntax error), with the first message saying why."""

    submission: str
    kind: str
    message: str


_ITEM_TYPES: Mapping[str, type] = MappingProxyType({
    "histogram": HistogramBin, "checks": CheckRate, "functions": FunctionMean, "flags": FlagCount,
    "mistakes": Mistake, "slowest": SlowSubmission, "load_failures": LoadFailure, "syntax_failures": LoadFailure,
})


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassSummary:
    """Everything the class summary shows. Scores are over all submissions; checks and mistakes over graded ones."""

    submissions: int
    graded: int  # not flagged invalid-submission
    failed_to_load: int  # flagged invalid-submission
    syntax_errors: int  # graded, with at least one syntax-error problem
    mean: float | None  # None when there are no submissions
    median: float | None
    lowest: float | None
    highest: float | None
    max_score: float  # the largest max_score among the results
    histogram: tuple[HistogramBin, ...] = ()  # empty when there is nothing to bin
    checks: tuple[CheckRate, ...] = ()  # in the order of ``functions``, then of the checks as graded
    functions: tuple[FunctionMean, ...] = ()
    flags: tuple[FlagCount, ...] = ()  # the TOP_FLAGS most frequent
    flag_kinds: int = 0  # how many distinct flags there were
    mistakes: tuple[Mistake, ...] = ()  # the TOP_MISTAKES most frequent
    mistake_groups: int = 0  # how many distinct mistakes there were
    slowest: tuple[SlowSubmission, ...] = ()
    load_failures: tuple[LoadFailure, ...] = ()  # the first LIST_LIMIT, in input order
    syntax_failures: tuple[LoadFailure, ...] = ()  # likewise

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: scalars, and lists of dicts for the tuples."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            out[field.name] = [dataclasses.asdict(item) for item in value] if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClassSummary:
        """The inverse of ``to_dict``."""
        values: dict[str, Any] = {
            field.name: (
                tuple(_ITEM_TYPES[field.name](**item) for item in data.get(field.name, ()))
                if field.name in _ITEM_TYPES else data[field.name]
            )
            for field in dataclasses.fields(cls)
            if field.name in data or field.name in _ITEM_TYPES
        }
        return cls(**values)


# ---------------------------------------------------------------------------------------------------------------
# Summarising


def _first_sentence(message: str) -> str:
    """The first sentence (or line) of ``message``, whitespace folded, without its full stop, at most 200 chars."""
    match = _SENTENCE_END.search(message)
    text = " ".join((message[: match.start()] if match else message).split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def mistake_key(message: str) -> str:
    """How messages group: the first sentence with every number replaced by ``#``."""
    return _first_sentence(_NUMBER.sub("#", message.strip())) or "(no message)"


def _failure(result: SubmissionResult, kind: str) -> LoadFailure:
    """Why: the first problem of ``kind``, else the first problem that is not a warning, else a check's message."""
    messages = [p.message for p in result.problems if p.kind == kind]
    messages += [p.message for p in result.problems if p.kind != WARNING] + [c.message for c in result.checks]
    message = next((m for m in messages if m.strip()), "")
    return LoadFailure(submission=result.submission, kind=kind, message=message.strip()[:2000])


def _median(counts: Counter[float], n: int) -> float | None:
    """The median from a count of each distinct value: O(k log k) for k distinct scores."""
    if n == 0:
        return None
    wanted = sorted({(n - 1) // 2, n // 2})
    found: list[float] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return sum(found) / len(found)


def _histogram(counts: Counter[float], max_score: float, bins: int) -> tuple[HistogramBin, ...]:
    if max_score <= 0 or not counts or bins < 1:
        return ()
    tally = [0] * bins
    for score, count in counts.items():
        tally[min(bins - 1, max(0, int(score * bins / max_score + 1e-9)))] += count
    return tuple(
        HistogramBin(lower=max_score * i / bins, upper=max_score * (i + 1) / bins, count=tally[i]) for i in range(bins)
    )


@dataclass(slots=True)
class _Tally:
    """The running counts of one ``summarise`` call: memory grows with distinct scores, checks, flags and
    mistakes, never with the number of submissions."""

    scores: Counter[float] = dataclasses.field(default_factory=Counter)
    flags: Counter[str] = dataclasses.field(default_factory=Counter)
    checks: dict[str, list[Any]] = dataclasses.field(default_factory=dict)  # id -> [function, passed, failed, errored]
    functions: dict[str, list[float]] = dataclasses.field(default_factory=dict)  # name -> [sum, submissions, max]
    # (check, key) -> [count, example, example message, function]
    mistakes: dict[tuple[str, str], list[Any]] = dataclasses.field(default_factory=dict)
    slowest: list[tuple[float, int, str, float]] = dataclasses.field(default_factory=list)  # heap: (s, -pos, id, score)
    load_failures: list[LoadFailure] = dataclasses.field(default_factory=list)
    syntax_failures: list[LoadFailure] = dataclasses.field(default_factory=list)
    total: int = 0
    graded: int = 0
    failed_to_load: int = 0
    syntax_errors: int = 0
    score_sum: float = 0.0
    max_score: float = 0.0

    def add(self, position: int, result: SubmissionResult) -> None:
        """Count one result: its score and flags always; its checks only when it loaded."""
        self.total += 1
        self.scores[result.score] += 1
        self.score_sum += result.score
        self.max_score = max(self.max_score, result.max_score)
        self.flags.update(set(result.flags))
        entry = (result.duration_s, -position, result.submission, result.score)
        (heapq.heappush if len(self.slowest) < TOP_SLOWEST else heapq.heappushpop)(self.slowest, entry)
        if INVALID_SUBMISSION in result.flags:
            self.failed_to_load += 1
            if len(self.load_failures) < LIST_LIMIT:
                self.load_failures.append(_failure(result, INVALID_SUBMISSION))
            return
        self.graded += 1
        if any(p.kind == SYNTAX_ERROR for p in result.problems):
            self.syntax_errors += 1
            if len(self.syntax_failures) < LIST_LIMIT:
                self.syntax_failures.append(_failure(result, SYNTAX_ERROR))
        for name, (got, most) in result.function_scores().items():
            totals = self.functions.setdefault(name, [0.0, 0, 0.0])
            totals[0] += got
            totals[1] += 1
            totals[2] = max(totals[2], most)
        for check in result.checks:
            self._add_check(result.submission, check)

    def _add_check(self, submission: str, check: CheckResult) -> None:
        tally = self.checks.get(check.id)
        if tally is None:
            tally = self.checks[check.id] = [check.function, 0, 0, 0]
        tally[1 + _STATUS_SLOT[check.status]] += 1
        if check.status == "passed":
            return
        key = (check.id, mistake_key(check.message))
        group = self.mistakes.get(key)
        if group is None:
            self.mistakes[key] = [1, submission, _first_sentence(check.message), check.function]
            return
        group[0] += 1
        if submission < group[1]:
            group[1], group[2] = submission, _first_sentence(check.message)


def summarise(
    results: Iterable[SubmissionResult], *, functions: Sequence[str], bins: int = HISTOGRAM_BINS
) -> ClassSummary:
    """Fold ``results`` (consumed once; any iterable) into a ``ClassSummary``. Pure: no I/O.

    ``functions`` is the assignment's order of graded functions, used to order the check table; functions not in
    it follow in the order they were first seen.
    """
    t = _Tally()
    for position, result in enumerate(results):
        t.add(position, result)
    first_seen = {name: i for i, name in enumerate(dict.fromkeys(c[0] for c in t.checks.values()))}
    rank = {name: i for i, name in enumerate(functions)}
    order = sorted(t.checks, key=lambda cid: rank.get(t.checks[cid][0], len(rank) + first_seen[t.checks[cid][0]]))
    check_rank = {cid: i for i, cid in enumerate(order)}  # sorted() is stable: checks keep their graded order
    top_mistakes = heapq.nsmallest(
        TOP_MISTAKES, t.mistakes.items(), key=lambda kv: (-kv[1][0], check_rank[kv[0][0]], kv[0][1])
    )
    function_order = sorted(t.functions, key=lambda name: rank.get(name, len(rank) + first_seen[name]))
    return ClassSummary(
        submissions=t.total, graded=t.graded, failed_to_load=t.failed_to_load, syntax_errors=t.syntax_errors,
        mean=t.score_sum / t.total if t.total else None,
        median=_median(t.scores, t.total),
        lowest=min(t.scores) if t.scores else None,
        highest=max(t.scores) if t.scores else None,
        max_score=t.max_score,
        histogram=_histogram(t.scores, t.max_score, bins),
        checks=tuple(CheckRate(id=cid, function=name, passed=passed, failed=failed, errored=errored)
                     for cid in order for name, passed, failed, errored in [t.checks[cid]]),
        functions=tuple(FunctionMean(function=name, mean=got / count, max_score=most, submissions=int(count))
                        for name in function_order for got, count, most in [t.functions[name]]),
        flags=tuple(FlagCount(flag=flag, count=count)
                    for flag, count in heapq.nsmallest(TOP_FLAGS, t.flags.items(), key=lambda kv: (-kv[1], kv[0]))),
        flag_kinds=len(t.flags),
        mistakes=tuple(Mistake(check=cid, function=group[3], message=key, count=group[0], example=group[1],
                               example_message=group[2])
                       for (cid, key), group in top_mistakes),
        mistake_groups=len(t.mistakes),
        slowest=tuple(SlowSubmission(submission=sid, duration_s=duration, score=score)
                      for duration, _, sid, score in sorted(t.slowest, key=lambda e: (-e[0], -e[1]))),
        load_failures=tuple(t.load_failures),
        syntax_failures=tuple(t.syntax_failures),
    )
