"""Shared inputs and measurements for the initialization checks. Everything here runs in the grader's trusted process.

The three functions are graded by properties, never by matching one random stream: any seed and any generator
(np.random.randn, np.random.default_rng, ...) get full marks. The statistics are measured on large layers, where
they are sound; how far a measurement may stray is set in grading.toml [tolerances].
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_array, expect_keys

# Layer lists for the shape checks: the assignment's network, a single layer, a deeper one, a wide first layer.
SHAPE_CASES = ([2, 10, 5, 1], [3, 1], [4, 6, 3, 2, 1], [7, 2, 9])
# Layers for the statistics: 240,000, 80,000 and 200 weights. The sizes make every common mistake distinguishable
# (2/n_prev, 1/n_prev, 2/n_l and 2/(n_prev + n_l) differ by at least 20% in the first two layers).
BIG = [600, 400, 200, 1]


def keys_for(layers_dims: list[int]) -> list[str]:
    return [key for l in range(1, len(layers_dims)) for key in (f"W{l}", f"b{l}")]


@pytest.fixture
def shape_cases() -> tuple[list[int], ...]:
    return SHAPE_CASES


@pytest.fixture
def big_dims() -> list[int]:
    return list(BIG)


@pytest.fixture
def initialized(student) -> Callable[..., dict[str, np.ndarray]]:
    """``initialized(function, layers_dims, shapes=False)``: call the student's function and return its parameters
    as float arrays.

    Always checked: a dict holding every key W1, b1, ..., WL, bL, each a numeric array of finite numbers with the
    number of entries of its layer. With ``shapes=True`` also the shape of every array and the absence of other
    keys; the other checks read each array in whatever layout it comes (a transposed or flat array is turned back),
    leaving shapes to the shape check, so that one mistake costs its own points only.
    """

    def call(function: str, layers_dims: list[int], *, shapes: bool = False) -> dict[str, np.ndarray]:
        label = f"{function}({list(layers_dims)})"
        keys = keys_for(layers_dims)
        params = expect_keys(getattr(student, function)(list(layers_dims)), keys, f"The dictionary {label} returned")
        if shapes:
            extra = [key for key in params if key not in keys]
            if extra:
                raise CheckFailure(
                    f"The dictionary {label} returned has keys that do not belong to a network with "
                    f"{len(layers_dims) - 1} layers: {', '.join(map(repr, extra))}. Loop with l from 1 to "
                    "len(layers_dims) - 1 (range(1, len(layers_dims))) and name the keys 'W' + str(l) and "
                    "'b' + str(l).",
                    expected=f"exactly the keys {', '.join(keys)}", got=f"keys {', '.join(map(repr, params))}",
                    flags=("wrong-shape",), lesson="function:" + function)
        result = {}
        for l in range(1, len(layers_dims)):
            wanted = {f"W{l}": (layers_dims[l], layers_dims[l - 1]), f"b{l}": (layers_dims[l], 1)}
            for key, shape in wanted.items():
                value = expect_array(params[key], f"{key} of {label}", shape=shape if shapes else None)
                if value.size != shape[0] * shape[1]:
                    raise CheckFailure(
                        f"{key} of {label} has shape {value.shape}, so it does not hold the {shape[0] * shape[1]} "
                        f"numbers of a {shape} array, and its values cannot be judged.", expected=f"shape {shape}",
                        got=f"shape {value.shape}", flags=("wrong-shape",), lesson="function:" + function)
                if not np.all(np.isfinite(value)):
                    raise CheckFailure(f"{key} of {label} holds NaN or infinite values.", expected="finite numbers",
                                       got=describe(value), flags=("wrong-values",))
                value = np.asarray(value, dtype=np.float64)
                result[key] = value.T if value.shape == shape[::-1] != shape else value.reshape(shape)
        return result

    return call


@dataclass(frozen=True)
class LayerStats:
    """The measured statistics of one weight matrix ``W<l>``."""

    layer: int
    n_prev: int
    n_l: int
    size: int
    mean: float
    std: float

    @property
    def variance(self) -> float:
        return self.std**2

    @property
    def name(self) -> str:
        return f"W{self.layer}"


@pytest.fixture
def layer_stats() -> Callable[[dict[str, np.ndarray], list[int]], list[LayerStats]]:
    """``layer_stats(params, layers_dims)``: the mean and standard deviation of every weight matrix."""

    def measure(params: dict[str, np.ndarray], layers_dims: list[int]) -> list[LayerStats]:
        stats = []
        for l in range(1, len(layers_dims)):
            W = params[f"W{l}"]
            stats.append(LayerStats(layer=l, n_prev=layers_dims[l - 1], n_l=layers_dims[l], size=int(W.size),
                                    mean=float(W.mean()), std=float(W.std())))
        return stats

    return measure


@pytest.fixture
def allowance(tolerance) -> Callable[[float, int, float], float]:
    """``allowance(rtol, n, errors_per_entry)``: the relative tolerance of a statistic measured over ``n`` entries:
    ``rtol``, or ``sampling_errors`` times its sampling error ``errors_per_entry / sqrt(n)`` if that is larger."""

    def allowed(rtol: float, n: int, spread: float) -> float:
        return max(rtol, tolerance["sampling_errors"] * spread / math.sqrt(max(n, 1)))

    return allowed


@pytest.fixture
def centred(tolerance, allowance) -> Callable[[str, list[LayerStats]], None]:
    """``centred(function, stats)``: fail with ``nonzero-mean`` unless every layer's weights are centred on 0."""

    def check(function: str, stats: list[LayerStats]) -> None:
        off = [s for s in stats
               if s.std > 0 and abs(s.mean) > allowance(tolerance["mean_over_std"], s.size, 1.0) * s.std]
        if off:
            listing = "; ".join(f"{s.name}: mean {s.mean:.4g}, standard deviation {s.std:.4g}" for s in off)
            raise CheckFailure(
                f"The weights are not centred on zero ({listing}). Weights of both signs are needed, so that units "
                "respond to different directions of their input; np.random.rand draws from [0, 1), while "
                "np.random.randn (or default_rng().standard_normal) draws from a normal distribution centred on 0.",
                expected="mean about 0", got=listing, flags=("nonzero-mean",), lesson="nonzero-mean")

    return check


