"""Inside the sandbox: run a student's definitions, then answer calls over the plain-data channel.

This module runs in a child forked from the zygote, after ``isolation.apply``. Everything it sends is untrusted
from the grader's point of view: the grader validates each reply and computes every verdict itself. Nothing
here may import the reference, the checks or anything secret; the zygote never holds them.

Protocol on the socket (frames of ``grader.wire``), grader first:

    grader → worker   {"op": "load", "units": [...], "helpers": {...}, "stubs": [...], "main": name, "seed": int}
    worker → grader   {"op": "ready", "errors": [...], "defined": [...]}
    grader → worker   {"op": "call", "fn": name, "args": [...], "kwargs": {...}, "seed": int}
    worker → grader   {"op": "reply", "ok": True, "value": ...} or {"op": "reply", "ok": False, "error": {...}}
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import linecache
import os
import random
import socket
import sys
import types
from typing import Any, NoReturn

import numpy as np

from . import wire

__all__ = ["STUDENT_FILES", "describe_exception", "serve"]

STUDENT_FILES = ("<cell ", "<submission>")


# ---------------------------------------------------------------------------------------------------------------
# Modules a submission may import: the assignment's helpers, and inert stand-ins for display-only libraries


class _Inert:
    """Absorbs any use: calls, attributes, items, context managers, arithmetic. Used for plotting libraries."""

    def __call__(self, *args: Any, **kwargs: Any) -> _Inert:
        return self

    def __getattr__(self, name: str) -> _Inert:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> _Inert:
        return self

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __iter__(self) -> Any:  # `fig, ax = plt.subplots()`
        return iter((self, self))

    def __enter__(self) -> _Inert:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __repr__(self) -> str:
        return "<inert stand-in>"


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Inert()


class _Provider(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the assignment's helper modules (from source text) and stubbed packages, before anything else."""

    def __init__(self, helpers: dict[str, str], stubs: list[str]) -> None:
        self.helpers = helpers
        self.stubs = tuple(stubs)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname in self.helpers:
            return importlib.machinery.ModuleSpec(fullname, self, origin=f"<helper {fullname}>")
        if fullname.split(".")[0] in self.stubs:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> types.ModuleType | None:
        if spec.name in self.helpers:
            return None
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        source = self.helpers.get(module.__name__)
        if source is not None:
            filename = f"<helper {module.__name__}>"
            exec(compile(source, filename, "exec"), module.__dict__)


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
    sys.meta_path.insert(0, _Provider(dict(request["helpers"]), list(request["stubs"])))
    namespace: dict[str, Any] = {"__name__": request["main"], "__builtins__": __builtins__}
    errors = []
    for unit in request["units"]:
        filename, source = unit["filename"], unit["source"]
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            body = ast.parse(source, filename).body
        except BaseException as exc:  # the loader already reported syntax errors; stay safe anyway
            errors.append({"filename": filename, "line": 0, **describe_exception(exc)})
            continue
        for index in unit["keep"]:
            if not 0 <= index < len(body):
                continue
            statement = body[index]
            try:
                code = compile(ast.Module(body=[statement], type_ignores=[]), filename, "exec")
                exec(code, namespace)
            except BaseException as exc:  # a failing statement costs only the names it would bind
                errors.append({"filename": filename, "line": statement.lineno, **describe_exception(exc)})
    return namespace, errors


def _call(namespace: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    name = request["fn"]
    fn = namespace.get(name)
    if fn is None:
        return {"op": "reply", "ok": False, "error": {"kind": "missing", "type": "NameError",
                                                      "message": f"name {name!r} is not defined", "frames": []}}
    if not callable(fn):
        return {"op": "reply", "ok": False, "error": {"kind": "not-callable", "type": type(fn).__name__[:100],
                                                      "message": f"{name} is not a function", "frames": []}}
    _seed(int(request["seed"]))
    try:
        value = fn(*request["args"], **request["kwargs"])
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: they are the student's doing
        return {"op": "reply", "ok": False, "error": describe_exception(exc)}
    return {"op": "reply", "ok": True, "value": value}


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    try:
        frame = wire.encode(message)
    except BaseException as exc:  # e.g. nesting too deep: tell the grader what could not be sent
        frame = wire.encode({"op": "reply", "ok": False, "error": {
            "kind": "unencodable", **{k: v for k, v in describe_exception(exc).items() if k != "kind"}}})
    _flush()
    sock.sendall(frame)


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
    read = _read_exact(sock)
    try:
        request = wire.read_frame(read)
        namespace, errors = _load(request)
        defined = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("__"))
        _send(sock, {"op": "ready", "errors": errors, "defined": defined})
        while True:
            request = wire.read_frame(read)
            _send(sock, _call(namespace, request))
    except EOFError:
        pass
    finally:
        _flush()
        os._exit(0)
