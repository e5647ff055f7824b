"""Shared inputs for the shallow-nn checks. Everything here runs in the grader's trusted process.

Every check draws its inputs from the ``rng`` fixture (seeded per submission and check) and also probes, on
purpose, the edge its function exists for, so that no verdict depends on the draw: A2 on both sides of 0.5 and
close to it for predict, saturating and non-saturating weights for the forward and backward passes, several
layer sizes everywhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_array, expect_keys

NAMES = ("W1", "b1", "W2", "b2")
SHAPES = {
    "W1": lambda n_x, n_h, n_y: (n_h, n_x),
    "b1": lambda n_x, n_h, n_y: (n_h, 1),
    "W2": lambda n_x, n_h, n_y: (n_y, n_h),
    "b2": lambda n_x, n_h, n_y: (n_y, 1),
}


@pytest.fixture(scope="session")
def _flower(helpers):
    return helpers.planar_utils.load_planar_dataset()


@pytest.fixture
def flower(_flower):
    """The 400-point flower data set (X of shape (2, 400), Y of shape (1, 400)), fresh copies for each check."""
    X, Y = _flower
    return X.copy(), Y.copy()


@pytest.fixture
def shapes():
    """{name: (n_x, n_h, n_y) -> shape} for the four parameters."""
    return SHAPES


@pytest.fixture
def random_parameters(rng):
    """Parameters with every entry random, so that no mistake can hide behind zeros."""

    def make(n_x: int, n_h: int, n_y: int, scale: float = 1.0) -> dict:
        return {name: rng.standard_normal(shape(n_x, n_h, n_y)) * scale for name, shape in SHAPES.items()}

    return make


@pytest.fixture
def random_labels(rng):
    """A (1, m) float array of 0/1 labels holding both classes."""

    def make(m: int) -> np.ndarray:
        y = (rng.random((1, m)) > 0.5).astype(float)
        y[0, 0], y[0, -1] = 0.0, 1.0
        return y

    return make


@pytest.fixture
def as_parameters():
    """``as_parameters(value, (n_x, n_h, n_y), what)``: the four parameters as float arrays (see ``lenient``)."""
    return parameters_of


def lenient(value, what: str, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as a float array of ``shape`` when it holds the right number of numbers, in any layout (a
    transposed or flat array is turned back): the checks of values leave the layout to the shape checks, so that
    one shape slip costs its own points only."""
    array = expect_array(value, what)
    if array.size != int(np.prod(shape)):
        raise CheckFailure(f"{what} has shape {array.shape}, so it does not hold the {int(np.prod(shape))} numbers "
                           f"of a {shape} array, and its values cannot be judged", expected=f"shape {shape}",
                           got=describe(array), flags=("wrong-shape",))
    array = np.asarray(array, dtype=np.float64)
    if array.shape == shape[::-1] and array.shape != shape:
        return array.T
    return array.reshape(shape)


def parameters_of(value, sizes: tuple[int, int, int], what: str) -> dict[str, np.ndarray]:
    """The four parameters of ``value`` as float arrays of the shapes for ``sizes`` (see ``lenient``)."""
    params = expect_keys(value, NAMES, what)
    return {name: lenient(params[name], name, SHAPES[name](*sizes)) for name in NAMES}
