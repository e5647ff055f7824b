"""Shared inputs and arithmetic for the gradient-checking checks. Everything here runs in the grader's trusted process.

The student's ``gradient_check_n`` runs the network of ``gc_utils`` in its sandbox; the reference and the variants
below run the same code here (through the ``helpers`` fixture), so for the same inputs they compute the same floats.
Values are compared with the reference only where they are decided by arithmetic rather than by rounding noise:
wrong gradients (the difference is large), or a large epsilon (the truncation error of the two-sided difference
dominates). Inputs are drawn at random and redrawn until they tell the mistakes apart, so no check depends on luck.

Variants of the usual mistakes (comparing gradapprox with itself, perturbing the parameter vector without a copy,
the one-sided difference, an ignored epsilon) are computed here too, to say which mistake a wrong value comes from.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, type_name

GRADIENT_NAMES = ("dW1", "db1", "dW2", "db2", "dW3", "db3")
MAX_DRAWS = 200


def as_number(value, what: str) -> float:
    """The student's result as a float, accepting numpy scalars and one-element arrays."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        return float(value.reshape(()))
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    hint = ""
    if isinstance(value, np.ndarray) and value.size > 1:
        hint = (" An array with one entry per parameter looks like grad or gradapprox: the function should compare "
                "them and return a single number, the relative difference.")
    raise CheckFailure(f"{what} should be a single number, the relative difference, but it is {type_name(value)}."
                       f"{hint}", expected="a float such as 2.5e-09", got=describe(value), flags=("wrong-type",),
                       lesson="absolute-difference" if hint else None)


def same(a: float, b: float, rtol: float) -> bool:
    """a and b agree to rtol (relative), both finite."""
    return bool(np.isfinite(a) and np.isfinite(b) and abs(a - b) <= rtol * max(abs(a), abs(b)))


MISSING_COPY = ("Your value is what you get when theta_plus (or theta_minus) is the parameter vector itself "
                "instead of a copy of it: `theta_plus = theta` makes a second name for the same array, so adding "
                "epsilon to theta_plus also changes theta, and J_minus is then evaluated at the wrong point. Use "
                "np.copy(theta) for both.")
ONE_SIDED = ("Your value is what the one-sided difference (J(theta + epsilon) - J(theta)) / epsilon gives. Use "
             "the two-sided difference (J(theta + epsilon) - J(theta - epsilon)) / (2 * epsilon): its error "
             "shrinks like epsilon squared instead of like epsilon.")
ONE_STEP = ("Your value is what you get when J_plus - J_minus is divided by epsilon instead of 2 * epsilon: "
            "theta_plus and theta_minus lie 2 * epsilon apart, so this estimate is twice the derivative. Divide by "
            "2 * epsilon.")
ABSOLUTE = ("Your value is the absolute difference ||grad - gradapprox||. Divide it by ||grad|| + ||gradapprox||, "
            "so that the result does not depend on the size of the gradients.")


