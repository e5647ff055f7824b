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

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import bounds
from .failures import (
    BadReply,
    MissingFunction,
    ResourceLimit,
    StudentCrash,
    StudentError,
    StudentTimeout,
)
from .wire import Opaque

__all__ = [
    "BadReply",
    "Catalogue",
    "CheckFailure",
    "MissingFunction",
    "Mistake",
    "ResourceLimit",
    "StudentCrash",
    "StudentError",
    "StudentTimeout",
    "describe",
    "describe_keys",
    "expect_array",
    "expect_close",
    "expect_keys",
    "expect_type",
    "precision",
    "same_output",
    "type_name",
]


class CheckFailure(AssertionError):
    """The student's function ran but its answer is wrong. Everything here reaches the student's report, bounded
    (``bounds.TEXT`` for the message, ``bounds.PREVIEW`` for expected and got) as soon as it is raised."""

    def __init__(
        self,
        message: str,
        *,
        expected: str | None = None,
        got: str | None = None,
        flags: Iterable[str] = (),
        lesson: str | None = None,
        facts: Mapping[str, bool | int | float | str | None] | None = None,
    ) -> None:
        message = bounds.text(message, bounds.TEXT)
        super().__init__(message)
        self.message = message
        self.expected = None if expected is None else bounds.text(expected, bounds.PREVIEW)
        self.got = None if got is None else bounds.text(got, bounds.PREVIEW)
        self.flags = bounds.names(flags, bounds.FLAGS)
        self.lesson = lesson
        self.facts = bounds.facts(facts or {})  # what the check measured: lessons' conditions read them


def type_name(value: Any) -> str:
    """A student-friendly name for the type of ``value``, at most ``bounds.NAME`` characters of it the student's."""
    if isinstance(value, Opaque):
        return f"a {bounds.text(value.type_name, bounds.NAME)} object"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a numpy {value.dtype} scalar"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def describe(value: Any, *, limit: int = 600) -> str:
    """Short, readable text for a value, at most ``limit`` characters: arrays show shape, dtype and rounded entries;
    dicts, lists and tuples their first items and how many there are.

    Never builds more than about ``limit`` characters, whatever the value's size."""
    return bounds.text(_preview(value, max(limit, 16)), limit)


def describe_keys(mapping: Mapping[Any, Any], *, limit: int = 600) -> str:
    """``keys 'a', 'b', ...`` for the keys of ``mapping``, at most ``limit`` characters."""
    parts = _items((_short_repr(key, limit) for key in mapping), len(mapping), limit)
    return bounds.text(f"keys {parts}" if mapping else "no keys", limit)


def _short_repr(value: Any, limit: int) -> str:
    """``repr(value)`` for a plain value, built from at most ``limit`` characters of it."""
    if isinstance(value, str):
        return repr(value[:limit]) + ("..." if len(value) > limit else "")
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 3 * limit:  # repr would be longer than ``limit`` digits, or refuse (over 4,300)
            return f"<an integer of {value.bit_length():,} bits>"
        return repr(value)
    return _preview(value, limit)


def _items(parts: Iterator[str], count: int, limit: int) -> str:
    """Comma-separated ``parts`` within ``limit`` characters, then how many were left out."""
    room = max(limit - 24, 8)  # what "..., (1,234,567 more)" needs
    shown: list[str] = []
    used = 0
    for part in parts:  # a generator: no part is built once the text is long enough
        if used + len(part) > room and shown:
            break
        shown.append(part)
        used += len(part) + 2
        if used >= room:
            break
    more = count - len(shown)
    return ", ".join(shown) + (f", ... ({more:,} more)" if more > 0 else "")


