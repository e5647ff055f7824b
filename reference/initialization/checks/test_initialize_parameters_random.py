"""initialize_parameters_random is the experiment with weights that are too large: standard normal values times 10
and zero biases. It is graded by properties measured on large layers, so any seed and any generator get full marks."""

import numpy as np
import pytest

from grader.checking import CheckFailure

pytestmark = pytest.mark.grades("initialize_parameters_random")

FUNCTION = "initialize_parameters_random"


def test_shapes(initialized, shape_cases):
    for layers_dims in shape_cases:
        initialized(FUNCTION, layers_dims, shapes=True)


def test_breaks_symmetry(initialized, big_dims, symmetric_rows):
    symmetric_rows(FUNCTION, initialized(FUNCTION, big_dims))


def _what_it_looks_like(std: float, n_prev: int) -> str:
    """Name the scale a measured standard deviation matches, if it is a common one."""
    candidates = (
        (1.0, "the spread of np.random.randn alone: the factor 10 is missing"),
        (0.01, "randn times 0.01, the small scale of the previous assignment"),
        (float(np.sqrt(2.0 / n_prev)), "He initialization, which is the next exercise"),
        (float(np.sqrt(10.0)), "randn times sqrt(10): that makes the variance 10, but the standard deviation "
                               "should be 10"),
        (100.0, "randn times 100"),
    )
    for value, text in candidates:
        if abs(std / value - 1) <= 0.1:
            return f" A standard deviation of {std:.3g} is {text}."
    return ""


def test_scale(initialized, big_dims, layer_stats, centred, allowance, tolerance):
    stats = layer_stats(initialized(FUNCTION, big_dims), big_dims)
    centred(FUNCTION, stats)
    target = tolerance["random_std"]
    # The sampling error of a standard deviation over N entries is about 1 / sqrt(2 N) of it.
    off = [s for s in stats
           if abs(s.std / target - 1) > allowance(tolerance["random_std_rtol"], s.size, float(np.sqrt(0.5)))]
    if off:
        first = off[0]
        listing = "; ".join(f"{s.name} ({s.n_l} x {s.n_prev}): standard deviation {s.std:.4g}" for s in off)
        raise CheckFailure(
            f"The weights of {FUNCTION}({big_dims}) should have standard deviation {target:g} "
            f"(np.random.randn(...) * 10), but {listing}.{_what_it_looks_like(first.std, first.n_prev)} This "
            "function is the experiment with weights that are too large, so keep the factor 10 even though it "
            "trains badly: that is the point of the exercise.",
            expected=f"standard deviation {target:g} in every layer (within {tolerance['random_std_rtol']:.0%})",
            got=listing, flags=("wrong-scale",), lesson="function:initialize_parameters_random")


def test_biases(initialized, big_dims, biases_zero):
    biases_zero(FUNCTION, initialized(FUNCTION, big_dims))
