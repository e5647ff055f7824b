"""The catalogue of known mistakes of ``shallow-nn``: what the checks name when a student's answer is wrong.

The grader executes this file once per session (the ``mistakes`` fixture) with the reference solution injected as the
global ``reference``, and reads ``CATALOGUE``. A check that fails calls ``mistakes.explain(failure, function, got,
*inputs)``: every entry of that function whose ``variant`` (a deliberately wrong copy of the reference) returns the
student's output on the same inputs, or whose ``sign`` (a structural test of the output) holds, is named in the
message, flagged ``mistake:<id>`` and taught by the ``["mistake:<id>"]`` table of assignments/shallow-nn/lessons.toml.

Conventions the checks rely on:

- ``initialize_parameters`` mistakes are signs on the returned dict, sound at the check's big layers (2, 200, 3).
- ``backward_propagation`` variants take an extra keyword ``only``: the gradient names to return. The checks pass
  only the gradients the student got wrong (and ``only`` with their names), so a mistake made at one spot (say a
  missing ``1/m`` in ``dW1`` alone) is recognised as well as the same mistake made everywhere. Asked for a
  gradient it leaves right, a variant raises: it explains only what it changes.
- ``update_parameters`` variants take the same ``only`` keyword (parameter names).
- ``forward_propagation`` variants return ``(A2, cache)`` with the four cache entries; the checks pass the student's
  ``(A2, {Z1, A1, Z2, A2})``.
- Several entries may share an id when one mistake has several written forms (``axis=0`` with and without
  ``keepdims``); on any one output at most one of them can match.

A variant that raises on the check's inputs explains nothing (``Catalogue.diagnose`` skips it): for example
``np.dot`` where backprop's element-wise ``* (1 - A1**2)`` is meant cannot run on the checks' non-square shapes, so
it shows up as the student's own crash with numpy's shape message, not as a catalogued mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checking import Mistake

# ---------------------------------------------------------------------------------------------------------------
# initialize_parameters: signs on the returned parameters (the checks use layers of 200 hidden units)

MIN_ENTRIES = 50  # fewer entries than this are too few for the statistics of the signs below
OVERSIZED_STD = 0.1  # ten times the intended 0.01; weights this large start to push tanh out of its linear part


def _weights(params: Any) -> list[np.ndarray]:
    """W1 and W2 as float arrays, those of them that are numeric arrays."""
    if not isinstance(params, dict):
        return []
    out = []
    for name in ("W1", "W2"):
        value = params.get(name)
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiu" and value.size:
            out.append(np.asarray(value, dtype=np.float64))
    return out


def _all_zero(params: Any) -> bool:
    return any(not np.any(w) for w in _weights(params))


def _constant(params: Any) -> bool:
    """W1 holds one and the same non-zero value everywhere (e.g. np.ones(...) * 0.01)."""
    w1 = params.get("W1") if isinstance(params, dict) else None
    if not isinstance(w1, np.ndarray) or w1.dtype.kind not in "fiu" or w1.size < 2:
        return False
    return bool(np.all(w1 == w1.flat[0])) and w1.flat[0] != 0


def _looks_uniform_positive(w: np.ndarray) -> bool:
    """Drawn from U[0, scale): no negative entry, mean about half the largest, spread like a uniform's."""
    if w.size < MIN_ENTRIES or w.min() < 0:
        return False
    top = float(w.max())
    if top <= 0 or np.all(w == w.flat[0]):
        return False
    mean, std = float(w.mean()) / top, float(w.std()) / top  # U[0, 1): 0.5 and 1/sqrt(12) = 0.289
    return 0.4 <= mean <= 0.6 and 0.22 <= std <= 0.36


def _uniform_positive(params: Any) -> bool:
    return any(_looks_uniform_positive(w) for w in _weights(params))


def _oversized(params: Any) -> bool:
    """Weights with a spread far above 0.01 (randn without the 0.01, or times 10), drawn symmetrically."""
    if _uniform_positive(params):
        return False  # np.random.rand is its own mistake
    return any(w.size >= MIN_ENTRIES and float(np.std(w)) >= OVERSIZED_STD for w in _weights(params))


