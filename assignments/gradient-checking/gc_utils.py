"""Helpers for the gradient-checking assignment: the functions to check, their gradients, and a small data set.

Two models are provided, with their hand-written derivatives:

- a one-parameter model, ``J(theta) = theta * x``, whose derivative is ``dJ/dtheta = x``
  (``forward_propagation`` and ``backward_propagation``);
- a three-layer network, LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID, with layers of 5, 3 and 1 units on
  4 input features, and its cross-entropy cost (``forward_propagation_n``). Its gradients come from
  ``backward_propagation_n``, which is right, and from ``backward_propagation_n_buggy``, which has two mistakes
  for the gradient check to find.

The vector helpers flatten the six parameter arrays into one column vector and back, in the fixed order
W1, b1, W2, b2, W3, b3, each array in row-major (C) order.

Only numpy is needed. Nothing here touches numpy's global random generator.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LAYER_DIMS",
    "PARAMETER_NAMES",
    "PARAMETER_SHAPES",
    "sigmoid",
    "relu",
    "forward_propagation",
    "backward_propagation",
    "forward_propagation_n",
    "backward_propagation_n",
    "backward_propagation_n_buggy",
    "dictionary_to_vector",
    "vector_to_dictionary",
    "gradients_to_vector",
    "load_test_case",
]

# Units per layer, input first: 4 features, then hidden layers of 5 and 3 ReLU units, then 1 sigmoid unit.
LAYER_DIMS = (4, 5, 3, 1)
PARAMETER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
PARAMETER_SHAPES = ((5, 4), (5, 1), (3, 5), (3, 1), (1, 3), (1, 1))


def sigmoid(z):
    """The logistic function ``1 / (1 + exp(-z))``, element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


def relu(z):
    """``max(0, z)``, element-wise."""
    return np.maximum(0, z)


# ---------------------------------------------------------------------------------------------------------------
# The one-parameter model


def forward_propagation(x, theta):
    """The cost of the one-parameter model: ``J = theta * x``."""
    J = theta * x
    return J


def backward_propagation(x, theta):
    """The derivative of ``J = theta * x`` with respect to ``theta``, worked out by hand: ``x``."""
    dtheta = x
    return dtheta


# ---------------------------------------------------------------------------------------------------------------
# The three-layer network


def forward_propagation_n(X, Y, parameters):
    """The network's cross-entropy cost on the examples X (shape (4, m)) with labels Y (shape (1, m)).

    Returns:
        ``(cost, cache)``: the cost as a Python float, and the tuple of intermediate values that
        ``backward_propagation_n`` needs.
    """
    m = X.shape[1]
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]

    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)

    log_likelihood = Y * np.log(A3) + (1 - Y) * np.log(1 - A3)
    cost = float(-np.sum(log_likelihood) / m)

    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return cost, cache


def backward_propagation_n(X, Y, cache):
    """The gradient of the cost of ``forward_propagation_n`` with respect to each parameter.

    Returns:
        ``{"dW1", "db1", "dW2", "db2", "dW3", "db3"}``, each shaped like its parameter.
    """
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = np.dot(dZ3, A2.T) / m
    db3 = np.sum(dZ3, axis=1, keepdims=True) / m

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = dA2 * (A2 > 0)
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = dA1 * (A1 > 0)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m

    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def backward_propagation_n_buggy(X, Y, cache):
    """Like ``backward_propagation_n``, with two mistakes a gradient check should catch.

    Try to spot them before you run your check; the check tells you only *that* something is wrong, and your
    reading of the code tells you *where*.
    """
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = np.dot(dZ3, A2.T) / m
    db3 = np.sum(dZ3, axis=1, keepdims=True) / m

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = dA2
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = dA1 * (A1 > 0)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True)

    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


# ---------------------------------------------------------------------------------------------------------------
# Between dictionaries of arrays and one column vector


def dictionary_to_vector(parameters):
    """Stack W1, b1, W2, b2, W3, b3 into one column vector.

    Returns:
        ``(theta, keys)``: ``theta`` of shape ``(n, 1)`` (a new array: changing it leaves ``parameters``
        alone), and ``keys``, the name of the parameter each entry of ``theta`` comes from.
    """
    pieces = []
    keys = []
    for name in PARAMETER_NAMES:
        column = np.reshape(parameters[name], (-1, 1))
        pieces.append(column)
        keys.extend([name] * column.shape[0])
    theta = np.concatenate(pieces, axis=0).astype(np.float64)
    return theta, keys


def vector_to_dictionary(theta):
    """The inverse of ``dictionary_to_vector``: cut a column vector back into W1, b1, W2, b2, W3, b3."""
    parameters = {}
    start = 0
    for name, shape in zip(PARAMETER_NAMES, PARAMETER_SHAPES):
        size = shape[0] * shape[1]
        parameters[name] = np.reshape(theta[start:start + size], shape)
        start += size
    return parameters


def gradients_to_vector(gradients):
    """Stack dW1, db1, dW2, db2, dW3, db3 into one column vector, in the order ``dictionary_to_vector`` uses."""
    pieces = [np.reshape(gradients["d" + name], (-1, 1)) for name in PARAMETER_NAMES]
    return np.concatenate(pieces, axis=0).astype(np.float64)


# ---------------------------------------------------------------------------------------------------------------
# Data


def load_test_case(seed=1):
    """A small problem for the network: 3 examples of 4 features, their labels, and random parameters.

    The numbers come from a private generator seeded with ``seed``, so the case is the same on every call.

    Returns:
        ``(X, Y, parameters)`` with X of shape (4, 3), Y of shape (1, 3) holding 0s and 1s, and the six
        parameters W1 (5, 4), b1 (5, 1), W2 (3, 5), b2 (3, 1), W3 (1, 3), b3 (1, 1).
    """
    rng = np.random.RandomState(seed)
    X = rng.randn(LAYER_DIMS[0], 3)
    Y = np.array([[1.0, 0.0, 1.0]])
    parameters = {name: rng.randn(*shape) * 0.8 for name, shape in zip(PARAMETER_NAMES, PARAMETER_SHAPES)}
    return X, Y, parameters
