"""Public checks for the initialization assignment.

Call them from your notebook right after writing each function, e.g.
``initialize_parameters_he_test(initialize_parameters_he)``. Each one prints "All tests passed." or raises an
AssertionError that says what was expected and what came back.

The checks look at properties, not at particular random numbers: shapes, zeros where zeros belong, and the mean
and spread of the random weights measured on large layers, where such statistics are reliable. Passing them is a
good sign, not a guarantee: the grader runs more checks of its own.

Only numpy is needed. The checks save numpy's global random state before calling your function and restore it
afterwards, so calling them does not change what the rest of your notebook computes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = [
    "initialize_parameters_zeros_test",
    "initialize_parameters_random_test",
    "initialize_parameters_he_test",
]

# Small layer lists for the shapes, and large layers for the statistics of the random weights.
_SHAPE_CASES = ([2, 10, 5, 1], [3, 1], [4, 3, 3, 2, 1])
_LARGE = [500, 300, 200, 1]
_MIN_ENTRIES = 10_000  # layers with fewer weights are too small for a precise estimate of their spread


def _passed() -> None:
    print("All tests passed.")


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, threshold=12, edgeitems=2, max_line_width=100)
        return f"array of shape {value.shape}, dtype {value.dtype}:\n{text}"
    return repr(value)


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


def _parameters(target: Callable[..., Any], layers_dims: list[int], seed: int = 1) -> dict[str, np.ndarray]:
    """Call ``target(layers_dims)`` and check the keys and the shape of every parameter."""
    name = getattr(target, "__name__", "the function")
    with _seeded(seed):
        parameters = target(list(layers_dims))
    label = f"{name}({layers_dims})"
    assert isinstance(parameters, dict), f"{label} should return a dictionary, but returned {_show(parameters)}"
    L = len(layers_dims) - 1
    expected = [key for l in range(1, L + 1) for key in (f"W{l}", f"b{l}")]
    missing = [key for key in expected if key not in parameters]
    extra = sorted(set(parameters) - set(expected))
    assert not missing and not extra, (
        f"{label} should return exactly the keys {expected}; missing {missing}, unexpected {extra}. "
        "Loop with l from 1 to len(layers_dims) - 1 and name the keys 'W' + str(l) and 'b' + str(l)."
    )
    for l in range(1, L + 1):
        shapes = {f"W{l}": (layers_dims[l], layers_dims[l - 1]), f"b{l}": (layers_dims[l], 1)}
        for key, shape in shapes.items():
            value = parameters[key]
            assert isinstance(value, np.ndarray), f"{label}: {key} should be a numpy array, but is {_show(value)}"
            assert value.shape == shape, (
                f"{label}: {key} should have shape {shape} = (layers_dims[{l}], "
                f"{'layers_dims[' + str(l - 1) + ']' if key[0] == 'W' else '1'}), but has shape {value.shape}"
            )
    return parameters


def _biases_are_zero(parameters: dict[str, np.ndarray]) -> None:
    for key, value in parameters.items():
        if key.startswith("b"):
            assert np.all(value == 0), (
                f"{key} should be all zeros, but got {_show(value)}. The random weights already make the units "
                "different, so the biases can start at zero."
            )


def _weights(parameters: dict[str, np.ndarray]) -> list[tuple[int, np.ndarray]]:
    L = len(parameters) // 2
    return [(l, np.asarray(parameters[f"W{l}"], dtype=np.float64)) for l in range(1, L + 1)]


def _random_and_centred(parameters: dict[str, np.ndarray], name: str) -> None:
    """The weights are not zero, the rows of every layer differ, and they are centred on zero."""
    for l, W in _weights(parameters):
        assert np.any(W != 0), (
            f"{name}: W{l} is all zeros. Zero weights make every unit of a layer identical: they compute the same "
            "values and get the same gradients, so they never become different. Draw the weights at random."
        )
        distinct = np.unique(W, axis=0).shape[0]
        assert distinct == W.shape[0], (
            f"{name}: only {distinct} of the {W.shape[0]} rows of W{l} are different. Each row holds the weights of "
            "one unit; units that start equal stay equal. Draw every entry independently, with np.random.randn."
        )
        if W.size >= _MIN_ENTRIES:
            mean, std = float(W.mean()), float(W.std())
            assert abs(mean) <= 0.05 * std, (
                f"{name}: the entries of W{l} have mean {mean:.4g} with a standard deviation of {std:.4g}; they "
                "should be centred on 0. np.random.rand draws from [0, 1); np.random.randn draws from the standard "
                "normal distribution, which is centred on 0."
            )


def initialize_parameters_zeros_test(target: Callable[..., Any]) -> None:
    """Keys and shapes for several layer lists, and nothing but zeros."""
    for layers_dims in (*_SHAPE_CASES, _LARGE):
        parameters = _parameters(target, layers_dims)
        for key, value in parameters.items():
            assert np.all(value == 0), (
                f"initialize_parameters_zeros({layers_dims}): {key} should be all zeros, but got {_show(value)}. "
                "This function is the experiment that shows why zero weights fail, so it must return zeros; use "
                "np.zeros(shape)."
            )
    _passed()


def initialize_parameters_random_test(target: Callable[..., Any]) -> None:
    """Keys and shapes, zero biases, and weights with mean 0 and standard deviation 10."""
    for layers_dims in _SHAPE_CASES:
        _biases_are_zero(_parameters(target, layers_dims))
    parameters = _parameters(target, _LARGE, seed=2)
    _biases_are_zero(parameters)
    _random_and_centred(parameters, "initialize_parameters_random")
    for l, W in _weights(parameters):
        if W.size < _MIN_ENTRIES:
            continue
        std = float(W.std())
        hint = ""
        if abs(std - 1) < 0.05:
            hint = " That is the spread of np.random.randn alone: multiply it by 10."
        assert abs(std - 10) <= 0.5, (
            f"initialize_parameters_random: the entries of W{l} (shape {W.shape}) have a standard deviation of "
            f"{std:.4g}; expected 10 (np.random.randn(...) * 10).{hint} This function is the experiment with weights "
            "that are too large, so keep the factor 10."
        )
    _passed()


def initialize_parameters_he_test(target: Callable[..., Any]) -> None:
    """Keys and shapes, zero biases, and weights with mean 0 and variance 2 / layers_dims[l-1]."""
    for layers_dims in _SHAPE_CASES:
        _biases_are_zero(_parameters(target, layers_dims))
    parameters = _parameters(target, _LARGE, seed=3)
    _biases_are_zero(parameters)
    _random_and_centred(parameters, "initialize_parameters_he")
    for l, W in _weights(parameters):
        if W.size < _MIN_ENTRIES:
            continue
        n_prev, n_l = _LARGE[l - 1], _LARGE[l]
        variance = float(W.var())
        expected = 2.0 / n_prev
        if abs(variance / expected - 1) <= 0.1:
            continue
        hints = (
            (1.0 / n_prev, " That is 1 / layers_dims[l-1], Xavier initialization: for ReLU the numerator is 2."),
            (2.0 / n_l, " That is 2 / layers_dims[l]: divide by the number of inputs, layers_dims[l-1]."),
            (expected**2, " That is (2 / layers_dims[l-1])**2: multiply randn by the square root, "
                          "np.sqrt(2 / layers_dims[l-1])."),
            (1.0, " That is the variance of np.random.randn alone: multiply it by np.sqrt(2 / layers_dims[l-1])."),
        )
        hint = next((text for value, text in hints if abs(variance / value - 1) <= 0.1), "")
        raise AssertionError(
            f"initialize_parameters_he({_LARGE}): the entries of W{l} (shape {W.shape}) have variance "
            f"{variance:.4g}; expected 2 / layers_dims[{l - 1}] = 2 / {n_prev} = {expected:.4g}.{hint}"
        )
    _passed()
