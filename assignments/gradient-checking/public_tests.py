"""Public checks for the gradient-checking assignment.

Call them from your notebook right after writing each function: ``gradient_check_test(gradient_check)`` and
``gradient_check_n_test(gradient_check_n)``. Each one prints "All tests passed." or raises an AssertionError that
says what was expected and what came back.

The expected values are computed here, with the models of ``gc_utils``, on a few fixed inputs. Passing these
checks is a good sign, not a guarantee: the grader runs more checks of its own.

Only numpy (and gc_utils, imported when a test runs) is needed, and numpy's global random state is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["gradient_check_test", "gradient_check_n_test"]


# ----------------------------------------------------------------------------------------------------------------
# Small helpers shared by the checks
# ----------------------------------------------------------------------------------------------------------------


def _passed() -> None:
    print("All tests passed.")


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=20, edgeitems=3, max_line_width=100)
        return f"array of shape {value.shape}, dtype {value.dtype}:\n{text}"
    return repr(value)


def _number(value: Any, call: str) -> float:
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())[()]
    assert isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)), (
        f"{call} should return a single number, the relative difference, but got {_show(value)}. "
        "Compare grad with gradapprox and return ||grad - gradapprox|| / (||grad|| + ||gradapprox||)."
    )
    return float(value)


def _relative(grad: Any, gradapprox: Any) -> float:
    grad, gradapprox = np.asarray(grad, dtype=float), np.asarray(gradapprox, dtype=float)
    return float(np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox)))


def _close(a: float, b: float, rtol: float = 1e-4) -> bool:
    return bool(np.isfinite(a) and abs(a - b) <= rtol * max(abs(a), abs(b)))


_SELF = (
    "A difference of exactly 0 for gradients that are not exact means that gradapprox was compared with itself "
    "(or grad was set to gradapprox). Take grad from the gradients under test and gradapprox from the cost alone."
)
_COPY = (
    "This is the value you get when theta_plus (or theta_minus) is theta itself rather than np.copy(theta): "
    "changing one then changes the other, and J_minus is evaluated at the wrong point."
)
_ONE_STEP = (
    "This is the value you get when J_plus - J_minus is divided by epsilon instead of 2 * epsilon: theta_plus and "
    "theta_minus lie 2 * epsilon apart."
)
_ONE_SIDED = (
    "This is the one-sided difference (J(theta + epsilon) - J(theta)) / epsilon. Use the two-sided one, "
    "(J(theta + epsilon) - J(theta - epsilon)) / (2 * epsilon)."
)


# ----------------------------------------------------------------------------------------------------------------
# gradient_check
# ----------------------------------------------------------------------------------------------------------------


def _gc_utils() -> Any:
    """The models under test. Imported on first use, so that this module can be loaded without gc_utils next to
    it (the grader reads it that way)."""
    import gc_utils

    return gc_utils


def _expected_1d(x: float, theta: float, epsilon: float) -> float:
    gc_utils = _gc_utils()
    f = gc_utils.forward_propagation
    gradapprox = (f(x, theta + epsilon) - f(x, theta - epsilon)) / (2 * epsilon)
    return _relative(gc_utils.backward_propagation(x, theta), gradapprox)


def gradient_check_test(target: Callable[..., Any]) -> None:
    """Tiny for moderate inputs; the exact rounding-level value where rounding is visible; epsilon is used."""
    for x, theta in ((3.0, 4.0), (-2.0, 0.5), (0.75, -3.25)):
        got = _number(target(x, theta), f"gradient_check({x}, {theta})")
        assert got < 1e-7, (
            f"gradient_check({x}, {theta}) returned {got:.3g}. backward_propagation is right for J = theta * x, so "
            "the relative difference should be below 1e-7 (it is only rounding error). "
            + (f"{abs(x)} is |x|, the gradient itself: return the difference, not grad or gradapprox."
               if _close(got, abs(x), 1e-3) else "")
        )

    # With a large theta, theta + epsilon is rounded, so gradapprox is off in its sixth digit or so.
    x, theta = 2.5, 31415.9265
    expected = _expected_1d(x, theta, 1e-7)
    got = _number(target(x, theta, 1e-7), f"gradient_check({x}, {theta}, 1e-7)")
    assert got != 0.0, f"gradient_check({x}, {theta}, 1e-7) returned 0.0, but rounding makes it {expected:.4g}. {_SELF}"
    assert _close(got, expected), (
        f"gradient_check({x}, {theta}, 1e-7): expected {expected:.6g}, got {got:.6g}. Use "
        "gradapprox = (J_plus - J_minus) / (2 * epsilon) with J from forward_propagation, grad from "
        "backward_propagation, and divide ||grad - gradapprox|| by ||grad|| + ||gradapprox||."
    )

    small = _number(target(x, theta, 1e-9), f"gradient_check({x}, {theta}, 1e-9)")
    assert small != got, (
        f"gradient_check({x}, {theta}) returned {got:.6g} with epsilon=1e-7 and with epsilon=1e-9: use the epsilon "
        f"passed in (the expected values are {expected:.4g} and {_expected_1d(x, theta, 1e-9):.4g})."
    )
    _passed()


# ----------------------------------------------------------------------------------------------------------------
# gradient_check_n
# ----------------------------------------------------------------------------------------------------------------


def _gradapprox(parameters: dict, X: np.ndarray, Y: np.ndarray, epsilon: float, *, copies: bool = True,
                one_sided: bool = False, divisor: float = 2.0) -> np.ndarray:
    gc_utils = _gc_utils()
    theta, _ = gc_utils.dictionary_to_vector(parameters)

    def cost(vector: np.ndarray) -> float:
        return gc_utils.forward_propagation_n(X, Y, gc_utils.vector_to_dictionary(vector))[0]

    approx = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        plus = np.copy(theta) if copies else theta
        plus[i, 0] += epsilon
        j_plus = cost(plus)
        if one_sided:
            approx[i, 0] = (j_plus - cost(theta)) / epsilon
            continue
        minus = np.copy(theta) if copies else theta
        minus[i, 0] -= epsilon
        approx[i, 0] = (j_plus - cost(minus)) / (divisor * epsilon)
    return approx


def _expected_n(parameters: dict, gradients: dict, X: np.ndarray, Y: np.ndarray, epsilon: float, **kind: bool
                ) -> float:
    return _relative(_gc_utils().gradients_to_vector(gradients), _gradapprox(parameters, X, Y, epsilon, **kind))


def _fresh(arrays: dict) -> dict:
    return {k: np.array(v, copy=True) for k, v in arrays.items()}


def _step_hint(target: Callable[..., Any], parameters: dict, gradients: dict, X: np.ndarray, Y: np.ndarray,
               got: float) -> str:
    """The hint for a value that a missing copy gives at epsilon = 1e-7, or dividing by epsilon instead of
    2 * epsilon: both give 1/3 for correct gradients, so the function runs again at epsilon = 1e-2, where they
    differ, and a hint is given only for the mistake whose value it gives at both."""
    if not _close(got, _expected_n(parameters, gradients, X, Y, 1e-7, copies=False), 1e-3) and not _close(
            got, _expected_n(parameters, gradients, X, Y, 1e-7, divisor=1.0), 1e-3):
        return ""
    other = _number(target(_fresh(parameters), _fresh(gradients), X.copy(), Y.copy(), 1e-2),
                    "gradient_check_n(parameters, gradients, X, Y, 1e-2)")
    if _close(other, _expected_n(parameters, gradients, X, Y, 1e-2, copies=False), 1e-6):
        return _COPY
    if _close(other, _expected_n(parameters, gradients, X, Y, 1e-2, divisor=1.0), 1e-6):
        return _ONE_STEP
    return ""


def gradient_check_n_test(target: Callable[..., Any]) -> None:
    """Correct gradients pass, buggy ones fail by the right amount, the difference is two-sided, epsilon is used."""
    gc_utils = _gc_utils()
    X, Y, parameters = gc_utils.load_test_case()
    _, cache = gc_utils.forward_propagation_n(X, Y, parameters)
    good = gc_utils.backward_propagation_n(X, Y, cache)
    buggy = gc_utils.backward_propagation_n_buggy(X, Y, cache)

    got = _number(target(_fresh(parameters), _fresh(good), X.copy(), Y.copy()),
                  "gradient_check_n(parameters, gradients, X, Y)")
    assert got < 1e-7, (
        f"for the correct gradients gradient_check_n returned {got:.3g}; expected a difference below 1e-7 "
        f"(about {_expected_n(parameters, good, X, Y, 1e-7):.2g}). "
        + _step_hint(target, parameters, good, X, Y, got)
    )

    expected = _expected_n(parameters, buggy, X, Y, 1e-7)
    got = _number(target(_fresh(parameters), _fresh(buggy), X.copy(), Y.copy(), 1e-7),
                  "gradient_check_n(parameters, buggy_gradients, X, Y, 1e-7)")
    assert got != 0.0, f"for the buggy gradients gradient_check_n returned 0.0; expected {expected:.6g}. {_SELF}"
    assert got > 1e-3, (
        f"for the gradients of backward_propagation_n_buggy gradient_check_n returned {got:.3g}; a gradient check "
        f"must report more than 1e-3 for them (expected {expected:.6g})."
    )
    assert _close(got, expected), (
        f"for the gradients of backward_propagation_n_buggy: expected {expected:.6g}, got {got:.6g}. "
        + (_step_hint(target, parameters, buggy, X, Y, got) or
           "Compare gradients_to_vector(gradients) with gradapprox: ||grad - gradapprox|| / "
           "(||grad|| + ||gradapprox||).")
    )

    expected = _expected_n(parameters, good, X, Y, 1e-2)
    got = _number(target(_fresh(parameters), _fresh(good), X.copy(), Y.copy(), 1e-2),
                  "gradient_check_n(parameters, gradients, X, Y, 1e-2)")
    default = _number(target(_fresh(parameters), _fresh(good), X.copy(), Y.copy()),
                      "gradient_check_n(parameters, gradients, X, Y)")
    assert got != default, (
        f"gradient_check_n returned {got:.6g} both with the default epsilon and with epsilon=1e-2: use the epsilon "
        f"passed in (expected {expected:.4g} for epsilon=1e-2)."
    )
    assert _close(got, expected), (
        f"with epsilon=1e-2 and the correct gradients: expected {expected:.6g}, got {got:.6g}. "
        + (_ONE_SIDED if _close(got, _expected_n(parameters, good, X, Y, 1e-2, one_sided=True), 1e-3) else
           "With a larger step the two-sided estimate is less accurate, and the check must say exactly how much.")
    )
    _passed()
