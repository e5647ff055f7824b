"""Attack: monkeypatch numpy, numpy.testing, math and builtins in the submission's process, at load time (from a
decorator) and again at every call, then return wrong answers, hoping the comparison runs where the patches are.

Also patches the worker's own channel module (``grader.wire``) so that it would let object arrays through.

Defence: the checks compare in the grader's own process, which never imports student code; the patches live and
die in the sandboxed process. The grader decodes with its own, unpatched ``grader.wire`` and rejects what breaks
its rules. Every returned value is wrong, so the score must be 0.
"""

import builtins
import math
import sys

import numpy as np
import numpy.testing


def _yes(*args, **kwargs):
    return True


def _none(*args, **kwargs):
    return None


def _patch():
    np.isclose = lambda *a, **k: np.True_
    np.allclose = _yes
    np.array_equal = _yes
    np.array_equiv = _yes
    np.all = _yes
    np.any = _yes
    np.isfinite = lambda *a, **k: np.True_
    np.testing.assert_allclose = _none
    np.testing.assert_array_equal = _none
    np.testing.assert_array_almost_equal = _none
    np.testing.assert_equal = _none
    math.isclose = _yes
    builtins.AssertionError = type("AssertionError", (Exception,), {"__init__": lambda self, *a: None})
    builtins.all = _yes
    builtins.any = _yes
    wire = sys.modules.get("grader.wire")
    if wire is not None:
        wire.ALLOWED_DTYPES = frozenset(list(wire.ALLOWED_DTYPES) + ["|O", "<U8", "|V8"])
        wire.MAX_DEPTH = 10**6
    for name in ("grader.checking", "grader.plugin"):
        fake = type(sys)(name)
        fake.CheckFailure = type("CheckFailure", (Exception,), {})
        fake.expect_close = _none
        fake.expect_array = lambda value, *a, **k: value
        sys.modules[name] = fake


def _patched(fn):
    _patch()
    return fn


@_patched
def layer_sizes(X, Y):
    _patch()
    return (0, 0, 0)


@_patched
def forward_propagation(X, parameters):
    _patch()
    A2 = np.zeros((1, X.shape[1]))
    return A2, {"Z1": np.zeros((1, 1)), "A1": np.zeros((1, 1)), "Z2": A2, "A2": A2}


@_patched
def compute_cost(A2, Y):
    _patch()
    return "0.6931471805599453"


@_patched
def predict(parameters, X):
    _patch()
    return np.array([["True"] * X.shape[1]], dtype=object)
