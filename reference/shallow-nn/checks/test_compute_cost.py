"""compute_cost is compared with the reference on outputs A2 in the middle of (0, 1) and close to its ends, where the
log terms are large. ``returns_float`` judges the type, and only of a cost whose value is right.

Each A2 is the output of the reference's forward pass for parameters drawn here, and the checks give those
parameters: the notebooks before 2021 (v3 to v6c) ask for compute_cost(A2, Y, parameters), which assignment.toml
accepts, and a function written that way receives them (some learners' copies read W1 and W2 from them).
"""

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_close, type_name

pytestmark = pytest.mark.grades("compute_cost")


def _inputs(rng, random_labels, random_parameters, reference):
    """(A2, Y, parameters): A2 = the reference's output for parameters whose Z2 spans [-L, L], L = logit(1 - low), so
    that A2 reaches from ``low`` to ``1 - low``."""
    for low in (0.05, 1e-6):
        m, n_x, n_h = int(rng.integers(5, 40)), int(rng.integers(2, 5)), int(rng.integers(2, 6))
        X, params = rng.standard_normal((n_x, m)), random_parameters(n_x, n_h, 1)
        z = (params["W2"] @ np.tanh(params["W1"] @ X + params["b1"])).ravel()
        spread = max(float(np.max(np.abs(z - z.mean()))), 1e-12)
        scale = np.log((1 - low) / low) / spread
        params["W2"], params["b2"] = params["W2"] * scale, np.array([[-z.mean() * scale]])
        A2, _ = reference.forward_propagation(X, params)
        yield A2, random_labels(m), params


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


def test_value(student, reference, rng, random_labels, random_parameters, tolerance, mistakes):
    for A2, Y, params in _inputs(rng, random_labels, random_parameters, reference):
        got = _as_number(student.given(parameters=params).compute_cost(A2, Y), "The cost")
        expected = reference.compute_cost(A2, Y)
        try:
            expect_close(np.asarray(got), np.float64(expected), "The cost", rtol=tolerance["rtol"],
                         atol=tolerance["atol"], lesson="function:compute_cost",
                         context="cost = -(1/m) * sum(Y * log(A2) + (1 - Y) * log(1 - A2)).")
        except CheckFailure as failure:
            raise mistakes.explain(failure, "compute_cost", float(got), A2, Y) from None


@pytest.mark.gated_by("value")
def test_returns_float(student, reference, rng, random_labels, random_parameters, mistakes):
    A2, Y, params = next(_inputs(rng, random_labels, random_parameters, reference))
    got = student.given(parameters=params).compute_cost(A2, Y)
    if isinstance(got, (float, np.floating)) and not isinstance(got, np.ndarray):
        return
    failure = CheckFailure(
        f"compute_cost should return a plain float, but it returned {type_name(got)}. "
        "Use float(np.squeeze(cost)) to turn a one-element array into a number.",
        expected="a float, e.g. 0.6931", got=describe(got), flags=("wrong-type",))
    raise mistakes.explain(failure, "compute_cost", got, A2, Y)