@pytest.fixture
def symmetric_rows() -> Callable[[str, dict[str, np.ndarray]], None]:
    """``symmetric_rows(function, params)``: fail if a weight matrix is all zeros or repeats a row."""

    def check(function: str, params: dict[str, np.ndarray]) -> None:
        weights = {key: np.atleast_2d(value) for key, value in params.items() if key.startswith("W")}
        zero = [key for key, W in weights.items() if not np.any(W)]
        if zero:
            raise CheckFailure(
                f"{function}: {', '.join(zero)} {'is' if len(zero) == 1 else 'are'} all zeros. With zero weights every "
                "unit of a layer computes the same value and receives the same gradient, so the units never become "
                "different.", expected="random values", got=describe(weights[zero[0]]),
                flags=("zero-init",), lesson="zero-init")
        for key, W in weights.items():
            unique = np.unique(np.round(W, 12), axis=0).shape[0]
            if unique < W.shape[0]:
                raise CheckFailure(
                    f"{function}: only {unique} of the {W.shape[0]} rows of {key} are different. Each row holds the "
                    "incoming weights of one unit; units that start with the same weights compute the same values and "
                    "get the same updates, so the symmetry is never broken. Draw every entry independently.",
                    expected=f"{W.shape[0]} different rows (random values)", got=describe(W),
                    flags=("symmetric-init",), lesson="symmetric-init")

    return check


@pytest.fixture
def biases_zero(tolerance) -> Callable[[str, dict[str, np.ndarray]], None]:
    """``biases_zero(function, params)``: fail with ``wrong-values`` unless every bias is zero."""

    def check(function: str, params: dict[str, np.ndarray]) -> None:
        for key, value in params.items():
            if key.startswith("b") and not float(np.max(np.abs(value), initial=0.0)) <= tolerance["bias_max"]:
                raise CheckFailure(
                    f"{function}: {key} should be zeros. The random weights already make the units different, so "
                    "the biases start at zero: np.zeros((layers_dims[l], 1)).",
                    expected="zeros", got=describe(value), flags=("wrong-values",), lesson="function:" + function)

    return check
