"""initialize_parameters is graded by properties, never by matching one random stream: any seed, any generator
(np.random.randn, default_rng, ...) gets full marks as long as the weights are small, random and not symmetric."""

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_array, expect_keys

pytestmark = pytest.mark.grades("initialize_parameters")

# Layers large enough for the statistics below to be sound.
BIG = (2, 200, 3)


def _params(student, shapes, n_x, n_h, n_y):
    params = expect_keys(student.initialize_parameters(n_x, n_h, n_y), ("W1", "b1", "W2", "b2"),
                         f"initialize_parameters({n_x}, {n_h}, {n_y})")
    for name, shape in shapes.items():
        value = expect_array(params[name], name, shape=shape(n_x, n_h, n_y))
        if not np.all(np.isfinite(value)):
            raise CheckFailure(f"{name} holds NaN or infinite values", expected="finite numbers",
                               got=describe(value), flags=("wrong-values",))
    return params


def test_shapes(student, shapes):
    for sizes in ((2, 4, 1), (5, 3, 2)):
        _params(student, shapes, *sizes)


def test_not_zero(student, shapes, mistakes):
    params = _params(student, shapes, *BIG)
    zero = [name for name in ("W1", "W2") if not np.any(params[name])]
    if zero:
        failure = CheckFailure(
            f"{' and '.join(zero)} {'is' if len(zero) == 1 else 'are'} all zeros. With zero weights every hidden "
            "unit computes the same function and receives the same gradient, so the units never become different.",
            expected="small random values, e.g. np.random.randn(n_h, n_x) * 0.01",
            got=describe(params[zero[0]]), flags=("zero-init",), lesson="zero-init")
        raise mistakes.explain(failure, "initialize_parameters", params)


def test_distinct_rows(student, shapes, mistakes):
    params = _params(student, shapes, *BIG)
    W1 = params["W1"]
    rounded = np.round(W1, 12)
    unique = np.unique(rounded, axis=0).shape[0]
    if unique < W1.shape[0]:
        failure = CheckFailure(
            f"Only {unique} of the {W1.shape[0]} rows of W1 are different. Hidden units whose incoming weights are "
            "identical compute identical values and get identical updates: the symmetry is never broken.",
            expected=f"{W1.shape[0]} different rows (random values)", got=describe(W1),
            flags=("symmetric-init",), lesson="symmetric-init")
        raise mistakes.explain(failure, "initialize_parameters", params)


def test_small_scale(student, shapes, flower, tolerance, mistakes):
    X, _ = flower
    params = _params(student, shapes, *BIG)
    Z1 = params["W1"] @ X + params["b1"]
    share = float(np.mean(np.abs(Z1) > 2.0))
    if share > tolerance["saturated_share"]:
        std = float(np.std(params["W1"]))
        failure = CheckFailure(
            f"{share:.0%} of the hidden pre-activations Z1 on the flower data are beyond |z| > 2, where tanh is flat "
            f"(its slope 1 - tanh(z)^2 is below 0.07). W1 has standard deviation {std:.3g}; scale randn by 0.01.",
            expected=f"at most {tolerance['saturated_share']:.0%} saturated (W1 std about 0.01)",
            got=f"{share:.1%} saturated, W1 std {std:.3g}", flags=("saturating-init",), lesson="saturating-init")
        raise mistakes.explain(failure, "initialize_parameters", params)


def test_biases(student, shapes, tolerance):
    params = _params(student, shapes, *BIG)
    for name in ("b1", "b2"):
        largest = float(np.max(np.abs(params[name])))
        if not largest <= tolerance["bias_max"]:
            raise CheckFailure(
                f"{name} should start at zero (or very small): the random weights already break the symmetry.",
                expected=f"zeros (|{name}| <= {tolerance['bias_max']:g})", got=describe(params[name]),
                flags=("wrong-values",), lesson="function:initialize_parameters")
