"""forward_propagation is compared with the reference on random inputs at several scales of the parameters: tiny
(tanh and sigmoid almost linear), moderate, and large (both saturate), on random data and on the flower."""

import pytest

from grader.checking import CheckFailure, expect_array, expect_close, expect_keys, expect_type

pytestmark = pytest.mark.grades("forward_propagation")

CACHE = ("Z1", "A1", "Z2", "A2")


def _cases(rng, random_parameters, flower):
    X_flower, _ = flower
    yield rng.standard_normal((3, 7)), random_parameters(3, 5, 1)
    yield X_flower, random_parameters(2, 4, 1, scale=0.5)
    yield rng.standard_normal((4, 9)) * 2, random_parameters(4, 6, 1, scale=4.0)  # saturating
    yield rng.standard_normal((2, 5)), random_parameters(2, 3, 1, scale=0.01)  # nearly linear


def _run(student, X, params):
    out = student.forward_propagation(X, params)
    expect_type(out, (tuple, list), "The return value of forward_propagation", wanted="a tuple (A2, cache)")
    if len(out) != 2:
        raise CheckFailure(f"forward_propagation should return two things, (A2, cache), but it returned {len(out)}",
                           expected="(A2, cache)", got=f"a tuple of {len(out)} items", flags=("wrong-type",))
    return out


def _explained(failure, mistakes, out, X, params):
    """``failure``, naming the catalogued mistake whose (A2, cache) equals the student's."""
    A2, cache = out
    if isinstance(cache, dict):
        cache = {name: cache[name] for name in CACHE if name in cache}
    return mistakes.explain(failure, "forward_propagation", (A2, cache), X, params)


def test_output(student, reference, rng, random_parameters, flower, tolerance, mistakes):
    for X, params in _cases(rng, random_parameters, flower):
        out = _run(student, X, params)
        expected, _ = reference.forward_propagation(X, params)
        try:
            A2 = expect_array(out[0], "A2", shape=expected.shape)
            expect_close(A2, expected, "A2", rtol=tolerance["rtol"], atol=tolerance["atol"],
                         context="A2 = sigmoid(W2 @ A1 + b2), with A1 = tanh(W1 @ X + b1).",
                         lesson="function:forward_propagation")
        except CheckFailure as failure:
            raise _explained(failure, mistakes, out, X, params) from None


def test_cache(student, reference, rng, random_parameters, flower, tolerance, mistakes):
    hints = {
        "Z1": "Z1 = W1 @ X + b1.",
        "A1": "The hidden layer uses tanh: A1 = np.tanh(Z1) (not sigmoid).",
        "Z2": "Z2 = W2 @ A1 + b2.",
        "A2": "The output layer uses sigmoid: A2 = sigmoid(Z2).",
    }
    for X, params in _cases(rng, random_parameters, flower):
        out = _run(student, X, params)
        _, expected = reference.forward_propagation(X, params)
        cache = expect_keys(out[1], CACHE, "The cache")
        try:
            for name in CACHE:
                value = expect_array(cache[name], f'cache["{name}"]', shape=expected[name].shape)
                expect_close(value, expected[name], f'cache["{name}"]', rtol=tolerance["rtol"],
                             atol=tolerance["atol"], context=hints[name], lesson="function:forward_propagation")
        except CheckFailure as failure:
            raise _explained(failure, mistakes, out, X, params) from None
