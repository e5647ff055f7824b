"""Shared inputs for the shallow-nn checks. Everything here runs in the grader's trusted process."""

from __future__ import annotations

import numpy as np
import pytest

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