def _preview(value: Any, limit: int) -> str:
    if isinstance(value, np.ndarray):
        body = np.array2string(value, precision=6, threshold=24, edgeitems=3, suppress_small=False)
        return f"array of shape {value.shape}, dtype {value.dtype}:\n{body}"
    if isinstance(value, dict):
        inner = max(limit // 4, 16)

        def entry(key: Any, item: Any) -> str:
            if isinstance(item, np.ndarray):
                return f"{_short_repr(key, inner)}: array of shape {item.shape}, dtype {item.dtype}"
            return f"{_short_repr(key, inner)}: {bounds.clip(_preview(item, 80), 80)}"

        return "{" + _items((entry(k, v) for k, v in value.items()), len(value), limit) + "}"
    if isinstance(value, (list, tuple)):
        inner = max(limit // 4, 16)
        text = _items((bounds.clip(_preview(item, inner), inner) for item in value), len(value), limit)
        if isinstance(value, tuple):
            return f"({text},)" if len(value) == 1 else f"({text})"
        return f"[{text}]"
    if isinstance(value, Opaque):
        return f"<{bounds.text(value.type_name, bounds.NAME)} object: {bounds.text(value.text, limit)}>"
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return _short_repr(value, limit)
    return repr(value)


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
                           expected=f"keys {', '.join(map(repr, keys))}", got=describe_keys(value),
                           flags=("wrong-type",))
    mapping: Mapping[str, Any] = value
    return mapping


def _shape_hint(got: tuple[int, ...], wanted: tuple[int, ...]) -> str:
    """What the two shapes alone say about the slip, and nothing they do not: swapped axes, or a missing axis of
    length 1 (a rank-1 array where a column or a row is needed)."""
    if len(got) == len(wanted) == 2 and got == wanted[::-1] and got != wanted:
        return ": its two axes are swapped (a transpose, or the sizes given in the other order)"
    if len(wanted) == 2 and 1 in wanted and len(got) == 1 and got[0] == wanted[0] * wanted[1]:
        kind = "column" if wanted[1] == 1 else "row"
        return f": it is a rank-1 array, without the axis of length 1 that makes it a {kind}"
    return ""


def expect_array(value: Any, what: str, *, shape: tuple[int, ...] | None = None, kind: str = "numeric") -> np.ndarray:
    """Fail unless ``value`` is a numpy array of the given shape; ``kind`` is "numeric" (numbers, not bools),
    "bool", or "any"."""
    if isinstance(value, np.generic) and shape == ():
        value = np.asarray(value)
    expect_type(value, np.ndarray, what, wanted="a numpy array" + (f" of shape {shape}" if shape is not None else ""))
    if shape is not None and value.shape != tuple(shape):
        hint = _shape_hint(value.shape, tuple(shape))
        raise CheckFailure(f"{what} has shape {value.shape}, but it should have shape {tuple(shape)}{hint}",
                           expected=f"shape {tuple(shape)}", got=f"shape {value.shape}", flags=("wrong-shape",))
    if kind == "bool" and value.dtype != np.bool_:
        raise CheckFailure(f"{what} should hold booleans (True/False), but its dtype is {value.dtype}",
                           expected="dtype bool", got=f"dtype {value.dtype}", flags=("wrong-dtype",))
    if kind == "numeric" and value.dtype.kind not in "fiu":
        raise CheckFailure(f"{what} should hold numbers, but its dtype is {value.dtype}",
                           expected="a numeric dtype", got=f"dtype {value.dtype}", flags=("wrong-dtype",))
    array: np.ndarray = value
    return array


def precision(got: Any, expected: Any, rtol: float, atol: float) -> tuple[float, float, str]:
    """The tolerances ``got`` is compared at: ``rtol``/``atol`` (meant for float64), widened to the precision of a
    lower-precision float the student returned, with a note that says so ("" when unchanged)."""
    dtype = np.asarray(got).dtype
    if dtype.kind not in "fc" or np.finfo(dtype).eps <= np.finfo(np.float64).eps:
        return rtol, atol, ""
    eps = float(np.finfo(dtype).eps)
    with np.errstate(all="ignore"):
        size = np.abs(np.asarray(expected, dtype=np.float64))
        scale = max(1.0, float(np.max(size[np.isfinite(size)], initial=0.0)))
    wide_rtol, wide_atol = max(rtol, 256 * eps), max(atol, 256 * eps * scale)
    return wide_rtol, wide_atol, f"compared at {dtype} precision, because that is the dtype you returned"


def expect_close(got: np.ndarray, expected: np.ndarray, what: str, *, rtol: float, atol: float,
                 context: str = "", flags: Iterable[str] = (), lesson: str | None = None) -> None:
    """Fail unless ``got`` equals ``expected`` within ``rtol``/``atol`` (numpy.isclose semantics, NaN never equal).

    The tolerances are for float64; a float32 (or float16) ``got`` is compared at its own precision."""
    rtol, atol, note = precision(got, expected, rtol, atol)
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
               f"(largest difference {worst:.3g}; tolerance rtol={rtol:g}, atol={atol:g}"
               f"{'; ' + note if note else ''})")
    if context:
        message += f". {context}"
    raise CheckFailure(message, expected=describe(expected), got=describe(got),
                       flags=("wrong-values", *flags), lesson=lesson)


