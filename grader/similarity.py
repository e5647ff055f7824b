"""Similarity for academic integrity: pairs of submissions whose graded functions are near-identical.

Like MOSS, but on the syntax tree. Nothing here runs student code, reads files or writes the report
(``similarity_report.py`` does).

1. ``fingerprints``: each graded function's body becomes a token sequence, in pre-order over its AST (the ``def``
   line is the assignment's, so it is left out). Comments, docstrings, formatting and type annotations are gone.
   Node types, operators, attribute names (``.dot``), keyword names (``axis=``), builtins and imported names
   (``np``, ``float``) are kept. Every other name (parameters, locals, the student's own helpers) becomes a
   placeholder numbered by first appearance. Constants keep their type but not their value (``0.01`` and ``0.02``
   are both ``<float>``); ``True``/``False``/``None`` keep their value. Shingles are k-grams of ``SHINGLE`` tokens,
   hashed with blake2b and splitmix64, so they are the same in every process. Inside each shingle the placeholders
   are numbered again, by first appearance in that window. So a shingle records local data flow ("the name assigned
   here is the one used there") and does not depend on how far down the function it sits. Moving independent
   statements around then changes only the shingles that cross the moved boundaries.
2. ``find_similar``: the skeleton's shingles (the stub's, from all of its functions together) are removed. Each
   remaining shingle of function f gets the weight ``log(1 + n_f / df)``, where n_f is the number of submissions
   that define f and df is how many of them contain the shingle. Once at least ``_MIN_POPULATION`` submissions
   define f, shingles found in more than ``common`` (half) of them are dropped: that is the solution everybody
   converges on. A function counts only if it has at least ``min_tokens`` tokens and at least
   ``min_tokens - SHINGLE + 1`` shingles survive, so short, standard functions (``update_parameters`` written the
   usual way) do not make honest pairs look similar. For one function, similarity is the weighted Jaccard index
   ``sum w(A∩B) / sum w(A∪B)``. A pair's **score** sums both parts over the functions that count in both
   submissions: ``sum_f w(A_f∩B_f) / sum_f w(A_f∪B_f)``. That is a mean of the per-function similarities weighted
   by each function's union weight, so large, rare code counts more than small, common code.
3. Scale, without comparing every pair: per function, each version gets a weighted MinHash signature of
   ``_PERMUTATIONS`` values (the exponential race ``min -log(u) / w``: two entries agree with probability equal to
   the weighted Jaccard index). Versions sharing a bucket in an LSH band make their submissions candidates, if the
   bucket is not too full (more than ``max(_MIN_BUCKET, sqrt(n))`` alike versions are popular code, not evidence)
   and the pair collides in two functions, or in the only one both have. A candidate whose estimated score (from
   one byte per signature entry) is at least ``threshold - _SLACK`` gets its exact score. All of it is numpy.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from .load import CodeUnit, LoadedSubmission

__all__ = [
    "FunctionMatch",
    "FunctionPrint",
    "SHINGLE",
    "SimilarPair",
    "find_similar",
    "fingerprints",
]

SHINGLE = 5  # tokens per shingle
_PERMUTATIONS = 64  # MinHash signature length (per function)
_MIN_BUCKET = 50  # LSH buckets of up to max(this, sqrt(submissions)) versions give pairs; larger ones: popular code
_SLACK = 0.2  # candidates whose estimated similarity is below threshold - _SLACK are not scored exactly
_MIN_POPULATION = 20  # below this many submissions of a function, no shingle is "common"
_MAX_SOURCE_LINES = 200  # longer functions are clipped in the report
_BUILTINS = frozenset(dir(builtins))
_U64 = np.dtype("<u8")
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
        return np.frombuffer(self.shingles, dtype=_U64)


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionMatch:
    """One graded function as both submissions of a pair wrote it."""

    function: str
    similarity: float  # weighted Jaccard index of the two shingle sets, 0..1
    left_source: str
    right_source: str
    left_where: str
    right_where: str

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True, kw_only=True)
class SimilarPair:
    """Two submissions (``left`` < ``right``) and how alike they are; ``matches`` has the most similar first."""

    left: str
    right: str
    score: float  # sum_f w(A_f ∩ B_f) / sum_f w(A_f ∪ B_f) over the functions that count in both
    matches: tuple[FunctionMatch, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"left": self.left, "right": self.right, "score": self.score,
                "matches": [m.to_dict() for m in self.matches]}  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Fingerprints


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, elementwise on a uint64 array (arithmetic wraps around)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = x ^ (x >> np.uint64(31))
    return mixed


_PLACEHOLDERS = _mix(np.arange(1, SHINGLE + 1, dtype=_U64) * np.uint64(0x9E3779B97F4A7C15))
_PLACEHOLDERS.flags.writeable = False
_NODE_CODES: Mapping[str, int] = MappingProxyType(
    {kind.__name__: _stable(kind.__name__) for kind in vars(ast).values()
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
    hashed = np.array([0 if isinstance(t, int) else _NODE_CODES.get(t) or codes.setdefault(t, _stable(t))
                       for t in flat], dtype=_U64)  # fmt: skip
    ids = np.array([t if isinstance(t, int) else -1 for t in flat], dtype=np.int64)
    owner = np.repeat(np.arange(len(sequences)), [len(tokens) for tokens in sequences])
    starts = np.arange(len(flat) - SHINGLE + 1)
    starts = starts[owner[starts] == owner[starts + SHINGLE - 1]]  # windows inside one function
    windows = starts[:, None] + np.arange(SHINGLE)
    names = ids[windows]
    first = (names[:, :, None] == names[:, None, :]).argmax(axis=2)  # where each name first shows in its window
    cells = np.where(names >= 0, _PLACEHOLDERS[first], hashed[windows])
    h = np.full(len(cells), 0x5EED, dtype=_U64)
    for j in range(SHINGLE):
        h = _mix(h ^ cells[:, j])
    which = owner[starts]
    order = np.lexsort((h, which))
    h, which = h[order], which[order]
    fresh = np.r_[True, (h[1:] != h[:-1]) | (which[1:] != which[:-1])]
    h, which = h[fresh], which[fresh]
    bounds = np.searchsorted(which, np.arange(len(sequences) + 1))
    return [h[bounds[i] : bounds[i + 1]].astype(_U64).tobytes() for i in range(len(sequences))]


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


# ---------------------------------------------------------------------------------------------------------------
# Finding similar pairs


@dataclass(frozen=True, slots=True, kw_only=True)
class _Index:
    """The surviving shingles of each counted (submission, function) group, sorted by submission, function, key."""

    uid: np.ndarray  # per entry: index of its (function, shingle) key
    weight: np.ndarray  # per key
    keys: np.ndarray  # per key: the 64-bit key itself
    starts: np.ndarray  # per group: its first entry
    ends: np.ndarray  # per group: one past its last entry
    sub: np.ndarray  # per group: submission index
    fn: np.ndarray  # per group: function index
    total: np.ndarray  # per group: sum of its weights
    group_of: np.ndarray  # (submission, function) -> group index, or -1


def _build_index(ids: Sequence[str], names: Sequence[str], prints: Mapping[str, Mapping[str, FunctionPrint]],
                 skeleton: np.ndarray, common: float, min_tokens: int) -> _Index | None:  # fmt: skip
    arrays, subs, fns = [], [], []
    for s, ident in enumerate(ids):
        for f, name in enumerate(names):
            fp = prints[ident].get(name)
            if fp is not None and fp.size >= min_tokens and fp.shingles:
                arrays.append(fp.hashes())
                subs.append(s)
                fns.append(f)
    if not arrays:
        return None
    population = np.bincount(np.array(fns, dtype=np.int64), minlength=len(names))
    lengths = [len(a) for a in arrays]
    hashes = np.concatenate(arrays)
    sub, fn = np.repeat(np.array(subs, dtype=np.int64), lengths), np.repeat(np.array(fns, dtype=np.int64), lengths)
    own = ~np.isin(hashes, skeleton)
    salts = np.array([_stable(f"function {name}") for name in names], dtype=_U64)
    keys, inverse, df = np.unique(_mix(hashes[own] ^ salts[fn[own]]), return_inverse=True, return_counts=True)
    sub, fn = sub[own], fn[own]
    key_fn = np.zeros(len(keys), dtype=np.int64)
    key_fn[inverse] = fn
    n = population[key_fn]
    weight = np.log1p(n / df)
    kept = ~((n >= _MIN_POPULATION) & (df > common * n))[inverse]
    sub, fn, uid = sub[kept], fn[kept], inverse[kept]
    group = sub * len(names) + fn
    big = np.bincount(group, minlength=len(ids) * len(names))[group] >= max(1, min_tokens - SHINGLE + 1)
    if not big.any():
        return None
    order = np.lexsort((uid[big], group[big]))
    uid, group = uid[big][order], group[big][order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    group_of = np.full((len(ids), len(names)), -1, dtype=np.int64)
    group_of.flat[group[starts]] = np.arange(len(starts))
    return _Index(uid=uid, weight=weight, keys=keys, starts=starts, ends=np.r_[starts[1:], len(uid)],
                  sub=group[starts] // len(names), fn=group[starts] % len(names),
                  total=np.add.reduceat(weight[uid], starts), group_of=group_of)  # fmt: skip


def _signatures(index: _Index) -> np.ndarray:
    """One weighted MinHash signature per group: ``min -log(u) / w`` over its shingles, per permutation."""
    signature = np.empty((len(index.starts), _PERMUTATIONS))
    for p in range(_PERMUTATIONS):
        u = (_mix(index.keys ^ np.uint64(_stable(f"permutation {p}"))) >> np.uint64(11)).astype(np.float64) + 0.5
        race = -np.log(u * 2.0**-53) / index.weight  # exponential with rate = weight
        signature[:, p] = np.minimum.reduceat(race[index.uid], index.starts)
    return signature


def _candidates(index: _Index, signature: np.ndarray, threshold: float) -> np.ndarray:
    """Submission pairs (i < j) with two functions alike, or the only function both have.

    Alike: the two versions share a bucket in at least one LSH band, or their signatures are identical. A bucket
    with more than ``max(_MIN_BUCKET, sqrt(submissions))`` versions holds popular code, not evidence: it makes no
    pairs by itself, but identical popular versions still count as a second function alike.
    """
    target = threshold - 0.25  # about where a function pair has even odds of sharing a bucket
    rows = next((r for r in (4, 3, 2) if (r / _PERMUTATIONS) ** (1 / r) <= target), 1)
    n, functions = index.group_of.shape
    cap = max(_MIN_BUCKET, math.isqrt(n))
    found: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    bits = signature.view(np.uint64)
    whole = np.zeros(len(bits), dtype=np.uint64)
    for band in range(_PERMUTATIONS // rows):
        key = _mix(index.fn.astype(np.uint64) + np.uint64(band << 32))
        for column in range(band * rows, (band + 1) * rows):
            key = _mix(key ^ bits[:, column])
        whole = _mix(whole ^ key)
        order = np.argsort(key, kind="stable")
        edges = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1], True])
        sizes = np.diff(edges)
        for size in np.unique(sizes[(sizes > 1) & (sizes <= cap)]).tolist():
            groups = order[edges[:-1][sizes == size][:, None] + np.arange(size)]
            members, fn = index.sub[groups], index.fn[groups[:, :1]]  # members increase along each row
            i, j = np.triu_indices(size, 1)
            found.append(((members[:, i] * n + members[:, j]) * functions + fn).ravel())
    codes = np.sort(np.concatenate(found))  # (pair, function) codes
    if not len(codes):
        return np.zeros((0, 2), dtype=np.int64)
    pair = codes // functions
    fresh = np.r_[True, pair[1:] != pair[:-1]]
    pairs, which = pair[fresh], np.cumsum(fresh) - 1
    alike = np.zeros((len(pairs), functions), dtype=bool)
    alike[which, codes % functions] = True
    left, right = index.group_of[pairs // n], index.group_of[pairs % n]
    both = (left >= 0) & (right >= 0)
    alike |= both & (whole[left] == whole[right])
    keep = alike.sum(axis=1) >= np.minimum(2, both.sum(axis=1))
    return np.stack([pairs[keep] // n, pairs[keep] % n], axis=1)


def _plausible(index: _Index, signature: np.ndarray, pairs: np.ndarray, threshold: float) -> np.ndarray:
    """The candidate pairs whose estimated score is at least ``threshold - _SLACK``, worth an exact score.

    Per function both submissions have, the share of agreeing signature entries estimates its weighted Jaccard
    index J; with the two total weights Wa and Wb that gives its union (Wa + Wb) / (1 + J) and intersection J times
    that, hence the score. One byte per entry is compared (b-bit minwise hashing): a chance agreement in 1/256.
    """
    small = (_mix(signature.view(np.uint64)) >> np.uint64(56)).astype(np.uint8)
    step = max(1, 2**24 // (index.group_of.shape[1] * _PERMUTATIONS))
    kept = [np.zeros((0, 2), dtype=np.int64)]
    for chunk in range(0, len(pairs), step):
        part = pairs[chunk : chunk + step]
        left, right = index.group_of[part[:, 0]], index.group_of[part[:, 1]]
        agree = (small[left] == small[right]).mean(axis=2)
        union = np.where((left >= 0) & (right >= 0), (index.total[left] + index.total[right]) / (1.0 + agree), 0.0)
        estimate = (agree * union).sum(axis=1) / np.maximum(union.sum(axis=1), 1e-300)
        kept.append(part[estimate >= threshold - _SLACK])
    return np.concatenate(kept)


def _score(index: _Index, a: int, b: int, names: Sequence[str]) -> tuple[float, list[tuple[str, float]]]:
    """The exact score of submissions ``a`` and ``b`` and the similarity of each function both have."""
    inter_total = union_total = 0.0
    per_function: list[tuple[str, float]] = []
    for f, name in enumerate(names):
        left, right = int(index.group_of[a, f]), int(index.group_of[b, f])
        if left < 0 or right < 0:
            continue
        shared = np.intersect1d(index.uid[index.starts[left] : index.ends[left]],
                                index.uid[index.starts[right] : index.ends[right]], assume_unique=True)  # fmt: skip
        inter = float(index.weight[shared].sum())
        union = float(index.total[left] + index.total[right]) - inter
        per_function.append((name, round(inter / union, 6) if union > 0 else 0.0))
        inter_total, union_total = inter_total + inter, union_total + union
    return (round(inter_total / union_total, 6) if union_total > 0 else 0.0), per_function


def find_similar(
    prints: Mapping[str, Mapping[str, FunctionPrint]], *, threshold: float = 0.8,
    skeleton: Mapping[str, FunctionPrint] | None = None, limit: int = 200, common: float = 0.5, min_tokens: int = 15,
) -> tuple[SimilarPair, ...]:  # fmt: skip
    """Pairs of submissions scoring at least ``threshold``, best first (ties by ids), at most ``limit`` of them.

    ``prints`` maps a submission id to its ``fingerprints``. ``skeleton`` is the stub's fingerprints: shingles
    found in it count for no one. The module docstring describes the score, the weights and the search. Scores and
    similarities are rounded to 6 decimals. The output depends only on the inputs (not on the mapping's order).
    """
    if not 0.0 < threshold <= 1.0 or limit < 0 or not 0.0 < common <= 1.0 or min_tokens < 0:
        raise ValueError(f"bad arguments: {threshold=}, {limit=}, {common=}, {min_tokens=}")
    ids = sorted(prints)
    names = sorted({name for fps in prints.values() for name in fps})
    skeleton_hashes = np.concatenate([np.zeros(0, _U64), *(fp.hashes() for fp in (skeleton or {}).values())])
    index = _build_index(ids, names, prints, skeleton_hashes, common, min_tokens)
    if index is None or limit == 0:
        return ()
    signature = _signatures(index)
    scored = []
    for a, b in _plausible(index, signature, _candidates(index, signature, threshold), threshold).tolist():
        score, per_function = _score(index, a, b, names)
        if score >= threshold:
            scored.append((-score, ids[a], ids[b], per_function))
    scored.sort(key=lambda item: item[:3])
    pairs = []
    for negative, left, right, per_function in scored[:limit]:
        matches = [
            FunctionMatch(function=name, similarity=sim, left_source=prints[left][name].source,
                          right_source=prints[right][name].source, left_where=prints[left][name].where,
                          right_where=prints[right][name].where)
            for name, sim in sorted(per_function, key=lambda item: (-item[1], item[0]))
        ]  # fmt: skip
        pairs.append(SimilarPair(left=left, right=right, score=-negative, matches=tuple(matches)))
    return tuple(pairs)
