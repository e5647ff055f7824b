"""Helpers for the shallow-nn assignment: the "flower" data set, the sigmoid function and a plotting aid.

Only numpy is needed to import this module. matplotlib is imported inside ``plot_decision_boundary`` when it is
called, so the module also works where matplotlib is not installed (the plot is then skipped).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["load_extra_datasets", "load_planar_dataset", "sigmoid", "plot_decision_boundary"]


def sigmoid(x: Any) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``, applied element-wise."""
    return 1.0 / (1.0 + np.exp(-x))


def load_planar_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The 2-D "flower": 400 points on a rose curve with eight petals, alternately labelled 0 and 1.

    The points come from a private random generator seeded with 1, so the data is the same on every call and
    numpy's global random state is left untouched.

    Returns:
        ``(X, Y)`` where ``X`` has shape ``(2, 400)`` (float64, one point per column) and ``Y`` has shape
        ``(1, 400)`` (uint8, the label of each point).
    """
    rng = np.random.RandomState(1)
    m = 400  # number of points
    n_per_class = m // 2
    petal_radius = 4  # how far the petals reach from the centre
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        rows = range(n_per_class * j, n_per_class * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n_per_class) + rng.randn(n_per_class) * 0.2  # angle
        r = petal_radius * np.sin(4 * t) + rng.randn(n_per_class) * 0.2  # radius
        X[rows] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[rows] = j
    return X.T, Y.T


def load_extra_datasets(N: int = 200) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The five other data sets the notebook's last section tries: noisy circles, noisy moons, blobs, Gaussian
    quantiles and points with no structure, as in the course's module (which draws them with scikit-learn).

    Each is ``(X, Y)`` with ``X`` of shape ``(N, 2)`` (one point per row) and ``Y`` of shape ``(N,)``: transpose ``X``
    and reshape ``Y`` to ``(1, N)`` before training, as the notebook does. A private generator seeded with 3 draws
    them, so numpy's global random state is left untouched.
    """
    rng = np.random.RandomState(3)
    half = N // 2

    def labels(first: int) -> np.ndarray:
        return np.hstack([np.zeros(first, dtype=np.int64), np.ones(N - first, dtype=np.int64)])

    angle = rng.uniform(0.0, 2 * np.pi, N)
    radius = np.where(np.arange(N) < half, 1.0, 0.5)
    circles = np.c_[radius * np.cos(angle), radius * np.sin(angle)] + rng.normal(0.0, 0.3, (N, 2))
    t = np.pi * rng.uniform(0.0, 1.0, N)
    outer, inner = np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    moons = np.where((np.arange(N) < half)[:, None], outer, inner) + rng.normal(0.0, 0.2, (N, 2))
    classes = np.arange(N) % 6 // 3  # six blobs, three of each class
    blobs = rng.normal(0.0, 1.0, (N, 2)) + rng.uniform(-10.0, 10.0, (6, 2))[np.arange(N) % 6]
    gaussian = rng.normal(0.0, 1.0, (N, 2))
    distance = np.sum(gaussian**2, axis=1)
    quantile = (distance > np.median(distance)).astype(np.int64)
    return ((circles, labels(half)), (moons, labels(half)), (blobs, classes.astype(np.int64)),
            (gaussian, quantile), (rng.rand(N, 2), rng.rand(N, 2)))


def plot_decision_boundary(model: Callable[[np.ndarray], Any], X: np.ndarray, y: np.ndarray) -> None:
    """Shade the plane by the class ``model`` predicts and scatter the points of ``X`` coloured by ``y``.

    Args:
        model: a function that takes an array of points of shape ``(k, 2)`` (one point per row) and returns
            one prediction per point, e.g. ``lambda x: predict(parameters, x.T)``.
        X: the points, shape ``(2, m)``.
        y: their labels, shape ``(1, m)`` or ``(m,)``.

    Does nothing when matplotlib is not installed.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return None

    margin, step = 1.0, 0.01
    x_min, x_max = X[0, :].min() - margin, X[0, :].max() + margin
    y_min, y_max = X[1, :].min() - margin, X[1, :].max() + margin
    xx, yy = np.meshgrid(np.arange(x_min, x_max, step), np.arange(y_min, y_max, step))
    grid = np.c_[xx.ravel(), yy.ravel()]
    Z = np.asarray(model(grid)).astype(float).reshape(xx.shape)

    plt.contourf(xx, yy, Z, cmap=plt.cm.Spectral)
    plt.ylabel("x2")
    plt.xlabel("x1")
    plt.scatter(X[0, :], X[1, :], c=np.ravel(y), cmap=plt.cm.Spectral)
    return None
