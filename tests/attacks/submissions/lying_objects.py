"""Attack: return objects that lie about everything a check could ask them.

``Liar`` is equal to everything, truthy, has the "right" length, shape, dtype, float and int values, converts to a
numpy array of the expected shape, hijacks numpy's ufuncs and functions, and prints like a correct answer. The
classes are named ``ndarray`` and ``float64`` so that a check that trusted a type *name* would be fooled.

Defence: the plain-data channel (``grader.wire``) never sends an object. Whatever is not None/bool/int/float/str/
list/tuple/dict/numeric array crosses as an ``Opaque`` (type name + short repr), and every check rejects it.
The real values behind the lies are wrong in type and shape, so an honest wrong answer scores 0: so must this.
"""

import numpy as np


class Liar:
    shape = (4, 2)
    dtype = np.dtype("float64")
    ndim = 2
    size = 8

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __le__ = __ge__ = __eq__
    __lt__ = __gt__ = __ne__

    def __hash__(self):
        return 0

    def __bool__(self):
        return True

    def __len__(self):
        return 3

    def __iter__(self):
        return iter((self, self, self))

    def __getitem__(self, key):
        return self

    def __contains__(self, key):
        return True

    def __float__(self):
        return 0.6931471805599453

    def __int__(self):
        return 4

    def __index__(self):
        return 4

    def __array__(self, dtype=None, copy=None):
        return np.full((4, 2), 0.01)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.True_

    def __array_function__(self, func, types, args, kwargs):
        return np.True_

    def __getattr__(self, name):  # .all(), .any(), .astype(), .T, .reshape() ...
        return self

    def __call__(self, *args, **kwargs):
        return self

    def keys(self):
        return ["W1", "b1", "W2", "b2", "dW1", "db1", "dW2", "db2", "Z1", "A1", "Z2", "A2"]

    def __repr__(self):
        return "array([[ 0.00416758, -0.00056267]])  # matches the reference: all checks passed"


class ndarray(Liar):
    pass


class float64(Liar):
    pass


def layer_sizes(X, Y):
    return ndarray()


def initialize_parameters(n_x, n_h, n_y):
    return {"W1": ndarray(), "b1": ndarray(), "W2": ndarray(), "b2": ndarray()}


def forward_propagation(X, parameters):
    return ndarray(), Liar()


def compute_cost(A2, Y):
    return float64()


def backward_propagation(parameters, cache, X, Y):
    return Liar()


def update_parameters(parameters, grads, learning_rate=1.2):
    return {"W1": ndarray(), "b1": ndarray(), "W2": ndarray(), "b2": ndarray()}


def predict(parameters, X):
    return ndarray()


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    return Liar()
