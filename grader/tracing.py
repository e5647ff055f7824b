"""Where a wrong answer first goes wrong: the intermediate values of one call, and a comparison with the reference's.

``trace_call`` runs a function once under ``sys.settrace`` and records, for the function's own frame only, each
local variable the first time it is bound, with the line that bound it: plain numbers and copies of numeric
arrays, bounded in count and in size like every reply. An array also keeps its last value when the call writes
into it in place (``gradapprox[i] = ...``), and the name of the earlier local it is only another name for
(``thetaplus = theta`` without a copy) when the call then writes into that shared array. It runs in the student's
process (``_worker``, only when a check failed, within the call's time limit) and in the grader's, for the
reference on the same inputs; it needs no system call that the sandbox's seccomp list does not already allow
(``sys.settrace`` is pure interpreter state).

``locate`` compares the two records in the grader's process, from validated plain data only: first by name (the
course fixes the names: Z1, A1, dZ2, cost, thetaplus, gradapprox...), then by value for a student who uses other
names. It names the first intermediate that differs, its line, and the ones before it that are right: "dZ1 on line
12 differs from the expected dZ1; dZ2, dW2 and db2 are right". A shared array written through one of its names
differs where the reference binds a copy; an array filled in place that ends wrong differs when nothing bound
earlier does. It knows nothing of any assignment.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Located", "MAX_ELEMENTS", "MAX_STEPS", "Step", "locate", "stable", "steps_from_wire", "trace_call"]

MAX_STEPS = 64  # intermediates recorded per call
MAX_ELEMENTS = 20_000  # an array larger than this is not recorded
_MAX_EVENTS = 200_000  # line events after which tracing stops (a long loop): what was recorded is kept


@dataclass(frozen=True, slots=True)
class Step:
    """A local variable's first value in a call, and the line (of ``filename``) that bound it.

    ``final`` is the array's value when the call ended, if the call wrote into it in place (else None);
    ``alias`` names an earlier local bound to the very same array, when the call wrote into that shared array.
    """

    name: str
    line: int
    filename: str
    value: Any
    final: Any = None
    alias: str = ""

    @property
    def last(self) -> Any:
        """The value the name held when the call ended (the first one unless written in place)."""
        return self.value if self.final is None else self.final

    def to_wire(self) -> list[Any]:
        """Plain data for a reply (``steps_from_wire`` reads it back)."""
        return [self.name, self.line, self.filename, self.value, self.final, self.alias]


def _recordable(value: Any, max_elements: int) -> Any:
    """A copy of ``value`` when it is a number or a numeric array small enough, else None (not recorded)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and type(value) is np.ndarray and value.dtype.kind in "fiub" \
            and value.size <= max_elements:
        return np.array(value, dtype=np.float64, copy=True)
    return None


