"""gradient_check_n on the three-layer network of gc_utils.

The student's function is fed gradients, so it can be given wrong ones on purpose: a check that compares
gradapprox with itself passes everything and is caught by the buggy and wrong gradients. Values are compared with
the reference only where arithmetic decides them (see conftest.py). Each check judges one thing, and inputs are
chosen so that a mistake judged by another check cannot change this check's outcome:

    correct_gradients   the correct gradients give a difference below 1e-7 (the default epsilon)
    buggy_gradients     backward_propagation_n_buggy's gradients give a difference above 1e-3
    values              wrong gradients, epsilon = 1e-7: the same difference as the reference (copies, the formula)
    two_sided           correct gradients, epsilon = 1e-2: the two-sided difference, not a one-sided one (a
                        two-sided estimate with another formula for the relative difference is left to values)
    epsilon             the epsilon passed in is used

Points only for behaviour: each check earns only from a function whose result responds to what the check varies
(the gradients, or epsilon). A function that returns the same number whatever the gradients (a constant, or a
comparison of gradapprox with itself) earns nothing, not even for calling correct gradients correct.
"""

import pytest

from grader.checking import CheckFailure

pytestmark = pytest.mark.grades("gradient_check_n")

NAMES = ("dW1", "db1", "dW2", "db2", "dW3", "db3")
LARGE_EPSILON = 1e-2


def _call(student, gc, parameters, gradients, X, Y, *epsilon):
    return gc.as_number(student.gradient_check_n(parameters, gradients, X, Y, *epsilon),
                        "The result of gradient_check_n")


def _step_mistakes(gc, parameters, gradients, X, Y, epsilon):
    """The candidates for explain(): the two ways of perturbing theta without copying it, and dividing by epsilon
    instead of 2 * epsilon, each with its value at another epsilon (a missing copy and the wrong divisor both give
    1/3 for the correct gradients)."""
    def at(kind):
        return lambda other: gc.difference(parameters, gradients, X, Y, other, kind)

    candidates = {kind: (gc.difference(parameters, gradients, X, Y, epsilon, kind), gc.MISSING_COPY,
                         ("missing-copy",), "missing-copy", at(kind)) for kind in ("alias-both", "alias-plus")}
    candidates["one-step"] = (gc.difference(parameters, gradients, X, Y, epsilon, "one-step"), gc.ONE_STEP,
                              ("divides-by-epsilon",), "divides-by-epsilon", at("one-step"))
    return candidates


def _probe(student, gc, parameters, gradients, X, Y):
    """(epsilon, the student's value at it): what tells apart mistakes that give the same value at 1e-7."""
    return LARGE_EPSILON, lambda epsilon: _call(student, gc, parameters, gradients, X, Y, epsilon)


def _buggy(net, X, Y, parameters):
    return net.backward_propagation_n_buggy(X, Y, net.forward_propagation_n(X, Y, parameters)[1])


def _unresponsive(student, gc, net, parameters, gradients, X, Y, got, what):
    """A CheckFailure when the function gives ``got`` for the correct gradients and the very same number for the
    buggy ones on the same problem: its result does not depend on the gradients it is given."""
    other = _call(student, gc, parameters, _buggy(net, X, Y, parameters), X, Y)
    if not gc.same(other, got, 1e-12):
        return None
    self_compare = got == 0.0
    return CheckFailure(
        f"gradient_check_n returned {got:.6g} for the correct gradients and the very same number for the wrong "
        f"gradients of backward_propagation_n_buggy: its result does not depend on the gradients it is given, so "
        f"it checks nothing, and {what} does not count."
        + (" A difference of exactly 0 means gradapprox is compared with itself: compare it with the gradients "
           "passed in (grad = gradients_to_vector(gradients))." if self_compare else ""),
        expected="different results for right and wrong gradients", got=f"{got:.6g} for both",
        flags=("wrong-values", *(("self-comparison",) if self_compare else ())),
        lesson="self-comparison" if self_compare else "function:gradient_check_n")


def test_correct_gradients(student, gc, net, network_case, tolerance):
    limit = tolerance["correct_max"]

    def accept(X, Y, parameters, gradients):
        # A one-sided difference is judged by two_sided alone: keep it clearly below the limit here.
        return (gc.difference(parameters, gradients, X, Y, 1e-7, "one-sided") < limit / 5
                and gc.difference(parameters, _buggy(net, X, Y, parameters), X, Y, 1e-7) > 10 * tolerance["buggy_min"])

    for _ in range(2):
        X, Y, parameters, gradients = network_case(accept)
        got = _call(student, gc, parameters, gradients, X, Y)
        if 0.0 <= got < limit:
            failure = _unresponsive(student, gc, net, parameters, gradients, X, Y, got,
                                    "a small difference for the correct gradients")
            if failure is not None:
                raise failure
            continue
        expected = gc.difference(parameters, gradients, X, Y, 1e-7)
        sentence, flags, lesson = gc.explain(got, expected, _step_mistakes(gc, parameters, gradients, X, Y, 1e-7),
                                             _probe(student, gc, parameters, gradients, X, Y))
        raise CheckFailure(
            f"For gradients from the correct backward_propagation_n, gradient_check_n returned {got:.3g}. A correct "
            f"gradient check returns a relative difference below {limit:g} for them (the reference gets "
            f"{expected:.2g}).{sentence}",
            expected=f"a difference below {limit:g}", got=f"{got:.6g}", flags=("wrong-values", *flags),
            lesson=lesson or "function:gradient_check_n")


