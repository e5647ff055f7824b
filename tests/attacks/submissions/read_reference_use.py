"""Attack: don't just read the reference solution, run it. Load it through the grader's own package
(``grader.assignment.load_assignment``), by exec'ing the file, through runpy and importlib, and delegate every
graded function to it. If that works the submission scores 10/10 without a line of its own.

Defence: Landlock keeps the repository out of reach (the grader's package files included: only modules the zygote
preloaded exist in the sandbox), so the reference never loads. Score 0.
"""

import json
import sys

REPO = "@@REPO@@"
SOLUTION = REPO + "/reference/shallow-nn/solution.py"
_FOUND = {}
_TRIED = {}


def _load():
    if _FOUND or _TRIED:
        return
    attempts = []

    def via_grader():
        sys.path.insert(0, REPO)
        from pathlib import Path
        from grader.assignment import load_assignment

        assignment = load_assignment(Path(REPO), "shallow-nn")
        return assignment.solution_path.read_text()

    def via_exec():
        with open(SOLUTION) as fh:
            return fh.read()

    def via_runpy():
        import runpy

        return runpy.run_path(SOLUTION)

    def via_importlib():
        import importlib.util

        spec = importlib.util.spec_from_file_location("stolen_reference", SOLUTION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return vars(module)

    for attempt in (via_grader, via_exec, via_runpy, via_importlib):
        try:
            got = attempt()
        except BaseException as exc:
            _TRIED[attempt.__name__] = f"{type(exc).__name__}: {exc}"[:100]
            continue
        namespace = got if isinstance(got, dict) else {}
        if isinstance(got, str):
            exec(compile(got, "stolen", "exec"), namespace)
        _FOUND.update(namespace)
        _TRIED[attempt.__name__] = "worked"
        return


def _delegate(name, *args, **kwargs):
    _load()
    if name in _FOUND:
        return _FOUND[name](*args, **kwargs)
    raise RuntimeError("REPORT " + json.dumps(_TRIED))


def layer_sizes(X, Y):
    return _delegate("layer_sizes", X, Y)


def initialize_parameters(n_x, n_h, n_y):
    return _delegate("initialize_parameters", n_x, n_h, n_y)


def forward_propagation(X, parameters):
    return _delegate("forward_propagation", X, parameters)


def compute_cost(A2, Y):
    return _delegate("compute_cost", A2, Y)


def backward_propagation(parameters, cache, X, Y):
    return _delegate("backward_propagation", parameters, cache, X, Y)


def update_parameters(parameters, grads, learning_rate=1.2):
    return _delegate("update_parameters", parameters, grads, learning_rate)


def predict(parameters, X):
    return _delegate("predict", parameters, X)


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    return _delegate("nn_model", X, Y, n_h, num_iterations=num_iterations, print_cost=print_cost)