# ---------------------------------------------------------------------------------------------------------------
# forward_propagation


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _forward(X: np.ndarray, parameters: dict, *, hidden: Callable[[np.ndarray], np.ndarray] = np.tanh,
             bias: bool = True) -> tuple[np.ndarray, dict]:
    """The reference forward pass, with the hidden activation and the biases replaceable."""
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = W1 @ X + (b1 if bias else 0)
    A1 = hidden(Z1)
    Z2 = W2 @ A1 + (b2 if bias else 0)
    A2 = _sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def _forward_variant(**wrong: Any) -> Callable[..., Any]:
    def variant(X: np.ndarray, parameters: dict) -> tuple[np.ndarray, dict]:
        return _forward(X, parameters, **wrong)

    return variant


# ---------------------------------------------------------------------------------------------------------------
# compute_cost


def _cost_outer_product(A2: np.ndarray, Y: np.ndarray) -> float:
    """np.dot where the element-wise product is meant: Y.T (m, 1) times log(A2) (1, m) is an (m, m) outer product."""
    m = Y.shape[1]
    return float(-np.sum(np.dot(Y.T, np.log(A2)) + np.dot((1 - Y).T, np.log(1 - A2))) / m)


def _one_element_array(cost: Any) -> bool:
    return isinstance(cost, np.ndarray) and cost.size == 1 and cost.dtype.kind in "fiu"


# ---------------------------------------------------------------------------------------------------------------
# backward_propagation


def _backward(parameters: dict, cache: dict, X: np.ndarray, Y: np.ndarray, *,
              dz2: Callable = lambda A2, Y: A2 - Y,
              slope: Callable = lambda cache: 1 - cache["A1"] ** 2,
              mean: Callable = lambda total, m: total / m,
              bias: Callable = lambda dZ: np.sum(dZ, axis=1, keepdims=True),
              dw2: Callable = lambda dZ2, A1: dZ2 @ A1.T,
              dw1: Callable = lambda dZ1, X: dZ1 @ X.T) -> dict:
    """The reference backprop, each step replaceable by a wrong one."""
    m = X.shape[1]
    W2, A1, A2 = parameters["W2"], cache["A1"], cache["A2"]
    dZ2 = dz2(A2, Y)
    dW2 = mean(dw2(dZ2, A1), m)
    db2 = mean(bias(dZ2), m)
    dZ1 = (W2.T @ dZ2) * slope(cache)
    dW1 = mean(dw1(dZ1, X), m)
    db1 = mean(bias(dZ1), m)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _changed(wrong: Any, right: np.ndarray) -> bool:
    return np.shape(wrong) != right.shape or not np.allclose(wrong, right, rtol=1e-9, atol=0)


def _backward_variant(**wrong: Callable) -> Callable[..., Any]:
    def variant(parameters: dict, cache: dict, X: np.ndarray, Y: np.ndarray, only: Any = None) -> dict:
        grads = _backward(parameters, cache, X, Y, **wrong)
        if only is None:
            return grads
        right = _backward(parameters, cache, X, Y)
        if not all(_changed(grads[name], right[name]) for name in only):
            raise ValueError("this mistake leaves that gradient right, so it cannot explain it")
        return {name: grads[name] for name in only}

    return variant


# ---------------------------------------------------------------------------------------------------------------
# update_parameters


def _update_plus(parameters: dict, grads: dict, learning_rate: float = 1.2, only: Any = None) -> dict:
    """W + learning_rate * dW; like the backprop variants, ``only`` names the parameters to return."""
    names = ("W1", "b1", "W2", "b2") if only is None else only
    if only is not None and not all(np.any(grads["d" + name]) for name in only):
        raise ValueError("with a zero gradient + and - agree, so the mistake cannot explain that parameter")
    return {name: parameters[name] + learning_rate * grads["d" + name] for name in names}


# ---------------------------------------------------------------------------------------------------------------
# predict