def test_buggy_gradients(student, gc, net, network_case, tolerance):
    limit = tolerance["buggy_min"]

    def accept(X, Y, parameters, gradients):
        return gc.difference(parameters, _buggy(net, X, Y, parameters), X, Y, 1e-7) > 10 * limit

    X, Y, parameters, correct = network_case(accept)
    gradients = _buggy(net, X, Y, parameters)
    got = _call(student, gc, parameters, gradients, X, Y, 1e-7)
    if got > limit:
        right = _call(student, gc, parameters, correct, X, Y, 1e-7)
        if not gc.same(right, got, 1e-12):
            return
        raise CheckFailure(
            f"gradient_check_n returned {got:.6g} for the wrong gradients of backward_propagation_n_buggy and the "
            "very same number for the correct gradients: its result does not depend on the gradients it is given, "
            "so it checks nothing, and a large difference for wrong gradients does not count.",
            expected="different results for right and wrong gradients", got=f"{got:.6g} for both",
            flags=("wrong-values",), lesson="function:gradient_check_n")
    expected = gc.difference(parameters, gradients, X, Y, 1e-7)
    sentence, flags, lesson = gc.explain(got, expected, {})
    raise CheckFailure(
        f"For the gradients of backward_propagation_n_buggy, which are wrong, gradient_check_n returned {got:.3g}. "
        f"A gradient check must report a difference above {limit:g} for them (the reference gets {expected:.3g}): "
        f"otherwise it cannot tell a buggy backpropagation from a correct one.{sentence}",
        expected=f"a difference above {limit:g}", got=f"{got:.6g}", flags=("wrong-values", *flags),
        lesson=lesson or "function:gradient_check_n")


def _wrong(rng, gradients):
    """The correct gradients with one or two of them spoilt the way bugs spoil them: scaled, or disturbed."""
    wrong = {k: v.copy() for k, v in gradients.items()}
    for name in rng.choice(NAMES, size=int(rng.integers(1, 3)), replace=False):
        if rng.random() < 0.5:
            wrong[name] = wrong[name] * float(rng.choice([0.5, 2.0, -1.0, 3.0]))
        else:
            wrong[name] = wrong[name] + rng.standard_normal(wrong[name].shape) * 0.1
    return wrong


def test_values(student, reference, rng, gc, network_case, tolerance):
    rtol = tolerance["values_rtol"]
    for _ in range(3):
        chosen = {}

        def accept(X, Y, parameters, gradients):
            wrong = _wrong(rng, gradients)
            reference = gc.difference(parameters, wrong, X, Y, 1e-7)
            if reference < 5e-3:
                return False
            # The one-sided difference is judged by two_sided alone; the known mistakes must stand out.
            if not gc.same(gc.difference(parameters, wrong, X, Y, 1e-7, "one-sided"), reference, rtol / 10):
                return False
            others = [gc.absolute(parameters, wrong, X, Y, 1e-7),
                      *(v for v, *_ in _step_mistakes(gc, parameters, wrong, X, Y, 1e-7).values())]
            if any(gc.same(v, reference, 1e-2) for v in others):
                return False
            chosen.update(wrong=wrong, reference=reference)
            return True

        X, Y, parameters, _ = network_case(accept)
        wrong = chosen["wrong"]
        expected = reference.gradient_check_n(parameters, wrong, X, Y, 1e-7)
        got = _call(student, gc, parameters, wrong, X, Y, 1e-7)
        if gc.same(got, expected, rtol):
            continue
        candidates = _step_mistakes(gc, parameters, wrong, X, Y, 1e-7)
        candidates["absolute"] = (gc.absolute(parameters, wrong, X, Y, 1e-7), gc.ABSOLUTE, ("absolute-difference",),
                                  "absolute-difference")
        sentence, flags, lesson = gc.explain(got, expected, candidates, _probe(student, gc, parameters, wrong, X, Y))
        raise CheckFailure(
            f"For gradients with deliberate mistakes (epsilon=1e-7), gradient_check_n returned {got:.6g}; the "
            f"relative difference between those gradients and the two-sided estimate is {expected:.6g} (tolerance "
            f"rtol={rtol:g}).{sentence}",
            expected=f"{expected:.6g}", got=f"{got:.6g}", flags=("wrong-values", *flags),
            lesson=lesson or "function:gradient_check_n")


