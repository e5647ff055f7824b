"""Helpers for the initialization assignment: the "circles" data, a small L-layer ReLU network to train, and plots.

Only numpy is needed to import this module. matplotlib is imported inside the plotting functions when they are
called, so the module also works where matplotlib is not installed (the plots are then skipped).

The network is the one the assignment studies: ReLU hidden layers and a sigmoid output unit, trained by full-batch
gradient descent on the cross-entropy cost. Its parameters are a dict with ``W1, b1, ..., WL, bL`` where ``Wl`` has
shape ``(layers_dims[l], layers_dims[l-1])`` and ``bl`` has shape ``(layers_dims[l], 1)``; every example is a column.
How the weights start is up to the ``initialization_fn`` passed to :func:`model`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_HIDDEN",
    "compute_loss",
    "load_circles",
    "load_dataset",
    "predict_dec",
    "sigmoid",
    "relu",
    "forward_propagation",
    "compute_cost",
    "backward_propagation",
    "update_parameters",
    "model",
    "predict",
    "accuracy",
    "layer_scales",
    "compare_initializations",
    "plot_circles",
    "plot_costs",
    "plot_decision_boundary",
]

Parameters = dict[str, np.ndarray]

# The hidden layers of the network the assignment trains: [n_x, 10, 5, 1] for the 2-D circles.
DEFAULT_HIDDEN = (10, 5)


# ----------------------------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------------------------


def _ring_points(rng: np.random.RandomState, n: int, radius: float, noise: float) -> np.ndarray:
    """``n`` points spread around a circle of the given radius, jittered by Gaussian noise; shape ``(2, n)``."""
    angles = rng.uniform(0.0, 2.0 * np.pi, size=n)
    points = radius * np.vstack([np.cos(angles), np.sin(angles)])
    return points + rng.normal(0.0, noise, size=points.shape)


def load_circles(
    n_train: int = 300, n_test: int = 100, *, inner_radius: float = 0.6, noise: float = 0.08, seed: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two noisy concentric rings: the outer ring (radius 1) is class 0, the inner ring is class 1.

    Half of the points of each set lie on each ring, so the classes are balanced. The points come from a private
    ``RandomState`` seeded with ``seed``: the data is the same on every call and numpy's global random state is
    left untouched. No line separates the two classes; a network with ReLU hidden layers can.

    Returns:
        ``(train_X, train_Y, test_X, test_Y)``: ``X`` arrays of shape ``(2, m)`` (float64, one point per column),
        ``Y`` arrays of shape ``(1, m)`` (int64 labels 0 and 1).
    """
    rng = np.random.RandomState(seed)

    def one_set(m: int) -> tuple[np.ndarray, np.ndarray]:
        n_outer = m // 2
        n_inner = m - n_outer
        X = np.hstack([_ring_points(rng, n_outer, 1.0, noise), _ring_points(rng, n_inner, inner_radius, noise)])
        Y = np.hstack([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)]).reshape(1, m)
        order = rng.permutation(m)  # interleave the classes
        return X[:, order], Y[:, order]

    train_X, train_Y = one_set(n_train)
    test_X, test_Y = one_set(n_test)
    return train_X, train_Y, test_X, test_Y


