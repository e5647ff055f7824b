"""Inside the sandbox: run a student's definitions, then answer calls over the plain-data channel.

This module runs in a child forked from the zygote, after ``isolation.apply``. Everything it sends is untrusted
from the grader's point of view: the grader validates each reply and computes every verdict itself. Nothing
here may import the reference, the checks or anything secret; the zygote never holds them.

Protocol on the socket (frames of ``grader.wire``), grader first:

    grader → worker   {"op": "load", "content": bytes}: marshalled by the grader (``grader.program``), {"units":
                       [{"filename", "source", "statements": [[line, [{"names", "code"} or {"names", "error"}]]]}],
                       "helpers": {module: code}, "stubs": [...], "main": name, "seed": int, "describe": [names],
                       "functions": [the graded functions]}
    worker → grader   {"op": "ready", "errors": [...], "absent": [graded functions left unbound], "uncallable":
                       [graded functions bound to something else], "signatures": {name: [[param, kind, default],
                       ...]}}
    grader → worker   {"op": "call", "fn": name, "args": [...], "kwargs": {...}, "seed": int, "parts": [...],
                       "observe": bool (optional), "keep": {function: [call numbers]} (optional)}
    worker → grader   {"op": "ask", "fn": part, "args": [...], "kwargs": {...}}      (zero or more, see below)
    grader → worker   {"op": "answer", "ok": True, "value": ...} or {"op": "answer", "ok": False, "error": {...}}
    worker → grader   {"op": "reply", "ok": True, "value": ..., "after": [args, kwargs] (observed calls: the arrays
                       passed, as the call left them, in the containers as they were passed), "kept": {function:
                       {"calls": n, "values": [[call number, value], ...]}} (when asked to keep)}
                      or {"op": "reply", "ok": False, "error": {...}}

Loading runs the statements the grader kept and compiled, one at a time; an import of several names runs as one
import per name, so that a name a module lacks costs only that name (each error says which ``names`` it left
unbound). The load is the one message this process unmarshals: it comes from the grader, and nothing this process
sends is ever unmarshalled. The ``signatures`` of the functions named in ``describe`` let the grader call each in
the form it has (``grader.signatures``); an observed call sends back the arrays it was given, as it left them; a
call that names functions to ``keep`` counts their calls during it and sends back copies of what the numbered
calls returned.

While a call runs, each name in its ``parts`` (the functions a composite may call, declared by the assignment) is
a proxy in the submission's namespace: calling it asks the grader, which answers with the reference's function
in its own process (``grader.parts``). The student's own version of the part never runs during that call, and the
names are put back afterwards.
"""

from __future__ import annotations

import copy
import linecache
import marshal
import os
import random
import socket
import sys
import threading
import types
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

from . import tracing, wire
from ._imports import Provider
from .signatures import describe_signature

__all__ = ["STUDENT_FILES", "describe_exception", "make_keepers", "serve"]

STUDENT_FILES = ("<cell ", "<submission>")


