"""Pictures for the report: what the student's initialization and training do, as plain data the templates draw.

Report-only: nothing here earns or costs points. The plugin runs these items after every check and ignores a
StudentError or CheckFailure inside them, so a figure whose student function is missing, crashes or returns
something unusable is simply left out. All arithmetic runs here, in the trusted process; the student's functions
are called only through ``student``, and only for what must be theirs (the initialization, the trained model).

What each figure costs per submission (a correct one): two calls of initialize_parameters; one call of nn_model
for the full run (shared by the cost curve and the decision boundary) plus a few shorter runs for the curve's
checkpoints (about 0.6 of a full run in all); the reference's training in-process; numpy on a 60 x 60 grid.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from grader.checking import CheckFailure, StudentError, expect_array, expect_keys

pytestmark = pytest.mark.report_only

NAMES = ("W1", "b1", "W2", "b2")
PARTS = ("layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost", "backward_propagation",
         "update_parameters")  # what nn_model calls
HIDDEN = 4  # the hidden layer of the assignment's model
SYMMETRY_STEPS = 50  # reference gradient-descent steps from the student's initialization
BIG_HIDDEN = 200  # as in the initialization checks: enough units for the statistics to be sound
FLAT = 2.0  # beyond |z| > 2 tanh's slope 1 - tanh(z)^2 is below 0.07
BINS = 41  # odd, so that one bar is centred on z = 0
CURVE_POINTS = 121  # tanh is drawn through this many points across the histogram
CURVE_MARGIN = 0.25  # the tanh axis runs from -1 - CURVE_MARGIN to 1 + CURVE_MARGIN
GRID = 60  # the decision boundary is evaluated on GRID x GRID cell centres
MARGIN = 1.0  # around the flower, as planar_utils.plot_decision_boundary does
REFERENCE_EVERY = 10  # the reference's cost is recorded every this many iterations
# The student's cost after k iterations is read off the one full run: the parameters its update_parameters returned
# at its k-th call (and at k = 0 those initialize_parameters returned), when nn_model calls them once per iteration
# and once. An nn_model that does not is run again for k iterations from the same seed instead: a run of k costs
# about k / N of the full run (N = 1000), so the checkpoints cost about 0.6 of it in all. Those are taken in this
# order of importance while the predicted time stays within CHECKPOINT_BUDGET_S (a slow nn_model gets fewer).
CHECKPOINTS = (0, 80, 160, 40, 320)
CHECKPOINT_BUDGET_S = 1.0
# The training figure trains from this seed for every submission, so the reference's run is made once per worker.
TRAINING_SEED = 20_240_601


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def _params(value: Any, n_x: int, n_h: int, n_y: int, what: str) -> dict[str, np.ndarray]:
    """The four parameters as float64 arrays of the right shapes; CheckFailure (figure skipped) otherwise."""
    params = expect_keys(value, NAMES, what)
    shapes = {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}
    return {name: np.asarray(expect_array(params[name], name, shape=shapes[name]), dtype=np.float64)
            for name in NAMES}


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed numpy's global generator as the sandbox does for ``student.with_seed(seed)``, then restore it."""
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        yield
    finally:
        np.random.set_state(state)


def _number(value: float, digits: int = 6) -> float | None:
    """A JSON-friendly float with ``digits`` significant digits; None for NaN and infinities."""
    value = float(value)
    return float(f"{value:.{digits}g}") if np.isfinite(value) else None


def _numbers(values: Any, digits: int = 6) -> list[float | None]:
    return [_number(v, digits) for v in np.asarray(values, dtype=np.float64).ravel()]


