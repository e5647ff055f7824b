"""Composite functions judged on their own code: the parts they call are answered by the reference.

An assignment declares, as data, which functions each composite may call (``[composites]`` in assignment.toml,
e.g. ``predict = ["forward_propagation"]``). While the sandbox runs a composite, each of those names in the
student's namespace is a proxy (see ``_worker``); calling it asks the grader::

    worker → grader   {"op": "ask", "fn": part, "args": [...], "kwargs": {...}}
    grader → worker   {"op": "answer", "ok": True, "value": ...}  or  {"op": "answer", "ok": False, "error": {...}}

and the grader answers in its own process with the reference's function of that name. The reference never enters
the student's process: only plain data crosses, decoded with the channel's validation and limits. A broken,
missing or crashing part of the student's therefore costs a composite nothing, and nothing of the composite is
judged but its own code.

``Exchange`` answers the asks of one call. Everything a student controls is bounded before the reference sees it:

- the number of asks per call (``Limits.asks_per_call``) and the call's deadline, which the grader's time spent
  answering counts against;
- the size of each ask (a channel frame) and of its arguments: arrays of at most two dimensions of at most
  ``Limits.ask_max_dim`` entries, integers within ``±ask_max_dim``, containers of at most that many items, so that
  no reference part can be made to allocate or compute without bound;
- what a call records for the checks (``Called.asks``): at most ``RECORD_MAX_BYTES``.

An ask is answered only for the parts of the composite being called: a proxy kept from an earlier call is refused.
The answers of one call are computed with numpy's and random's global generators seeded from the call's identity
at its first ask (the grader's own states are put back by ``close``), so a part that draws random numbers answers
the same on every run, whatever the student seeded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import wire
from .failures import BadReply
from .sandbox import DeadlinePassed

__all__ = [
    "Answerer",
    "Ask",
    "Called",
    "Exchange",
    "RECORD_MAX_BYTES",
    "ReferenceAnswers",
    "Reshape",
    "read_kept",
    "too_large",
]

RECORD_MAX_BYTES = 64 * 2**20

# A part is answered by calling ``answerer(name, args, kwargs)``; what it raises is sent back to the student.
Answerer = Callable[[str, tuple[Any, ...], dict[str, Any]], Any]
# An ask in whatever signature the composite used, turned into the one the answerer takes (TypeError if it cannot be).
Reshape = Callable[[str, tuple[Any, ...], dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]]]

# Exceptions the reference may raise on bad arguments that the student's process raises under the same name.
_BUILTIN_ERRORS = frozenset({"ArithmeticError", "AttributeError", "FloatingPointError", "IndexError", "KeyError",
                             "LookupError", "OverflowError", "TypeError", "ValueError", "ZeroDivisionError"})


@dataclass(frozen=True, slots=True)
class Ask:
    """One call a composite made to a part, and the grader's answer: ``value``, or ``error`` ("Type: message")."""

    function: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    value: Any = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Called:
    """A call into student code with what its composite asked, in order (empty unless recorded), and for an observed
    call the arrays it was given as it left them (``after``: args and kwargs, in the containers as they were
    passed, so that only changes made to the arrays themselves show; None if they could not be read back)."""

    value: Any
    asks: tuple[Ask, ...] = ()
    after: tuple[tuple[Any, ...], dict[str, Any]] | None = None
    # For a call that kept some functions' returns: function -> (how many calls returned, {call number: value}).
    kept: Mapping[str, tuple[int, Mapping[int, Any]]] = field(default_factory=dict)

    def of(self, function: str) -> tuple[Ask, ...]:
        """The asks of one part, in order."""
        return tuple(ask for ask in self.asks if ask.function == function)


def read_kept(data: Any, asked: Mapping[str, Sequence[int]]) -> dict[str, tuple[int, dict[int, Any]]]:
    """The ``kept`` of a reply as ``Called.kept``, only for what was asked: untrusted data, so anything of another
    shape is left out (a count that is not an integer: the function was not kept at all)."""
    found: dict[str, tuple[int, dict[int, Any]]] = {}
    if type(data) is not dict:
        return found
    for function, wanted in asked.items():
        entry = data.get(function)
        if type(entry) is not dict or type(entry.get("calls")) is not int or type(entry.get("values")) is not list:
            continue
        values = {pair[0]: pair[1] for pair in entry["values"]
                  if type(pair) is list and len(pair) == 2 and type(pair[0]) is int and pair[0] in wanted}
        found[function] = (entry["calls"], values)
    return found


