"""The gradient-checking assignment: golden outcomes of its examples through the real CLI, the reference graded as a
submission, the soundness assumptions of its checks, and its public tests."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from paths import ROOT

NAME = "gradient-checking"
PUBLIC = ROOT / "assignments" / NAME
HIDDEN = ROOT / "reference" / NAME
EXAMPLES = PUBLIC / "examples"
FUNCTIONS = ("gradient_check", "gradient_check_n")
CHECKS = {
    "gradient_check::small_for_correct": 1.0,
    "gradient_check::values": 1.5,
    "gradient_check::epsilon": 0.5,
    "gradient_check_n::correct_gradients": 1.5,
    "gradient_check_n::buggy_gradients": 1.5,
    "gradient_check_n::values": 2.0,
    "gradient_check_n::two_sided": 1.0,
    "gradient_check_n::epsilon": 1.0,
}

# id -> (score, flags, the checks that fail)
GOLDEN = {
    "correct": (10.0, set(), set()),
    "correct_notebook": (10.0, set(), set()),
    # Compares gradapprox with itself: both functions ignore the gradients they check, so they earn nothing (5.0
    # before issue 11, for calling correct gradients correct and for not ignoring an epsilon they never show).
    "returns_gradapprox": (0.0, {"wrong-values", "self-comparison"}, set(CHECKS)),
    "missing_copy": (6.5, {"wrong-values", "missing-copy"},
                     {"gradient_check_n::correct_gradients", "gradient_check_n::values"}),
    "one_sided": (9.0, {"one-sided-difference"}, {"gradient_check_n::two_sided"}),
    "hardcoded_epsilon": (8.5, {"epsilon-ignored"}, {"gradient_check::epsilon", "gradient_check_n::epsilon"}),
}


def _grade(paths: list[Path], out: Path) -> dict[str, dict]:
    from click.testing import CliRunner

    from grader.cli import main

    args = [*map(str, paths), "--assignment", NAME, "--out", str(out), "--jobs", "1"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/results.json"))}


@pytest.fixture(scope="module")
def graded_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gc-examples")
    return out, _grade([EXAMPLES], out)


@pytest.fixture(scope="module")
def graded(graded_run):
    return graded_run[1]


def test_every_example_has_a_golden_outcome():
    assert sorted(p.stem for p in EXAMPLES.iterdir() if p.suffix in (".py", ".ipynb")) == sorted(GOLDEN)


@pytest.mark.slow  # grades every example of the assignment
@pytest.mark.parametrize("sid", sorted(GOLDEN))
def test_golden_outcome(graded, sid):
    score, flags, failing = GOLDEN[sid]
    data = graded[sid]
    not_passed = {c["id"] for c in data["checks"] if c["status"] != "passed"}
    assert data["score"] == score, [(c["id"], c["message"]) for c in data["checks"] if c["status"] != "passed"]
    assert set(data["flags"]) == flags
    assert not_passed == failing
    assert {c["function"] for c in data["checks"] if c["status"] != "passed"} == {f.split("::")[0] for f in failing}
    assert all(c["status"] in ("passed", "failed") for c in data["checks"])  # wrong answers, never crashes
    assert data["max_score"] == 10.0 and data["assignment"] == NAME and data["submission"] == sid


@pytest.mark.slow  # grades every example of the assignment
def test_every_check_with_its_points_in_every_result(graded):
    for data in graded.values():
        assert {c["id"]: c["max_score"] for c in data["checks"]} == CHECKS


@pytest.mark.slow  # grades every example of the assignment
def test_failures_name_the_mistake_and_teach_its_lesson(graded):
    copy = next(c for c in graded["missing_copy"]["checks"] if c["id"] == "gradient_check_n::correct_gradients")
    assert "np.copy" in copy["message"] and "1e-07" in copy["message"] and copy["lesson"] == "missing-copy"
    # "Where to look" is the line that binds a second name instead of a copy, not where the wrong number shows
    assert copy["location"]["code"].strip() == "thetaplus = parameters_values"
    assert "not a copy of it" in copy["message"]
    same = next(c for c in graded["returns_gradapprox"]["checks"] if c["id"] == "gradient_check_n::buggy_gradients")
    assert "itself" in same["message"] and "0.001" in same["message"] and same["got"] == "0"


@pytest.mark.slow  # grades every example of the assignment
def test_reports_carry_the_lessons(graded_run):
    out, _ = graded_run
    copy = (out / "missing_copy" / "report.md").read_text()
    assert "Perturb a copy of the parameters" in copy and "same numbers" in copy
    sided = (out / "one_sided" / "report.md").read_text()
    assert "Use the two-sided difference" in sided and "epsilon squared" in sided



@pytest.mark.slow  # grades every example of the assignment
def test_notebook_magics_and_scratch_cells_do_not_disturb_grading(graded):
    data = graded["correct_notebook"]
    assert data["problems"] == [] and data["output"] == ""  # %magics neutralised, demo and scratch cells skipped
    location = next(c["location"] for c in data["checks"] if c["function"] == "gradient_check_n")
    assert location["cell"] is not None and "def gradient_check_n" in location["code"]


def test_reference_graded_as_a_submission_gets_full_marks(tmp_path):
    submission = tmp_path / "subs" / "reference_solution.py"
    submission.parent.mkdir()
    shutil.copy(HIDDEN / "solution.py", submission)
    data = _grade([submission], tmp_path / "out")["reference_solution"]
    assert data["score"] == data["max_score"] == 10.0 and data["flags"] == []


@pytest.mark.slow  # also `grade selfcheck` (test_author.py)
def test_generated_student_files_score_nothing(tmp_path):
    stubs = [PUBLIC / "gradient_checking.py", PUBLIC / "gradient_checking.ipynb"]
    if not all(p.is_file() for p in stubs):
        pytest.skip("the student files are not generated yet (grade generate gradient-checking)")
    results = _grade(stubs, tmp_path / "out")
    assert [r["score"] for r in results.values()] == [0.0, 0.0]


# -- the assumptions behind the checks -------------------------------------------------------------------------------


def _module(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reference():
    return _module(HIDDEN / "solution.py", "gc_reference_under_test")


@pytest.fixture
def gc_utils(monkeypatch):
    """The helper module, importable as ``gc_utils`` (the public tests import it by that name)."""
    module = _module(PUBLIC / "gc_utils.py", "gc_utils")
    monkeypatch.setitem(sys.modules, "gc_utils", module)
    return module


def _random_problem(rng, net):
    m = int(rng.integers(2, 9))
    X = rng.standard_normal((4, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    parameters = {n: rng.standard_normal(s) for n, s in zip(net.PARAMETER_NAMES, net.PARAMETER_SHAPES)}
    return X, Y, parameters


def test_reference_imports_only_numpy_and_the_standard_library():
    import ast

    tree = ast.parse((HIDDEN / "solution.py").read_text())
    modules = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert modules <= {"numpy"} | set(sys.stdlib_module_names)


def test_reference_network_is_the_helpers_to_the_last_bit(reference, gc_utils):
    """The checks compare the student's result (computed with gc_utils in the sandbox) with the reference's
    (computed with its own copy): the two copies must agree exactly."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        X, Y, parameters = _random_problem(rng, gc_utils)
        cost, cache = reference.forward_propagation_n(X, Y, parameters)
        helper_cost, helper_cache = gc_utils.forward_propagation_n(X, Y, parameters)
        assert cost == helper_cost and isinstance(cost, float)
        assert all(np.array_equal(a, b) for a, b in zip(cache, helper_cache))
        grads = reference.backward_propagation_n(X, Y, cache)
        helper_grads = gc_utils.backward_propagation_n(X, Y, cache)
        assert all(np.array_equal(grads[k], helper_grads[k]) for k in helper_grads)
        theta, keys = reference.dictionary_to_vector(parameters)
        helper_theta, helper_keys = gc_utils.dictionary_to_vector(parameters)
        assert np.array_equal(theta, helper_theta) and keys == helper_keys and theta.shape == (47, 1)
        assert all(np.array_equal(v, parameters[k]) for k, v in reference.vector_to_dictionary(theta).items())
        assert np.array_equal(reference.gradients_to_vector(grads), gc_utils.gradients_to_vector(grads))
        x, theta1 = rng.standard_normal(2)
        assert reference.forward_propagation(x, theta1) == gc_utils.forward_propagation(x, theta1)
        assert reference.backward_propagation(x, theta1) == gc_utils.backward_propagation(x, theta1)


