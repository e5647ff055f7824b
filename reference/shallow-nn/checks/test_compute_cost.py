"""compute_cost is compared with the reference on outputs A2 in the middle of (0, 1) and close to its ends, where the
log terms are large. ``returns_float`` judges the type, and only of a cost whose value is right."""

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_close, type_name

pytestmark = pytest.mark.grades("compute_cost")


def _inputs(rng, random_labels):
    for low in (0.05, 1e-6):
        m = int(rng.integers(5, 40))
        yield rng.uniform(low, 1 - low, (1, m)), random_labels(m)


def _as_number(value, what):
    """The cost as a float, accepting a one-element array too (test_returns_float judges the type)."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        return value.reshape(())
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        try:
            return np.float64(value) if isinstance(value, (int, np.integer)) else value
        except OverflowError:  # an integer too large for a float is just a very wrong cost
            return np.float64("inf")
    raise CheckFailure(f"{what} should be a single number, but it is {type_name(value)}",
                       expected="a float", got=describe(value), flags=("wrong-type",))


def test_value(student, reference, rng, random_labels, tolerance, mistakes):
    for A2, Y in _inputs(rng, random_labels):
        got = _as_number(student.compute_cost(A2, Y), "The cost")
        expected = reference.compute_cost(A2, Y)
        try:
            expect_close(np.asarray(got), np.float64(expected), "The cost", rtol=tolerance["rtol"],
                         atol=tolerance["atol"], lesson="function:compute_cost",
                         context="cost = -(1/m) * sum(Y * log(A2) + (1 - Y) * log(1 - A2)).")
        except CheckFailure as failure:
            raise mistakes.explain(failure, "compute_cost", float(got), A2, Y) from None


@pytest.mark.gated_by("value")
def test_returns_float(student, rng, random_labels, mistakes):
    A2, Y = next(_inputs(rng, random_labels))
    got = student.compute_cost(A2, Y)
    if isinstance(got, (float, np.floating)) and not isinstance(got, np.ndarray):
        return
    failure = CheckFailure(
        f"compute_cost should return a plain float, but it returned {type_name(got)}. "
        "Use float(np.squeeze(cost)) to turn a one-element array into a number.",
        expected="a float, e.g. 0.6931", got=describe(got), flags=("wrong-type",))
    raise mistakes.explain(failure, "compute_cost", got, A2, Y)
