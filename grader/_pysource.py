"""Student code as text, before it is parsed: IPython's syntax neutralised, and a .py file that does not parse cut into
pieces that may.

``neutralise`` turns magics, shell escapes and help lines into ``pass`` lines (never changing the line count) and
says which lines start a statement. ``cut`` splits a .py file that does not parse as a whole: first at its top-level
``def``/``class``/``import``/``from`` lines and decorators, then, in each chunk that still does not parse, at its
statements, keeping runs of statements that parse together. A syntax error then costs only the statements that hold
it: a Python 2 ``print "..."`` line after a function (nbconvert puts a notebook's test cell right under the function
it tests) no longer takes the function with it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

__all__ = ["cut", "neutralise"]

_PADDING_BUDGET = 10_000_000  # most leading newlines spent padding the chunks of one broken .py file
_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})  # cell magics whose body is Python
_TOKEN = re.compile(r"\\.?|'''|\"\"\"|['\"#()\[\]{}]")  # what the line scanner needs to see
_SYSTEM_ASSIGN = re.compile(r"[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[!%]")  # files = !ls, t = %timeit -o f()
_HELP = re.compile(r"\?.*|[\w.*\[\]()]+\?\??")  # ?obj, obj?, obj??
_CHUNK_START = re.compile(r"(?:(?:async[ \t]+)?def|class|import|from)[ \t]|@")
_CONTINUES = re.compile(r"(?:else|elif|except|finally)\b")  # clauses that continue a compound statement
_HARD_START = re.compile(r"(?:(?:async[ \t]+)?def|class|import|from)[ \t]")  # cannot continue an open bracket


def _as_pass(line: str) -> str:
    body = line.lstrip(" \t\f")
    return f"{line[: len(line) - len(body)]}pass  # {body.rstrip()}"


def _is_magic(line: str) -> bool:
    body = line.strip(" \t\f")
    return body[:1] in ("%", "!") or bool(_SYSTEM_ASSIGN.match(body) or _HELP.fullmatch(body))


def neutralise(text: str) -> tuple[list[str], list[bool]]:
    """IPython syntax turned into ``pass`` lines (the line count never changes), and which lines start a statement.

    A small scanner follows strings, brackets and backslash continuations, so only lines at a statement start can
    be magics. A line at column 0 starting ``def``/``class``/``import``/``from`` closes any open bracket, so an
    unclosed parenthesis cannot hide the rest of the file.
    """
    lines = text.split("\n")
    out = list(lines)
    starts = [False] * len(lines)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    begin = 0
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()[2:].split(maxsplit=1)
        out[first], starts[first] = _as_pass(lines[first]), True
        if (magic[0] if magic else "") not in _BODY_CELL_MAGICS:  # %%bash, %%html, %%writefile, ...: not Python
            out[first + 1 :] = [f"# {line}" if line.strip() else "" for line in lines[first + 1 :]]
            return out, starts
        begin = first + 1
    quote: str | None = None
    depth = 0
    continued = False
    for i in range(begin, len(lines)):
        line = lines[i]
        if not line or line.isspace():  # fast path: a blank line changes nothing but a continuation
            starts[i], continued = quote is None and depth == 0 and not continued, False
            continue
        if quote is None and not continued and depth and _HARD_START.match(line):
            depth = 0
        if quote is None and depth == 0 and not continued:
            starts[i] = True
            if _is_magic(line):
                out[i] = _as_pass(line)
                continue
        continued = False
        for match in _TOKEN.finditer(line):
            token = match.group()
            if quote is not None:
                if token[0] != "\\" and (token == quote or (len(quote) == 1 and token[0] == quote)):
                    quote = None
            elif token == "#":
                break
            elif token[0] == "\\":
                continued = token == "\\"  # a backslash at the very end of the line
            elif token[0] in "'\"":
                quote = token
            elif token in "([{":
                depth += 1
            else:
                depth = max(0, depth - 1)
        if quote is not None and len(quote) == 1:
            quote = None
    return out, starts


def cut(lines: list[str], starts: list[bool], parses: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """The line ranges of a .py file that does not parse, to compile one by one.

    ``lines`` and ``starts`` are ``neutralise``'s; ``parses(a, b)`` says whether ``lines[a:b]`` parses. Each range
    costs a unit padded with as many newlines as lines come before it: ``_PADDING_BUDGET`` bounds the padding of an
    absurd file, which then gets fewer, larger chunks.
    """
    bounds = [0]
    after_decorator = False
    for i, line in enumerate(lines):
        if not starts[i] or not line[:1].strip() or line.startswith("#"):
            continue  # inside a statement, indented, blank or a comment
        if i and not after_decorator and _CHUNK_START.match(line):
            bounds.append(i)
        after_decorator = line.startswith("@")
    if len(bounds) * len(lines) > _PADDING_BUDGET:
        bounds = bounds[:: math.ceil(len(bounds) * len(lines) / _PADDING_BUDGET)]
    bounds.append(len(lines))
    out: list[tuple[int, int]] = []
    budget = _PADDING_BUDGET - len(bounds) * len(lines)
    for a, b in zip(bounds, bounds[1:]):
        pieces = [a] if parses(a, b) else _statement_starts(lines, starts, a, b)
        if len(pieces) == 1 or len(pieces) * len(lines) > budget:
            out.append((a, b))
            continue
        budget -= len(pieces) * len(lines)
        out += _runs([(x, y, parses(x, y)) for x, y in zip(pieces, [*pieces[1:], b])])
    return out


def _statement_starts(lines: list[str], starts: list[bool], a: int, b: int) -> list[int]:
    """The lines of ``a:b`` where a top-level statement starts (not the clauses that continue one, nor the line after
    a decorator): where a chunk that does not parse can be cut further."""
    out = [a]
    decorated = lines[a].startswith("@")
    for i in range(a + 1, b):
        line = lines[i]
        if not starts[i] or not line[:1].strip() or line.startswith("#") or _CONTINUES.match(line):
            continue
        if not decorated:
            out.append(i)
        decorated = line.startswith("@")
    return out


def _runs(pieces: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    """Consecutive pieces that parse, joined; and consecutive pieces that do not, joined (one syntax error each)."""
    runs: list[tuple[int, int]] = []
    for index, (a, b, ok) in enumerate(pieces):
        if index and ok == pieces[index - 1][2]:
            runs[-1] = (runs[-1][0], b)
        else:
            runs.append((a, b))
    return runs