def test_backpropagations_are_right_and_wrong_as_documented(reference, gc_utils):
    X, Y, parameters = gc_utils.load_test_case()
    assert X.shape == (4, 3) and Y.shape == (1, 3)
    _, cache = gc_utils.forward_propagation_n(X, Y, parameters)
    good = reference.gradient_check_n(parameters, gc_utils.backward_propagation_n(X, Y, cache), X, Y)
    bad = reference.gradient_check_n(parameters, gc_utils.backward_propagation_n_buggy(X, Y, cache), X, Y)
    assert good < 1e-8 and bad > 0.1
    assert reference.gradient_check(3.0, 4.0) < 1e-9


def test_public_tests_pass_the_reference_and_catch_the_shortcuts(reference, gc_utils, capsys):
    public = _module(PUBLIC / "public_tests.py", "gc_public_tests_under_test")
    public.gradient_check_test(reference.gradient_check)
    public.gradient_check_n_test(reference.gradient_check_n)
    assert capsys.readouterr().out.count("All tests passed.") == 2
    for example, test, words in (("returns_gradapprox", "gradient_check_n_test", "itself"),
                                 ("returns_gradapprox", "gradient_check_test", "itself"),
                                 ("missing_copy", "gradient_check_n_test", "np.copy"),
                                 ("one_sided", "gradient_check_n_test", "one-sided"),
                                 ("hardcoded_epsilon", "gradient_check_test", "epsilon passed in"),
                                 ("hardcoded_epsilon", "gradient_check_n_test", "epsilon passed in")):
        submission = _module(EXAMPLES / f"{example}.py", f"gc_example_{example}")
        function = getattr(submission, test.removesuffix("_test"))
        with pytest.raises(AssertionError, match=words):
            getattr(public, test)(function)


