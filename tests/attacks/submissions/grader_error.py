"""Attack: return values that are legal on the wire but that a check does not expect, so that the check itself
raises inside the grader. A "grader-error" tells the student "not your fault; tell your instructor", makes the
CLI exit with a failure code, and invites a manual regrade.

- compute_cost returns 10**400: a legal int, and ``float(10**400)`` raises OverflowError in the check.
- initialize_parameters returns bool arrays of the right shapes: ``np.round(W1, 12)`` cannot round booleans.
- nn_model returns untrained zeros, so the check falls back to comparing it with the student's own loop, where
  update_parameters returns 10**400 again and ``np.asarray(..., dtype=float)`` overflows.

Defence needed: every check must turn any value the channel can carry into pass or fail, never into an exception
of its own. Allowed: what an honest all-ones float initialisation earns (shapes, not_zero, biases: 1.5).
"""

import numpy as np


def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.ones((n_h, n_x), dtype=bool), "b1": np.zeros((n_h, 1)),
            "W2": np.ones((n_y, n_h), dtype=bool), "b2": np.zeros((n_y, 1))}


def compute_cost(A2, Y):
    return 10**400


def forward_propagation(X, parameters):
    A2 = np.full((1, X.shape[1]), 0.5)
    return A2, {"Z1": A2, "A1": A2, "Z2": A2, "A2": A2}


def backward_propagation(parameters, cache, X, Y):
    return {"dW1": 0, "db1": 0, "dW2": 0, "db2": 0}


def update_parameters(parameters, grads, learning_rate=1.2):
    return {"W1": 10**400, "b1": 10**400, "W2": 10**400, "b2": 10**400}


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    return {"W1": np.zeros((n_h, X.shape[0])), "b1": np.zeros((n_h, 1)),
            "W2": np.zeros((Y.shape[0], n_h)), "b2": np.zeros((Y.shape[0], 1))}
