"""initialize_parameters is graded by properties, never by matching one random stream: any seed, any generator
(np.random.randn, default_rng, ...) gets full marks as long as the weights are small, random, centred on zero and
not symmetric. Both W1 and W2 are judged, at two sizes of large layers (where the statistics are sound).

Only ``shapes`` judges the layout of the arrays; the other checks read each array in whatever layout it comes
(``lenient``), so a shape slip (b1 of shape (n_h,)) costs the shape check alone.
"""

import math

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_array, expect_keys

pytestmark = pytest.mark.grades("initialize_parameters")

# Layers large enough for the statistics below to be sound; n_x = 2 for the flower data.
BIG = ((2, 200, 3), (2, 160, 4))


@pytest.fixture
def big(student, as_parameters):
    """The parameters of initialize_parameters at both big sizes, as float arrays (any layout)."""
    out = []
    for sizes in BIG:
        params = as_parameters(student.initialize_parameters(*sizes), sizes, f"initialize_parameters{sizes}")
        for name, value in params.items():
            if not np.all(np.isfinite(value)):
                raise CheckFailure(f"{name} holds NaN or infinite values", expected="finite numbers",
                                   got=describe(value), flags=("wrong-values",))
        out.append(params)
    return out


def test_shapes(student, shapes):
    for sizes in ((2, 4, 1), (5, 3, 2), (3, 7, 2)):
        params = expect_keys(student.initialize_parameters(*sizes), ("W1", "b1", "W2", "b2"),
                             f"initialize_parameters{sizes}")
        for name, shape in shapes.items():
            expect_array(params[name], f"{name} of initialize_parameters{sizes}", shape=shape(*sizes))


# What zeros do, for each set of zero weight matrices: only what holds for that set is said.
_ZERO_EFFECT = {
    ("W1", "W2"): "With every weight zero, every hidden unit computes the same function and receives the same "
                  "gradient, so the units never become different.",
    ("W1",): "With W1 zero, every hidden unit starts with the same incoming weights and computes the same value; "
             "only the random W2 gives them different gradients, so they must drift apart in training instead of "
             "starting out different.",
    ("W2",): "With W2 zero, the output ignores the hidden units at first, and every unit of W1 receives a zero "
             "gradient in the first step (dZ1 = W2.T dZ2 = 0): only W2 learns then, and the hidden units start "
             "learning a step later.",
}


def test_not_zero(big, mistakes):
    for params in big:
        zero = [name for name in ("W1", "W2") if not np.any(params[name])]
        if zero:
            failure = CheckFailure(
                f"{' and '.join(zero)} {'is' if len(zero) == 1 else 'are'} all zeros. {_ZERO_EFFECT[tuple(zero)]}",
                expected="small random values, e.g. np.random.randn(n_h, n_x) * 0.01",
                got=describe(params[zero[0]]), flags=("zero-init",), lesson="zero-init",
                facts={"W1_zero": "W1" in zero, "W2_zero": "W2" in zero, "weights_all_zero": len(zero) == 2})
            raise mistakes.explain(failure, "initialize_parameters", params)


def test_distinct_rows(big, mistakes):
    for params in big:
        for name in ("W1", "W2"):
            W = params[name]
            unique = np.unique(np.round(W, 12), axis=0).shape[0]
            if unique < W.shape[0]:
                failure = CheckFailure(
                    f"Only {unique} of the {W.shape[0]} rows of {name} are different. Units whose incoming weights "
                    "are identical compute identical values and get identical updates: the symmetry is never "
                    "broken.", expected=f"{W.shape[0]} different rows (random values)", got=describe(W),
                    flags=("symmetric-init",), lesson="symmetric-init")
                raise mistakes.explain(failure, "initialize_parameters", params)


def test_small_scale(big, flower, rng, tolerance, mistakes):
    """W1: few hidden pre-activations on the flower data in tanh's flat tails. W2: the output unit stays out of the
    sigmoid's flat tails even when every hidden unit is saturated (activations of ±1)."""
    X, _ = flower
    limit = tolerance["saturated_share"]
    for params in big:
        Z1 = params["W1"] @ X + params["b1"]
        share = float(np.mean(np.abs(Z1) > tolerance["tanh_flat"]))
        if share > limit:
            std = float(np.std(params["W1"]))
            failure = CheckFailure(
                f"{share:.0%} of the hidden pre-activations Z1 on the flower data are beyond "
                f"|z| > {tolerance['tanh_flat']:g}, where tanh is flat (its slope 1 - tanh(z)^2 is below 0.07). W1 "
                f"has standard deviation {std:.3g}; scale randn by 0.01.",
                expected=f"at most {limit:.0%} saturated (W1 std about 0.01)",
                got=f"{share:.1%} saturated, W1 std {std:.3g}", flags=("saturating-init",), lesson="saturating-init")
            raise mistakes.explain(failure, "initialize_parameters", params)
        signs = rng.choice([-1.0, 1.0], size=(params["W2"].shape[1], 256))
        Z2 = params["W2"] @ signs + params["b2"]
        share = float(np.mean(np.abs(Z2) > tolerance["sigmoid_flat"]))
        if share > limit:
            std = float(np.std(params["W2"]))
            failure = CheckFailure(
                f"W2 is so large (standard deviation {std:.3g}) that with the hidden units at ±1 the output's "
                f"pre-activation Z2 is beyond |z| > {tolerance['sigmoid_flat']:g} for {share:.0%} of them: the "
                "sigmoid is flat there and the output barely learns. Scale randn by 0.01 for W2 too.",
                expected=f"at most {limit:.0%} saturated (W2 std about 0.01)",
                got=f"{share:.1%} saturated, W2 std {std:.3g}", flags=("saturating-init",), lesson="saturating-init")
            raise mistakes.explain(failure, "initialize_parameters", params)


def test_centred(big, tolerance, mistakes):
    """The weights have both signs, centred on zero: |mean| within a few sampling errors of 0 (relative to their
    spread). A constant non-zero matrix, or np.random.rand's [0, 1), is not."""
    for params in big:
        for name in ("W1", "W2"):
            W = params[name]
            mean, std = float(W.mean()), float(W.std())
            allowed = max(tolerance["mean_over_std"], tolerance["sampling_errors"] / math.sqrt(W.size)) * std
            if abs(mean) > allowed:
                failure = CheckFailure(
                    f"The weights of {name} are not centred on zero: mean {mean:.3g}, standard deviation {std:.3g}. "
                    "Weights of both signs are needed, so that units respond to different directions of their "
                    "input: np.random.rand draws from [0, 1), while np.random.randn draws from a normal "
                    "distribution centred on 0.", expected="mean about 0", got=f"mean {mean:.3g}, std {std:.3g}",
                    flags=("wrong-values",), lesson="function:initialize_parameters")
                raise mistakes.explain(failure, "initialize_parameters", params)


def test_biases(big, tolerance):
    for params in big:
        for name in ("b1", "b2"):
            largest = float(np.max(np.abs(params[name])))
            if not largest <= tolerance["bias_max"]:
                raise CheckFailure(
                    f"{name} should start at zero (or very small): the random weights already break the symmetry.",
                    expected=f"zeros (|{name}| <= {tolerance['bias_max']:g})", got=describe(params[name]),
                    flags=("wrong-values",), lesson="function:initialize_parameters")
