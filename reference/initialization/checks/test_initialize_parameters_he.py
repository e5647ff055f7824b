"""initialize_parameters_he: weights with mean 0 and variance 2 / layers_dims[l-1], zero biases. The variance of
every layer's weights is measured on large layers, so any seed and any generator (or He's uniform variant, which has
the same variance) get full marks. When the measured variances match a common mistake in every layer, the message
names it: Xavier's 1 / n_prev, dividing by the layer's own size n_l, or a missing square root."""

import numpy as np
import pytest

from grader.checking import CheckFailure

pytestmark = pytest.mark.grades("initialize_parameters_he")

FUNCTION = "initialize_parameters_he"

# (variance as a function of (n_prev, n_l), the formula a student wrote, extra flags, what to change)
MISTAKES = (
    (lambda p, n: 1 / p, "np.sqrt(1 / layers_dims[l-1])", ("xavier-scale",),
     "That is Xavier initialization, which suits activations that are linear around 0, such as tanh. A ReLU zeroes "
     "half of its inputs, which halves the signal's variance at every layer; He's factor 2 makes up for it: "
     "np.sqrt(2 / layers_dims[l-1])."),
    (lambda p, n: 2 / n, "np.sqrt(2 / layers_dims[l])", ("wrong-fan-in",),
     "The variance must be divided by the number of inputs of the layer, layers_dims[l-1], because that is how "
     "many terms each unit adds up; layers_dims[l] is the number of units of the layer itself."),
    (lambda p, n: (2 / p) ** 2, "2 / layers_dims[l-1] (without the square root)", ("missing-sqrt",),
     "randn has standard deviation 1, so it must be multiplied by the standard deviation you want, "
     "np.sqrt(2 / layers_dims[l-1]), not by the variance 2 / layers_dims[l-1]."),
    (lambda p, n: 2 / p**2, "np.sqrt(2) / layers_dims[l-1]", ("missing-sqrt",),
     "The square root must cover the whole fraction: np.sqrt(2 / layers_dims[l-1])."),
    (lambda p, n: 4 / p, "2 / np.sqrt(layers_dims[l-1])", ("missing-sqrt",),
     "The square root must cover the whole fraction, the 2 as well: np.sqrt(2 / layers_dims[l-1])."),
    (lambda p, n: 1 / n, "np.sqrt(1 / layers_dims[l])", ("xavier-scale", "wrong-fan-in"),
     "Two changes: divide by the number of inputs, layers_dims[l-1], and use He's factor 2 for ReLU: "
     "np.sqrt(2 / layers_dims[l-1])."),
    (lambda p, n: (2 / n) ** 2, "2 / layers_dims[l] (without the square root)", ("missing-sqrt", "wrong-fan-in"),
     "Two changes: divide by the number of inputs, layers_dims[l-1], and multiply by the square root: "
     "np.sqrt(2 / layers_dims[l-1])."),
    (lambda p, n: 1 / p**2, "1 / layers_dims[l-1]", ("xavier-scale", "missing-sqrt"),
     "Multiply randn by np.sqrt(2 / layers_dims[l-1]): the square root of 2 over the number of inputs."),
    (lambda p, n: 2 / (p + n), "np.sqrt(2 / (layers_dims[l-1] + layers_dims[l]))", ("xavier-scale",),
     "That is Glorot's (Xavier's) average of fan-in and fan-out, meant for tanh. For ReLU use He's "
     "np.sqrt(2 / layers_dims[l-1])."),
    (lambda p, n: 1.0, "no scale factor at all", (),
     "randn alone has variance 1, far too much for a layer with hundreds of inputs: multiply it by "
     "np.sqrt(2 / layers_dims[l-1])."),
    (lambda p, n: 100.0, "the factor 10 of initialize_parameters_random", (),
     "Replace the 10 by np.sqrt(2 / layers_dims[l-1])."),
)


def test_shapes(initialized, shape_cases):
    for layers_dims in shape_cases:
        initialized(FUNCTION, layers_dims, shapes=True)


def test_breaks_symmetry(initialized, big_dims, symmetric_rows):
    symmetric_rows(FUNCTION, initialized(FUNCTION, big_dims))


def _within(stats, variance_of, allowance, tolerance) -> bool:
    """Do the measured variances of every layer match ``variance_of(n_prev, n_l)``?"""
    return all(abs(s.variance / variance_of(s.n_prev, s.n_l) - 1)
               <= allowance(tolerance["he_variance_rtol"], s.size, float(np.sqrt(2.0))) for s in stats)


def _mistake(stats, allowance, tolerance):
    """The common mistake whose variances match every layer best, or None."""
    matches = []
    for variance_of, formula, flags, advice in MISTAKES:
        if _within(stats, variance_of, allowance, tolerance):
            worst = max(abs(np.log(s.variance / variance_of(s.n_prev, s.n_l))) for s in stats)
            matches.append((worst, formula, flags, advice))
    return min(matches, key=lambda m: m[0])[1:] if matches else None


def test_variance(initialized, big_dims, layer_stats, centred, allowance, tolerance):
    stats = layer_stats(initialized(FUNCTION, big_dims), big_dims)
    centred(FUNCTION, stats)
    if _within(stats, lambda p, n: 2 / p, allowance, tolerance):
        return
    got = "; ".join(f"{s.name} ({s.n_l} x {s.n_prev}): variance {s.variance:.4g}" for s in stats)
    expected = "; ".join(f"{s.name}: 2 / {s.n_prev} = {2 / s.n_prev:.4g}" for s in stats)
    message = (f"The variance of the weights of {FUNCTION}({big_dims}) should be 2 / layers_dims[l-1] in every "
               f"layer (within {tolerance['he_variance_rtol']:.0%}), but it is not: {got}.")
    mistake = _mistake(stats, allowance, tolerance)
    flags, lesson = ("wrong-scale",), "wrong-scale"
    if mistake is not None:
        formula, extra, advice = mistake
        message += f" These variances are what randn times {formula} gives. {advice}"
        flags += extra
        lesson = extra[0] if extra else lesson
    else:
        ratios = ", ".join(f"{s.name} {s.variance / (2 / s.n_prev):.3g}" for s in stats)
        message += (f" Measured over expected: {ratios}. Multiply np.random.randn(layers_dims[l], layers_dims[l-1]) "
                    "by np.sqrt(2 / layers_dims[l-1]).")
    raise CheckFailure(message, expected=f"variance {expected}", got=got, flags=flags, lesson=lesson)


def test_biases(initialized, big_dims, biases_zero):
    biases_zero(FUNCTION, initialized(FUNCTION, big_dims))
