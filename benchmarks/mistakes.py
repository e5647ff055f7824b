"""How well the shallow-nn catalogue of mistakes names what is wrong, and how often it cries wolf.

Usage::

    .venv/bin/python benchmarks/mistakes.py            # K = 12 correct submissions
    .venv/bin/python benchmarks/mistakes.py --k 30 --seed 7 --keep /tmp/mistakes

It writes, from templates in this file,

- one wrong submission per written form of every catalogued mistake (``reference/shallow-nn/mistakes.py``): a
  correct submission with exactly that mistake put in by text substitution; several forms per mistake where the
  mistake can be made at one spot or at all of them;
- K correct submissions written in varied ways (each function picked from several correct implementations), plus
  the reference solution and the bundled correct examples;

grades them all through ``grader.pipeline.grade_paths`` with one worker per core, and prints

- named: how many wrong submissions carry the flag ``mistake:<id>`` of the mistake they contain,
- confused: how many wrong submissions carry some other ``mistake:`` flag as well,
- false positives: how many correct submissions carry any ``mistake:`` flag (and how many lost points at all).

Every report is also read by ``benchmarks/contradictions.py``: how many say what their own measurements
contradict (0 is the goal).

With ``--mutants`` it measures mistakes outside the catalogue instead (``benchmarks/where_to_look.py``): the
generated mutants of every assignment's reference, and how often "Where to look" names the mutated line::

    .venv/bin/python benchmarks/mistakes.py --mutants [--limit 20] [--assignment shallow-nn] [--verbose]

tests/test_mistakes.py imports the templates from here (``SOURCES``, ``WRONG``, ``submission``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEADER = '''import copy

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))
'''

# The plain correct implementation of every function: the one the wrong submissions are made from.
SOURCES = {
    "layer_sizes": '''
def layer_sizes(X, Y):
    n_x = X.shape[0]
    n_h = 4
    n_y = Y.shape[0]
    return (n_x, n_h, n_y)
''',
    "initialize_parameters": '''
def initialize_parameters(n_x, n_h, n_y):
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
''',
    "forward_propagation": '''
def forward_propagation(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache
''',
    "compute_cost": '''
def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -np.sum(logprobs) / m
    return float(cost)
''',
    "backward_propagation": '''
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    Z1 = cache["Z1"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
    "update_parameters": '''
def update_parameters(parameters, grads, learning_rate=1.2):
    W1 = parameters["W1"] - learning_rate * grads["dW1"]
    b1 = parameters["b1"] - learning_rate * grads["db1"]
    W2 = parameters["W2"] - learning_rate * grads["dW2"]
    b2 = parameters["b2"] - learning_rate * grads["db2"]
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
''',
    "predict": '''
def predict(parameters, X):
    A2, cache = forward_propagation(X, parameters)
    predictions = A2 > 0.5
    return predictions
''',
    "nn_model": '''
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
        if print_cost and i % 1000 == 0:
            print(f"Cost after iteration {i}: {cost}")
    return parameters
''',
}

# Other correct ways to write each function, for the false-positive count.
ALTERNATIVES = {
    "initialize_parameters": [
        '''
def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(2)  # the course's own seeding
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros(shape=(n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros(shape=(n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
''',
        '''
def initialize_parameters(n_x, n_h, n_y):
    rng = np.random.default_rng()
    return {"W1": rng.standard_normal((n_h, n_x)) * 0.01, "b1": np.zeros((n_h, 1)),
            "W2": rng.standard_normal((n_y, n_h)) * 0.01, "b2": np.zeros((n_y, 1))}
''',
        '''
def initialize_parameters(n_x, n_h, n_y):
    W1 = np.random.normal(0.0, 0.01, size=(n_h, n_x))
    W2 = np.random.normal(0.0, 0.01, size=(n_y, n_h))
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}
''',
        '''
def initialize_parameters(n_x, n_h, n_y):
    scale = 0.02
    W1 = (np.random.rand(n_h, n_x) - 0.5) * scale
    W2 = (np.random.rand(n_y, n_h) - 0.5) * scale
    return {"W1": W1, "b1": np.zeros(shape=(n_h, 1)), "W2": W2, "b2": np.zeros(shape=(n_y, 1))}
''',
    ],
    "nn_model": [
        '''
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    np.random.seed(3)  # the course's own seeding
    n_x = layer_sizes(X, Y)[0]
    n_y = layer_sizes(X, Y)[2]
    parameters = initialize_parameters(n_x, n_h, n_y)
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    for i in range(0, num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate=1.2)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration %i: %f" % (i, cost))
    return parameters
''',
        '''
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    params = initialize_parameters(X.shape[0], n_h, Y.shape[0])
    for _ in range(num_iterations):
        _, cache = forward_propagation(X, params)
        params = update_parameters(params, backward_propagation(params, cache, X, Y))
    return params
''',
    ],
    "forward_propagation": [
        '''
def forward_propagation(X, parameters):
    # kept in float32 throughout: compared at float32 precision
    W1, b1, W2, b2 = (parameters[k].astype(np.float32) for k in ("W1", "b1", "W2", "b2"))
    Z1 = W1 @ X.astype(np.float32) + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = (1 / (1 + np.exp(-Z2))).astype(np.float32)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
''',
        '''
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = 1.0 / (1.0 + np.exp(-Z2))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
''',
        '''
def forward_propagation(X, parameters):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = np.matmul(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.matmul(W2, A1) + b2
    A2 = 0.5 * (1 + np.tanh(Z2 / 2))
    cache = dict(Z1=Z1, A1=A1, Z2=Z2, A2=A2)
    return (A2, cache)
''',
    ],
    "compute_cost": [
        '''
def compute_cost(A2, Y):
    m = Y.shape[1]
    cost = -(np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)) / m
    return float(np.squeeze(cost))
''',
        '''
def compute_cost(A2, Y):
    losses = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    return float(np.mean(losses))
''',
        '''
def compute_cost(A2, Y):
    m = Y.shape[1]
    total = 0.0
    for i in range(m):
        total += Y[0, i] * np.log(A2[0, i]) + (1 - Y[0, i]) * np.log(1 - A2[0, i])
    return float(-total / m)
''',
    ],
    "backward_propagation": [
        '''
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dW2 = (1 / m) * dZ2 @ cache["A1"].T
    db2 = np.mean(dZ2, axis=1, keepdims=True)
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - np.tanh(cache["Z1"]) ** 2)
    dW1 = (1 / m) * dZ1 @ X.T
    db1 = np.mean(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''',
        '''
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = (A1 @ dZ2.T).T / m
    db2 = dZ2.sum(axis=1).reshape(-1, 1) / m
    dZ1 = np.multiply(parameters["W2"].T * dZ2, 1 - A1 * A1)
    dW1 = np.einsum("hm,xm->hx", dZ1, X) / m
    db1 = np.sum(dZ1, axis=1)[:, None] / m
    grads = {}
    grads["dW1"], grads["db1"], grads["dW2"], grads["db2"] = dW1, db1, dW2, db2
    return grads
''',
    ],
    "update_parameters": [
        '''
def update_parameters(parameters, grads, learning_rate=1.2):
    return {k: parameters[k] - learning_rate * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
''',
        '''
def update_parameters(parameters, grads, learning_rate=1.2):
    parameters = copy.deepcopy(parameters)
    for key in ["W1", "b1", "W2", "b2"]:
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters
''',
    ],
    "layer_sizes": [
        '''
def layer_sizes(X, Y):
    return np.shape(X)[0], 4, np.shape(Y)[0]
''',
    ],
    "predict": [
        '''
def predict(parameters, X):
    A2, _ = forward_propagation(X, parameters)
    return np.round(A2)
''',
        '''
def predict(parameters, X):
    # its own forward pass, written out
    A1 = np.tanh(parameters["W1"] @ X + parameters["b1"])
    A2 = 1 / (1 + np.exp(-(parameters["W2"] @ A1 + parameters["b2"])))
    return np.where(A2 >= 0.5, 1, 0)
''',
        '''
def predict(parameters, X):
    A2, _ = forward_propagation(X, parameters)
    return np.where(A2 > 0.5, 1, 0)
''',
        '''
def predict(parameters, X):
    A2 = forward_propagation(X, parameters)[0]
    return (A2 >= 0.5).astype(int)
''',
    ],
}


@dataclass(frozen=True)
class Wrong:
    """One written form of a catalogued mistake: substitutions in one function of ``SOURCES``."""

    name: str  # unique, used as the submission's file name
    mistake: str  # the catalogue id it should be named as
    function: str
    changes: tuple[tuple[str, str], ...]


def _w(name: str, mistake: str, function: str, *changes: tuple[str, str]) -> Wrong:
    return Wrong(name, mistake, function, changes)


NAMES = ("W1", "b1", "W2", "b2")
_W1_INIT, _W2_INIT = "np.random.randn(n_h, n_x) * 0.01", "np.random.randn(n_y, n_h) * 0.01"
_DW1, _DB1 = "dW1 = np.dot(dZ1, X.T) / m", "db1 = np.sum(dZ1, axis=1, keepdims=True) / m"
_DW2, _DB2 = "dW2 = np.dot(dZ2, A1.T) / m", "db2 = np.sum(dZ2, axis=1, keepdims=True) / m"
_SLOPE = "(1 - np.power(A1, 2))"

WRONG = (
    _w("init_zeros", "init-zeros", "initialize_parameters",
       (_W1_INIT, "np.zeros((n_h, n_x))"), (_W2_INIT, "np.zeros((n_y, n_h))")),
    _w("init_zeros_w1", "init-zeros", "initialize_parameters", (_W1_INIT, "np.zeros((n_h, n_x))")),
    _w("init_constant", "init-constant", "initialize_parameters",
       (_W1_INIT, "np.ones((n_h, n_x)) * 0.01"), (_W2_INIT, "np.ones((n_y, n_h)) * 0.01")),
    _w("init_constant_full", "init-constant", "initialize_parameters", (_W1_INIT, "np.full((n_h, n_x), 0.5)")),
    _w("init_uniform_positive", "init-uniform-positive", "initialize_parameters",
       (_W1_INIT, "np.random.rand(n_h, n_x)"), (_W2_INIT, "np.random.rand(n_y, n_h)")),
    _w("init_uniform_positive_scaled", "init-uniform-positive", "initialize_parameters",
       (_W1_INIT, "np.random.rand(n_h, n_x) * 0.01"), (_W2_INIT, "np.random.rand(n_y, n_h) * 0.01")),
    _w("init_oversized_unscaled", "init-oversized", "initialize_parameters",
       (_W1_INIT, "np.random.randn(n_h, n_x)"), (_W2_INIT, "np.random.randn(n_y, n_h)")),
    _w("init_oversized_times_10", "init-oversized", "initialize_parameters",
       (_W1_INIT, "np.random.randn(n_h, n_x) * 10"), (_W2_INIT, "np.random.randn(n_y, n_h) * 10")),
    _w("forward_sigmoid_hidden", "forward-sigmoid-hidden", "forward_propagation",
       ("A1 = np.tanh(Z1)", "A1 = sigmoid(Z1)")),
    _w("forward_no_bias", "forward-no-bias", "forward_propagation",
       ("np.dot(W1, X) + b1", "np.dot(W1, X)"), ("np.dot(W2, A1) + b2", "np.dot(W2, A1)")),
    _w("cost_wrong_sign", "cost-wrong-sign", "compute_cost", ("cost = -np.sum", "cost = np.sum")),
    _w("cost_sum_not_mean", "cost-sum-not-mean", "compute_cost", ("-np.sum(logprobs) / m", "-np.sum(logprobs)")),
    _w("cost_no_one_minus_y", "cost-no-one-minus-y", "compute_cost",
       (" + np.multiply(np.log(1 - A2), 1 - Y)", "")),
    _w("cost_hint_copied", "cost-no-one-minus-y", "compute_cost",
       (" + np.multiply(np.log(1 - A2), 1 - Y)", ""), ("-np.sum(logprobs) / m", "-np.sum(logprobs)")),
    _w("cost_outer_product", "cost-outer-product", "compute_cost",
       ("np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)",
        "np.dot(Y.T, np.log(A2)) + np.dot((1 - Y).T, np.log(1 - A2))")),
    _w("cost_as_array", "cost-as-array", "compute_cost",
       ("logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)",
        "logprobs = np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)"),
       ("cost = -np.sum(logprobs) / m", "cost = -logprobs / m"), ("return float(cost)", "return cost")),
    _w("cost_as_0d_array", "cost-as-array", "compute_cost",
       ("return float(cost)", "return np.squeeze(np.array(cost))")),
    _w("backprop_tanh_from_z1", "tanh-derivative-from-z1", "backward_propagation",
       (_SLOPE, "(1 - np.power(Z1, 2))")),
    _w("backprop_sigmoid_slope", "sigmoid-derivative-for-tanh", "backward_propagation", (_SLOPE, "A1 * (1 - A1)")),
    _w("backprop_dz2_reversed", "dz2-reversed", "backward_propagation", ("dZ2 = A2 - Y", "dZ2 = Y - A2")),
    _w("backprop_no_m", "missing-1-over-m", "backward_propagation",
       (_DW1, _DW1[:-4]), (_DB1, _DB1[:-4]), (_DW2, _DW2[:-4]), (_DB2, _DB2[:-4])),
    _w("backprop_no_m_dw1", "missing-1-over-m", "backward_propagation", (_DW1, _DW1[:-4])),
    _w("backprop_no_m_db2", "missing-1-over-m", "backward_propagation", (_DB2, _DB2[:-4])),
    _w("backprop_m_twice", "extra-1-over-m", "backward_propagation", ("dZ2 = A2 - Y", "dZ2 = (A2 - Y) / m")),
    _w("backprop_m_twice_dw2", "extra-1-over-m", "backward_propagation", (_DW2, _DW2 + " / m")),
    _w("backprop_no_keepdims", "missing-keepdims", "backward_propagation",
       (_DB1, "db1 = np.sum(dZ1, axis=1) / m"), (_DB2, "db2 = np.sum(dZ2, axis=1) / m")),
    _w("backprop_no_keepdims_db1", "missing-keepdims", "backward_propagation",
       (_DB1, "db1 = np.sum(dZ1, axis=1) / m")),
    _w("backprop_axis0", "sum-wrong-axis", "backward_propagation",
       (_DB1, "db1 = np.sum(dZ1, axis=0, keepdims=True) / m"), (_DB2, "db2 = np.sum(dZ2, axis=0, keepdims=True) / m")),
    _w("backprop_axis0_no_keepdims", "sum-wrong-axis", "backward_propagation",
       (_DB1, "db1 = np.sum(dZ1, axis=0) / m")),
    _w("backprop_no_axis", "sum-wrong-axis", "backward_propagation",
       (_DB1, "db1 = np.sum(dZ1) / m"), (_DB2, "db2 = np.sum(dZ2) / m")),
    _w("backprop_x_dz1t", "transposed-gradient", "backward_propagation", (_DW1, "dW1 = np.dot(X, dZ1.T) / m")),
    _w("backprop_a1_dz2t", "transposed-gradient", "backward_propagation", (_DW2, "dW2 = np.dot(A1, dZ2.T) / m")),
    _w("backprop_multiply_dw2", "elementwise-for-matmul", "backward_propagation",
       (_DW2, "dW2 = np.multiply(dZ2, A1) / m")),
    _w("update_plus", "update-plus", "update_parameters",
       *((f'parameters["{p}"] - learning_rate', f'parameters["{p}"] + learning_rate') for p in NAMES)),
    _w("update_plus_w1", "update-plus", "update_parameters",
       ('parameters["W1"] - learning_rate', 'parameters["W1"] + learning_rate')),
    _w("predict_06", "predict-threshold", "predict", ("A2 > 0.5", "A2 > 0.6")),
    _w("predict_04", "predict-threshold", "predict", ("A2 > 0.5", "A2 >= 0.4")),
    _w("predict_inverted", "predict-inverted", "predict", ("A2 > 0.5", "A2 < 0.5")),
    _w("predict_no_threshold", "predict-no-threshold", "predict", ("predictions = A2 > 0.5", "predictions = A2")),
)

# A function's own submission also needs the graded functions it calls.
CALLS = {"predict": ("forward_propagation",), "nn_model": tuple(SOURCES)}


def _apply(source: str, changes: tuple[tuple[str, str], ...]) -> str:
    for old, new in changes:
        if source.count(old) != 1:
            raise ValueError(f"{old!r} occurs {source.count(old)} times in the template")
        source = source.replace(old, new)
    return source


def submission(wrong: Wrong | None = None, *, functions: tuple[str, ...] | None = None,
               choice: dict[str, str] | None = None) -> str:
    """A submission's source: the header and ``functions`` (all by default), with ``wrong``'s mistake put in.

    ``choice`` replaces functions' sources (correct alternatives).
    """
    names = tuple(SOURCES) if functions is None else functions
    parts = [HEADER]
    for name in names:
        source = (choice or {}).get(name, SOURCES[name])
        if wrong is not None and wrong.function == name:
            source = _apply(source, wrong.changes)
        parts.append(source)
    return "\n".join(parts)


def small_submission(wrong: Wrong) -> str:
    """Only the function with the mistake and what it calls: quick to grade, every other check is missing."""
    return submission(wrong, functions=(*CALLS.get(wrong.function, ()), wrong.function))


def correct_choices(k: int) -> list[dict[str, str]]:
    """K combinations of correct implementations, cycling through the alternatives of each function."""
    out = []
    for i in range(k):
        choice = {}
        for j, (name, options) in enumerate(sorted(ALTERNATIVES.items())):
            pick = (i + j) % (len(options) + 1)  # 0 is the plain source
            if pick:
                choice[name] = options[pick - 1]
        out.append(choice)
    return out


def write_batch(folder: Path, k: int) -> tuple[dict[str, str], list[str]]:
    """Write the wrong and correct submissions; returns ({wrong id: mistake id}, [correct ids])."""
    folder.mkdir(parents=True, exist_ok=True)
    wrong = {}
    for item in WRONG:
        (folder / f"wrong_{item.name}.py").write_text(submission(item))
        wrong[f"wrong_{item.name}"] = item.mistake
    correct = []
    for i, choice in enumerate(correct_choices(k)):
        (folder / f"correct_{i:03d}.py").write_text(submission(choice=choice))
        correct.append(f"correct_{i:03d}")
    shutil.copy(ROOT / "reference" / "shallow-nn" / "solution.py", folder / "correct_reference.py")
    correct.append("correct_reference")
    for example in sorted((ROOT / "assignments" / "shallow-nn" / "examples").glob("correct*")):
        shutil.copy(example, folder / f"correct_example_{example.name}")
        correct.append(f"correct_example_{example.stem}")
    return wrong, correct


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=12, help="number of generated correct submissions")
    parser.add_argument("--seed", type=int, default=None, help="seed of the check inputs (default: per file)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, default=None, help="write submissions and reports here and keep them")
    parser.add_argument("--mutants", action="store_true", help="measure Where to look on generated mutants instead")
    parser.add_argument("--assignment", action="append", default=None, help="with --mutants: only this assignment")
    parser.add_argument("--limit", type=int, default=None, help="with --mutants: the first N mutants of each")
    parser.add_argument("--verbose", action="store_true", help="with --mutants: list the mutants not named")
    args = parser.parse_args()
    if args.mutants:
        return _mutants(args)

    sys.path.insert(0, str(ROOT))
    from grader.assignment import load_assignment
    from grader.pipeline import BatchOptions, grade_paths

    work = args.keep or Path(tempfile.mkdtemp(prefix="mistakes-"))
    try:
        for sub in ("submissions", "out"):  # a kept folder from an earlier run: start it afresh
            shutil.rmtree(work / sub, ignore_errors=True)
        wrong, correct = write_batch(work / "submissions", args.k)
        assignment = load_assignment(ROOT, "shallow-nn")
        start = time.perf_counter()
        results = tuple(grade_paths([work / "submissions"], assignment, out_dir=work / "out",  # read before rmtree
                                    options=BatchOptions(jobs=args.jobs, seed=args.seed, regrade=True)))
        elapsed = time.perf_counter() - start
        contradicted = _contradicted(work / "out")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    by_id = {r.submission: r for r in results}

    def mistakes_of(sid: str) -> set[str]:
        return {f.removeprefix("mistake:") for f in by_id[sid].flags if f.startswith("mistake:")}

    named = [sid for sid, mistake in wrong.items() if mistake in mistakes_of(sid)]
    confused = [sid for sid, mistake in wrong.items() if mistakes_of(sid) - {mistake}]
    flagged = [sid for sid in correct if mistakes_of(sid)]
    imperfect = [sid for sid in correct if by_id[sid].score != by_id[sid].max_score]

    print(f"graded {len(results)} submissions in {elapsed:.1f} s with {args.jobs} worker(s)")
    print(f"wrong submissions named correctly: {len(named)} / {len(wrong)}")
    print(f"wrong submissions with another mistake flag too: {len(confused)} / {len(wrong)}")
    print(f"correct submissions with a false mistake flag: {len(flagged)} / {len(correct)}"
          f" (not full marks: {len(imperfect)})")
    print(f"reports with a statement their own measurements contradict: {len(contradicted)} / {len(results)}")
    for line in contradicted:
        print(f"  contradiction: {line}")
    for sid in sorted(set(wrong) - set(named)):
        print(f"  not named: {sid} (expected {wrong[sid]}, got {sorted(mistakes_of(sid)) or 'none'})")
    for sid in confused:
        print(f"  confused: {sid} (expected {wrong[sid]}, got {sorted(mistakes_of(sid))})")
    for sid in flagged + imperfect:
        print(f"  correct but flagged or marked down: {sid} {by_id[sid].score} {sorted(by_id[sid].flags)}")
    return 0 if len(named) == len(wrong) and not confused and not flagged and not imperfect and not contradicted \
        else 1


def _contradicted(out: Path) -> list[str]:
    """The reports in ``out`` that say what their own measurements contradict: "<id>: <rule>: ..."."""
    import json

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from contradictions import contradictions

    found = []
    for path in sorted(out.glob("*/results.json")):
        lines = contradictions(json.loads(path.read_text()), (path.parent / "report.md").read_text())
        found += [f"{path.parent.name}: {line}" for line in lines]
    return found


def _mutants(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import where_to_look

    work = args.keep or Path(tempfile.mkdtemp(prefix="mutants-"))
    try:
        return where_to_look.main(work, jobs=args.jobs, seed=args.seed, limit=args.limit,
                                  assignments=tuple(args.assignment or where_to_look.ASSIGNMENTS),
                                  verbose=args.verbose)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