def load_dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The circles, under the name the course's notebooks import (``from init_utils import load_dataset``): the same
    ``(train_X, train_Y, test_X, test_Y)`` as :func:`load_circles` with its defaults."""
    return load_circles()


# ----------------------------------------------------------------------------------------------------------------
# The network
# ----------------------------------------------------------------------------------------------------------------


def sigmoid(z: Any) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, element-wise, written as ``(1 + tanh(z/2)) / 2`` so that it
    never overflows. For ``|z|`` beyond about 37 it rounds to exactly 0.0 or 1.0 in float64."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def relu(z: Any) -> np.ndarray:
    """``max(0, z)``, element-wise."""
    return np.maximum(0.0, z)


def _depth(parameters: Mapping[str, np.ndarray]) -> int:
    depth = 0
    while f"W{depth + 1}" in parameters:
        depth += 1
    return depth


def forward_propagation(X: np.ndarray, parameters: Mapping[str, np.ndarray]) -> tuple[np.ndarray, list]:
    """Run the network on every column of ``X``.

    Hidden layers: ``Z = W A_prev + b``, ``A = relu(Z)``; output layer: ``AL = sigmoid(ZL)``.

    Returns:
        ``(AL, caches)``: the output probabilities, shape ``(1, m)``, and one ``(A_prev, W, Z)`` tuple per layer
        for :func:`backward_propagation`. The last cache's ``Z`` is the output's logit ``ZL``.
    """
    L = _depth(parameters)
    A = np.asarray(X, dtype=np.float64)
    caches = []
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        caches.append((A, W, Z))
        A = relu(Z) if l < L else sigmoid(Z)
    return A, caches


def compute_cost(ZL: np.ndarray, Y: np.ndarray) -> float:
    """The cross-entropy cost ``-(1/m) sum(Y log AL + (1 - Y) log(1 - AL))`` with ``AL = sigmoid(ZL)``.

    It is computed from the logit ``ZL`` as ``mean(max(ZL, 0) - ZL Y + log(1 + exp(-|ZL|)))``, which is the same
    number but stays finite: once ``|ZL|`` passes about 37, ``sigmoid(ZL)`` rounds to exactly 0 or 1 and the
    textbook formula takes ``log(0)``, giving ``inf`` (and ``nan`` in the gradients of a careless implementation).
    A confidently wrong example then costs about ``|ZL|``.
    """
    Z = np.asarray(ZL, dtype=np.float64)
    losses = np.maximum(Z, 0.0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))
    return float(np.mean(losses))


def compute_loss(a3: np.ndarray, Y: np.ndarray) -> float:
    """The cross-entropy cost from the network's output ``a3`` (not its logit), under the name the course's notebooks
    import; like :func:`compute_cost`, but ``inf`` where ``a3`` is exactly 0 or 1 on the wrong side."""
    a3, Y = np.asarray(a3, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        losses = -(Y * np.log(a3) + (1 - Y) * np.log(1 - a3))
    return float(np.nansum(losses) / Y.shape[-1])


def backward_propagation(AL: np.ndarray, Y: np.ndarray, caches: list) -> dict[str, np.ndarray]:
    """Gradients of the cost with respect to every parameter, ``{"dW1", "db1", ..., "dWL", "dbL"}``.

    With a sigmoid output and the cross-entropy cost the output error is ``dZL = AL - Y``; through a ReLU layer
    ``dZ = dA * (Z > 0)`` (the slope at exactly 0 is taken as 0).
    """
    m = Y.shape[1]
    L = len(caches)
    grads: dict[str, np.ndarray] = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        A_prev, W, _ = caches[l - 1]
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            Z_prev = caches[l - 2][2]
            dZ = (W.T @ dZ) * (Z_prev > 0)
    return grads


def update_parameters(parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
                      learning_rate: float) -> Parameters:
    """One gradient-descent step for every parameter; returns a new dict and leaves the old arrays alone."""
    return {name: value - learning_rate * grads["d" + name] for name, value in parameters.items()}


@contextlib.contextmanager
def _global_seed(seed: int | None) -> Iterator[None]:
    """Seed numpy's global generator inside the block (when ``seed`` is given), then put the old state back."""
    if seed is None:
        yield
        return
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


