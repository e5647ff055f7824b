"""The report's picture for initialization: the three schemes trained side by side, from the student's own
initialization functions. Computed in the grader's process (the training loop is the helper's, the starting weights
are the student's); graded by nothing."""

import numpy as np
import pytest

from grader.checking import StudentError

pytestmark = pytest.mark.report_only

LAYERS = [2, 10, 5, 1]
ITERATIONS = 1000
EVERY = 50
SCALE_LAYERS = [100, 200, 50, 20]  # the scale is measured on layers this large (sound statistics, distinct fan-ins)
SCHEMES = (("initialize_parameters_zeros", "zeros"), ("initialize_parameters_random", "random"),
           ("initialize_parameters_he", "he"))  # panels are named by the function and the scale measured


def _finite(values):
    return [float(v) if np.isfinite(v) else None for v in values]


def scale_of(start, layers):
    """How the weights of ``start`` are scaled, measured: ``{"kind", "factor", "text"}``.

    kind "zero" (every W is 0), "constant" (about the same standard deviation c in every layer, whatever its fan-in,
    as randn * c gives), "fan-in" (std = factor * sqrt(2 / n_prev) in every layer, as He's and Xavier's schemes
    give), or "mixed". ``text`` names it for a panel title, e.g. "W std ≈ 0.71·√(2/n), Xavier's scale".
    """
    stds = [float(np.std(np.asarray(start[f"W{l}"], dtype=np.float64))) for l in range(1, len(layers))]
    if not all(np.isfinite(stds)):
        return {"kind": "mixed", "factor": None, "text": "W not finite"}
    if max(stds) == 0:
        return {"kind": "zero", "factor": 0.0, "text": "every W is 0"}
    ratios = [std / np.sqrt(2 / n) for std, n in zip(stds, layers[:-1])]

    def steady(values):
        return min(values) > 0 and max(values) / min(values) < 1.25

    if steady(ratios):
        factor = float(np.exp(np.mean(np.log(ratios))))
        named = (", He's scale" if abs(factor - 1) < 0.1 else
                 ", Xavier's scale √(1/n)" if abs(factor - np.sqrt(0.5)) < 0.07 else "")
        return {"kind": "fan-in", "factor": factor, "text": f"W std ≈ {factor:.2g}·√(2/n){named}"}
    if steady(stds):
        factor = float(np.exp(np.mean(np.log(stds))))
        return {"kind": "constant", "factor": factor, "text": f"W std ≈ {factor:.2g} in every layer"}
    return {"kind": "mixed", "factor": None,
            "text": "W std ≈ " + ", ".join(f"{ratio:.2g}" for ratio in ratios) + " ×√(2/n) by layer"}


def scheme_facts(function, start, scale, costs):
    """What the report may say about one scheme (named ``<function>.<fact>``, so that a lesson about that function
    reads them as its own): which weights are zero, the measured scale, and how the cost moved."""
    weights = [np.asarray(v) for k, v in start.items() if k.startswith("W")]
    finite = [c for c in costs if np.isfinite(c)]
    facts = {"weights_all_zero": all(not w.any() for w in weights),
             "some_weights_zero": any(not w.any() for w in weights),
             "scale_kind": scale["kind"], "scale_factor": scale["factor"],
             "cost_first": float(costs[0]) if finite else None, "cost_last": float(finite[-1]) if finite else None,
             "cost_stays": bool(finite) and max(finite) - min(finite) < 1e-3}
    return {f"{function}.{name}": value for name, value in facts.items()}


def _describe_run(label, costs, train):
    first, last = costs[0], costs[-1]
    if first is None or last is None:
        return f"{label}: the cost becomes infinite or NaN"
    if abs(first - last) < 1e-3:
        return f"{label}: the cost stays at {first:.3g} ({train:.0%} train accuracy)"
    return f"{label}: the cost goes from {first:.3g} to {last:.3g} ({train:.0%} train accuracy)"


def test_three_schemes_side_by_side(student, helpers, seed, figures):
    utils = helpers.init_utils
    train_X, train_Y, test_X, test_Y = utils.load_circles()
    panels, rows, notes, runs, facts = [], [], [], [], {}
    for function, label in SCHEMES:
        try:
            start = getattr(student.with_seed(seed), function)(list(LAYERS))
            start = {k: np.asarray(v, dtype=np.float64) for k, v in dict(start).items()}
            with np.errstate(all="ignore"):
                params, costs = utils.model(train_X, train_Y, 0.1, ITERATIONS, lambda dims, p=start: p,
                                            layers_dims=list(LAYERS), record_every=EVERY, seed=seed % 2**31)
                train, test = utils.accuracy(params, train_X, train_Y), utils.accuracy(params, test_X, test_Y)
            big = getattr(student.with_seed(seed), function)(list(SCALE_LAYERS))
            scale = scale_of({k: np.asarray(v, dtype=np.float64) for k, v in dict(big).items()}, SCALE_LAYERS)
        except (StudentError, TypeError, ValueError, LookupError, AttributeError, ArithmeticError):
            notes.append(function)  # parameters the network cannot use (too few layers: IndexError) too
            continue
        steps = [min(k * EVERY, ITERATIONS) for k in range(len(costs))]
        panels.append({"title": f"your {label} function: {scale['text']}; {train:.0%} train, {test:.0%} test",
                       "series": [{"label": "cost", "x": steps, "y": _finite(costs)}]})
        rows.append([function, scale["text"], _finite(costs[:1])[0], _finite(costs[-1:])[0], round(train, 4),
                     round(test, 4)])
        runs.append(_describe_run(f"your {label} function", _finite(costs), train))
        facts.update(scheme_facts(function, start, scale, costs))
    if not panels:
        return
    caption = (f"Your three initialization functions, each used to start the same network ({LAYERS}) on the circles "
               f"data, trained {ITERATIONS} iterations at learning rate 0.1. Each panel is titled by the scale of the "
               f"weights your function returns, measured for layers {SCALE_LAYERS} (n is a layer's number of "
               "inputs). "
               + "; ".join(runs) + ".")
    if notes:
        caption += f" Not drawn, because the function failed: {', '.join(notes)}."
    figures.add("lines", "Your three initializations, side by side", caption=caption, x_label="iterations",
                y_label="cost J", y_min=0, panels=panels, facts=facts,
                table={"columns": ["function", "scale measured", "first cost", "last cost", "train accuracy",
                                   "test accuracy"],
                       "rows": rows})