class Tools:
    """What the checks share: reading the student's number, and what the usual mistakes return, for the
    messages. ``net`` is the gc_utils module."""

    as_number = staticmethod(as_number)
    same = staticmethod(same)
    MISSING_COPY = MISSING_COPY
    ONE_STEP = ONE_STEP
    ONE_SIDED = ONE_SIDED
    ABSOLUTE = ABSOLUTE

    def __init__(self, net) -> None:
        self.net = net

    # -- the one-parameter model --------------------------------------------------------------------------------

    @staticmethod
    def relative(grad, gradapprox) -> float:
        grad, gradapprox = np.asarray(grad, dtype=float), np.asarray(gradapprox, dtype=float)
        return float(np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox)))

    def gradapprox_1d(self, x: float, theta: float, epsilon: float) -> float:
        f = self.net.forward_propagation
        return float((f(x, theta + epsilon) - f(x, theta - epsilon)) / (2 * epsilon))

    def one_sided_1d(self, x: float, theta: float, epsilon: float) -> float:
        f = self.net.forward_propagation
        return self.relative(x, (f(x, theta + epsilon) - f(x, theta)) / epsilon)

    def absolute_1d(self, x: float, theta: float, epsilon: float) -> float:
        return float(abs(x - self.gradapprox_1d(x, theta, epsilon)))

    # -- the network --------------------------------------------------------------------------------------------

    def cost(self, X, Y, theta) -> float:
        return self.net.forward_propagation_n(X, Y, self.net.vector_to_dictionary(theta))[0]

    def costs(self, X, Y, thetas) -> np.ndarray:
        """The network's cost for each row of ``thetas`` (shape (K, n)), all at once: forward_propagation_n's
        arithmetic, batched (equal to it up to rounding in the last bits)."""
        thetas = np.asarray(thetas, dtype=np.float64)
        K, start, p = thetas.shape[0], 0, {}
        for name, shape in zip(self.net.PARAMETER_NAMES, self.net.PARAMETER_SHAPES):
            size = shape[0] * shape[1]
            p[name] = thetas[:, start:start + size].reshape(K, *shape)
            start += size
        with np.errstate(all="ignore"):
            A1 = np.maximum(0, p["W1"] @ X + p["b1"])
            A2 = np.maximum(0, p["W2"] @ A1 + p["b2"])
            A3 = 1.0 / (1.0 + np.exp(-(p["W3"] @ A2 + p["b3"])))
            return -np.sum(Y * np.log(A3) + (1 - Y) * np.log(1 - A3), axis=(1, 2)) / X.shape[1]

    def gradapprox(self, parameters, X, Y, epsilon: float, kind: str = "two-sided") -> np.ndarray:
        """gradapprox as the textbook computes it ("two-sided") or as a mistake does, for every entry at once.

        Row i of each matrix below is the parameter vector the loop's iteration i evaluates J at; the aliasing
        mistakes (``theta_plus = theta`` without a copy) carry the rounding of earlier iterations along, exactly
        as the loop does: t + epsilon - epsilon is not always t.
        """
        theta = self.net.dictionary_to_vector(parameters)[0].ravel()
        n = theta.size
        up, drift = theta + epsilon, (theta + epsilon) - epsilon
        before = np.tri(n, k=-1, dtype=bool)  # before[i, j]: j < i
        at = np.eye(n, dtype=bool)
        base = np.broadcast_to(theta, (n, n))
        plus, minus = np.where(at, up, base), np.where(at, theta - epsilon, base)
        if kind == "two-sided":
            J_plus, J_minus, step = self.costs(X, Y, plus), self.costs(X, Y, minus), 2 * epsilon
        elif kind == "one-step":  # the two-sided difference divided by epsilon, not by 2 * epsilon
            J_plus, J_minus, step = self.costs(X, Y, plus), self.costs(X, Y, minus), epsilon
        elif kind == "one-sided":
            J_plus, J_minus, step = self.costs(X, Y, plus), self.costs(X, Y, theta[None]), epsilon
        elif kind == "one-sided-back":
            J_plus, J_minus, step = self.costs(X, Y, theta[None]), self.costs(X, Y, minus), epsilon
        elif kind == "alias-both":  # theta_plus = theta; theta_minus = theta: theta_minus undoes theta_plus
            J_plus = self.costs(X, Y, np.where(before, drift, plus))
            J_minus, step = self.costs(X, Y, np.where(before | at, drift, base)), 2 * epsilon
        elif kind == "alias-plus":  # theta_plus = theta; theta_minus copied afterwards: the +eps stays
            J_plus = self.costs(X, Y, np.where(before, up, plus))
            J_minus, step = self.costs(X, Y, np.where(before, up, np.where(at, drift, base))), 2 * epsilon
        else:
            raise ValueError(kind)
        return ((J_plus - J_minus) / step).reshape(-1, 1)

    def difference(self, parameters, gradients, X, Y, epsilon: float, kind: str = "two-sided") -> float:
        grad = self.net.gradients_to_vector(gradients)
        return self.relative(grad, self.gradapprox(parameters, X, Y, epsilon, kind))

    def absolute(self, parameters, gradients, X, Y, epsilon: float) -> float:
        grad = self.net.gradients_to_vector(gradients)
        return float(np.linalg.norm(grad - self.gradapprox(parameters, X, Y, epsilon)))

    def explain(self, got: float, expected: float, candidates: dict,
                probe=None) -> tuple[str, tuple[str, ...], str | None]:
        """(sentence, flags, lesson) for the mistake whose value matches ``got``; a neutral default.

        ``candidates`` maps a name to (value, sentence, flags, lesson) or (value, sentence, flags, lesson, at):
        ``at(epsilon)`` is that mistake's value at another epsilon. Where mistakes of different lessons give the
        same value (dividing by epsilon doubles the estimate, a missing copy halves it, and both give 1/3), the
        ``probe`` (epsilon, the student's value at that epsilon) tells them apart: a mistake is named only when
        the student's value matches it at both epsilons. Without a probe, mistakes of different lessons that fit
        are each offered as a possibility, and none is flagged."""
        if got == 0.0 and expected != 0.0:
            return (" A difference of exactly 0 means gradapprox was compared with itself (or grad was set to "
                    "gradapprox): such a check passes every gradient, right or wrong. Compare the gradients "
                    "passed in (or the result of backward_propagation) with the numerical estimate.",
                    ("self-comparison",), "self-comparison")
        matches = [c for c in candidates.values() if same(got, c[0], 1e-6)]
        if probe is not None and any(len(c) > 4 for c in matches):
            epsilon, student_at = probe
            value = student_at(epsilon)
            matches = [c for c in matches if len(c) < 5 or same(value, c[4](epsilon), 1e-6)]
        lessons = list(dict.fromkeys(c[3] for c in matches))
        if len(lessons) == 1:
            return " " + matches[0][1], tuple(matches[0][2]), matches[0][3]
        if lessons:
            offered = [next(c for c in matches if c[3] == lesson)[1] for lesson in lessons]
            return (" Your value fits more than one mistake. "
                    + " Or: ".join(offered), (), None)
        return "", (), None


