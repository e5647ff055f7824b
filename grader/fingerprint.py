"""Fingerprints of code for the similarity report: each graded function as a set of hashed shingles.

Nothing here runs student code: the sources are parsed, never executed. ``similarity.find_similar`` compares the
fingerprints.

``fingerprints``: each graded function's body becomes a token sequence, in pre-order over its AST (the ``def``
line is the assignment's, so it is left out). Comments, docstrings, formatting and type annotations are gone.
Node types, operators, attribute names (``.dot``), keyword names (``axis=``), builtins and imported names
(``np``, ``float``) are kept. Every other name (parameters, locals, the student's own helpers) becomes a
placeholder numbered by first appearance. Constants keep their type but not their value (``0.01`` and ``0.02``
are both ``<float>``); ``True``/``False``/``None`` keep their value. Shingles are k-grams of ``SHINGLE`` tokens,
hashed with blake2b and splitmix64, so they are the same in every process. Inside each shingle the placeholders
are numbered again, by first appearance in that window. So a shingle records local data flow ("the name assigned
here is the one used there") and does not depend on how far down the function it sits. Moving independent
statements around then changes only the shingles that cross the moved boundaries.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from .load import CodeUnit, LoadedSubmission

__all__ = ["FunctionPrint", "HASH_DTYPE", "SHINGLE", "fingerprints", "mix64", "stable_hash"]

SHINGLE = 5  # tokens per shingle
HASH_DTYPE = np.dtype("<u8")  # shingle hashes: 64 bits, little-endian
_MAX_SOURCE_LINES = 200  # longer functions are clipped in the report
_BUILTINS = frozenset(dir(builtins))
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_SKIPPED_FIELDS = frozenset({"ctx", "returns", "type_comment", "type_params"})  # load/store, annotations


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionPrint:
    """The fingerprint of one function: its normalised size, shingle hashes, original source and location."""

    function: str
    size: int  # tokens after normalisation
    shingles: bytes  # sorted distinct 64-bit shingle hashes, little-endian
    source: str  # as the student wrote it (clipped when very long)
    where: str  # "cell 7, line 3" or "line 12"

    def hashes(self) -> np.ndarray:
        """The shingle hashes as a read-only ``uint64`` array."""
        return np.frombuffer(self.shingles, dtype=HASH_DTYPE)


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text``, the same in every process (blake2b; not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, elementwise on a uint64 array (arithmetic wraps around)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = x ^ (x >> np.uint64(31))
    return mixed


_PLACEHOLDERS = mix64(np.arange(1, SHINGLE + 1, dtype=HASH_DTYPE) * np.uint64(0x9E3779B97F4A7C15))
_PLACEHOLDERS.flags.writeable = False
_NODE_CODES: Mapping[str, int] = MappingProxyType(
    {kind.__name__: stable_hash(kind.__name__) for kind in vars(ast).values()
     if isinstance(kind, type) and issubclass(kind, ast.AST)}
)  # every AST node type, hashed once


def _constant(value: object) -> str:
    if value is None or value is Ellipsis or isinstance(value, bool):
        return f"c:{value!r}"
    return f"c:<{type(value).__name__}>"


def _tokens(fn: ast.FunctionDef | ast.AsyncFunctionDef, keep: frozenset[str]) -> list[str | int]:
    """The normalised tokens of ``fn`` in pre-order; an int is a placeholder name (numbered by first appearance)."""
    numbers: dict[str, int] = {}
    out: list[str | int] = []

    def name(ident: str) -> str | int:
        return f"n:{ident}" if ident in keep else numbers.setdefault(ident, len(numbers))

    stack: list[ast.AST] = list(reversed(fn.body))  # the signature is the assignment's, not the student's
    while stack:
        node: Any = stack.pop()  # dispatched on its exact type below
        kind = type(node)
        if kind is ast.Name:
            out.append(name(node.id))
        elif kind is ast.Attribute:
            out.append(f".{node.attr}")
            stack.append(node.value)
        elif kind is ast.Constant:
            out.append(_constant(node.value))
        elif kind is ast.keyword:
            out.append(f"kw:{node.arg or '**'}")
            stack.append(node.value)
        elif kind is ast.arg:  # annotations are dropped
            out += ["arg", name(node.arg)]
        elif kind is ast.alias:
            out += [f"import:{node.name}", *([name(node.asname)] if node.asname else [])]
        elif kind is ast.Expr and type(node.value) is ast.Constant and type(node.value.value) is str:
            continue  # docstrings and other bare strings
        else:
            out.append(kind.__name__)
            if kind in _DEFS or kind is ast.ExceptHandler:
                if node.name:
                    out.append(name(node.name))
            elif kind is ast.Global or kind is ast.Nonlocal:
                out += map(name, node.names)
            children: list[ast.AST] = []
            for field in kind._fields:
                if field in _SKIPPED_FIELDS:
                    continue
                value = getattr(node, field, None)
                if isinstance(value, list):
                    children += [item for item in value if isinstance(item, ast.AST)]
                elif isinstance(value, ast.AST):
                    children.append(value)
            stack += reversed(children)
    return out


def _shingle_all(sequences: Sequence[Sequence[str | int]]) -> list[bytes]:
    """For each token sequence, the sorted distinct hashes of its ``SHINGLE``-grams (all in one numpy pass).

    Inside each window, placeholders are renumbered by where they first appear in it.
    """
    codes: dict[str, int] = {}
    flat = [t for tokens in sequences for t in tokens]
    if len(flat) < SHINGLE:
        return [b""] * len(sequences)
    hashed = np.array([0 if isinstance(t, int) else _NODE_CODES.get(t) or codes.setdefault(t, stable_hash(t))
                       for t in flat], dtype=HASH_DTYPE)  # fmt: skip
    ids = np.array([t if isinstance(t, int) else -1 for t in flat], dtype=np.int64)
    owner = np.repeat(np.arange(len(sequences)), [len(tokens) for tokens in sequences])
    starts = np.arange(len(flat) - SHINGLE + 1)
    starts = starts[owner[starts] == owner[starts + SHINGLE - 1]]  # windows inside one function
    windows = starts[:, None] + np.arange(SHINGLE)
    names = ids[windows]
    first = (names[:, :, None] == names[:, None, :]).argmax(axis=2)  # where each name first shows in its window
    cells = np.where(names >= 0, _PLACEHOLDERS[first], hashed[windows])
    h = np.full(len(cells), 0x5EED, dtype=HASH_DTYPE)
    for j in range(SHINGLE):
        h = mix64(h ^ cells[:, j])
    which = owner[starts]
    order = np.lexsort((h, which))
    h, which = h[order], which[order]
    fresh = np.r_[True, (h[1:] != h[:-1]) | (which[1:] != which[:-1])]
    h, which = h[fresh], which[fresh]
    bounds = np.searchsorted(which, np.arange(len(sequences) + 1))
    return [h[bounds[i] : bounds[i + 1]].astype(HASH_DTYPE).tobytes() for i in range(len(sequences))]


def _parse(unit: CodeUnit) -> list[ast.stmt]:
    if unit.syntax_error is not None:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(unit.source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []


def _original(unit: CodeUnit, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - unit.first_line
    lines = unit.original.split("\n")[start : (node.end_lineno or node.lineno) - unit.first_line + 1]
    if len(lines) > _MAX_SOURCE_LINES:
        lines = [*lines[:_MAX_SOURCE_LINES], f"# ... {len(lines) - _MAX_SOURCE_LINES} more lines not shown"]
    return "\n".join(lines)


def fingerprints(loaded: LoadedSubmission, functions: Sequence[str]) -> dict[str, FunctionPrint]:
    """One ``FunctionPrint`` per graded function that ``loaded`` defines at top level (the last definition wins).

    A function that is missing, or defined only in a unit with a syntax error, gets no entry. Never raises on
    student input.
    """
    wanted = frozenset(functions)
    parsed = [(unit, _parse(unit)) for unit in loaded.units]
    imported: set[str] = set()
    found: dict[str, tuple[CodeUnit, ast.FunctionDef | ast.AsyncFunctionDef | None]] = {}
    for unit, body in parsed:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                imported.update(alias.asname or alias.name.partition(".")[0] for alias in stmt.names)
            elif isinstance(stmt, ast.ImportFrom):
                imported.update(alias.asname or alias.name for alias in stmt.names if alias.name != "*")
            elif isinstance(stmt, _DEFS) and stmt.name in wanted:
                found[stmt.name] = (unit, stmt if isinstance(stmt, _FUNCTIONS) else None)  # a class shadows
    keep = frozenset(imported) | _BUILTINS
    chosen = [(name, unit, node) for name in dict.fromkeys(functions) if name in found
              for unit, node in [found[name]] if node is not None]  # fmt: skip
    tokens = [_tokens(node, keep) for _, _, node in chosen]
    prints: dict[str, FunctionPrint] = {}
    for (name, unit, node), sequence, shingles in zip(chosen, tokens, _shingle_all(tokens)):
        location = loaded.locate(unit.filename, node.lineno)
        prints[name] = FunctionPrint(
            function=name, size=len(sequence), shingles=shingles, source=_original(unit, node),
            where=location.describe() if location is not None else f"line {node.lineno}",
        )  # fmt: skip
    return prints
