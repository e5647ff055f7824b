"""Public checks for the shallow-nn assignment.

Call them from your notebook right after writing each function, e.g. ``forward_propagation_test(forward_propagation)``.
Each one prints "All tests passed." or raises an AssertionError that says what was expected and what came back.

The expected values are computed here from the textbook formulas on small fixed inputs. Passing these checks is a
good sign, not a guarantee: the grader runs more checks of its own.

Only numpy is needed. The checks that draw random numbers save numpy's global random state first and restore it
afterwards, so calling them does not change what the rest of your notebook computes.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = [
    "layer_sizes_test",
    "initialize_parameters_test",
    "forward_propagation_test",
    "compute_cost_test",
    "backward_propagation_test",
    "update_parameters_test",
    "predict_test",
    "nn_model_test",
]

_PARAMETER_NAMES = ("W1", "b1", "W2", "b2")
_GRADIENT_NAMES = ("dW1", "db1", "dW2", "db2")
_CACHE_NAMES = ("Z1", "A1", "Z2", "A2")


# ----------------------------------------------------------------------------------------------------------------
# Small helpers shared by the checks
# ----------------------------------------------------------------------------------------------------------------


def _passed() -> None:
    print("All tests passed.")


def _show(value: Any) -> str:
    """A short, readable rendering of a value for an error message."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=20, edgeitems=3, max_line_width=100)
        return f"array of shape {value.shape}, dtype {value.dtype}:\n{text}"
    return repr(value)


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed numpy's global generator for the duration of the block, then put the old state back."""
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _fixed_case(
    n_x: int = 3, n_h: int = 4, m: int = 5, seed: int = 7
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Parameters, inputs and labels for the fixed test cases.

    The weights are of order one on purpose, so that tanh is clearly non-linear on this data: mistakes such as
    using ``Z1`` where ``A1`` belongs then show up in the numbers.
    """
    rng = np.random.RandomState(seed)
    parameters = {
        "W1": rng.randn(n_h, n_x),
        "b1": rng.randn(n_h, 1) * 0.5,
        "W2": rng.randn(1, n_h),
        "b2": rng.randn(1, 1) * 0.5,
    }
    X = rng.randn(n_x, m)
    Y = (rng.rand(1, m) > 0.5).astype(np.uint8)
    Y[0, 0], Y[0, 1] = 0, 1  # make sure both classes appear
    return parameters, X, Y


def _expected_forward(X: np.ndarray, parameters: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    A2 = _sigmoid(Z2)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def _expected_backward(
    parameters: dict[str, np.ndarray], cache: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray
) -> dict[str, np.ndarray]:
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dW2 = np.dot(dZ2, cache["A1"].T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (1 - cache["A1"] ** 2)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _copy(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.array(v, copy=True) for k, v in arrays.items()}


def _check_dict(value: Any, keys: tuple[str, ...], what: str) -> None:
    assert isinstance(value, dict), f"{what} should be a dictionary with keys {list(keys)}, but got {_show(value)}"
    missing = [k for k in keys if k not in value]
    assert not missing, f"{what} is missing the keys {missing}; expected the keys {list(keys)}, got {sorted(value)}"


def _check_array(got: Any, expected: np.ndarray, what: str, *, rtol: float = 1e-5, atol: float = 1e-8) -> None:
    assert isinstance(got, np.ndarray), f"{what} should be a numpy array, but got {_show(got)}"
    assert got.shape == expected.shape, (
        f"{what} has the wrong shape: expected {expected.shape}, got {got.shape}. "
        "Check the order of the factors in each product and use keepdims=True when you sum over examples."
    )
    assert np.allclose(got, expected, rtol=rtol, atol=atol), (
        f"{what} has the wrong values.\nExpected {_show(expected)}\nGot {_show(got)}"
    )


# ----------------------------------------------------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------------------------------------------------


def layer_sizes_test(target: Callable[..., Any]) -> None:
    """``layer_sizes(X, Y)`` returns ``(n_x, 4, n_y)`` read from the shapes of X and Y."""
    for n_x, n_y, m in ((5, 2, 3), (2, 1, 400), (7, 3, 1)):
        X = np.zeros((n_x, m))
        Y = np.zeros((n_y, m))
        result = target(X, Y)
        assert isinstance(result, (tuple, list)) and len(result) == 3, (
            f"layer_sizes should return a tuple (n_x, n_h, n_y), but got {_show(result)}"
        )
        expected = (n_x, 4, n_y)
        assert tuple(result) == expected, (
            f"layer_sizes for X of shape {X.shape} and Y of shape {Y.shape}: expected {expected}, got {tuple(result)}. "
            "n_x is the number of rows of X, n_y the number of rows of Y, and n_h is fixed at 4."
        )
    _passed()


def initialize_parameters_test(target: Callable[..., Any]) -> None:
    """Shapes, non-zero and different hidden units, a small scale, and zero biases."""
    for n_x, n_h, n_y in ((2, 4, 1), (3, 5, 2)):
        with _seeded(2):
            parameters = target(n_x, n_h, n_y)
        _check_dict(parameters, _PARAMETER_NAMES, f"initialize_parameters({n_x}, {n_h}, {n_y})")
        expected_shapes = {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}
        for name, shape in expected_shapes.items():
            value = parameters[name]
            assert isinstance(value, np.ndarray), f"{name} should be a numpy array, but got {_show(value)}"
            assert value.shape == shape, (
                f"initialize_parameters({n_x}, {n_h}, {n_y}): {name} should have shape {shape}, got {value.shape}"
            )

        for name in ("W1", "W2"):
            assert np.any(parameters[name] != 0), (
                f"{name} is all zeros. With zero weights every hidden unit computes the same function and receives "
                "the same gradient at every step, so the units stay identical forever and the network is no better "
                "than a single unit. Draw the weights at random, e.g. np.random.randn(...) * 0.01."
            )
        W1 = parameters["W1"]
        distinct_rows = np.unique(W1, axis=0).shape[0]
        assert distinct_rows == n_h, (
            f"W1 has {n_h} rows but only {distinct_rows} different ones. Each row holds the weights of one hidden "
            "unit; units that start with the same weights get the same gradients and never become different "
            "(the symmetry is never broken). Draw every entry independently at random."
        )
        for name in ("b1", "b2"):
            assert np.all(parameters[name] == 0), (
                f"{name} should start at zero, got {_show(parameters[name])}. Zero biases are fine: the random "
                "weights already make the hidden units different."
            )

    # The scale is measured on a larger layer, so that the spread of the entries is a reliable estimate.
    with _seeded(3):
        parameters = target(50, 40, 1)
    for name in ("W1", "W2"):
        spread = float(np.std(parameters[name]))
        assert spread < 0.1, (
            f"the entries of {name} are too large: expected a standard deviation around 0.01 (below 0.1), got "
            f"{spread:.4g}. Large weights make |Z1| large, where tanh is flat (its slope 1 - tanh(z)**2 is almost "
            "zero) and the sigmoid output is stuck near 0 or 1, so the gradients vanish and learning crawls. "
            "Multiply np.random.randn(...) by 0.01."
        )
    _passed()


def forward_propagation_test(target: Callable[..., Any]) -> None:
    """``A2`` and the cache on a fixed case."""
    parameters, X, _ = _fixed_case()
    expected = _expected_forward(X, parameters)
    result = target(X, _copy(parameters))
    assert isinstance(result, tuple) and len(result) == 2, (
        f"forward_propagation should return a tuple (A2, cache), but got {_show(result)}"
    )
    A2, cache = result
    _check_array(A2, expected["A2"], "A2")
    _check_dict(cache, _CACHE_NAMES, "the cache")
    for name in _CACHE_NAMES:
        hint = {
            "Z1": " Z1 = W1 X + b1.",
            "A1": " The hidden layer uses tanh: A1 = tanh(Z1).",
            "Z2": " Z2 = W2 A1 + b2.",
            "A2": " The output layer uses the sigmoid: A2 = sigmoid(Z2).",
        }[name]
        try:
            _check_array(cache[name], expected[name], f"cache['{name}']")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{hint.strip()}") from None
    _passed()


def compute_cost_test(target: Callable[..., Any]) -> None:
    """The cross-entropy cost, returned as a Python float."""
    cases = (
        (np.array([[0.8, 0.3, 0.6, 0.1]]), np.array([[1, 0, 1, 0]], dtype=np.uint8)),
        (np.array([[0.5002307, 0.49985831, 0.50023963]]), np.array([[1, 0, 0]], dtype=np.uint8)),
    )
    for A2, Y in cases:
        m = Y.shape[1]
        expected = float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)
        cost = target(A2.copy(), Y.copy())
        assert isinstance(cost, float), (
            f"compute_cost should return a Python float, but got {_show(cost)} of type {type(cost).__name__}. "
            "Wrap the result in float(...)."
        )
        assert np.isclose(cost, expected, rtol=1e-6), (
            f"compute_cost for A2 = {A2.tolist()}, Y = {Y.tolist()}: expected {expected:.8f}, got {cost:.8f}. "
            "The cost is -(1/m) * sum(Y * log(A2) + (1 - Y) * log(1 - A2)), averaged over the m examples."
        )
    _passed()


def backward_propagation_test(target: Callable[..., Any]) -> None:
    """The four gradients on a fixed case where tanh is clearly non-linear."""
    parameters, X, Y = _fixed_case()
    cache = _expected_forward(X, parameters)
    expected = _expected_backward(parameters, cache, X, Y)
    grads = target(_copy(parameters), _copy(cache), X.copy(), Y.copy())
    _check_dict(grads, _GRADIENT_NAMES, "the gradients returned by backward_propagation")
    hints = {
        "dW2": "dW2 = (1/m) dZ2 A1.T with dZ2 = A2 - Y.",
        "db2": "db2 is the mean of dZ2 over the examples: np.sum(dZ2, axis=1, keepdims=True) / m.",
        "dW1": "dZ1 = W2.T dZ2 * (1 - A1**2): the slope of tanh at Z1 is 1 - tanh(Z1)**2, and tanh(Z1) is A1 "
        "(not Z1). Then dW1 = (1/m) dZ1 X.T.",
        "db1": "db1 = np.sum(dZ1, axis=1, keepdims=True) / m, with dZ1 = W2.T dZ2 * (1 - A1**2).",
    }
    for name in ("dW2", "db2", "dW1", "db1"):
        try:
            _check_array(grads[name], expected[name], name)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{hints[name]}") from None
    _passed()


def update_parameters_test(target: Callable[..., Any]) -> None:
    """One gradient-descent step, with the default learning rate (1.2) and with an explicit one."""
    parameters, _, _ = _fixed_case(seed=11)
    rng = np.random.RandomState(12)
    grads = {"d" + name: rng.randn(*value.shape) for name, value in parameters.items()}
    for learning_rate in (None, 0.5):
        rate = 1.2 if learning_rate is None else learning_rate
        expected = {name: parameters[name] - rate * grads["d" + name] for name in _PARAMETER_NAMES}
        if learning_rate is None:
            result = target(_copy(parameters), _copy(grads))
            label = "update_parameters(parameters, grads)"
        else:
            result = target(_copy(parameters), _copy(grads), learning_rate)
            label = f"update_parameters(parameters, grads, {learning_rate})"
        _check_dict(result, _PARAMETER_NAMES, f"the result of {label}")
        for name in _PARAMETER_NAMES:
            try:
                _check_array(result[name], expected[name], f"{name} after {label}")
            except AssertionError as exc:
                raise AssertionError(
                    f"{exc}\nEach parameter moves against its gradient: {name} = {name} - learning_rate * d{name}, "
                    "with learning_rate defaulting to 1.2."
                ) from None
    _passed()


def predict_test(target: Callable[..., Any]) -> None:
    """Predictions are ``A2 > 0.5``, one per example, shape ``(1, m)``."""
    parameters, X, _ = _fixed_case(m=9, seed=5)
    expected = _expected_forward(X, parameters)["A2"] > 0.5
    assert expected.any() and not expected.all(), "internal error: the fixed case should contain both classes"
    predictions = target(_copy(parameters), X.copy())
    assert isinstance(predictions, np.ndarray), f"predict should return a numpy array, but got {_show(predictions)}"
    assert predictions.shape == expected.shape, (
        f"predict returned shape {predictions.shape}; expected {expected.shape}, one prediction per example (column)."
    )
    assert np.isin(predictions, (0, 1)).all(), (
        f"predict should return class labels (True/False or 1/0), not probabilities; got {_show(predictions)}. "
        "Compare the output with 0.5: A2 > 0.5."
    )
    assert np.array_equal(predictions.astype(bool), expected), (
        f"predict returned the wrong classes.\nExpected {_show(expected)}\nGot {_show(predictions)}\n"
        "Run forward propagation and predict class 1 where A2 > 0.5."
    )
    _passed()


_MODEL_PARTS = ("layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost", "backward_propagation",
                "update_parameters")


@contextlib.contextmanager
def _textbook_parts(target: Callable[..., Any], calls: list[tuple[str, Any]]) -> Iterator[None]:
    """While the block runs, the functions nn_model calls are the textbook ones (each call recorded in ``calls`` as
    (name, what it returned)), so that nn_model is judged on its own loop, as the grader judges it: a mistake in
    another function costs that function's test, not this one. The notebook's own functions are put back after."""
    namespace = getattr(target, "__globals__", None)
    if not isinstance(namespace, dict):
        yield
        return
    rng = np.random.RandomState(11)

    def record(name: str, value: Any) -> Any:
        calls.append((name, value))
        return value

    def initialize_parameters(n_x: int, n_h: int, n_y: int) -> dict[str, np.ndarray]:
        parameters = {"W1": rng.randn(n_h, n_x) * 0.5, "b1": rng.randn(n_h, 1) * 0.1,
                      "W2": rng.randn(n_y, n_h) * 0.5, "b2": rng.randn(n_y, 1) * 0.1}
        return record("initialize_parameters", (n_x, n_h, n_y, _copy(parameters)))[3]

    def forward_propagation(X: np.ndarray, parameters: dict[str, np.ndarray]) -> tuple[np.ndarray, dict]:
        cache = _expected_forward(X, parameters)
        return record("forward_propagation", (cache["A2"], cache))

    def compute_cost(A2: np.ndarray, Y: np.ndarray) -> float:
        logprobs = Y * np.log(A2) + (1 - Y) * np.log(1 - A2)
        return record("compute_cost", float(-np.sum(logprobs) / Y.shape[1]))

    def backward_propagation(parameters: dict, cache: dict, X: np.ndarray, Y: np.ndarray) -> dict:
        return record("backward_propagation", _expected_backward(parameters, cache, X, Y))

    def update_parameters(parameters: dict, grads: dict, learning_rate: float = 1.2) -> dict:
        return record("update_parameters", {name: parameters[name] - learning_rate * grads["d" + name]
                                            for name in _PARAMETER_NAMES})

    def layer_sizes(X: np.ndarray, Y: np.ndarray) -> tuple[int, int, int]:
        return record("layer_sizes", (X.shape[0], 4, Y.shape[0]))

    textbook = {fn.__name__: fn for fn in (layer_sizes, initialize_parameters, forward_propagation, compute_cost,
                                           backward_propagation, update_parameters)}
    missing = object()
    saved = {name: namespace.get(name, missing) for name in _MODEL_PARTS}
    namespace.update(textbook)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


def nn_model_test(target: Callable[..., Any]) -> None:
    """nn_model's own code, the training loop, with the textbook functions around it (the grader's rule): it
    initialises once with the n_h it is given, runs forward, backward and update num_iterations times on the
    previous step's output, and returns the last parameters; it prints nothing unless asked."""
    rng = np.random.RandomState(5)
    for n_h, n_x, iterations in ((3, 2, 2), (4, 3, 5)):
        m = 12
        X = rng.randn(n_x, m)
        Y = (rng.rand(1, m) > 0.5).astype(float)
        Y[0, 0], Y[0, 1] = 0.0, 1.0
        calls: list[tuple[str, Any]] = []
        out = io.StringIO()
        label = f"nn_model(X, Y, n_h={n_h}, num_iterations={iterations})"
        with _textbook_parts(target, calls), contextlib.redirect_stdout(out):
            parameters = target(X, Y, n_h, num_iterations=iterations, print_cost=False)
        assert out.getvalue() == "", (
            f"{label} printed {out.getvalue()[:200]!r} with print_cost=False; it should print only when print_cost "
            "is True."
        )
        inits = [value for name, value in calls if name == "initialize_parameters"]
        assert len(inits) == 1, (
            f"{label} called initialize_parameters {len(inits)} times; it should call it exactly once, before the "
            "loop, and then keep updating the parameters it returned."
        )
        assert inits[0][:3] == (n_x, n_h, 1), (
            f"{label} called initialize_parameters{inits[0][:3]}; expected initialize_parameters({n_x}, {n_h}, 1): "
            "n_x and n_y come from layer_sizes(X, Y), n_h is nn_model's argument."
        )
        updates = sum(1 for name, _ in calls if name == "update_parameters")
        assert updates == iterations, (
            f"{label} called update_parameters {updates} times; the loop should run exactly num_iterations times."
        )
        expected = inits[0][3]
        for _ in range(iterations):
            cache = _expected_forward(X, expected)
            grads = _expected_backward(expected, cache, X, Y)
            expected = {name: expected[name] - 1.2 * grads["d" + name] for name in _PARAMETER_NAMES}
        _check_dict(parameters, _PARAMETER_NAMES, f"the result of {label}")
        for name in _PARAMETER_NAMES:
            _check_array(parameters[name], expected[name], f"{name} returned by {label} (each iteration must run "
                         "forward propagation, backward propagation and update_parameters with its default "
                         "learning rate, starting from the previous iteration's parameters)")
    _passed()
