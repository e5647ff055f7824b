"""The shallow-nn cases of issue 11 that used to get a verdict from luck or from another function, each graded under
two seeds through the real pipeline: every one now loses exactly the points of the function at fault (or none when
it is right: the course's own seeding, a float32 forward pass), the same under both seeds, and its message and
"where to look" point into that function. For some, exactly which checks fail and which flag names the mistake.
benchmarks/verdicts.py measures the same cases (``variants.py``) over 50 seeds.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest
from paths import ROOT

from grader.assignment import load_assignment
from grader.pipeline import BatchOptions, grade_paths

SEEDS = (5, 987654)
pytestmark = pytest.mark.slow  # grades every case under two seeds through the pipeline (tens of seconds)


def _variants():
    spec = importlib.util.spec_from_file_location("blame_variants", ROOT / "benchmarks" / "variants.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


# id -> (source, the functions that must lose points, words that must be in the first failing message, flags)
CASES = _variants().shallow_cases()

# For some cases, exactly which checks fail: a shape slip costs the shape check alone; a constant compute_cost earns
# nothing (its type check is not judged); rand * 0.01 fails the centring check only.
FAILING = {
    "b1_flat": {"initialize_parameters::shapes"},
    "rand_times_0_01": {"initialize_parameters::centred"},
    "compute_cost_constant": {"compute_cost::value", "compute_cost::returns_float"},
    "predict_cut_at_0_9": {"predict::values"},
    "predict_own_forward_without_b1": {"predict::values"},
    "nn_model_ignores_n_h": {"nn_model::training_loop"},
    "backprop_missing_transpose": {"backward_propagation::values", "backward_propagation::gradient_check"},
    "layer_sizes_from_columns": {"layer_sizes::values"},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blame")
    for sid, (source, _, _, _) in CASES.items():
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
    source, lost, words, flags = CASES[sid]
    for seed in SEEDS:
        result = graded[seed][sid]
        failing = [c for c in result.checks if c.status != "passed"]
        assert {c.function for c in failing} == lost, (seed, [(c.id, c.message) for c in failing])
        assert all(c.score == 0 for c in failing) and result.score == pytest.approx(
            result.max_score - sum(c.max_score for c in failing)), seed
        assert set(flags) <= {f for c in failing for f in c.flags}, (seed, [(c.id, c.flags) for c in failing])
        if sid in FAILING:
            assert {c.id for c in failing} == FAILING[sid], (seed, [(c.id, c.status, c.message) for c in failing])
        if not lost:
            continue
        first = next(c for c in failing if c.function == sorted(lost)[0])
        assert words in first.message, (seed, first.message)
        for check in failing:  # "where to look" is a line of the function at fault
            assert check.location is not None and check.location.line in _span(source, check.function), (
                check.id, check.location)
    assert [c.status for c in graded[SEEDS[0]][sid].checks] == [c.status for c in graded[SEEDS[1]][sid].checks]
