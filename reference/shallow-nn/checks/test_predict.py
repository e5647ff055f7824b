"""predict composes forward_propagation and a threshold. It is judged against the reference's forward pass, and,
when the student's own forward_propagation failed its checks, against that one instead: a broken forward pass
must not cost predict its points."""

import numpy as np
import pytest

from grader.checking import CheckFailure, StudentError, describe, expect_array

pytestmark = pytest.mark.grades("predict")


def _matches(got, expected) -> bool:
    return got.shape == expected.shape and bool(np.all((got != 0) == expected))


def test_values(student, reference, random_parameters, flower, parts, mistakes):
    X, _ = flower
    params = random_parameters(2, 4, 1)
    answer = student.predict(params, X)
    try:
        _judge(student, reference, parts, params, X, answer)
    except CheckFailure as failure:
        raise mistakes.explain(failure, "predict", answer, params, X) from None


def _judge(student, reference, parts, params, X, answer):
    got = expect_array(answer, "The predictions", shape=(1, X.shape[1]), kind="any")
    if got.dtype != np.bool_ and not np.all((got == 0) | (got == 1)):
        raise CheckFailure("predict should return True/False (or 0/1) for each example",
                           expected="a (1, m) array of booleans", got=describe(got), flags=("wrong-values",))
    A2, _ = reference.forward_propagation(X, params)
    expected = A2 > 0.5
    if _matches(got, expected):
        return
    note = ""
    if not parts.ok("forward_propagation"):
        try:
            own_A2 = student.forward_propagation(X, params)[0]
            own = np.asarray(own_A2) > 0.5
        except (StudentError, TypeError, IndexError, KeyError, ValueError):
            own = None
        if own is not None and own.shape == got.shape and _matches(got, own):
            return  # predict is right given the student's own forward pass
        note = (" Your forward_propagation failed its own checks, and predict calls it: fix forward_propagation "
                "first.")
    wrong = int(np.sum((got != 0) != expected))
    raise CheckFailure(
        f"{wrong} of {expected.size} predictions are wrong. A prediction is True exactly where the network's output "
        f"A2 is above 0.5.{note}",
        expected=describe(expected), got=describe(got), flags=("wrong-values",), lesson="function:predict")