@pytest.fixture(scope="session")
def net(helpers):
    """The gc_utils helper module: the network, its gradients and the vector helpers."""
    return helpers.gc_utils


@pytest.fixture(scope="session")
def gc(net):
    """Shared tools of the checks (see ``Tools``)."""
    return Tools(net)


@pytest.fixture
def network_case(rng, net, gc):
    """A random problem for the network, well conditioned: gradients of a fair size, no ReLU input within 1e-3
    of its kink, and a two-sided check of the correct gradients far below 1e-8. ``accept(X, Y, parameters,
    gradients)`` may ask for more. Returns (X, Y, parameters, gradients) with the correct gradients."""

    def make(accept=None):
        shapes = dict(zip(net.PARAMETER_NAMES, net.PARAMETER_SHAPES))
        for _ in range(MAX_DRAWS):
            m = int(rng.integers(3, 9))
            X = rng.standard_normal((4, m))
            Y = (rng.random((1, m)) > 0.5).astype(float)
            Y[0, 0], Y[0, -1] = 0.0, 1.0
            parameters = {name: rng.standard_normal(shape) * 0.8 for name, shape in shapes.items()}
            _, cache = net.forward_propagation_n(X, Y, parameters)
            Z1, Z2 = cache[0], cache[4]
            if min(np.abs(Z1).min(), np.abs(Z2).min()) < 1e-3:
                continue
            gradients = net.backward_propagation_n(X, Y, cache)
            if np.linalg.norm(net.gradients_to_vector(gradients)) < 0.05:
                continue
            if gc.difference(parameters, gradients, X, Y, 1e-7) > 1e-8:
                continue
            if accept is not None and not accept(X, Y, parameters, gradients):
                continue
            return X, Y, parameters, gradients
        raise RuntimeError("no suitable network case found")

    return make
