"""The bounds on everything a student controls, and the one function that applies them to a piece of text.

A student decides what their functions return, raise and print, and so the text of every message, preview, code
line and printed output in a result. The result types of ``models`` apply these bounds in their constructors, so
no result can hold more than this, whatever built it: a check's outcome, the loader, the engine, a result read back
from the gradebook. ``checking.describe``/``type_name`` build their previews within the same bounds, so a huge value
is never turned into a huge string in the first place.

``text(value, limit)`` makes a string safe for every output format and at most ``limit`` characters long:

- control characters other than newline and tab (C0, DEL and the C1 range), lone surrogates and the non-characters
  U+FFFE/U+FFFF become visible escapes such as ``\\x1b`` or ``\\ud800``, so that no output holds a character that
  XML 1.0 forbids, that a strict UTF-8 encoder rejects, or that drives a terminal; ``\\r\\n`` becomes ``\\n``;
- a longer text keeps its head and ends with ``CUT``.

It is idempotent: bounding bounded text changes nothing, so a result survives any number of JSON round trips.

Beyond each field's own limit, a result as a whole holds at most ``RESULT_TEXT`` characters of such text (messages,
expected and got, code lines, problems, printed output) and ``FIGURES_JSON`` characters of figure data: when it
would hold more, every field is cut to the same length, the largest that fits (``share``). With at most six output
characters per input character in any format (``\\uXXXX`` in JSON, ``&quot;`` in HTML), every file written for one
submission stays under 1 MB. A figure's shape (how many points, how fine a grid) is its check's; the figure budgets
bound what a student's values can add to it, such as a list of any length returned and plotted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "CODE",
    "CUT",
    "FACTS",
    "FACT_VALUE",
    "FIGURES",
    "FIGURES_JSON",
    "FIGURE_JSON",
    "FLAGS",
    "Fact",
    "NAME",
    "OUTPUT",
    "PREVIEW",
    "PROBLEMS",
    "RESULT_FLAGS",
    "RESULT_TEXT",
    "TEXT",
    "clip",
    "facts",
    "names",
    "printable",
    "share",
    "text",
]

TEXT = 2_000  # characters of one message: of a check, a problem, an error
PREVIEW = 1_000  # characters of an expected or got preview (``describe`` stops at 600 by default)
CODE = 400  # characters of one line of student code quoted in a location
NAME = 200  # characters of an id, function name, flag, problem kind, lesson key, figure title, path
FLAGS = 16  # flags of one check
FACTS = 16  # facts a check records (names are the check author's; values at most FACT_VALUE characters)
FACT_VALUE = 40  # characters of a fact's text value
RESULT_FLAGS = 64  # flags of one result
PROBLEMS = 50  # problems of one result; the rest are counted in a last one
OUTPUT = 64 * 1024  # characters of printed output kept in a result
FIGURES = 16  # figures of one result
FIGURE_JSON = 64 * 1024  # characters of one figure's data as JSON (5x the largest today); more: title and caption only
FIGURES_JSON = 128 * 1024  # characters of all figures' data of one result as JSON (4x today's total, 31 Ki)
RESULT_TEXT = 100_000  # characters of student text in one result, all fields together

CUT = " …[cut]"

# C0 controls but tab and newline, DEL, the C1 range, lone surrogates, and the two non-characters XML forbids.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: str) -> str:
    """``value`` with ``\\r\\n`` as ``\\n`` and every character that no output may hold as a visible escape."""
    value = value.replace("\r\n", "\n")
    return _UNPRINTABLE.sub(_escape, value) if _UNPRINTABLE.search(value) else value


def clip(value: str, limit: int) -> str:
    """``value`` if it has at most ``limit`` characters, else its head and ``CUT`` in ``limit`` characters."""
    if len(value) <= limit:
        return value
    if limit <= len(CUT):
        return value[:limit]
    return value[: limit - len(CUT)] + CUT


def text(value: object, limit: int = TEXT) -> str:
    """``value`` as printable text of at most ``limit`` characters (see the module's docstring). Idempotent."""
    raw = value if isinstance(value, str) else str(value)
    # Cut before escaping (a huge text is never copied whole), then again: escapes make the text longer.
    return clip(printable(raw[: limit + 1]), limit)


def names(values: Iterable[object], count: int, limit: int = NAME) -> tuple[str, ...]:
    """At most ``count`` of ``values``, each as ``text(value, limit)``."""
    out: list[str] = []
    for value in values:
        if len(out) == count:
            break
        out.append(text(value, limit))
    return tuple(out)


Fact = tuple[str, bool | int | float | str | None]


def facts(values: Iterable[tuple[object, object]] | Mapping[str, object]) -> tuple[Fact, ...]:
    """At most ``FACTS`` facts as (name, value) pairs: names as ``text(name, NAME)``; values plain (a bool, an
    integer within 2**53, a finite float, a text of at most ``FACT_VALUE`` characters, or None for a measurement
    without a value); anything else is left out."""
    pairs = values.items() if isinstance(values, Mapping) else values
    out: list[Fact] = []
    for name, value in pairs:
        if len(out) == FACTS:
            break
        kept: bool | int | float | str | None
        if value is None or isinstance(value, bool):
            kept = value
        elif isinstance(value, int):
            kept = value if abs(value) <= 2**53 else None
        elif isinstance(value, float):
            kept = value if math.isfinite(value) else None
        elif isinstance(value, str):
            kept = text(value, FACT_VALUE)
        else:
            continue
        out.append((text(name, NAME), kept))
    return tuple(out)


def share(lengths: Sequence[int], budget: int) -> int | None:
    """The largest length ``cap`` such that cutting every length to ``cap`` keeps their sum within ``budget``;
    None when they already fit. Deterministic, and None again once the lengths are cut to the cap."""
    if sum(lengths) <= budget:
        return None
    ordered = sorted(lengths)
    remaining = budget
    for index, length in enumerate(ordered):
        left = len(ordered) - index  # these lengths, each at least ``length``, share what remains
        if length * left > remaining:
            return max(remaining // left, 0)
        remaining -= length
    return ordered[-1]  # pragma: no cover - the sum exceeded the budget, so the loop returned