class _Recorder:
    def __init__(self, code: types.CodeType, max_steps: int, max_elements: int) -> None:
        self.code, self.max_steps, self.max_elements = code, max_steps, max_elements
        self.steps: list[Step] = []
        self.seen: dict[str, int] = {}  # name -> id of the value last seen bound to it
        self.arrays: dict[int, Any] = {}  # index in steps -> the array object it recorded (to see writes into it)
        self.shared: dict[int, str] = {}  # index in steps -> the earlier local bound to the same array
        self.written: set[int] = set()  # indices whose shared array was seen written into
        self.tracked: dict[str, int] = {}  # name -> index in steps, while the name still holds the recorded array
        self.events = 0
        self.line = 0

    def _scan(self, frame: types.FrameType) -> None:
        for index in (self.shared.keys() & self.arrays.keys()) - self.written:  # a shared array written into
            if not np.array_equal(self.arrays[index], self.steps[index].value, equal_nan=True):
                self.written.add(index)
        local = frame.f_locals
        for name, value in list(local.items()):
            if self.seen.get(name) == id(value) or name.startswith("_"):
                continue
            if name in self.tracked:  # bound anew (a loop's next copy): what was written into the first one is kept
                index = self.tracked.pop(name)
                self._keep_final(index, self.arrays.pop(index))
            first = name not in self.seen
            self.seen[name] = id(value)
            if first and self.line and len(self.steps) < self.max_steps \
                    and name not in self.code.co_varnames[:self.code.co_argcount + self.code.co_kwonlyargcount]:
                copied = _recordable(value, self.max_elements)
                if copied is None:
                    continue
                if isinstance(value, np.ndarray):
                    self.arrays[len(self.steps)] = value
                    self.tracked[name] = len(self.steps)
                    other = next((n for n, v in local.items() if v is value and n != name), None)
                    if other is not None:
                        self.shared[len(self.steps)] = other
                self.steps.append(Step(name, self.line, self.code.co_filename, copied))

    def _keep_final(self, index: int, array: Any) -> None:
        """Keep the last value of a recorded array if the call wrote into it, and the name it shares it with."""
        step = self.steps[index]
        final = None
        if not np.array_equal(array, step.value, equal_nan=True):
            final = _recordable(array, self.max_elements)
        alias = self.shared[index] if index in self.written or (index in self.shared and final is not None) else ""
        if final is not None or alias:
            self.steps[index] = Step(step.name, step.line, step.filename, step.value, final, alias)

    def _finish(self) -> None:
        for index, array in self.arrays.items():
            self._keep_final(index, array)
        self.arrays.clear()

    def local(self, frame: types.FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        self.events += 1
        if self.events > _MAX_EVENTS:
            return None
        if event in ("line", "return"):
            self._scan(frame)
            self.line = frame.f_lineno
        if event == "return":
            self._finish()
        return self.local

    def global_(self, frame: types.FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if event == "call" and frame.f_code is self.code:
            self.seen.update((name, id(value)) for name, value in frame.f_locals.items())
            self.line = 0
            return self.local
        return None


def trace_call(fn: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any], *,
               max_steps: int = MAX_STEPS, max_elements: int = MAX_ELEMENTS) -> tuple[Any, list[Step]]:
    """``fn(*args, **kwargs)`` under a tracer: (what it returned, or the exception it raised; its intermediates in
    the order they were first bound). Only ``fn``'s own frame is traced (its first call, not recursive ones)."""
    code = getattr(fn, "__code__", None)
    if not isinstance(code, types.CodeType):
        raise TypeError("only a Python function can be traced")
    recorder = _Recorder(code, max_steps, max_elements)
    previous = sys.gettrace()
    sys.settrace(recorder.global_)
    try:
        result: Any = fn(*args, **kwargs)
    except BaseException as exc:  # the student's error is part of the record; the caller decides
        result = exc
    finally:
        sys.settrace(previous)
    return result, recorder.steps


def steps_from_wire(data: Any, *, max_steps: int = MAX_STEPS, max_elements: int = MAX_ELEMENTS) -> list[Step]:
    """Steps sent by the student's process (``[[name, line, filename, value, final, alias], ...]``; the last two
    may be left out), validated: anything that does not have that form, or is over the bounds, is left out."""
    steps: list[Step] = []
    for item in data if isinstance(data, list) else ():
        if len(steps) >= max_steps:
            break
        if not (isinstance(item, list) and len(item) in (4, 6) and isinstance(item[0], str) and type(item[1]) is int
                and isinstance(item[2], str) and len(item[0]) <= 100 and len(item[2]) <= 500):
            continue
        final, alias = (item[4], item[5]) if len(item) == 6 else (None, "")
        if not (isinstance(alias, str) and len(alias) <= 100):
            continue
        value = _recordable(item[3], max_elements)
        if value is not None:
            kept = None if final is None else _recordable(final, max_elements)
            steps.append(Step(item[0], item[1], item[2], value, kept, alias))
    return steps


# ---------------------------------------------------------------------------------------------------------------
# The comparison


@dataclass(frozen=True, slots=True)
class Located:
    """The first intermediate of the student's that differs from the reference's, and those before it that agree."""

    name: str  # the student's name for it
    expected: str  # the reference's name for what it should be
    line: int
    filename: str
    right: tuple[str, ...]
    how: str = "value"  # "value"; "shared" (another name for ``alias``, written into); "final" (filled in wrong)
    alias: str = ""

    def sentence(self, where: str | None = None) -> str:
        """E.g. "dZ1 on line 12 differs from the expected dZ1; dZ2, dW2 and db2 are right"."""
        at = where or f"line {self.line}"
        if self.how == "shared":
            text = (f"{self.name} on {at} is another name for the array {self.alias}, not a copy of it, so writing "
                    f"into {self.name} also changes {self.alias} (the reference works on a copy)")
        elif self.how == "final":
            text = (f"{self.name}, bound on {at} and then filled in place, ends with values that differ from the "
                    f"expected {self.expected}")
        else:
            text = f"{self.name} on {at} differs from the expected {self.expected}"
        if self.right:
            names = list(self.right)
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            text += f"; {listed} {'is' if len(names) == 1 else 'are'} right"
        return text


def _same(a: Any, b: Any, rtol: float, atol: float) -> bool:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.allclose(x, y, rtol=rtol, atol=atol))