def model(
    X: np.ndarray,
    Y: np.ndarray,
    learning_rate: float = 0.1,
    num_iterations: int = 2000,
    initialization_fn: Callable[[list[int]], Mapping[str, np.ndarray]] | None = None,
    *,
    layers_dims: list[int] | None = None,
    print_cost: bool = False,
    record_every: int = 100,
    seed: int | None = None,
) -> tuple[Parameters, list[float]]:
    """Train the network by full-batch gradient descent, starting from ``initialization_fn(layers_dims)``.

    Args:
        X: inputs, shape ``(n_x, m)``.
        Y: labels 0/1, shape ``(1, m)``.
        learning_rate: the gradient-descent step size.
        num_iterations: the number of steps.
        initialization_fn: a function such as ``initialize_parameters_he`` that takes ``layers_dims`` and returns
            the starting parameters (required).
        layers_dims: the layer sizes, ``[n_x, 10, 5, 1]`` by default.
        print_cost: print the cost every ``record_every`` iterations.
        record_every: how often the cost is recorded (and printed).
        seed: when given, numpy's global generator is seeded with it while the parameters are initialized (and
            restored afterwards), so that the same call gives the same run.

    Returns:
        ``(parameters, costs)``: the trained parameters, and the cost at iterations ``0, record_every, ...`` and
        after the last step (so ``len(costs) == num_iterations // record_every + 1`` when ``num_iterations`` is a
        multiple of ``record_every``). Costs are computed from the logits (see :func:`compute_cost`), so they stay
        finite even when the sigmoid output is saturated.
    """
    if initialization_fn is None:
        raise TypeError("model needs an initialization_fn, e.g. initialization_fn=initialize_parameters_he")
    if layers_dims is None:
        layers_dims = [X.shape[0], *DEFAULT_HIDDEN, 1]
    with _global_seed(seed):
        parameters = {k: np.array(v, dtype=np.float64) for k, v in initialization_fn(list(layers_dims)).items()}

    costs: list[float] = []
    for i in range(num_iterations + 1):
        AL, caches = forward_propagation(X, parameters)
        if i % record_every == 0 or i == num_iterations:
            cost = compute_cost(caches[-1][2], Y)
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:.6f}")
        if i == num_iterations:
            break
        grads = backward_propagation(AL, Y, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def predict(parameters: Mapping[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Class predictions, 1 where the network's output exceeds 0.5 and 0 elsewhere; shape ``(1, m)``, int64."""
    AL, _ = forward_propagation(X, parameters)
    return (AL > 0.5).astype(np.int64)


def predict_dec(parameters: Mapping[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Booleans, True where the network's output exceeds 0.5; shape ``(1, m)``. The course's notebooks import this
    name to draw the decision boundary."""
    AL, _ = forward_propagation(X, parameters)
    return AL > 0.5


def accuracy(parameters: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """The share of the columns of ``X`` whose predicted class equals ``Y``, between 0 and 1."""
    return float(np.mean(predict(parameters, X) == Y))


def layer_scales(parameters: Mapping[str, np.ndarray], X: np.ndarray) -> list[float]:
    """The root-mean-square of each layer's pre-activation ``Z1, ..., ZL`` on the inputs ``X``.

    It shows how the size of the signal changes as it travels through the layers: with He initialization it stays
    about the same from layer to layer, with weights that are too large it grows geometrically, and with weights
    that are too small it shrinks towards zero.
    """
    _, caches = forward_propagation(X, parameters)
    return [float(np.sqrt(np.mean(Z**2))) for _, _, Z in caches]


def compare_initializations(
    schemes: Mapping[str, Callable[[list[int]], Mapping[str, np.ndarray]]],
    *,
    learning_rate: float = 0.1,
    num_iterations: int = 2000,
    record_every: int = 100,
    seed: int = 3,
) -> dict[str, dict[str, Any]]:
    """Train the default network on the circles once per initialization scheme, from the same seed.

    This is the experiment of the assignment, packaged so that its numbers and curves can be reproduced:
    ``compare_initializations({"zeros": initialize_parameters_zeros, "he": initialize_parameters_he})``.

    Returns:
        ``{name: {"iterations": [...], "costs": [...], "train_accuracy": float, "test_accuracy": float}}``.
    """
    train_X, train_Y, test_X, test_Y = load_circles()
    results = {}
    for name, initialization_fn in schemes.items():
        parameters, costs = model(train_X, train_Y, learning_rate, num_iterations, initialization_fn,
                                  record_every=record_every, seed=seed)
        iterations = [min(k * record_every, num_iterations) for k in range(len(costs))]
        results[name] = {
            "iterations": iterations,
            "costs": costs,
            "train_accuracy": accuracy(parameters, train_X, train_Y),
            "test_accuracy": accuracy(parameters, test_X, test_Y),
        }
    return results


# ----------------------------------------------------------------------------------------------------------------
# Plots (need matplotlib; each does nothing without it)
# ----------------------------------------------------------------------------------------------------------------


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def plot_circles(X: np.ndarray, Y: np.ndarray) -> None:
    """Scatter the points of ``X`` (shape ``(2, m)``) coloured by their labels ``Y``."""
    plt = _pyplot()
    if plt is None:
        return None
    plt.scatter(X[0, :], X[1, :], c=np.ravel(Y), s=30, cmap=plt.cm.Spectral)
    plt.gca().set_aspect("equal")
    plt.xlabel("x1")
    plt.ylabel("x2")
    return None


def plot_costs(costs: list[float], record_every: int = 100, label: str | None = None) -> None:
    """Draw a cost curve recorded by :func:`model` (call it once per scheme to compare them on one figure)."""
    plt = _pyplot()
    if plt is None:
        return None
    iterations = np.arange(len(costs)) * record_every
    plt.plot(iterations, costs, label=label)
    plt.xlabel("iteration")
    plt.ylabel("cost")
    if label is not None:
        plt.legend()
    return None


def plot_decision_boundary(parameters: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> None:
    """Shade the plane by the class the trained network predicts and scatter the points of ``X`` on top."""
    plt = _pyplot()
    if plt is None:
        return None
    margin, step = 0.3, 0.01
    x_min, x_max = X[0, :].min() - margin, X[0, :].max() + margin
    y_min, y_max = X[1, :].min() - margin, X[1, :].max() + margin
    xx, yy = np.meshgrid(np.arange(x_min, x_max, step), np.arange(y_min, y_max, step))
    classes = predict(parameters, np.vstack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    plt.contourf(xx, yy, classes, cmap=plt.cm.Spectral, alpha=0.8)
    plot_circles(X, Y)
    return None
