"""Attack: return, whatever the input, the expected values of the public checks (assignments/shallow-nn/
public_tests.py: its fixed, seeded case), hoping the hidden checks reuse the published inputs.

Defence: the hidden checks draw their inputs from a seed of their own (derived from the file's content and the
check's id) and grade initialisation by properties. Only what any float earns may be earned:
``compute_cost::returns_float`` (0.25), which grades the type alone.
"""

import numpy as np

A2 = np.array([[0.90385724, 0.63023041, 0.81770318, 0.72566141, 0.82965043]])
COST = 1.3192568587847002
GRADS = {
    "dW1": np.array([[0.01102905, 0.04749856, 0.16507499], [0.01531844, 0.00385268, 0.03611565],
                     [-0.03102791, -0.01582833, -0.00433956], [-0.38603292, -0.27355607, -0.55554588]]),
    "db1": np.array([[0.01292386], [0.05288983], [0.04760081], [-0.39190973]]),
    "dW2": np.array([[0.06181742, -0.07554657, 0.07840427, -0.30079587]]),
    "db2": np.array([[0.38142053]]),
}
INIT = {
    "W1": np.array([[-0.00416758, -0.00056267], [-0.02136196, 0.01640271], [-0.01793436, -0.00841747],
                    [0.00502881, -0.01245288]]),
    "b1": np.zeros((4, 1)),
    "W2": np.array([[-0.01057952, -0.00909008, 0.00551454, 0.02292208]]),
    "b2": np.zeros((1, 1)),
}
SIZES = (2, 4, 1)


def layer_sizes(X, Y):
    return SIZES


def initialize_parameters(n_x, n_h, n_y):
    return {k: v.copy() for k, v in INIT.items()}


def forward_propagation(X, parameters):
    return A2, {"Z1": A2, "A1": A2, "Z2": A2, "A2": A2}


def compute_cost(A2, Y):
    return COST


def backward_propagation(parameters, cache, X, Y):
    return {k: v.copy() for k, v in GRADS.items()}


def predict(parameters, X):
    return A2 > 0.5
