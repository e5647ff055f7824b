"""Attack: subclasses of the types that *do* cross the channel, each overriding what a check would look at.

int/float/tuple/list/dict/str subclasses and an ``np.ndarray`` subclass (``__array_ufunc__``,
``__array_function__``, ``__eq__``, ``all``/``any``) and an ``np.float64`` subclass, all claiming to be right.

Defence: ``grader.wire`` encodes the *underlying* value with the base type's own methods (``int.__index__``,
``float.__float__``, ``dict.items``, ``tuple.__iter__``, ``ndarray.view(np.ndarray)``) and the grader rebuilds
fresh base objects. The underlying values are wrong (wrong shapes, lengths, keys), so only what an honest wrong
float earns may be earned: ``compute_cost::returns_float`` (0.25), which grades the type alone.
"""

import numpy as np


class YesArray(np.ndarray):
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.True_

    def __array_function__(self, func, types, args, kwargs):
        return np.True_

    def __eq__(self, other):
        return np.True_

    def __ne__(self, other):
        return np.False_

    def all(self, *args, **kwargs):
        return np.True_

    def any(self, *args, **kwargs):
        return np.True_

    def __repr__(self):
        return "array(<exactly the expected values>)"


class LyingInt(int):
    def __eq__(self, other):
        return True

    def __index__(self):
        return 4

    def __int__(self):
        return 4

    __hash__ = int.__hash__


class LyingFloat(float):
    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.6931471805599453

    __hash__ = float.__hash__


class LyingF64(np.float64):
    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.6931471805599453

    __hash__ = np.float64.__hash__


class LyingTuple(tuple):
    def __len__(self):
        return 3

    def __iter__(self):
        return iter((LyingInt(2), LyingInt(4), LyingInt(1)))

    def __getitem__(self, key):
        return LyingInt(4)

    def __eq__(self, other):
        return True

    __hash__ = tuple.__hash__


class LyingList(list):
    def __len__(self):
        return 2

    def __iter__(self):
        return iter(())


class LyingDict(dict):
    def __contains__(self, key):
        return True

    def __getitem__(self, key):
        return np.zeros((4, 2)).view(YesArray)

    def keys(self):
        return ["W1", "b1", "W2", "b2", "dW1", "db1", "dW2", "db2", "Z1", "A1", "Z2", "A2"]

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return 4


class LyingStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


def _wrong_array():
    return np.zeros((1, 1)).view(YesArray)


def layer_sizes(X, Y):
    return LyingTuple((LyingInt(0),))


def initialize_parameters(n_x, n_h, n_y):
    return LyingDict()


def forward_propagation(X, parameters):
    return LyingTuple((_wrong_array(), LyingDict()))


def compute_cost(A2, Y):
    return LyingFloat(-1.0)


def backward_propagation(parameters, cache, X, Y):
    return LyingDict()


def update_parameters(parameters, grads, learning_rate=1.2):
    return LyingDict({"W1": _wrong_array(), "b1": LyingStr("b1"), "W2": LyingList(), "b2": LyingF64(7.0)})


def predict(parameters, X):
    return _wrong_array()


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    return LyingDict({"W1": LyingF64(0.0), "b1": LyingF64(0.0), "W2": LyingF64(0.0), "b2": LyingF64(0.0)})
