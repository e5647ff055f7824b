"""predict composes forward_propagation and a threshold. It is a composite (assignment.toml): while it runs, the
reference answers its forward_propagation, so predict is judged on its own code, the threshold.

Its inputs probe the edge it exists for, on purpose: at several scales of the parameters, the output bias b2 is set
so that the outputs A2 fall on both sides of 0.5, with two points just either side of it (a few 1e-3 away, far
above rounding noise), many in between 0.5 and any other cut-off one might use, and some beyond 0.05 and 0.95 (so a
cut-off at 0.9 still predicts both classes, which is how the catalogue names it). Every catalogued mistake (a
cut-off other than 0.5, swapped classes, no threshold) and a forward pass of its own that forgets a bias change
some of these predictions, whatever the draw.
"""

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_array

pytestmark = pytest.mark.grades("predict")

SCALES = (0.5, 1.0, 3.0)  # W1 and b1: tanh nearly linear, moderate, saturating
NEAR = 1e-3  # every |Z2| is above this: far above rounding noise, so any correct forward pass agrees
REACH = 3.0  # some Z2 below -REACH and some above: A2 from below 0.05 to above 0.95
DRAWS = 20  # draws at most, for each scale, until one straddles 0.5 as above


def _straddling(reference, rng, X, n_h, scale):
    """Parameters whose outputs A2 on X lie on both sides of 0.5, reaching below 0.05 and above 0.95, with a pair
    of points just either side of 0.5."""
    n_x = X.shape[0]
    params = {"W1": rng.standard_normal((n_h, n_x)) * scale, "b1": rng.standard_normal((n_h, 1)) * scale,
              "W2": rng.standard_normal((1, n_h)), "b2": np.zeros((1, 1))}
    _, cache = reference.forward_propagation(X, params)
    z = cache["Z2"].ravel()
    params["W2"] = params["W2"] * (2.0 / max(float(np.std(z)), 1e-12))  # Z2 spread with a standard deviation of 2
    z = np.sort((params["W2"] @ cache["A1"]).ravel())
    # the threshold goes in the widest gap between two adjacent outputs of the middle third
    low = max(range(len(z) // 3, 2 * len(z) // 3), key=lambda i: z[i + 1] - z[i])
    cut = (z[low] + z[low + 1]) / 2
    # Outputs reach beyond sigmoid(±REACH) on both sides, so that any other cut-off in (0.05, 0.95) leaves both
    # classes in the predictions (what names the mistake): Z2 stretched about the cut-off when it falls short.
    stretch = max(1.0, REACH / min(cut - z[0], z[-1] - cut))
    params["W2"], params["b2"] = params["W2"] * stretch, np.array([[-cut * stretch]])
    return params


def _inputs(reference, rng, flower):
    X_flower, _ = flower
    for scale in SCALES:
        for _ in range(DRAWS):  # a draw without a wide enough gap about its cut-off (about 1 in 4,000) is redrawn
            n_h = int(rng.integers(3, 7))
            X = X_flower if scale == 1.0 else rng.standard_normal((int(rng.integers(2, 4)), 60)) * 2
            params = _straddling(reference, rng, X, n_h, scale)
            if _straddles(reference, params, X):
                yield params, X
                break
        else:
            raise RuntimeError(f"no draw of {DRAWS} straddles 0.5 as the check needs")


def _straddles(reference, params, X):
    """Whether the outputs on X are on both sides of 0.5, none within NEAR of it in Z2, and reach beyond ±REACH."""
    A2, cache = reference.forward_propagation(X, params)
    Z2 = cache["Z2"]
    return bool(np.min(np.abs(Z2)) > NEAR and 0.3 < np.mean(A2 > 0.5) < 0.7 and np.min(Z2) <= -REACH + 1e-9
                and np.max(Z2) >= REACH - 1e-9)


def test_values(student, reference, rng, flower, mistakes):
    for params, X in _inputs(reference, rng, flower):
        A2, _ = reference.forward_propagation(X, params)
        answer = student.predict(params, X)
        try:
            _judge(A2, answer)
        except CheckFailure as failure:
            raise mistakes.explain(failure, "predict", answer, params, X) from None


def _judge(A2, answer):
    got = expect_array(answer, "The predictions", shape=A2.shape, kind="any")
    if got.dtype != np.bool_ and not np.all((got == 0) | (got == 1)):
        raise CheckFailure("predict should return True/False (or 0/1) for each example",
                           expected="a (1, m) array of booleans", got=describe(got), flags=("wrong-values",))
    expected = A2 > 0.5
    wrong = (got != 0) != expected
    if not wrong.any():
        return
    near = np.abs(A2 - 0.5) < 0.01
    detail = (f" {int(np.sum(wrong & near))} of them have A2 within 0.01 of 0.5: the cut-off is exactly 0.5."
              if np.any(wrong & near) else "")
    raise CheckFailure(
        f"{int(wrong.sum())} of {expected.size} predictions are wrong. A prediction is True exactly where the "
        f"network's output A2 is above 0.5.{detail}",
        expected=describe(expected), got=describe(got), flags=("wrong-values",), lesson="function:predict")
