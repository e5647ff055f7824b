"""What check authors import: ``CheckFailure``, the ``expect_*`` helpers and the student errors.

A check is a pytest test in ``reference/<assignment>/checks/``, marked with the function it grades::

    pytestmark = pytest.mark.grades("initialize_parameters")

    def test_not_zero(student):
        params = student.initialize_parameters(2, 4, 1)
        w1 = expect_array(params["W1"], "W1", shape=(4, 2))
        if not w1.any():
            raise CheckFailure("W1 is all zeros", expected="small random values", got=describe(w1),
                               flags=("zero-init",), lesson="zero-init")

Its id is ``<function>::<test name without test_>``. The helpers check type, then shape, then dtype, then values,
and fail with a message that says what was expected and what came back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .sandbox import BadReply, MissingFunction, ResourceLimit, StudentCrash, StudentError, StudentTimeout
from .wire import Opaque

__all__ = [
    "BadReply",
    "CheckFailure",
    "MissingFunction",
    "ResourceLimit",
    "StudentCrash",
    "StudentError",
    "StudentTimeout",
    "describe",
    "expect_array",
    "expect_close",
    "expect_keys",
    "expect_type",
    "type_name",
]


class CheckFailure(AssertionError):
    """The student's function ran but its answer is wrong. Everything here reaches the student's report."""

    def __init__(
        self,
        message: str,
        *,
        expected: str | None = None,
        got: str | None = None,
        flags: Iterable[str] = (),
        lesson: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.got = got
        self.flags = tuple(flags)
        self.lesson = lesson


def type_name(value: Any) -> str:
    """A student-friendly name for the type of ``value``."""
    if isinstance(value, Opaque):
        return f"a {value.type_name} object"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a numpy {value.dtype} scalar"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def describe(value: Any, *, limit: int = 600) -> str:
    """Short, readable text for a value: arrays show shape, dtype and rounded entries."""
    if isinstance(value, np.ndarray):
        body = np.array2string(value, precision=6, threshold=24, edgeitems=3, suppress_small=False)
        text = f"array of shape {value.shape}, dtype {value.dtype}:\n{body}"
    elif isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if isinstance(item, np.ndarray):
                parts.append(f"{key!r}: array of shape {item.shape}, dtype {item.dtype}")
            else:
                parts.append(f"{key!r}: {describe(item, limit=80)}")
        text = "{" + ", ".join(parts) + "}"
    elif isinstance(value, Opaque):
        text = repr(value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expect_type(value: Any, types: type | tuple[type, ...], what: str, *, wanted: str) -> Any:
    """Fail unless ``value`` is an instance of ``types``; ``wanted`` names the expected type for the student."""
    if isinstance(value, Opaque) or not isinstance(value, types):
        raise CheckFailure(f"{what} should be {wanted}, but it is {type_name(value)}",
                           expected=wanted, got=describe(value), flags=("wrong-type",))
    return value


def expect_keys(value: Any, keys: Iterable[str], what: str) -> Mapping[str, Any]:
    """Fail unless ``value`` is a dict holding every key of ``keys``."""
    keys = tuple(keys)
    expect_type(value, dict, what, wanted=f"a dict with keys {', '.join(keys)}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise CheckFailure(f"{what} is missing the key(s) {', '.join(map(repr, missing))}",
                           expected=f"keys {', '.join(map(repr, keys))}",
                           got=f"keys {', '.join(map(repr, value))}", flags=("wrong-type",))
    return value


def expect_array(value: Any, what: str, *, shape: tuple[int, ...] | None = None, kind: str = "numeric") -> np.ndarray:
    """Fail unless ``value`` is a numpy array of the given shape; ``kind`` is "numeric" or "bool"."""
    if isinstance(value, np.generic) and shape == ():
        value = np.asarray(value)
    expect_type(value, np.ndarray, what, wanted="a numpy array" + (f" of shape {shape}" if shape is not None else ""))
    if shape is not None and value.shape != tuple(shape):
        hint = " (a missing keepdims=True, or a transpose?)" if sorted(value.shape) == sorted(shape) or (
            len(value.shape) == 1 and len(shape) == 2) else ""
        raise CheckFailure(f"{what} has shape {value.shape}, but it should have shape {tuple(shape)}{hint}",
                           expected=f"shape {tuple(shape)}", got=f"shape {value.shape}", flags=("wrong-shape",))
    if kind == "bool" and value.dtype != np.bool_:
        raise CheckFailure(f"{what} should hold booleans (True/False), but its dtype is {value.dtype}",
                           expected="dtype bool", got=f"dtype {value.dtype}", flags=("wrong-dtype",))
    if kind == "numeric" and value.dtype.kind not in "fiub":
        raise CheckFailure(f"{what} should hold numbers, but its dtype is {value.dtype}",
                           expected="a numeric dtype", got=f"dtype {value.dtype}", flags=("wrong-dtype",))
    return value


def expect_close(got: np.ndarray, expected: np.ndarray, what: str, *, rtol: float, atol: float,
                 context: str = "", flags: Iterable[str] = (), lesson: str | None = None) -> None:
    """Fail unless ``got`` equals ``expected`` within ``rtol``/``atol`` (numpy.isclose semantics, NaN never equal)."""
    got_f = np.asarray(got, dtype=np.float64)
    exp_f = np.asarray(expected, dtype=np.float64)
    close = np.isclose(got_f, exp_f, rtol=rtol, atol=atol) & np.isfinite(got_f)
    if close.all():
        return
    bad = np.argwhere(~close)
    first = tuple(int(i) for i in bad[0]) if got_f.ndim else ()
    worst = float(np.nanmax(np.abs(got_f - exp_f))) if np.isfinite(got_f).any() else float("nan")
    where = f" at index {first}" if first else ""
    message = (f"{what} has wrong values: {len(bad)} of {max(got_f.size, 1)} entries differ{where} "
               f"(largest difference {worst:.3g}; tolerance rtol={rtol:g}, atol={atol:g})")
    if context:
        message += f". {context}"
    raise CheckFailure(message, expected=describe(expected), got=describe(got),
                       flags=("wrong-values", *flags), lesson=lesson)