def test_two_sided(student, reference, gc, net, network_case, tolerance):
    rtol = tolerance["values_rtol"]

    def accept(X, Y, parameters, gradients):
        reference = gc.difference(parameters, gradients, X, Y, LARGE_EPSILON)
        one_sided = [gc.difference(parameters, gradients, X, Y, LARGE_EPSILON, kind)
                     for kind in ("one-sided", "one-sided-back")]
        return (reference > 10 * gc.difference(parameters, gradients, X, Y, 1e-7)
                and all(v > 2 * reference for v in one_sided))

    X, Y, parameters, gradients = network_case(accept)
    got = _call(student, gc, parameters, gradients, X, Y, LARGE_EPSILON)
    expected = reference.gradient_check_n(parameters, gradients, X, Y, LARGE_EPSILON)
    if gc.same(got, expected, rtol):
        return
    for kind in ("one-sided", "one-sided-back"):
        if gc.same(got, gc.difference(parameters, gradients, X, Y, LARGE_EPSILON, kind), 1e-6):
            raise CheckFailure(
                f"With epsilon={LARGE_EPSILON:g} and the correct gradients, gradient_check_n returned {got:.6g}; the "
                f"two-sided difference gives {expected:.6g}. {gc.ONE_SIDED} With this larger step the one-sided "
                "error is plain to see; with epsilon=1e-7 it hides at the edge of the threshold.",
                expected=f"{expected:.6g}", got=f"{got:.6g}", flags=("one-sided-difference",),
                lesson="one-sided-difference")
    # A two-sided estimate with the relative difference computed another way is for values to judge: fed the
    # two-sided estimate itself as the gradients, a check whose estimate is two-sided finds no difference (up to
    # rounding) whatever its formula, where a one-sided estimate still differs. Only from a function whose result
    # responds to the gradients it is given.
    estimate = net.vector_to_dictionary(gc.gradapprox(parameters, X, Y, LARGE_EPSILON))
    fed = _call(student, gc, parameters, {"d" + name: value for name, value in estimate.items()}, X, Y, LARGE_EPSILON)
    if 0.0 <= fed < expected / 100 and got != 0.0 and not gc.same(fed, got, 1e-3):
        return
    # Mistakes that other checks judge: an ignored epsilon, anything already wrong at the default epsilon (a
    # missing copy, a wrong formula), but only from a function whose result responds to the gradients.
    at_default = _call(student, gc, parameters, gradients, X, Y)
    if gc.same(got, at_default, 1e-12) or not at_default < tolerance["correct_max"]:
        failure = _unresponsive(student, gc, net, parameters, gradients, X, Y, at_default,
                                "the two-sided difference at a larger epsilon")
        if failure is None:
            return
        raise failure
    raise CheckFailure(
        f"With epsilon={LARGE_EPSILON:g} and the correct gradients, gradient_check_n returned {got:.6g}, but the "
        f"two-sided difference gives {expected:.6g} (tolerance rtol={rtol:g}). With a larger step the estimate "
        "is less accurate, and the check must report exactly how much: gradapprox[i] = (J_plus - J_minus) / "
        "(2 * epsilon), with theta_plus and theta_minus one step either side of theta in entry i only.",
        expected=f"{expected:.6g}", got=f"{got:.6g}", flags=("wrong-values",), lesson="function:gradient_check_n")


def test_epsilon(student, gc, network_case):
    """The epsilon passed in is used: the results at epsilon = 1e-2 and at the default differ, as the reference's
    two results do (more than tenfold). Whether they are right is for the other checks."""

    def accept(X, Y, parameters, gradients):
        return (gc.difference(parameters, gradients, X, Y, LARGE_EPSILON)
                > 10 * gc.difference(parameters, gradients, X, Y, 1e-7))

    X, Y, parameters, gradients = network_case(accept)
    at_default = _call(student, gc, parameters, gradients, X, Y)
    at_large = _call(student, gc, parameters, gradients, X, Y, LARGE_EPSILON)
    if not gc.same(at_large, at_default, 1e-12):
        return
    if at_default == 0.0:
        raise CheckFailure(
            f"gradient_check_n returned exactly 0 both with the default epsilon and with epsilon={LARGE_EPSILON:g}. "
            "A difference of exactly 0 whatever the inputs means gradapprox is compared with itself.",
            expected="two different, non-zero differences", got="0 and 0", flags=("wrong-values", "self-comparison"),
            lesson="self-comparison")
    ref_default = gc.difference(parameters, gradients, X, Y, 1e-7)
    ref_large = gc.difference(parameters, gradients, X, Y, LARGE_EPSILON)
    raise CheckFailure(
        f"gradient_check_n returned {at_default:.6g} both with the default epsilon and with "
        f"epsilon={LARGE_EPSILON:g}: your function does not use the epsilon it is given. The reference returns "
        f"{ref_default:.3g} and {ref_large:.3g}: a larger step makes the two-sided estimate less accurate.",
        expected=f"{ref_default:.6g} (default epsilon) and {ref_large:.6g} (epsilon={LARGE_EPSILON:g})",
        got=f"{at_default:.6g} and {at_large:.6g}", flags=("epsilon-ignored",), lesson="epsilon-ignored")
