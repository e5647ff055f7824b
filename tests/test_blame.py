"""The shallow-nn cases that used to get a verdict from luck or from another function, each graded under two seeds
through the real pipeline: every one now loses exactly the points of the function at fault (or none when it is
right), the same under both seeds, and its message and "where to look" point into that function.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest
from paths import ROOT

from grader.assignment import load_assignment
from grader.pipeline import BatchOptions, grade_paths

SEEDS = (5, 987654)


def _bench():
    spec = importlib.util.spec_from_file_location("blame_mistakes_benchmark", ROOT / "benchmarks" / "mistakes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


BENCH = _bench()


def _with(function: str, *changes: tuple[str, str], extra: str = "") -> str:
    source = BENCH.SOURCES[function]
    for old, new in changes:
        assert source.count(old) == 1, (function, old)
        source = source.replace(old, new)
    return BENCH.submission(choice={function: source}) + extra


NEVER_TRAINS = '''
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    parameters = initialize_parameters(X.shape[0], n_h, Y.shape[0])
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
    return parameters
'''

# id -> (source, the functions that must lose points, words that must be in the first failing message)
CASES = {
    "predict_cut_at_0_9": (_with("predict", ("A2 > 0.5", "A2 > 0.9")), {"predict"}, "A2 is above 0.5"),
    "predict_own_forward_without_b1": (_with("predict", (
        "A2, cache = forward_propagation(X, parameters)",
        "A2 = sigmoid(parameters['W2'] @ np.tanh(parameters['W1'] @ X) + parameters['b2'])")),
        {"predict"}, "predictions are wrong"),
    "nn_model_ignores_n_h": (_with("nn_model", ("initialize_parameters(n_x, n_h, n_y)",
                                                "initialize_parameters(n_x, 4, n_y)")),
                             {"nn_model"}, "ignores its n_h"),
    "nn_model_reinitialises": (_with("nn_model", ("        A2, cache = forward_propagation(X, parameters)\n",
                                                  "        parameters = initialize_parameters(n_x, n_h, n_y)\n"
                                                  "        A2, cache = forward_propagation(X, parameters)\n")),
                               {"nn_model"}, "exactly once"),
    "nn_model_wrong_learning_rate": (_with("nn_model", ("update_parameters(parameters, grads)",
                                                        "update_parameters(parameters, grads, 0.5)")),
                                     {"nn_model"}, "learning_rate=0.5"),
    "b1_flat": (_with("initialize_parameters", ("np.zeros((n_h, 1))", "np.zeros(n_h)")),
                {"initialize_parameters"}, "shape"),
    "rand_times_0_01": (_with("initialize_parameters", ("np.random.randn(n_h, n_x) * 0.01",
                                                        "np.random.rand(n_h, n_x) * 0.01")),
                        {"initialize_parameters"}, "np.random.rand"),
    # A part that crashes, or is lost to a syntax error, costs only itself: nn_model and predict are judged on
    # their own code.
    "backprop_missing_transpose": (_with("backward_propagation", ("np.dot(dZ2, A1.T)", "np.dot(dZ2, A1)")),
                                   {"backward_propagation"}, "shapes"),
    "layer_sizes_from_columns": (_with("layer_sizes", ("n_x = X.shape[0]", "n_x = X.shape[1]")),
                                 {"layer_sizes"}, "layer_sizes returned the wrong sizes"),
    "backprop_syntax_error": (_with("backward_propagation", ("m = X.shape[1]", "m = X.shape[1")),
                              {"backward_propagation"}, "syntax error"),
    # Failing a cheap check on purpose no longer switches a composite to a replay of the student's own parts.
    "game_cost_array_and_no_training": (
        _with("compute_cost", ("return float(cost)", "return np.array([[cost]])"), extra=NEVER_TRAINS),
        {"compute_cost", "nn_model"}, "compute_cost should return a plain float"),
    "game_garbage_forward_and_all_false": (
        _with("forward_propagation", ("return A2, cache", "return A2 * 0 + 7, {}"),
              extra="\n\ndef predict(parameters, X):\n    return np.zeros((1, X.shape[1]), dtype=bool)\n"),
        {"forward_propagation", "predict"}, "A2 has wrong values"),
    "compute_cost_constant": (_with("compute_cost", ("return float(cost)", "return 0.0")), {"compute_cost"},
                              "The cost has wrong values"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blame")
    for sid, (source, _, _) in CASES.items():
        (folder / f"{sid}.py").write_text(source)
    assignment = load_assignment(ROOT, "shallow-nn")
    out = {}
    for seed in SEEDS:
        results = grade_paths([folder], assignment, out_dir=tmp_path_factory.mktemp(f"blame-{seed}"),
                              options=BatchOptions(jobs=1, seed=seed, regrade=True))
        out[seed] = {r.submission: r for r in results}
    return out


def _span(source: str, function: str) -> range:
    """The lines of the last definition of ``function`` in ``source`` (a later def replaces an earlier one)."""
    lines = source.splitlines()
    starts = [i for i, line in enumerate(lines, 1) if line.startswith(f"def {function}(")]
    end = next((i for i in range(starts[-1] + 1, len(lines) + 1)
                if lines[i - 1].startswith(("def ", "class ")) or i == len(lines)), len(lines))
    return range(starts[-1], end + 1)


@pytest.mark.parametrize("sid", sorted(CASES))
def test_only_the_function_at_fault_loses_points_under_every_seed(graded, sid):
    source, lost, words = CASES[sid]
    for seed in SEEDS:
        result = graded[seed][sid]
        failing = [c for c in result.checks if c.status != "passed"]
        assert {c.function for c in failing} == lost, (seed, [(c.id, c.message) for c in failing])
        first = next(c for c in failing if c.function == sorted(lost)[0])
        assert words in first.message, (seed, first.message)
        for check in failing:  # "where to look" is a line of the function at fault
            assert check.location is not None and check.location.line in _span(source, check.function), (
                check.id, check.location)
    assert [c.status for c in graded[SEEDS[0]][sid].checks] == [c.status for c in graded[SEEDS[1]][sid].checks]