class ReferenceAnswers:
    """Answers each ask with the function of the same name in ``module`` (the reference, in the grader's process)."""

    def __init__(self, module: Any) -> None:
        self.module = module

    def __call__(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        part = getattr(self.module, function, None)
        if not callable(part):
            raise NameError(f"the grader has no {function} to answer with")
        return part(*args, **kwargs)


def too_large(value: Any, max_dim: int, depth: int = 0) -> str | None:
    """Why ``value`` is too large for a reference part to be asked about, or None when it is within bounds."""
    if depth > wire.MAX_DEPTH:
        return "the arguments are nested too deeply"
    if isinstance(value, np.ndarray):
        if value.ndim > 2 or any(n > max_dim for n in value.shape):
            return (f"an array of shape {value.shape} (at most 2 dimensions of at most {max_dim} entries each are "
                    "answered)")
        return None
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return None if -max_dim <= int(value) <= max_dim else f"the integer {int(value)} (at most ±{max_dim})"
    if isinstance(value, (list, tuple, dict)):
        if len(value) > max_dim:
            return f"a {type(value).__name__} of {len(value)} items (at most {max_dim})"
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        for item in items:
            why = too_large(item, max_dim, depth + 1)
            if why is not None:
                return why
    return None


def _size(value: Any) -> int:
    """Roughly how many bytes ``value`` holds, for the record's budget."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 64
    if isinstance(value, (list, tuple)):
        return 16 + sum(_size(v) for v in value)
    if isinstance(value, dict):
        return 16 + sum(_size(k) + _size(v) for k, v in value.items())
    if isinstance(value, str):
        return 16 + len(value)
    return 16


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"op": "answer", "ok": False, "error": {"type": kind, "message": message[:1000]}}


class Exchange:
    """The asks of one call into a composite function: ``exchange(message, deadline)`` answers one, as a frame.

    ``parts`` are the functions this call may ask for; ``seed`` gives the seed of the call's answers. With
    ``record``, every ask and its answer are kept in ``asks``, in the form ``reshape`` gives them (the assignment's
    signature of the part). Call ``close`` when the call is over.
    """

    def __init__(self, function: str, parts: tuple[str, ...], answerer: Answerer, *, limit: int, max_dim: int,
                 seed: int, record: bool, reshape: Reshape | None = None) -> None:
        self.function = function
        self.parts = frozenset(parts)
        self.answerer = answerer
        self.limit = limit
        self.max_dim = max_dim
        self.seed = seed
        self.record = record
        self.reshape = reshape
        self.asks: list[Ask] = []
        self.count = 0
        self._recorded_bytes = 0
        self._saved: tuple[Any, Any] | None = None  # the grader's random states, while the answers' are in use

    def close(self) -> None:
        """Put the grader's random states back, if an answer replaced them."""
        if self._saved is not None:
            np.random.set_state(self._saved[0])
            random.setstate(self._saved[1])
            self._saved = None

    def __call__(self, message: dict[str, Any], deadline: float) -> bytes:
        """Answer one ask. Raises BadReply (too many asks, a malformed one, too much to record) or DeadlinePassed."""
        self.count += 1
        if self.count > self.limit:
            raise BadReply(f"{self.function} asked the grader for more than {self.limit} answers in one call",
                           function=self.function)
        name, args, kwargs = message.get("fn"), message.get("args"), message.get("kwargs")
        if (type(name) is not str or type(args) is not list or type(kwargs) is not dict
                or not all(type(k) is str for k in kwargs)):
            raise BadReply(f"{self.function}: the sandboxed process sent a malformed request", function=self.function)
        if time.monotonic() >= deadline:
            raise DeadlinePassed
        args, kwargs, refused = self._reshaped(name, tuple(args), kwargs)
        answer = refused or self._answer(name, tuple(args), kwargs)
        try:
            frame = wire.encode(answer)
        except wire.WireError as exc:  # the reference returns plain data; stay safe anyway
            answer = _error("RuntimeError", f"the grader could not send {name}'s answer: {exc}")
            frame = wire.encode(answer)
        if self.record and name in self.parts:
            self._recorded_bytes += _size(args) + _size(kwargs) + len(frame)
            if self._recorded_bytes > RECORD_MAX_BYTES:
                raise BadReply(f"{self.function} sent the grader more data than a check records "
                               f"({RECORD_MAX_BYTES // 2**20} MB)", function=self.function)
            error = None if answer["ok"] else f"{answer['error']['type']}: {answer['error']['message']}"
            self.asks.append(Ask(name, tuple(args), kwargs, answer.get("value"), error))
        return frame

    def _reshaped(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
                  ) -> tuple[tuple[Any, ...], dict[str, Any], dict[str, Any] | None]:
        """The ask in the form the answerer takes, or the error answer when it has no such form."""
        if self.reshape is None or name not in self.parts:
            return args, kwargs, None
        try:
            args, kwargs = self.reshape(name, args, kwargs)
        except TypeError as exc:
            return args, kwargs, _error("TypeError", str(exc))
        return args, kwargs, None

    def _answer(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if name not in self.parts:
            return _error("RuntimeError", f"the grader answers {name} only while a function that may call it runs")
        why = too_large((args, kwargs), self.max_dim)
        if why is not None:
            return _error("ValueError", f"{name} was called with {why}: the grader does not answer that")
        if self._saved is None:
            self._saved = (np.random.get_state(), random.getstate())
            np.random.seed(self.seed % 2**32)
            random.seed(self.seed)
        try:
            with np.errstate(all="ignore"):
                value = self.answerer(name, args, dict(kwargs))
            return {"op": "answer", "ok": True, "value": value}
        except Exception as exc:  # bad arguments: the student's process raises it where the part was called
            kind = type(exc).__name__
            return _error(kind if kind in _BUILTIN_ERRORS else "RuntimeError",
                          f"{name} (answered by the grader's reference) raised {kind}: {exc}")
