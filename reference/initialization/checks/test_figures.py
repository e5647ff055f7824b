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
SCHEMES = (("initialize_parameters_zeros", "zeros"), ("initialize_parameters_random", "random x10"),
           ("initialize_parameters_he", "He"))


def _finite(values):
    return [float(v) if np.isfinite(v) else None for v in values]


def test_three_schemes_side_by_side(student, helpers, seed, figures):
    utils = helpers.init_utils
    train_X, train_Y, test_X, test_Y = utils.load_circles()
    panels, rows, notes = [], [], []
    for function, label in SCHEMES:
        try:
            start = getattr(student.with_seed(seed), function)(list(LAYERS))
            start = {k: np.asarray(v, dtype=np.float64) for k, v in dict(start).items()}
            with np.errstate(all="ignore"):
                params, costs = utils.model(train_X, train_Y, 0.1, ITERATIONS, lambda dims, p=start: p,
                                            layers_dims=list(LAYERS), record_every=EVERY, seed=seed % 2**31)
                train, test = utils.accuracy(params, train_X, train_Y), utils.accuracy(params, test_X, test_Y)
        except (StudentError, TypeError, ValueError, KeyError, AttributeError, ArithmeticError):
            notes.append(label)
            continue
        steps = [min(k * EVERY, ITERATIONS) for k in range(len(costs))]
        panels.append({"title": f"{label}: {train:.0%} train, {test:.0%} test accuracy",
                       "series": [{"label": "cost", "x": steps, "y": _finite(costs)}]})
        rows.append([label, _finite(costs[:1])[0], _finite(costs[-1:])[0], round(train, 4), round(test, 4)])
    if not panels:
        return
    caption = (f"Your three initialization functions, each used to start the same network ({LAYERS}) on the circles "
               f"data, trained {ITERATIONS} iterations at learning rate 0.1. Zeros stay at cost 0.693 (every unit the "
               "same); x10 starts with a huge cost and learns slowly; He learns well.")
    if notes:
        caption += f" Not drawn, because the function failed: {', '.join(notes)}."
    figures.add("lines", "Zeros, x10 and He, side by side", caption=caption, x_label="iterations",
                y_label="cost J", y_min=0, panels=panels,
                table={"columns": ["scheme", "first cost", "last cost", "train accuracy", "test accuracy"],
                       "rows": rows})