def _telling(value: Any) -> bool:
    """Whether a value is distinctive enough to be matched by value alone (not a size, a count or a constant)."""
    array = np.asarray(value, dtype=np.float64)
    return array.size > 1 and bool(np.any(array != array.flat[0]))


def stable(first: Sequence[Step], second: Sequence[Step]) -> list[Step]:
    """The reference's intermediates that two runs under different seeds agree on: a random draw (initial weights)
    has no value a student's must equal, so it is left out of the comparison."""
    other = {step.name: step for step in second}
    return [step for step in first if step.name in other and _same(step.value, other[step.name].value, 0.0, 0.0)
            and _same(step.last, other[step.name].last, 0.0, 0.0)]


def locate(student: Sequence[Step], reference: Sequence[Step], *, rtol: float = 1e-5,
           atol: float = 1e-8) -> Located | None:
    """The student's first intermediate that differs from the reference's, or None when none can be told.

    A student's name that the reference also binds is compared with the reference's value of that name. Another
    name is matched by value: it is right when it equals some intermediate of the reference (a distinctive one,
    not a count); when it equals none, it is the first that differs if it has the shape of a reference
    intermediate not yet accounted for (the expected one is that intermediate), unless the student uses the
    course's names (two or more), who is then judged by name alone. Names that neither match nor differ (a loop
    counter, a temporary with no counterpart) are passed over.

    A name that the reference binds to an array of its own but the student to another name's array, written into
    through either, differs where it was bound. A name whose first value is right but whose array ends wrong
    (filled in place) is not right; it is named only when nothing else differs, since the line that wrote the
    wrong value is not known.
    """
    by_name = {step.name: step for step in reversed(reference)}
    # a student who uses the course's names is judged by name alone: a temporary of theirs that the reference does
    # not bind (Z1 read from the cache, say) is not a mistake for lack of a twin
    by_value = sum(1 for step in student if step.name in by_name and _telling(step.value)) < 2
    right: list[str] = []
    accounted: set[str] = set()
    ends_wrong: Located | None = None
    shares = any(step.alias for step in reference)
    for step in student:
        if step.alias and not shares:  # the reference writes into no shared array
            return Located(step.name, step.name, step.line, step.filename, tuple(right), "shared", step.alias)
        if step.name in by_name:
            accounted.add(step.name)
            twin = by_name[step.name]
            if not _same(step.value, twin.value, rtol, atol):
                return Located(step.name, step.name, step.line, step.filename, tuple(right))
            if _same(step.last, twin.last, rtol, atol):
                right.append(step.name)
            elif ends_wrong is None:
                ends_wrong = Located(step.name, step.name, step.line, step.filename, tuple(right), "final")
            continue
        if not _telling(step.value):
            continue
        match = next((r for r in reference if _telling(r.value) and _same(step.value, r.value, rtol, atol)), None)
        if match is not None:
            accounted.add(match.name)
            if _same(step.last, match.last, rtol, atol):
                right.append(step.name if match.name == step.name else f"{step.name} (the expected {match.name})")
            elif ends_wrong is None:
                ends_wrong = Located(step.name, match.name, step.line, step.filename, tuple(right), "final")
            continue
        if not by_value:
            continue
        shape = np.shape(step.value)
        expected = next((r for r in reference if r.name not in accounted and np.shape(r.value) == shape
                         and _telling(r.value)), None)
        if expected is not None:
            return Located(step.name, expected.name, step.line, step.filename, tuple(right))
    return ends_wrong
