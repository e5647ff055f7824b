import numpy as np
import pytest

from grader.checking import CheckFailure, describe

pytestmark = pytest.mark.grades("layer_sizes")


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def test_values(student, rng, reference):
    for n_x, n_y, m in ((2, 1, 400), (int(rng.integers(3, 9)), int(rng.integers(2, 4)), int(rng.integers(5, 30)))):
        X, Y = rng.standard_normal((n_x, m)), rng.standard_normal((n_y, m))
        got = student.layer_sizes(X, Y)
        expected = reference.layer_sizes(X, Y)
        if not isinstance(got, (tuple, list)) or len(got) != 3 or not all(_is_int(v) for v in got):
            raise CheckFailure("layer_sizes should return a tuple of three whole numbers (n_x, n_h, n_y)",
                               expected=repr(expected), got=describe(got), flags=("wrong-type",))
        if tuple(int(v) for v in got) != tuple(expected):
            raise CheckFailure(
                f"For X of shape {X.shape} and Y of shape {Y.shape}, layer_sizes returned the wrong sizes. "
                "n_x is the number of rows of X, n_y the number of rows of Y, and n_h is 4.",
                expected=repr(expected), got=describe(got), flags=("wrong-values",))