# ---------------------------------------------------------------------------------------------------------------
# Errors as plain data


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """Type, message and the student-code frames of an exception, as plain data."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith(STUDENT_FILES):
            frames.append([code.co_filename, tb.tb_lineno, code.co_name])
        tb = tb.tb_next
    try:
        message = str(exc)
    except BaseException:
        message = "?"
    kind = "exception"
    if isinstance(exc, MemoryError):
        kind = "memory"
    elif isinstance(exc, RecursionError):
        kind = "recursion"
    return {"type": type(exc).__name__[:100], "message": message[:2000], "frames": frames[-20:], "kind": kind}


# ---------------------------------------------------------------------------------------------------------------
# Loading and serving


def _deterministic_default_rng() -> None:
    """Make ``np.random.default_rng()`` without a seed draw its seed from numpy's global generator, which the
    grader seeds before every call: otherwise it would read OS entropy and grading would not be repeatable."""
    real = np.random.default_rng

    def default_rng(seed: Any = None) -> np.random.Generator:
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        return real(seed)

    default_rng.__doc__ = real.__doc__
    np.random.default_rng = default_rng


def _seed(seed: int) -> None:
    np.random.seed(seed % 2**32)
    random.seed(seed)


def _load(request: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    _deterministic_default_rng()
    _seed(int(request["seed"]))  # before the definitions: a module-level default_rng() draws its seed now
    sys.meta_path.insert(0, Provider(dict(request["helpers"]), list(request["stubs"])))
    namespace: dict[str, Any] = {"__name__": request["main"], "__builtins__": __builtins__}
    errors = []
    for unit in request["units"]:
        filename, source = unit["filename"], unit["source"]
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        if "error" in unit:  # it does not parse: the loader reported it, and only a Program built by hand sends it
            errors.append({"filename": filename, "line": 0, **unit["error"]})
            continue
        for line, pieces in unit["statements"]:
            _run(line, pieces, filename, namespace, errors)
    return namespace, errors


def _run(line: int, pieces: list[dict[str, Any]], filename: str, namespace: dict[str, Any],
         errors: list[dict[str, Any]]) -> None:
    """Run one top-level statement, compiled by the grader (``grader.program``) a piece per name it imports; a
    failure costs only the names it would bind, and is recorded once per kind."""
    last: dict[str, Any] | None = None
    for piece in pieces:
        names = list(piece["names"])
        if "error" in piece:  # it did not compile
            error = {"filename": filename, "line": line, "names": names, **piece["error"]}
        else:
            try:
                exec(marshal.loads(piece["code"]), namespace)
                continue
            except BaseException as exc:  # SystemExit and KeyboardInterrupt included: the student's doing
                error = {"filename": filename, "line": line, "names": names, **describe_exception(exc)}
        if last is not None and (last["type"], last["message"]) == (error["type"], error["message"]):
            last["names"] += names  # one missing module: one error for all the names it would have given
            continue
        errors.append(error)
        last = error


class _Channel:
    """The socket to the grader, shared by the serve loop and the proxies; a lock keeps each exchange whole."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.read = _read_exact(sock)
        self.lock = threading.Lock()

    def receive(self) -> Any:
        return wire.read_frame(self.read)

    def send(self, message: dict[str, Any]) -> None:
        try:
            frame = wire.encode(message)
        except BaseException as exc:  # e.g. nesting too deep: tell the grader what could not be sent
            frame = wire.encode({"op": "reply", "ok": False, "error": {
                "kind": "unencodable", **{k: v for k, v in describe_exception(exc).items() if k != "kind"}}})
        _flush()
        self.sock.sendall(frame)

    def ask(self, part: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Have the grader answer ``part(*args, **kwargs)``; raises what the grader's answer raised."""
        try:
            frame = wire.encode({"op": "ask", "fn": part, "args": list(args), "kwargs": dict(kwargs)})
        except BaseException as exc:
            raise TypeError(f"the arguments of {part} cannot be sent to the grader: {exc}") from None
        with self.lock:
            _flush()
            self.sock.sendall(frame)
            answer = self.receive()
        if type(answer) is not dict or answer.get("op") != "answer":
            raise RuntimeError(f"the grader did not answer {part}")
        if answer.get("ok") is True:
            return answer.get("value")
        error = answer.get("error")
        if not isinstance(error, dict):
            error = {}
        kind = _ERRORS.get(str(error.get("type")), RuntimeError)
        raise kind(str(error.get("message", f"{part} failed")))


def _proxy(part: str, channel: _Channel) -> Callable[..., Any]:
    def proxy(*args: Any, **kwargs: Any) -> Any:
        return channel.ask(part, args, kwargs)

    proxy.__name__ = proxy.__qualname__ = part
    proxy.__doc__ = f"{part}, answered by the grader (the reference's version) while a function that calls it runs."
    return proxy


class _Keeper:
    """A function of the submission's, counting its calls and keeping a copy of what the calls numbered in
    ``wanted`` (from 1) returned: the parameters a training loop had after its k-th update, from one run."""

    def __init__(self, fn: Callable[..., Any], wanted: frozenset[int]) -> None:
        self.fn, self.wanted, self.calls = fn, wanted, 0
        self.kept: list[list[Any]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        value = self.fn(*args, **kwargs)
        self.calls += 1
        if self.calls in self.wanted:
            try:  # a copy: the caller may go on to change the arrays in place
                self.kept.append([self.calls, _sendable(copy.deepcopy(value))])
            except BaseException:
                self.kept.append([self.calls, None])
        return value


def make_keepers(namespace: dict[str, Any], asked: Any) -> dict[str, _Keeper]:
    """``{"part": [call numbers]}`` from the request: keepers for the callables of the namespace it names."""
    if type(asked) is not dict:
        return {}
    found = {}
    for name, numbers in list(asked.items())[:_MAX_KEPT_PARTS]:
        fn = namespace.get(name)
        if type(name) is str and callable(fn) and type(numbers) is list:
            found[name] = _Keeper(fn, frozenset(n for n in numbers[:_MAX_KEPT_CALLS] if type(n) is int))
    return found


_MAX_KEPT_PARTS, _MAX_KEPT_CALLS = 8, 16
_ABSENT = object()
# What a part's answer may raise in the student's process, by name (the grader sends other errors as RuntimeError).
_ERRORS: dict[str, type[Exception]] = {kind.__name__: kind for kind in (
    ArithmeticError, AttributeError, FloatingPointError, IndexError, KeyError, LookupError, OverflowError,
    RuntimeError, TypeError, ValueError, ZeroDivisionError)}


def _call(namespace: dict[str, Any], request: dict[str, Any], channel: _Channel) -> dict[str, Any]:
    name = request["fn"]
    fn = namespace.get(name)
    if fn is None:
        return {"op": "reply", "ok": False, "error": {"kind": "missing", "type": "NameError",
                                                      "message": f"name {name!r} is not defined", "frames": []}}
    if not callable(fn):
        return {"op": "reply", "ok": False, "error": {"kind": "not-callable", "type": type(fn).__name__[:100],
                                                      "message": f"{name} is not a function", "frames": []}}
    parts = [str(p) for p in request.get("parts", ())]
    saved = {part: namespace.get(part, _ABSENT) for part in parts}
    namespace.update({part: _proxy(part, channel) for part in parts})
    keepers = make_keepers(namespace, request.get("keep"))
    saved = {**{part: namespace[part] for part in keepers}, **saved}
    namespace.update(keepers)
    _seed(int(request["seed"]))
    args, kwargs = request["args"], request["kwargs"]
    passed = _frame([args, kwargs]) if request.get("observe") is True else None
    steps: list[tracing.Step] | None = None
    try:
        if request.get("trace") is True and isinstance(fn, types.FunctionType):
            value, steps = tracing.trace_call(fn, args, kwargs)
            if isinstance(value, BaseException):
                raise value
        else:
            value = fn(*args, **kwargs)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: they are the student's doing
        return {"op": "reply", "ok": False, "error": describe_exception(exc), **_trace(steps)}
    finally:
        for part, original in saved.items():
            if original is _ABSENT:
                namespace.pop(part, None)
            else:
                namespace[part] = original
    extra = {"kept": {part: {"calls": k.calls, "values": k.kept} for part, k in keepers.items()}} if keepers else {}
    if passed is not None:
        extra["after"] = _sendable(passed)
    return {"op": "reply", "ok": True, "value": value, **extra, **_trace(steps)}


def _trace(steps: list[tracing.Step] | None) -> dict[str, Any]:
    """The intermediates of a traced call, as plain data for the reply (``tracing.steps_from_wire`` reads them)."""
    if steps is None:
        return {}
    return {"trace": [step.to_wire() for step in steps]}


def _frame(value: Any, depth: int = 0) -> Any:
    """``value`` with its lists, tuples and dicts copied and everything else shared: the arrays a caller passed, in
    the containers it passed them in, whatever the function does to those containers."""
    if depth > wire.MAX_DEPTH:
        return value
    if type(value) is list:
        return [_frame(item, depth + 1) for item in value]
    if type(value) is tuple:
        return tuple(_frame(item, depth + 1) for item in value)
    if type(value) is dict:
        return {key: _frame(item, depth + 1) for key, item in value.items()}
    return value


def _sendable(value: Any) -> Any:
    """``value`` if it can cross the channel, else None (the function left its arguments unreadable)."""
    try:
        wire.encode(value)
    except BaseException:
        return None
    return value


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # the student may have replaced or closed the stream
            pass


def _read_exact(sock: socket.socket) -> Any:
    def read(n: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < n:
            chunk = sock.recv(min(n - len(chunks), 1 << 20))
            if not chunk:
                raise EOFError
            chunks += chunk
        return bytes(chunks)

    return read


def serve(sock: socket.socket) -> NoReturn:
    """Load the submission sent on ``sock``, then answer calls until the grader hangs up."""
    channel = _Channel(sock)
    try:
        request = marshal.loads(memoryview(channel.receive()["content"]))  # from the grader: see grader.program
        namespace, errors = _load(request)
        functions = [name for name in request.get("functions", ()) if type(name) is str]
        described = [name for name in request.get("describe", ()) if callable(namespace.get(name))]
        channel.send({"op": "ready", "errors": errors,
                      "absent": [name for name in functions if name not in namespace],
                      "uncallable": [name for name in functions if name in namespace and not callable(namespace[name])],
                      "signatures": {name: describe_signature(namespace[name]) for name in described}})
        while True:
            request = channel.receive()
            channel.send(_call(namespace, request, channel))
    except EOFError:
        pass
    finally:
        _flush()
        os._exit(0)