# ---------------------------------------------------------------------------------------------------------------
# The catalogue of known mistakes


@dataclass(frozen=True, slots=True, kw_only=True)
class Mistake:
    """A known wrong way to write ``function``.

    It is recognised when the student's output equals what ``variant`` (a deliberately wrong copy of the
    reference) returns on the same inputs, or when ``sign`` (a structural test of the output, for when values
    cannot tell) says so. Its lesson is the ``mistake:<id>`` table of the assignment's lessons.toml.
    """

    id: str
    function: str
    title: str
    variant: Callable[..., Any] | None = None
    sign: Callable[[Any], bool] | None = None

    @property
    def flag(self) -> str:
        return f"mistake:{self.id}"


def same_output(got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether two outputs match: dicts by keys, sequences item by item, arrays by shape and values."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and set(got) == set(expected) and all(
            same_output(got[k], expected[k], rtol=rtol, atol=atol) for k in expected)
    if isinstance(expected, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(expected) and all(
            same_output(g, e, rtol=rtol, atol=atol) for g, e in zip(got, expected))
    if isinstance(expected, (np.ndarray, np.generic, float, int)) and not isinstance(expected, bool):
        if isinstance(got, Opaque) or not isinstance(got, (np.ndarray, np.generic, float, int)):
            return False
        g, e = np.asarray(got), np.asarray(expected)
        if g.shape != e.shape or g.dtype.kind not in "fiub" or e.dtype.kind not in "fiub":
            return False
        return bool(np.allclose(g.astype(float), e.astype(float), rtol=rtol, atol=atol, equal_nan=False))
    return bool(got == expected)


class Catalogue:
    """The known mistakes of an assignment, from ``reference/<name>/mistakes.py`` (its ``CATALOGUE`` list)."""

    def __init__(self, mistakes: Sequence[Mistake] = ()) -> None:
        self.mistakes = tuple(mistakes)

    def for_function(self, function: str) -> tuple[Mistake, ...]:
        return tuple(m for m in self.mistakes if m.function == function)

    def diagnose(self, function: str, got: Any, *args: Any, **kwargs: Any) -> tuple[Mistake, ...]:
        """The catalogued mistakes of ``function`` that explain ``got`` for these inputs."""
        found = []
        for mistake in self.for_function(function):
            try:
                if mistake.sign is not None and mistake.sign(got):
                    found.append(mistake)
                    continue
                if mistake.variant is not None:
                    wrong = mistake.variant(*copy.deepcopy(args), **copy.deepcopy(kwargs))
                    if same_output(got, wrong):
                        found.append(mistake)
            except Exception:  # a variant that cannot run on these inputs explains nothing
                continue
        return tuple(found)

    def explain(self, failure: CheckFailure, function: str, got: Any, *args: Any, **kwargs: Any) -> CheckFailure:
        """``failure``, with the name, flag and lesson of the mistake that explains it, when one does."""
        found = tuple({m.id: m for m in reversed(self.diagnose(function, got, *args, **kwargs))}.values())[::-1]
        if not found:
            return failure
        titles = "; ".join(m.title for m in found)
        return CheckFailure(f"This looks like a known mistake: {titles}. {failure.message}",
                            expected=failure.expected, got=failure.got,
                            flags=(*failure.flags, *(m.flag for m in found)), lesson=found[0].flag,
                            facts=dict(failure.facts))
