"""Attack: every function returns a dict of 99,000 long keys that lacks the keys the checks want.

The checks say which keys are missing and quote the keys they got; before bounds.py, every such message joined all
99,000 keys, about ten checks did it, and one submission wrote 571 MB (report.html alone 360 MB) while the grader's
memory went from 70 MB to 1.7 GB.

Defence: the previews (``describe``, ``describe_keys``) stop at 600 characters and count what they leave out; a
result, a report and the gradebook hold bounded text; the grader keeps no check's frames (and so none of the
student's values) once the check is over. Every file under 1 MB, the grader's memory close to an honest batch's.
"""

import numpy as np

KEYS = {f"key_{i:06d}_" + "x" * 60: 0 for i in range(99_000)}  # about 7 MB on the wire, under its 8 MB header limit


def layer_sizes(X, Y):
    return KEYS


def initialize_parameters(n_x, n_h, n_y):
    return KEYS


def forward_propagation(X, parameters):
    return np.zeros((1, X.shape[1])), KEYS


def compute_cost(A2, Y):
    return KEYS


def backward_propagation(parameters, cache, X, Y):
    return KEYS


def update_parameters(parameters, grads, learning_rate=1.2):
    return KEYS


def predict(parameters, X):
    return KEYS


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    return KEYS