# Mistakes outside the examples, each made in the correct example by one substitution.
VARIANTS = {
    # J_plus - J_minus over epsilon: twice the derivative, 1/3 for the correct gradients like a missing copy
    "divides_by_epsilon": (").reshape(n, 1) / (2 * epsilon)", ").reshape(n, 1) / epsilon"),
    # over 4 * epsilon: half the derivative, 1/3 too, and neither a missing copy nor the epsilon divisor
    "divides_by_4_epsilon": (").reshape(n, 1) / (2 * epsilon)", ").reshape(n, 1) / (4 * epsilon)"),
    # a wrong relative difference: the estimate is right, the last formula is not
    "product_denominator": ("    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)\n    difference = "
                            "numerator / denominator\n\n    if", "    denominator = np.linalg.norm(grad) * "
                            "np.linalg.norm(gradapprox)\n    difference = numerator / denominator\n\n    if"),
}


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gc-variants")
    source = (EXAMPLES / "correct.py").read_text()
    for name, (old, new) in VARIANTS.items():
        assert source.count(old) == 1
        (folder / "in").mkdir(exist_ok=True)
        (folder / "in" / f"{name}.py").write_text(source.replace(old, new))
    return _grade([folder / "in"], folder / "out")


def _failed(data: dict) -> dict[str, dict]:
    return {c["id"]: c for c in data["checks"] if c["status"] != "passed"}


@pytest.mark.slow  # grades three submissions
def test_a_second_epsilon_tells_dividing_by_epsilon_from_a_missing_copy(variants):
    failed = _failed(variants["divides_by_epsilon"])
    assert set(failed) == {"gradient_check_n::correct_gradients", "gradient_check_n::values"}
    correct = failed["gradient_check_n::correct_gradients"]
    assert correct["got"] == "0.333333"  # the value a missing copy gives as well
    assert "divides-by-epsilon" in correct["flags"] and "missing-copy" not in variants["divides_by_epsilon"]["flags"]
    assert correct["lesson"] == "divides-by-epsilon" and "instead of 2 * epsilon" in correct["message"]
    assert "copy" not in correct["message"].split("Where it goes wrong")[0]
    assert "gradapprox on line 44 differs from the expected gradapprox" in correct["message"]
    assert correct["location"]["line"] == 44


@pytest.mark.slow  # grades three submissions
def test_a_value_that_fits_a_mistake_at_one_epsilon_only_is_not_called_that_mistake(variants):
    data = variants["divides_by_4_epsilon"]
    assert not {"missing-copy", "divides-by-epsilon"} & set(data["flags"])
    for check in _failed(data).values():
        assert "Your value is what" not in check["message"] and check["lesson"] == "function:gradient_check_n"
        assert "gradapprox on line 44 differs from the expected gradapprox" in check["message"]


@pytest.mark.slow  # grades three submissions
def test_a_wrong_relative_difference_costs_values_alone_and_points_at_its_formula(variants):
    failed = _failed(variants["product_denominator"])
    assert set(failed) == {"gradient_check_n::values"}  # two_sided: the estimate is two-sided
    message = failed["gradient_check_n::values"]["message"]
    assert "denominator on line 47 differs from the expected denominator" in message
    assert "gradapprox and numerator are right" in message
    assert "(J_plus - J_minus)" not in message


def test_public_tests_tell_dividing_by_epsilon_from_a_missing_copy(gc_utils):
    """The public test's hint too: a second epsilon tells the mistakes that give 1/3 apart."""
    import ast

    public = _module(PUBLIC / "public_tests.py", "gc_public_tests_under_test")
    source = (EXAMPLES / "correct.py").read_text()
    for name, words, absent in (("divides_by_epsilon", "2 \\* epsilon apart", "np.copy"),
                                ("divides_by_4_epsilon", "expected a difference below 1e-7", "np.copy|2 \\* eps")):
        old, new = VARIANTS[name]
        tree = ast.parse(source.replace(old, new))
        tree.body = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
        namespace = {"np": np, **{k: getattr(gc_utils, k) for k in dir(gc_utils) if not k.startswith("_")}}
        exec(compile(tree, name, "exec"), namespace)
        with pytest.raises(AssertionError, match=words) as caught:
            public.gradient_check_n_test(namespace["gradient_check_n"])
        assert not re.search(absent, str(caught.value)), (name, str(caught.value))