def _cost(reference: Any, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """The cross-entropy cost of ``params`` on (X, Y), from the reference's forward pass.

    Computed from Z2 with logaddexp, so that a saturated output (A2 exactly 0 or 1) gives a large finite cost
    instead of infinity; equal to ``reference.compute_cost`` wherever that one is finite.
    """
    with np.errstate(all="ignore"):
        _, cache = reference.forward_propagation(X, params)
        z = np.asarray(cache["Z2"], dtype=np.float64)
        return float(np.mean(Y * np.logaddexp(0.0, -z) + (1.0 - Y) * np.logaddexp(0.0, z)))


def _accuracy(reference: Any, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return float(np.mean(np.asarray(reference.predict(params, X)) == Y.astype(bool)))


def _finite(params: dict[str, np.ndarray]) -> bool:
    return all(bool(np.all(np.isfinite(v))) for v in params.values())


# ---------------------------------------------------------------------------------------------------------------
# 1. Symmetry: do the hidden units stay identical?


def symmetry_data(W1_by_step: np.ndarray) -> dict[str, Any]:
    """Figure data from W1 at every step, shape (steps + 1, n_h, n_x).

    ``spread``: the largest difference between two units' incoming weights (max over the weights of max - min over
    the units) at the last step; ``closest``: the smallest difference between any two units there (max-abs
    distance); ``distinct``: how many units differ. 0 means identical units.
    """
    steps, n_h, n_x = W1_by_step.shape
    with np.errstate(all="ignore"):
        spread_by_step = np.max(W1_by_step.max(axis=1) - W1_by_step.min(axis=1), axis=-1)
        last = W1_by_step[-1]
        pairs = [float(np.max(np.abs(last[i] - last[j]))) for i in range(n_h) for j in range(i + 1, n_h)]
    closest = min(pairs) if pairs else 0.0
    distinct = int(np.unique(np.round(last, 12), axis=0).shape[0]) if np.all(np.isfinite(last)) else n_h
    return {
        "x_label": "gradient-descent step",
        "y_label": "weight",
        "spread": _number(spread_by_step[-1]),
        "all_zero": bool(np.all(W1_by_step == 0)),
        "spread_start": _number(spread_by_step[0]),
        "closest": _number(closest),
        "distinct": distinct,
        "units": n_h,
        "panels": [
            {"title": f"Weights from input x{k + 1}",
             "series": [{"label": f"unit {u + 1}", "x": list(range(steps)), "y": _numbers(W1_by_step[:, u, k], 4)}
                        for u in range(n_h)]}
            for k in range(n_x)
        ],
    }


def symmetry_caption(data: dict[str, Any], steps: int) -> str:
    units, spread, closest, distinct = data["units"], data["spread"], data["closest"], data["distinct"]
    if spread is None:
        return (f"Starting from your initialization, the weights of the {units} hidden units overflowed to "
                f"infinity or NaN within {steps} gradient-descent steps (computed with the reference's functions).")
    if data["all_zero"]:
        return (f"Your initialize_parameters(2, {units}, 1) starts W1 at zero, and {steps} gradient-descent steps "
                f"(the reference's forward pass, backprop and update) leave it exactly zero: with W1 = 0 every "
                f"hidden activation is tanh(0) = 0, so W2 gets no gradient, and with W2 = 0 no gradient reaches W1. "
                f"The spread between the {units} hidden units is 0 (0 means identical units): the lines lie on top "
                f"of each other, and the hidden layer never learns anything.")
    if spread == 0:
        return (f"Starting from your initialize_parameters(2, {units}, 1) and trained with the reference's forward "
                f"pass, backprop and update for {steps} steps, the {units} hidden units keep identical incoming "
                f"weights: the spread between units is 0 at the last step (0 means identical units). The lines lie "
                f"on top of each other: every unit gets the same gradient, so the network has in effect one hidden "
                f"unit.")
    text = (f"Starting from your initialize_parameters(2, {units}, 1) and trained with the reference's forward pass, "
            f"backprop and update for {steps} steps, the spread between the {units} hidden units' weights is "
            f"{data['spread_start']:.3g} at the start and {spread:.3g} after {steps} steps (0 would mean identical "
            f"units).")
    if distinct < units or closest == 0:
        return text + (f" But only {distinct} of the {units} units differ: units with identical weights stay "
                       f"identical.")
    return text + " Each unit has its own weights, so each can learn a different feature."


@pytest.fixture
def start(student, seed) -> dict[str, np.ndarray]:
    """The student's initialize_parameters(2, HIDDEN, 1)."""
    return _params(student.with_seed(seed).initialize_parameters(2, HIDDEN, 1), 2, HIDDEN, 1,
                   f"initialize_parameters(2, {HIDDEN}, 1)")


@pytest.fixture
def W1_by_step(start, reference, flower) -> np.ndarray:
    X, Y = flower
    params = {name: value.copy() for name, value in start.items()}
    rows = [params["W1"].copy()]
    with np.errstate(all="ignore"):
        for _ in range(SYMMETRY_STEPS):
            _, cache = reference.forward_propagation(X, params)
            grads = reference.backward_propagation(params, cache, X, Y)
            params = reference.update_parameters(params, grads)
            rows.append(np.asarray(params["W1"], dtype=np.float64).copy())
    return np.stack(rows)


def start_facts(params: dict[str, np.ndarray], data: dict[str, Any]) -> dict[str, Any]:
    """What the report may say about the starting weights, measured: which weight matrices are all zero, whether
    rows of W1 (hidden units' incoming weights) repeat, and whether the units stay identical in training."""
    W1, W2 = params["W1"], params["W2"]
    return {
        "W1_zero": not bool(np.any(W1)),
        "W2_zero": not bool(np.any(W2)),
        "weights_all_zero": not bool(np.any(W1)) and not bool(np.any(W2)),
        "W1_rows_identical": int(np.unique(np.round(W1, 12), axis=0).shape[0]) < W1.shape[0],
        "units_stay_identical": data["distinct"] < data["units"],
        "units_spread_start": data["spread_start"],
        "units_spread_end": data["spread"],
    }


def test_symmetry(W1_by_step, start, figures):
    data = symmetry_data(W1_by_step)
    figures.add("lines", "Do the hidden units stay different?", caption=symmetry_caption(data, SYMMETRY_STEPS),
                facts=start_facts(start, data), y_scale="linear", **data)


# ---------------------------------------------------------------------------------------------------------------
# 2. Saturation: where on the tanh curve does the hidden layer start?


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _tanh_curve(lo: float, hi: float) -> dict[str, Any]:
    """The figure's reference curve: tanh over [lo, hi], on an axis of its own at the right of the plot, from -1 to
    1 with a little room above and below (CURVE_MARGIN of tanh's range) for the region labels."""
    xs = [lo + (hi - lo) * i / (CURVE_POINTS - 1) for i in range(CURVE_POINTS)]
    return {"x": xs, "y": [math.tanh(x) for x in xs], "y_range": [-1 - CURVE_MARGIN, 1 + CURVE_MARGIN],
            "ticks": [-1, 0, 1], "axis_label": "tanh(z)", "legend": "tanh(z), on the axis at the right"}


def _panel(label: str, z: np.ndarray) -> dict[str, Any]:
    """One distribution's panel: its own x range (symmetric, a round number covering 99.5% of its finite values
    and at least both flat regions' edges), the share of all its values in each bin, and tanh over that range."""
    kept = z[np.isfinite(z)]
    reach = float(np.quantile(np.abs(kept), 0.995)) if kept.size else 0.0
    half = _nice_ceiling(max(reach, 1.5 * FLAT))
    edges = np.linspace(-half, half, BINS + 1)
    counts, _ = np.histogram(np.clip(kept, -half, half), bins=edges)
    saturated = _number(np.mean(np.abs(kept) > FLAT) if kept.size else 0.0, 4)
    panel = {
        "label": label,
        "edges": _numbers(edges),
        "shares": _numbers(counts / max(z.size, 1), 4),
        "saturated": saturated,
        "clipped": int(np.sum(np.abs(kept) > half)),
        "non_finite": int(z.size - kept.size),
        "title": label.capitalize() + ("" if saturated is None else f": {saturated:.1%} beyond |z| > {FLAT:g}"),
    }
    if None not in panel["edges"]:
        panel["curve"] = _tanh_curve(panel["edges"][0], panel["edges"][-1])
    return panel


def saturation_data(z_student: np.ndarray, z_reference: np.ndarray) -> dict[str, Any]:
    """Two histograms of pre-activations, each over a range that shows its own distribution, with the saturated
    share of each; the regions where tanh is flat (|z| > FLAT) shaded, the one where it is steep labelled, and tanh
    itself as a reference curve on an axis of its own."""
    series = [_panel("yours", z_student), _panel("reference", z_reference)]
    data = {"x_label": "hidden pre-activation z = W1 x + b1", "y_label": "share of values",
            "edges": series[0]["edges"], "flat": FLAT, "series": series, "values": int(z_student.size)}
    if any(None in s["edges"] for s in series):  # values beyond 1e308: the report shows the caption alone
        return data
    flat = f"shaded: |z| > {FLAT:g}, where tanh is flat"
    far = max(abs(s["edges"][0]) for s in series)
    data.update(
        regions=[{"from": -far, "to": -FLAT, "label": "flat", "shaded": True, "legend": flat},
                 {"from": FLAT, "to": far, "label": "flat", "shaded": True, "legend": flat},
                 {"from": -FLAT, "to": FLAT, "label": "steep"}],
        description=(f"the regions beyond |z| > {FLAT:g}, where tanh is flat, are shaded, and a dashed line shows "
                     "tanh(z) on the axis at the right, from \u22121 to 1."),
    )
    return data


def saturation_caption(data: dict[str, Any], units: int, threshold: float, std: float) -> str:
    yours, ref = data["series"]
    text = (f"Hidden pre-activations Z1 = W1 X + b1 on the 400 flower points for {units} hidden units "
            f"({data['values']:,} values each). Yours (W1 standard deviation {std:.3g}): {yours['saturated']:.1%} "
            f"lie beyond |z| > {FLAT:g}, in the shaded region where tanh is flat (its slope is below 0.07) and "
            f"almost no gradient gets through; the reference's: {ref['saturated']:.1%}. At most {threshold:.0%} "
            f"is fine.")
    if None not in (yours["edges"][-1], ref["edges"][-1]) and yours["edges"][-1] != ref["edges"][-1]:
        text += (f" Each panel spans its own range (yours ±{yours['edges'][-1]:g}, the reference's "
                 f"±{ref['edges'][-1]:g}), so that both distributions show.")
    clipped = [f"±{s['edges'][-1]:g}" for s in (yours, ref) if s["clipped"] and s["edges"][-1] is not None]
    if clipped:
        text += f" Values beyond {' and '.join(clipped)} are counted in the outermost bars."
    if yours["non_finite"]:
        text += f" {yours['non_finite']} of your values are infinite or NaN and are left out."
    return text


def test_saturation(student, reference, flower, seed, figures, tolerance):
    X, _ = flower
    params = _params(student.with_seed(seed).initialize_parameters(2, BIG_HIDDEN, 1), 2, BIG_HIDDEN, 1,
                     f"initialize_parameters(2, {BIG_HIDDEN}, 1)")
    with _seeded(seed):
        ref = reference.initialize_parameters(2, BIG_HIDDEN, 1)
    with np.errstate(all="ignore"):
        z_student = (params["W1"] @ X + params["b1"]).ravel()
        z_reference = (ref["W1"] @ X + ref["b1"]).ravel()
        std = float(np.std(params["W1"]))
    data = saturation_data(z_student, z_reference)
    yours, ref = data["series"]
    facts = {"saturated_share": yours["saturated"], "reference_saturated_share": ref["saturated"],
             "W1_std": _number(std)}
    figures.add("histogram", "Where on the tanh curve does the hidden layer start?",
                caption=saturation_caption(data, BIG_HIDDEN, tolerance["saturated_share"], std), facts=facts, **data)


# ---------------------------------------------------------------------------------------------------------------
# 3 and 4. Training: the cost curve and the decision boundary of the student's nn_model


def boundary_data(reference: Any, params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, Any]:
    """The classes ``reference.predict(params, .)`` assigns on a GRID x GRID grid over the flower, and the points."""
    x_range = (float(X[0].min()) - MARGIN, float(X[0].max()) + MARGIN)
    y_range = (float(X[1].min()) - MARGIN, float(X[1].max()) + MARGIN)
    xs = x_range[0] + (np.arange(GRID) + 0.5) * (x_range[1] - x_range[0]) / GRID
    ys = y_range[0] + (np.arange(GRID) + 0.5) * (y_range[1] - y_range[0]) / GRID
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        predicted = np.asarray(reference.predict(params, np.vstack([gx.ravel(), gy.ravel()]))).reshape(GRID, GRID)
    return {
        "x_label": "x1",
        "y_label": "x2",
        "x_range": [_number(v) for v in x_range],
        "y_range": [_number(v) for v in y_range],
        # cells[j][i] is the class at (xs[i], ys[j]); row 0 is the lowest
        "cells": ["".join("1" if v else "0" for v in row) for row in predicted],
        "points": {"x": [round(float(v), 2) for v in X[0]], "y": [round(float(v), 2) for v in X[1]],
                   "label": [int(v) for v in Y.ravel()]},
        "classes": ["class 0", "class 1"],
        "accuracy": _number(_accuracy(reference, params, X, Y), 4),
        "finite": _finite(params),
    }


def boundary_caption(data: dict[str, Any], iterations: int, reference_accuracy: float) -> str:
    text = (f"Where the network trained by your nn_model(X, Y, {HIDDEN}, num_iterations={iterations}) predicts each "
            f"class, on a {GRID} × {GRID} grid over the flower (evaluated by the grader with the reference's predict); "
            "the points are the flower data, marked by their true class (red and blue in the notebook). "
            f"Training accuracy: {data['accuracy']:.1%} (the reference reaches {reference_accuracy:.1%} from the "
            "same seed).")
    if not data["finite"]:
        text += (" Your trained parameters hold infinite or NaN values, so the network predicts class 0 "
                 "everywhere.")
    elif len({c for row in data["cells"] for c in row}) == 1:
        text += " The network predicts one class everywhere: it has not learned the petals."
    return text


# Said under the training figures when they and nn_model's check seem to disagree. The check judges nn_model's
# loop alone, with known-good parts; the figures train the student's whole model, their own parts included.
TRAINING_NOTES = [
    {"when": "passed.nn_model and training_worse and (" + " or ".join(f"failed.{part}" for part in PARTS) + ")",
     "text": "nn_model's check passed because it judges the training loop itself, not the functions it calls; "
             "this figure trains with your own functions, so the mistakes reported above for those functions show "
             "here instead."},
    {"when": "passed.nn_model and training_worse and not (" + " or ".join(f"failed.{part}" for part in PARTS) + ")",
     "text": "nn_model's check passed because it judges the training loop with the reference's functions around "
             "it; this figure trains with your own functions, whose checks passed too, so the difference comes "
             "from something those checks do not measure on these inputs."},
    {"when": "failed.nn_model and not training_worse",
     "text": "Training reaches the reference's accuracy here, yet nn_model's check failed: the check compares "
             "each step of your loop with the reference's on small inputs, and a good accuracy does not prove "
             "every step right."},
]


def training_facts(costs: list[float | None], reference_costs: list[float], accuracy: float | None,
                   reference_accuracy: float) -> dict[str, Any]:
    """What the report may say about the student's training, measured against the reference's from the same seed:
    ``training_slower`` when the student's final cost is clearly above the reference's (or not a number),
    ``training_worse`` when its accuracy is clearly below, ``cost_stalls`` when the cost hardly moves."""
    first, last, ref_last = (costs[0] if costs else None), (costs[-1] if costs else None), reference_costs[-1]
    facts: dict[str, Any] = {"training_accuracy": accuracy, "reference_training_accuracy": reference_accuracy,
                             "training_worse": accuracy is None or accuracy < reference_accuracy - 0.05}
    if costs:
        facts.update(cost_start=first, cost_final=last, reference_cost_final=ref_last,
                     training_slower=last is None or last > 1.1 * ref_last + 0.01,
                     cost_stalls=None not in (first, last) and abs(first - last) < 1e-3)
    return facts


def cost_caption(data: dict[str, Any], iterations: int, repeatable: bool, one_run: bool = False) -> str:
    yours, ref = data["series"]
    last, ref_last = yours["y"][-1], ref["y"][-1]
    how = (f"the parameters your nn_model(X, Y, {HIDDEN}, num_iterations={iterations}) held after k iterations of "
           f"one run (what its update_parameters returned the k-th time, and at k = 0 what initialize_parameters "
           f"returned)" if one_run else
           f"for each marked k, a fresh run of your nn_model(X, Y, {HIDDEN}, num_iterations=k) from the same seed")
    text = (f"The cost J on the flower data after k iterations. Yours: {how}, the cost of those parameters "
            f"computed by the grader. Reference: the reference solution trained by the grader from the same seed. "
            f"After {iterations} iterations your cost is {'not a number' if last is None else f'{last:.4f}'}, the "
            f"reference's {ref_last:.4f}.")
    if any(y is None for y in yours["y"]):
        first = next(k for k, y in zip(yours["x"], yours["y"]) if y is None)
        text += (f" From k = {first} on your parameters are infinite or NaN, so those points are missing: the "
                 "updates blew up.")
    elif all(y is not None and abs(y - np.log(2)) < 1e-3 for y in yours["y"]):
        text += (" Your cost stays at log 2 ≈ 0.693: the network outputs 0.5 for every point and does not learn.")
    if not repeatable:
        text += (" Note: two runs with the same seed started from different weights, so the points may come from "
                 "different runs.")
    return text


def _checkpoints(full_run_s: float, iterations: int) -> list[int]:
    """The checkpoints below ``iterations`` whose predicted time fits the budget, in increasing order."""
    chosen, spent = [], 0.0
    for k in CHECKPOINTS:
        if k >= iterations:
            continue
        cost = full_run_s * k / max(iterations, 1)
        if k == 0 or spent + cost <= CHECKPOINT_BUDGET_S:
            chosen.append(k)
            spent += cost
    return sorted(chosen)


def _reference_run(reference: Any, X: np.ndarray, Y: np.ndarray, seed: int, iterations: int
                   ) -> tuple[list[int], list[float], dict[str, np.ndarray]]:
    """The reference's nn_model loop from the same seed, with its cost every REFERENCE_EVERY iterations.

    The cost at iteration i is read off the forward pass that iteration makes anyway (stable form, as ``_cost``).
    """
    with _seeded(seed):
        params = reference.initialize_parameters(X.shape[0], HIDDEN, Y.shape[0])
    ks, costs = [], []
    with np.errstate(all="ignore"):
        for i in range(iterations + 1):
            _, cache = reference.forward_propagation(X, params)
            if i % REFERENCE_EVERY == 0 or i == iterations:
                z = cache["Z2"]
                ks.append(i)
                costs.append(float(np.mean(Y * np.logaddexp(0.0, -z) + (1.0 - Y) * np.logaddexp(0.0, z))))
            if i == iterations:
                break
            grads = reference.backward_propagation(params, cache, X, Y)
            params = reference.update_parameters(params, grads)
    return ks, costs, params


def _one_run(called: Any, iterations: int, wanted: list[int]) -> dict[int, dict[str, np.ndarray]] | None:
    """The checkpoints of one run of the student's nn_model, if it called initialize_parameters once and
    update_parameters once per iteration (what the k-th update returned is then the parameters after k iterations);
    None otherwise."""
    inits, init_values = called.kept.get("initialize_parameters", (0, {}))
    updates, update_values = called.kept.get("update_parameters", (0, {}))
    if inits != 1 or updates != iterations:
        return None
    try:
        return {k: _params(value, 2, HIDDEN, 1, "The parameters nn_model held")
                for k, value in ((0, init_values.get(1)), *((k, update_values.get(k)) for k in wanted))}
    except CheckFailure:
        return None


@pytest.fixture(scope="session")
def reference_runs() -> dict[tuple[int, int], Any]:
    """The reference's training runs by (seed, iterations), made once per worker: the figure's seed is fixed."""
    return {}


def test_training(student, reference, flower, figures, tolerance, reference_runs):
    X, Y = flower
    Yf = Y.astype(np.float64)
    iterations = int(tolerance["train_iterations"])
    model = student.with_seed(TRAINING_SEED).own_parts  # the student's whole model, its own parts included

    def run(k: int) -> dict[str, np.ndarray]:
        return _params(model.nn_model(X, Y, HIDDEN, num_iterations=k, print_cost=False), 2, HIDDEN, 1,
                       "The parameters nn_model returned")

    wanted = sorted(k for k in CHECKPOINTS if 0 < k < iterations)
    started = time.perf_counter()
    called = model.keeping(initialize_parameters=[1], update_parameters=wanted).nn_model(
        X, Y, HIDDEN, num_iterations=iterations, print_cost=False)  # missing or crashing nn_model: no figure at all
    full_run_s = time.perf_counter() - started
    trained = _params(called.value, 2, HIDDEN, 1, "The parameters nn_model returned")
    if (TRAINING_SEED, iterations) not in reference_runs:
        reference_runs[TRAINING_SEED, iterations] = _reference_run(reference, X, Yf, TRAINING_SEED, iterations)
    ref_ks, ref_costs, ref_trained = reference_runs[TRAINING_SEED, iterations]
    ref_ks, ref_costs, ref_trained = list(ref_ks), list(ref_costs), {n: v.copy() for n, v in ref_trained.items()}
    boundary = boundary_data(reference, trained, X, Y)
    reference_accuracy = _accuracy(reference, ref_trained, X, Y)
    caption = boundary_caption(boundary, iterations, reference_accuracy)
    yours: list[float | None] = []

    runs = _one_run(called, iterations, wanted)
    one_run = repeatable = runs is not None
    if runs is None:
        try:
            runs = {k: run(k) for k in _checkpoints(full_run_s, iterations)}
            # each point is its own run: one trajectory only if nn_model starts from the same weights each time
            repeatable = 0 not in runs or all(np.array_equal(runs[0][n], run(0)[n], equal_nan=True) for n in NAMES)
        except (StudentError, CheckFailure):
            runs = None  # the boundary stands on its own
    if runs is not None:
        runs[iterations] = trained
        xs = sorted(runs)
        yours = [_number(_cost(reference, runs[k], X, Yf)) for k in xs]
    facts = training_facts(yours, ref_costs, boundary["accuracy"] if boundary["finite"] else 0.0, reference_accuracy)
    if runs is not None:
        series = [{"label": "your nn_model", "x": xs, "y": yours, "markers": True},
                  {"label": "reference", "x": ref_ks, "y": [_number(c) for c in ref_costs]}]
        table = {"columns": ["iterations k", "your cost", "reference cost"],
                 "rows": [[k, y, _number(ref_costs[ref_ks.index(k)]) if k in ref_ks else None]
                          for k, y in zip(xs, yours)]}
        figures.add("lines", "How the cost falls during training",
                    caption=cost_caption({"series": series}, iterations, repeatable, one_run),
                    x_label="iterations k", y_label="cost J", y_min=0, panels=[{"title": "", "series": series}],
                    table=table, facts=facts)
    figures.add("boundary", "The decision boundary your network learns", caption=caption, facts=facts,
                notes=TRAINING_NOTES, **boundary)
