"""The intermediate values of one call of a function, recorded under ``sys.settrace``.

``trace_call`` runs a function once under a tracer and records, for the function's own frame only, each local
variable the first time it is bound, with the line that bound it: plain numbers and copies of numeric arrays,
bounded in count and in size like every reply. The entries of a local dict are steps of their own
(``parameters["W1"] = ...``), unless they are also bound to a local name, and so is the value returned when no
local holds it (``returned``, ``returned["W1"]``). An array also keeps its last value when
the call writes into it in place (``gradapprox[i] = ...``), and the name of the earlier local it is only another
name for (``thetaplus = theta`` without a copy) when the call then writes into that shared array. It runs in the
student's process (``_worker``, only when a check failed, within the call's time limit) and in the grader's, for
the reference on the same inputs; it needs no system call that the sandbox's seccomp list does not already allow
(``sys.settrace`` is pure interpreter state). ``grader.locating`` compares the two records.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MAX_ELEMENTS", "MAX_STEPS", "RETURNED", "Step", "steps_from_wire", "trace_call"]

MAX_STEPS = 64  # intermediates recorded per call
MAX_ELEMENTS = 20_000  # an array larger than this is not recorded
_MAX_EVENTS = 200_000  # line events after which tracing stops (a long loop): what was recorded is kept
_MAX_ENTRIES = 16  # entries of a local dict recorded as steps of their own
RETURNED = "returned"  # the name of the step that holds the value returned, when no local holds it


@dataclass(frozen=True, slots=True)
class Step:
    """A local variable's first value in a call, and the line (of ``filename``) that bound it.

    ``final`` is the array's value when the call ended, if the call wrote into it in place (else None);
    ``alias`` names an earlier local bound to the very same array, when the call wrote into that shared array.
    An array of more than ``MAX_ELEMENTS`` entries is recorded as a sample, its first entries flattened, and
    ``shape`` is then its whole shape (else ``()``, and the value's own shape is its shape). ``wrote`` is the
    last line seen writing into the array in place (arrays recorded whole only).
    """

    name: str
    line: int
    filename: str
    value: Any
    final: Any = None
    alias: str = ""
    shape: tuple[int, ...] = ()
    wrote: int = 0  # the last line that wrote into the array in place (0: none seen)

    @property
    def dims(self) -> tuple[int, ...]:
        """The shape of what was bound (of the whole array when only a sample was recorded)."""
        return self.shape or tuple(np.shape(self.value))

    @property
    def last(self) -> Any:
        """The value the name held when the call ended (the first one unless written in place)."""
        return self.value if self.final is None else self.final

    def to_wire(self) -> list[Any]:
        """Plain data for a reply (``steps_from_wire`` reads it back)."""
        return [self.name, self.line, self.filename, self.value, self.final, self.alias, list(self.shape),
                self.wrote]


def _recordable(value: Any, max_elements: int) -> Any:
    """A copy of ``value`` when it is a number or a numeric array (its first ``max_elements`` entries, flattened,
    when it has more), else None (not recorded)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and type(value) is np.ndarray and value.dtype.kind in "fiub":
        if value.size > max_elements:
            return np.array(value.reshape(-1)[:max_elements], dtype=np.float64, copy=True)
        return np.array(value, dtype=np.float64, copy=True)
    return None


def _sampled(value: Any, max_elements: int) -> tuple[int, ...]:
    """The shape to keep beside a recorded array: its own when only a sample of it is recorded, else ()."""
    return tuple(value.shape) if isinstance(value, np.ndarray) and value.size > max_elements else ()


class _Recorder:
    def __init__(self, code: types.CodeType, max_steps: int, max_elements: int) -> None:
        self.code, self.max_steps, self.max_elements = code, max_steps, max_elements
        self.steps: list[Step] = []
        self.seen: dict[str, int] = {}  # name -> id of the value last seen bound to it
        self.arrays: dict[int, Any] = {}  # index in steps -> the array object it recorded (to see writes into it)
        self.shared: dict[int, str] = {}  # index in steps -> the earlier local bound to the same array
        self.contents: dict[int, Any] = {}  # index in steps -> the array's contents when last seen written into
        self.wrote: dict[int, int] = {}  # index in steps -> the last line seen writing into its array
        self.tracked: dict[str, int] = {}  # name -> index in steps, while the name still holds the recorded array
        self.events = 0
        self.line = 0

    def _scan(self, frame: types.FrameType) -> None:
        for index, array in self.arrays.items():  # arrays written into in place by the line just run
            if array.size > self.max_elements:
                continue
            if not np.array_equal(array, self.contents.get(index, self.steps[index].value), equal_nan=True):
                self.contents[index] = _recordable(array, self.max_elements)
                self.wrote[index] = self.line
        local = frame.f_locals
        arguments = self.code.co_varnames[:self.code.co_argcount + self.code.co_kwonlyargcount]
        for name, value in list(local.items()):
            if name.startswith("_"):
                continue
            self._see(name, value, local, name in arguments)
            if type(value) is dict and name not in arguments:  # parameters["W1"] = ...: each entry is a step
                bound = {id(v) for v in local.values()}
                for key, item in list(value.items())[:_MAX_ENTRIES]:
                    if isinstance(key, str) and len(key) <= 40 and id(item) not in bound:
                        self._see(f'{name}["{key}"]', item, None, False)

    def _see(self, name: str, value: Any, local: Mapping[str, Any] | None, argument: bool) -> None:
        """Record ``name``'s value if it is bound for the first time (a name bound anew keeps its first record)."""
        if self.seen.get(name) == id(value):
            return
        if name in self.tracked:  # bound anew (a loop's next copy): what was written into the first one is kept
            index = self.tracked.pop(name)
            self._keep_final(index, self.arrays.pop(index))
        first = name not in self.seen
        self.seen[name] = id(value)
        if not (first and self.line and len(self.steps) < self.max_steps and not argument):
            return
        copied = _recordable(value, self.max_elements)
        if copied is None:
            return
        if isinstance(value, np.ndarray):
            self.arrays[len(self.steps)] = value
            self.tracked[name] = len(self.steps)
            other = next((n for n, v in (local or {}).items() if v is value and n != name), None)
            if other is not None:
                self.shared[len(self.steps)] = other
        self.steps.append(Step(name, self.line, self.code.co_filename, copied,
                               shape=_sampled(value, self.max_elements)))

    def _keep_final(self, index: int, array: Any) -> None:
        """Keep the last value of a recorded array if the call wrote into it, and the name it shares it with."""
        step = self.steps[index]
        final = _recordable(array, self.max_elements)
        if np.array_equal(final, step.value, equal_nan=True):
            final = None
        # a shared array counts once the call wrote into it (seen between lines, or by its last value)
        alias = self.shared[index] if index in self.shared and (index in self.wrote or final is not None) else ""
        if final is not None or alias:
            self.steps[index] = Step(step.name, step.line, step.filename, step.value, final, alias, step.shape,
                                     self.wrote.get(index, 0) if final is not None else 0)

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
            self._returned(frame, arg)
            self._finish()
        return self.local

    def _returned(self, frame: types.FrameType, value: Any) -> None:
        """The value returned is a step too (``returned``, or ``returned["W1"]`` for the entries of a dict), unless
        a local already holds it: a function that computes its result in its return statement has no other."""
        bound = {id(v) for v in frame.f_locals.values()}
        if id(value) in bound:
            return
        self._see(RETURNED, value, None, False)
        if type(value) is dict:
            for key, item in list(value.items())[:_MAX_ENTRIES]:
                if isinstance(key, str) and len(key) <= 40 and id(item) not in bound:
                    self._see(f'{RETURNED}["{key}"]', item, None, False)

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


def _shape_from_wire(data: Any, value: Any) -> tuple[int, ...] | None:
    """A sampled array's whole shape as sent (``[]``: not sampled), or None when it cannot be that value's."""
    if data is None or data == []:
        return ()
    if not (isinstance(data, list) and 0 < len(data) <= 32 and all(type(n) is int and n >= 0 for n in data)):
        return None
    if not (isinstance(value, np.ndarray) and value.ndim == 1 and value.size < int(np.prod(data, dtype=object))):
        return None
    return tuple(data)


def steps_from_wire(data: Any, *, max_steps: int = MAX_STEPS, max_elements: int = MAX_ELEMENTS) -> list[Step]:
    """Steps sent by the student's process (``[[name, line, filename, value, final, alias, shape, wrote], ...]``;
    the last four may be left out), validated: anything that does not have that form, or is over the bounds, is left
    out."""
    steps: list[Step] = []
    for item in data if isinstance(data, list) else ():
        if len(steps) >= max_steps:
            break
        if not (isinstance(item, list) and len(item) in (4, 6, 7, 8) and isinstance(item[0], str)
                and type(item[1]) is int and isinstance(item[2], str) and len(item[0]) <= 100
                and len(item[2]) <= 500):
            continue
        final, alias = (item[4], item[5]) if len(item) >= 6 else (None, "")
        if not (isinstance(alias, str) and len(alias) <= 100):
            continue
        value = _recordable(item[3], max_elements)
        if value is None or (isinstance(item[3], np.ndarray) and item[3].size > max_elements):
            continue
        shape = _shape_from_wire(item[6] if len(item) >= 7 else None, value)
        wrote = item[7] if len(item) == 8 else 0
        if shape is not None and type(wrote) is int and wrote >= 0:
            kept = None if final is None else _recordable(final, max_elements)
            steps.append(Step(item[0], item[1], item[2], value, kept, alias, shape, wrote if kept is not None else 0))
    return steps
