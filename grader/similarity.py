"""Similarity for academic integrity: pairs of submissions whose graded functions are near-identical.

Like MOSS, but on the syntax tree, and the algorithm only: ``fingerprint.py`` turns each graded function into
hashed shingles; ``similarity_report.py`` reads the submissions and writes the report. Nothing here runs student
code, reads files or writes anything.

1. ``find_similar``: the skeleton's shingles (the stub's, from all of its functions together) are removed. Each
   remaining shingle of function f gets the weight ``log(1 + n_f / df)``, where n_f is the number of submissions
   that define f and df is how many of them contain the shingle. Once at least ``_MIN_POPULATION`` submissions
   define f, shingles found in more than ``common`` (half) of them are dropped: that is the solution everybody
   converges on. A function counts only if it has at least ``min_tokens`` tokens and at least
   ``min_tokens - SHINGLE + 1`` shingles survive, so short, standard functions (``update_parameters`` written the
   usual way) do not make honest pairs look similar. For one function, similarity is the weighted Jaccard index
   ``sum w(A∩B) / sum w(A∪B)``. A pair's **score** sums both parts over the functions that count in both
   submissions: ``sum_f w(A_f∩B_f) / sum_f w(A_f∪B_f)``. That is a mean of the per-function similarities weighted
   by each function's union weight, so large, rare code counts more than small, common code.
2. Scale, without comparing every pair: per function, each version gets a weighted MinHash signature of
   ``_PERMUTATIONS`` values (the exponential race ``min -log(u) / w``: two entries agree with probability equal to
   the weighted Jaccard index). Versions sharing a bucket in an LSH band make their submissions candidates, if the
   bucket is not too full (more than ``max(_MIN_BUCKET, sqrt(n))`` alike versions are popular code, not evidence)
   and the pair collides in two functions, or in the only one both have. A candidate whose estimated score (from
   one byte per signature entry) is at least ``threshold - _SLACK`` gets its exact score. All of it is numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .fingerprint import HASH_DTYPE, SHINGLE, FunctionPrint, mix64, stable_hash

__all__ = ["FunctionMatch", "SimilarPair", "find_similar"]

_PERMUTATIONS = 64  # MinHash signature length (per function)
_MIN_BUCKET = 50  # LSH buckets of up to max(this, sqrt(submissions)) versions give pairs; larger ones: popular code
_SLACK = 0.2  # candidates whose estimated similarity is below threshold - _SLACK are not scored exactly
_MIN_POPULATION = 20  # below this many submissions of a function, no shingle is "common"


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
    salts = np.array([stable_hash(f"function {name}") for name in names], dtype=HASH_DTYPE)
    keys, inverse, df = np.unique(mix64(hashes[own] ^ salts[fn[own]]), return_inverse=True, return_counts=True)
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
        u = (mix64(index.keys ^ np.uint64(stable_hash(f"permutation {p}"))) >> np.uint64(11)).astype(np.float64) + 0.5
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
        key = mix64(index.fn.astype(np.uint64) + np.uint64(band << 32))
        for column in range(band * rows, (band + 1) * rows):
            key = mix64(key ^ bits[:, column])
        whole = mix64(whole ^ key)
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
    small = (mix64(signature.view(np.uint64)) >> np.uint64(56)).astype(np.uint8)
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
    skeleton_hashes = np.concatenate([np.zeros(0, HASH_DTYPE), *(fp.hashes() for fp in (skeleton or {}).values())])
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
