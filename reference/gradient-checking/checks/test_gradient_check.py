"""gradient_check on the one-parameter model J(theta) = theta * x.

gradient_check is a composite (assignment.toml): the grader answers its forward_propagation and backward_propagation
with the reference's, so it is judged on its own code, and a check may answer backward_propagation with a wrong
derivative on purpose: a gradient check that does not notice that checks nothing.

For a linear J the two-sided difference is exact in exact arithmetic, so a correct check returns rounding error
only, and so would one that compared gradapprox with itself. The two part ways when rounding is visible: with
|theta| between 1e3 and 1e5, theta + epsilon is rounded to the nearest double, gradapprox is off by a relative 1e-5
or so, and every textbook implementation returns that same value to many digits, while a self-comparison returns 0.

For the same reason the one-sided difference is not a mistake here: it is exact too, and the two quotients differ
only in their last bits. It is accepted; gradient_check_n, where it matters, judges it.
"""

import pytest

from grader.checking import CheckFailure

pytestmark = pytest.mark.grades("gradient_check")


def _sign(rng):
    return float(rng.choice([-1.0, 1.0]))


def _moderate(rng):
    return _sign(rng) * float(rng.uniform(0.5, 5.0)), float(rng.uniform(-5.0, 5.0))


def _rounding_visible(rng, reference, gc):
    """(x, theta) with a large theta, where the reference's difference (and the one-sided one) is clearly not 0
    at epsilon = 1e-7, and clearly different at epsilon = 1e-9."""
    for _ in range(200):
        x = _sign(rng) * float(rng.uniform(0.5, 5.0))
        theta = _sign(rng) * float(rng.uniform(1e3, 1e5))
        at_default = reference.gradient_check(x, theta, 1e-7)
        at_small = reference.gradient_check(x, theta, 1e-9)
        if at_default > 1e-8 and at_small > 10 * at_default and gc.one_sided_1d(x, theta, 1e-7) > 1e-8:
            return x, theta
    raise RuntimeError("no input with visible rounding found")


def test_small_for_correct(student, rng, gc, tolerance):
    """Small for the right derivative, and (the same check's other half) large for a wrong one."""
    limit = tolerance["correct_max"]
    for _ in range(3):
        x, theta = _moderate(rng)
        got = gc.as_number(student.gradient_check(x, theta), f"gradient_check({x:.4g}, {theta:.4g})")
        misled = student.with_parts(backward_propagation=lambda x, theta: 1.5 * x)
        wrong = gc.as_number(misled.gradient_check(x, theta), f"gradient_check({x:.4g}, {theta:.4g})")
        if 0.0 <= got < limit and wrong > tolerance["buggy_min"]:
            continue
        if 0.0 <= got < limit:
            raise CheckFailure(
                f"With backward_propagation answering 1.5 * x, a wrong derivative, gradient_check({x:.4g}, "
                f"{theta:.4g}) returned {wrong:.3g}: a gradient check must report a large difference (above "
                f"{tolerance['buggy_min']:g}; the right one is 0.2) when backward_propagation is wrong. Compute grad "
                "with backward_propagation(x, theta) and compare it with gradapprox, not with itself.",
                expected=f"a difference above {tolerance['buggy_min']:g}", got=f"{wrong:.6g}",
                flags=("wrong-values", *(("self-comparison",) if wrong == 0.0 else ())),
                lesson="self-comparison" if wrong == 0.0 else "function:gradient_check")
        hint = ""
        if gc.same(got, x, 1e-3) or gc.same(got, abs(x), 1e-3):
            hint = (f" Your result is about x = {x:.4g}, the gradient itself: return the relative difference "
                    "between grad and gradapprox, not one of them.")
        raise CheckFailure(
            f"gradient_check({x:.4g}, {theta:.4g}) returned {got:.3g}. backward_propagation is right for this J, "
            f"so a correct check returns a relative difference below {limit:g} (rounding error only).{hint}",
            expected=f"a difference below {limit:g}", got=f"{got:.6g}", flags=("wrong-values",),
            lesson="function:gradient_check")


def test_values(student, reference, rng, gc, tolerance):
    for _ in range(3):
        x, theta = _rounding_visible(rng, reference, gc)
        epsilon = 1e-7
        expected = reference.gradient_check(x, theta, epsilon)
        got = gc.as_number(student.gradient_check(x, theta, epsilon), "The difference")
        if gc.same(got, expected, tolerance["values_rtol"]):
            continue
        if gc.same(got, gc.one_sided_1d(x, theta, epsilon), tolerance["values_rtol"]):
            continue  # equally exact for a linear J; see the module docstring
        sentence, flags, lesson = gc.explain(got, expected, {
            "absolute": (gc.absolute_1d(x, theta, epsilon), gc.ABSOLUTE, ("absolute-difference",),
                         "absolute-difference"),
            "gradient": (gc.gradapprox_1d(x, theta, epsilon), "Your value is the gradient itself (grad or "
                         "gradapprox): return the relative difference between the two.", (), "absolute-difference"),
        })
        raise CheckFailure(
            f"gradient_check({x:.6g}, {theta:.9g}, epsilon={epsilon:g}) returned {got:.6g}, the reference "
            f"{expected:.6g}. With theta this large, theta + epsilon is rounded to the nearest double, so "
            "gradapprox differs from x in its fifth or sixth digit, and a correct check reports that small but "
            f"non-zero difference.{sentence}",
            expected=f"{expected:.6g}", got=f"{got:.6g}", flags=("wrong-values", *flags),
            lesson=lesson or "function:gradient_check")


def test_epsilon(student, reference, rng, gc):
    """The epsilon passed in is used: the results at epsilon = 1e-9 and at the default differ, as the reference's
    two results do (more than tenfold). Whether they are right is for the other checks."""
    x, theta = _rounding_visible(rng, reference, gc)
    at_default = gc.as_number(student.gradient_check(x, theta), "The difference")
    at_small = gc.as_number(student.gradient_check(x, theta, 1e-9), "The difference")
    if not gc.same(at_small, at_default, 1e-12):
        return
    ref_default, ref_small = reference.gradient_check(x, theta, 1e-7), reference.gradient_check(x, theta, 1e-9)
    if at_default == 0.0:
        raise CheckFailure(
            f"gradient_check({x:.6g}, {theta:.9g}) returned exactly 0 both with the default epsilon and with "
            f"epsilon=1e-9, where the reference returns {ref_default:.3g} and {ref_small:.3g}. A difference of "
            "exactly 0 whatever the inputs means gradapprox is compared with itself.",
            expected=f"{ref_default:.6g} and {ref_small:.6g}", got="0 and 0",
            flags=("wrong-values", "self-comparison"), lesson="self-comparison")
    raise CheckFailure(
        f"gradient_check({x:.6g}, {theta:.9g}) returned {at_default:.6g} both with the default epsilon and with "
        f"epsilon=1e-9: your function does not use the epsilon it is given. The reference returns "
        f"{ref_default:.3g} and {ref_small:.3g}: with a smaller step, rounding error takes a larger share of "
        "J_plus - J_minus.",
        expected=f"{ref_default:.6g} (default epsilon) and {ref_small:.6g} (epsilon=1e-9)",
        got=f"{at_default:.6g} and {at_small:.6g}", flags=("epsilon-ignored",), lesson="epsilon-ignored")
