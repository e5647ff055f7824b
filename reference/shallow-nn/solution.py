"""Reference solution of the ``shallow-nn`` assignment.

A binary classifier with one hidden layer: ``n_h`` tanh units followed by a single sigmoid unit, trained by
full-batch gradient descent on the cross-entropy cost. Shapes follow the column convention of the course:
every example is a column, so ``X`` is ``(n_x, m)`` and ``Y`` is ``(1, m)``.

This module is imported only by the grader's trusted process. It depends on numpy alone and never seeds the
global random generator: the grader seeds it before calling anything that draws random numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Parameters = dict[str, np.ndarray]
Cache = dict[str, np.ndarray]
Grads = dict[str, np.ndarray]

HIDDEN_UNITS = 4
INIT_SCALE = 0.01


def sigmoid(z: Any) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, applied element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


def layer_sizes(X: np.ndarray, Y: np.ndarray) -> tuple[int, int, int]:
    """The sizes of the three layers.

    Args:
        X: inputs, shape ``(n_x, m)``.
        Y: labels, shape ``(n_y, m)``.

    Returns:
        ``(n_x, n_h, n_y)``: input features, hidden units (fixed at 4), outputs.
    """
    n_x = X.shape[0]
    n_h = HIDDEN_UNITS
    n_y = Y.shape[0]
    return n_x, n_h, n_y


def initialize_parameters(n_x: int, n_h: int, n_y: int) -> Parameters:
    """Small random weights and zero biases.

    The weights must be random so that the hidden units start out different (identical units receive identical
    gradients and stay identical forever), and small so that tanh starts in its steep, nearly linear region.
    The biases may start at zero because the weights already break the symmetry.

    Returns:
        ``{"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}``.
    """
    W1 = np.random.randn(n_h, n_x) * INIT_SCALE
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * INIT_SCALE
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def forward_propagation(X: np.ndarray, parameters: Parameters) -> tuple[np.ndarray, Cache]:
    """Compute the network's output for every example.

    Returns:
        ``(A2, cache)``: the sigmoid outputs, shape ``(1, m)``, and the intermediate values ``Z1``, ``A1``,
        ``Z2``, ``A2`` that backward propagation needs.
    """
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]

    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)

    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2: np.ndarray, Y: np.ndarray) -> float:
    """The cross-entropy cost ``-(1/m) * sum(Y log A2 + (1 - Y) log(1 - A2))``, as a Python float."""
    m = Y.shape[1]
    log_likelihood = Y * np.log(A2) + (1 - Y) * np.log(1 - A2)
    return float(-np.sum(log_likelihood) / m)


def backward_propagation(parameters: Parameters, cache: Cache, X: np.ndarray, Y: np.ndarray) -> Grads:
    """The gradient of the cost with respect to every parameter.

    The derivative of tanh is ``1 - tanh(z)**2``; since ``A1 = tanh(Z1)`` it is ``1 - A1**2``.

    Returns:
        ``{"dW1", "db1", "dW2", "db2"}``, each shaped like the parameter it belongs to.
    """
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]

    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * (1 - A1**2)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m

    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters: Parameters, grads: Grads, learning_rate: float = 1.2) -> Parameters:
    """One step of gradient descent, ``W = W - learning_rate * dW`` for every parameter.

    Returns a new dictionary; the arrays passed in are left unchanged.
    """
    return {name: parameters[name] - learning_rate * grads["d" + name] for name in ("W1", "b1", "W2", "b2")}


def nn_model(
    X: np.ndarray, Y: np.ndarray, n_h: int, num_iterations: int = 10000, print_cost: bool = False
) -> Parameters:
    """Train the network by full-batch gradient descent at learning rate 1.2.

    ``n_x`` and ``n_y`` come from :func:`layer_sizes`; ``n_h`` is the argument. The initial weights are drawn
    from numpy's global generator in whatever state the caller left it.

    Returns:
        The trained parameters.
    """
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)

    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
        if print_cost and i % 1000 == 0:
            print(f"Cost after iteration {i}: {cost:.6f}")

    return parameters


def predict(parameters: Parameters, X: np.ndarray) -> np.ndarray:
    """Class predictions: ``True`` where the network's output exceeds 0.5. Shape ``(1, m)``, dtype bool."""
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5
