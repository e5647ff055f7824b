"""Backprop is checked against parts known to be right: the cache comes from the reference's forward pass, and the
numerical gradient from the reference's cost. A wrong forward_propagation or compute_cost of the student's cannot
cost backward_propagation its points. Float32 gradients are compared at float32 precision (``expect_close``)."""

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_array, expect_close, expect_keys

pytestmark = pytest.mark.grades("backward_propagation")

NAMES = ("dW1", "db1", "dW2", "db2")


def _wrong(grads, expected, tolerance):
    """The gradients of ``grads`` that differ from ``expected`` in type, shape or value."""
    out = []
    for name in NAMES:
        got = grads.get(name)
        if not (isinstance(got, np.ndarray) and got.shape == expected[name].shape and got.dtype.kind in "fiu"
                and np.allclose(got.astype(np.float64), expected[name], rtol=tolerance["rtol"],
                                atol=tolerance["atol"])):
            out.append(name)
    return tuple(out)


def _explained(failure, mistakes, grads, expected, tolerance, params, cache, X, Y):
    """``failure``, naming the catalogued mistake that gives exactly the gradients the student got wrong."""
    wrong = _wrong(grads, expected, tolerance) or NAMES
    return mistakes.explain(failure, "backward_propagation", {name: grads.get(name) for name in wrong},
                            params, cache, X, Y, only=wrong)


def _grads(student, reference, mistakes, tolerance, params, cache, X, Y):
    """The student's gradients, with the right names and shapes, and the reference's."""
    grads = expect_keys(student.backward_propagation(params, cache, X, Y), NAMES, "The gradients")
    expected = reference.backward_propagation(params, cache, X, Y)
    try:
        for name in NAMES:
            expect_array(grads[name], name, shape=params[name[1:]].shape)
    except CheckFailure as failure:
        raise _explained(failure, mistakes, grads, expected, tolerance, params, cache, X, Y) from None
    return grads, expected


def test_values(student, reference, rng, random_parameters, random_labels, tolerance, mistakes):
    # n_x = 3, n_h = 5, m = 11: no two sizes equal, so a transposed or broadcast product shows in the shapes.
    # Moderate weights, where every mistake shows, then large ones, where tanh saturates (slopes near 0).
    for scale in (1.0, 3.0):
        X, Y = rng.standard_normal((3, 11)), random_labels(11)
        params = random_parameters(3, 5, 1, scale=scale)
        _, cache = reference.forward_propagation(X, params)
        _judge(student, reference, mistakes, tolerance, params, cache, X, Y)


def _judge(student, reference, mistakes, tolerance, params, cache, X, Y):
    grads, expected = _grads(student, reference, mistakes, tolerance, params, cache, X, Y)
    hints = {
        "dW2": "dZ2 = A2 - Y and dW2 = (1/m) * dZ2 @ A1.T.",
        "db2": "db2 = (1/m) * np.sum(dZ2, axis=1, keepdims=True).",
        "dW1": "dZ1 = (W2.T @ dZ2) * (1 - A1**2): the derivative of tanh is 1 - tanh(Z1)^2 = 1 - A1^2. "
               "Then dW1 = (1/m) * dZ1 @ X.T.",
        "db1": "db1 = (1/m) * np.sum(dZ1, axis=1, keepdims=True).",
    }
    try:
        for name in ("dW2", "db2", "dW1", "db1"):
            expect_close(grads[name], expected[name], name, rtol=tolerance["rtol"], atol=tolerance["atol"],
                         context=hints[name], lesson="function:backward_propagation")
    except CheckFailure as failure:
        raise _explained(failure, mistakes, grads, expected, tolerance, params, cache, X, Y) from None


def _cost(reference, params, X, Y):
    A2, _ = reference.forward_propagation(X, params)
    return reference.compute_cost(A2, Y)


def test_gradient_check(student, reference, rng, random_parameters, random_labels, tolerance, mistakes):
    X, Y = rng.standard_normal((2, 9)), random_labels(9)
    params = random_parameters(2, 3, 1)
    _, cache = reference.forward_propagation(X, params)
    grads, expected = _grads(student, reference, mistakes, tolerance, params, cache, X, Y)
    eps = 1e-6
    analytic, numeric = [], []
    for name in ("W1", "b1", "W2", "b2"):
        for index in np.ndindex(params[name].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][index] += eps
            minus[name][index] -= eps
            numeric.append((_cost(reference, plus, X, Y) - _cost(reference, minus, X, Y)) / (2 * eps))
            analytic.append(float(np.asarray(grads["d" + name], dtype=np.float64)[index]))
    analytic_v, numeric_v = np.array(analytic), np.array(numeric)
    denominator = np.linalg.norm(analytic_v) + np.linalg.norm(numeric_v)
    difference = float(np.linalg.norm(analytic_v - numeric_v) / denominator) if denominator else 0.0
    if not difference < tolerance["gradient_check"]:
        failure = CheckFailure(
            f"Your gradients disagree with the numerical gradient of the cost: relative difference {difference:.3g} "
            f"(must be below {tolerance['gradient_check']:g}). The numerical gradient nudges each parameter by "
            f"±{eps:g} and measures how the cost changes; a correct backprop matches it to many digits.",
            expected=f"numerical gradient: {describe(numeric_v)}", got=f"your gradient: {describe(analytic_v)}",
            flags=("gradient-mismatch",), lesson="gradient-mismatch")
        raise _explained(failure, mistakes, grads, expected, tolerance, params, cache, X, Y)