class _SomeOtherThreshold:
    """Equal to predictions that are ``A2 > t`` for some cut-off ``t`` other than 0.5, with both classes present.

    A variant returns one output, but this mistake has a free parameter; the object stands for the whole family.
    ``__array_ufunc__ = None`` makes ``ndarray == self`` defer to ``__eq__`` below.
    """

    __array_ufunc__ = None
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, A2: np.ndarray) -> None:
        self.A2 = np.asarray(A2, dtype=np.float64)

    def __eq__(self, got: Any) -> bool:  # type: ignore[override]
        if not isinstance(got, np.ndarray) or got.shape != self.A2.shape or got.dtype.kind not in "biuf":
            return False
        if not np.all((got == 0) | (got == 1)):
            return False
        positive = got.ravel() != 0
        if positive.all() or not positive.any():
            return False
        below, above = float(self.A2.ravel()[~positive].max()), float(self.A2.ravel()[positive].min())
        if not below < above:
            return False  # no single cut-off separates the two classes
        return not below <= 0.5 <= above  # 0.5 lies between them: that is A2 > 0.5 (or >= 0.5), the right cut

    def __repr__(self) -> str:
        return "A2 > t for some t != 0.5"


def _predict_other_threshold(parameters: dict, X: np.ndarray) -> _SomeOtherThreshold:
    A2, _ = reference.forward_propagation(X, parameters)  # noqa: F821 - injected by the grader
    return _SomeOtherThreshold(A2)


def _predict_inverted(parameters: dict, X: np.ndarray) -> np.ndarray:
    A2, _ = reference.forward_propagation(X, parameters)  # noqa: F821
    return A2 < 0.5


def _predict_no_threshold(parameters: dict, X: np.ndarray) -> np.ndarray:
    A2, _ = reference.forward_propagation(X, parameters)  # noqa: F821
    return A2


# ---------------------------------------------------------------------------------------------------------------

