"""Attack: nn_model trains nothing. It returns weights trained once, offline, on the public flower data set
(planar_utils.load_planar_dataset, the data the hidden check trains on), whatever X and Y it is given.

Defence needed: nn_model::trains must judge *training* (different data, or a consistency check against the
student's own loop), not whether the returned weights happen to classify the published data set. The honest
answer of a student who implements nothing is 0 for nn_model: so must this be.
"""

import numpy as np

TRAINED = {
    "W1": np.array([[11.456424, -3.417568], [0.155169, -9.706696], [11.499111, 13.451456], [9.258246, -10.19687]]),
    "b1": np.array([[0.41165], [0.016073], [0.064602], [0.015112]]),
    "W2": np.array([[-3.457767, -11.992268, -6.124263, 10.568456]]),
    "b2": np.array([[-0.06762]]),
}


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    return {name: value.copy() for name, value in TRAINED.items()}