CATALOGUE = [
    # initialize_parameters
    Mistake(id="init-zeros", function="initialize_parameters",
            title="the weights are initialised with zeros", sign=_all_zero),
    Mistake(id="init-constant", function="initialize_parameters",
            title="every entry of W1 starts at the same non-zero constant", sign=_constant),
    Mistake(id="init-uniform-positive", function="initialize_parameters",
            title="the weights come from np.random.rand, which draws only positive values in [0, 1)",
            sign=_uniform_positive),
    Mistake(id="init-oversized", function="initialize_parameters",
            title="the random weights are far larger than 0.01 (randn without the * 0.01, or scaled up)",
            sign=_oversized),
    # forward_propagation
    Mistake(id="forward-sigmoid-hidden", function="forward_propagation",
            title="the hidden layer uses sigmoid instead of tanh",
            variant=_forward_variant(hidden=_sigmoid)),
    Mistake(id="forward-no-bias", function="forward_propagation",
            title="the biases b1 and b2 are left out of Z1 and Z2",
            variant=_forward_variant(bias=False)),
    # compute_cost
    Mistake(id="cost-wrong-sign", function="compute_cost",
            title="the cost has the wrong sign (the minus in front of (1/m) * sum is missing)",
            variant=lambda A2, Y: -reference.compute_cost(A2, Y)),  # noqa: F821
    Mistake(id="cost-sum-not-mean", function="compute_cost",
            title="the cost is summed over the examples but not divided by m",
            variant=lambda A2, Y: reference.compute_cost(A2, Y) * Y.shape[1]),  # noqa: F821
    # the notebooks' hint, logprobs = np.multiply(np.log(A2), Y), taken for the whole answer (with or without 1/m)
    Mistake(id="cost-no-one-minus-y", function="compute_cost",
            title="the cost keeps only the Y * log(A2) term: the (1 - Y) * log(1 - A2) term is missing",
            variant=lambda A2, Y: float(-np.sum(Y * np.log(A2)) / Y.shape[1])),
    Mistake(id="cost-no-one-minus-y", function="compute_cost",
            title="the cost keeps only the Y * log(A2) term, summed: the (1 - Y) * log(1 - A2) term and the "
                  "division by m are missing",
            variant=lambda A2, Y: float(-np.sum(Y * np.log(A2)))),
    Mistake(id="cost-outer-product", function="compute_cost",
            title="np.dot is used where the element-wise product Y * log(A2) is meant",
            variant=_cost_outer_product),
    Mistake(id="cost-as-array", function="compute_cost",
            title="the cost is returned as a numpy array (e.g. of shape (1, 1)), not as a float",
            sign=_one_element_array),
    # backward_propagation
    Mistake(id="tanh-derivative-from-z1", function="backward_propagation",
            title="the tanh derivative is computed from Z1 (1 - Z1**2) instead of from A1 (1 - A1**2)",
            variant=_backward_variant(slope=lambda cache: 1 - cache["Z1"] ** 2)),
    Mistake(id="sigmoid-derivative-for-tanh", function="backward_propagation",
            title="the hidden layer's slope is the sigmoid's, A1 * (1 - A1), instead of tanh's, 1 - A1**2",
            variant=_backward_variant(slope=lambda cache: cache["A1"] * (1 - cache["A1"]))),
    Mistake(id="dz2-reversed", function="backward_propagation",
            title="dZ2 is computed as Y - A2 instead of A2 - Y, which flips the sign of every gradient",
            variant=_backward_variant(dz2=lambda A2, Y: Y - A2)),
    Mistake(id="missing-1-over-m", function="backward_propagation",
            title="a gradient is summed over the examples but not divided by m",
            variant=_backward_variant(mean=lambda total, m: total)),
    Mistake(id="extra-1-over-m", function="backward_propagation",
            title="a gradient is divided by m twice",
            variant=_backward_variant(mean=lambda total, m: total / m / m)),
    Mistake(id="missing-keepdims", function="backward_propagation",
            title="np.sum(..., axis=1) without keepdims=True turns the bias gradient into a 1-D array",
            variant=_backward_variant(bias=lambda dZ: np.sum(dZ, axis=1))),
    Mistake(id="sum-wrong-axis", function="backward_propagation",
            title="the bias gradient sums over the hidden units (axis=0) instead of over the examples (axis=1)",
            variant=_backward_variant(bias=lambda dZ: np.sum(dZ, axis=0, keepdims=True))),
    Mistake(id="sum-wrong-axis", function="backward_propagation",
            title="the bias gradient sums over the hidden units (axis=0) instead of over the examples (axis=1)",
            variant=_backward_variant(bias=lambda dZ: np.sum(dZ, axis=0))),
    Mistake(id="sum-wrong-axis", function="backward_propagation",
            title="the bias gradient sums over everything (no axis) instead of over the examples (axis=1)",
            variant=_backward_variant(bias=lambda dZ: np.sum(dZ))),
    Mistake(id="transposed-gradient", function="backward_propagation",
            title="a weight gradient is computed as input @ dZ.T (e.g. X @ dZ1.T), which gives its transpose",
            variant=_backward_variant(dw2=lambda dZ2, A1: A1 @ dZ2.T, dw1=lambda dZ1, X: X @ dZ1.T)),
    Mistake(id="elementwise-for-matmul", function="backward_propagation",
            title="dW2 uses the element-wise product dZ2 * A1 where the matrix product dZ2 @ A1.T is meant",
            variant=_backward_variant(dw2=lambda dZ2, A1: dZ2 * A1)),
    # update_parameters
    Mistake(id="update-plus", function="update_parameters",
            title="the update adds the gradient (W + learning_rate * dW) instead of subtracting it",
            variant=_update_plus),
    # predict
    Mistake(id="predict-threshold", function="predict",
            title="the predictions cut A2 at a threshold other than 0.5",
            variant=_predict_other_threshold),
    Mistake(id="predict-inverted", function="predict",
            title="the classes are swapped: True where A2 is below 0.5",
            variant=_predict_inverted),
    Mistake(id="predict-no-threshold", function="predict",
            title="predict returns the probabilities A2 themselves instead of thresholding them",
            variant=_predict_no_threshold),
]
