"""The initialization assignment: golden outcomes of its examples through the real CLI, the reference and the stubs,
robustness of the statistical checks to seeds and generators, the public tests, and the numbers the lesson quotes."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest
from click.testing import CliRunner
from paths import ROOT

from grader.cli import main

NAME = "initialization"
PUBLIC = ROOT / "assignments" / NAME
EXAMPLES = PUBLIC / "examples"
SOLUTION = ROOT / "reference" / NAME / "solution.py"
FUNCTIONS = {"initialize_parameters_zeros", "initialize_parameters_random", "initialize_parameters_he"}

# id -> (score, exact flags, check ids that must fail: the only checks that lose points)
GOLDEN = {
    "correct": (10.0, set(), set()),
    "correct_notebook": (10.0, set(), set()),
    "xavier_he": (7.0, {"wrong-scale", "xavier-scale"}, {"initialize_parameters_he::variance"}),
    "he_wrong_dim": (7.0, {"wrong-scale", "wrong-fan-in"}, {"initialize_parameters_he::variance"}),
    "random_scale_1": (8.75, {"wrong-scale"}, {"initialize_parameters_random::scale"}),
}


def grade(*paths: Path, out: Path, seed: int | None = None) -> dict[str, dict]:
    args = [*map(str, paths), "--assignment", NAME, "--out", str(out), "--jobs", "1"]
    if seed is not None:
        args += ["--seed", str(seed)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(out.glob("*/results.json"))}


def failing(data: dict) -> set[str]:
    return {c["id"] for c in data["checks"] if c["status"] != "passed"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("initialization-examples")
    return out, grade(EXAMPLES, out=out)


@pytest.mark.slow  # grades every example of the assignment
def test_every_example_has_a_golden_outcome(graded):
    _, results = graded
    assert set(results) == set(GOLDEN)


@pytest.mark.slow  # grades every example of the assignment
@pytest.mark.parametrize("sid", sorted(GOLDEN))
def test_golden_outcome(graded, sid):
    score, flags, failed = GOLDEN[sid]
    data = graded[1][sid]
    assert data["score"] == score, [(c["id"], c["message"]) for c in data["checks"] if c["status"] != "passed"]
    assert data["max_score"] == 10.0 and data["assignment"] == NAME and data["submission"] == sid
    assert set(data["flags"]) == flags
    assert failing(data) == failed
    assert {c["function"] for c in data["checks"] if c["status"] != "passed"} == {f.split("::")[0] for f in failed}
    assert {c["function"] for c in data["checks"]} == FUNCTIONS


@pytest.mark.slow  # grades every example of the assignment
def test_messages_name_the_mistake(graded):
    out, results = graded

    def message(sid: str, cid: str) -> dict:
        return next(c for c in results[sid]["checks"] if c["id"] == cid)

    xavier = message("xavier_he", "initialize_parameters_he::variance")
    assert "np.sqrt(1 / layers_dims[l-1])" in xavier["message"] and "Xavier" in xavier["message"]
    assert xavier["lesson"] == "xavier-scale" and "2 / 600" in xavier["expected"] and "variance" in xavier["got"]
    fan = message("he_wrong_dim", "initialize_parameters_he::variance")
    assert "np.sqrt(2 / layers_dims[l])" in fan["message"] and "layers_dims[l-1]" in fan["message"]
    assert fan["lesson"] == "wrong-fan-in"
    unscaled = message("random_scale_1", "initialize_parameters_random::scale")
    assert "factor 10 is missing" in unscaled["message"]
    assert unscaled["lesson"] == "function:initialize_parameters_random"
    report = (out / "xavier_he" / "report.md").read_text()
    assert "Xavier's scale is for tanh" in report
    # Where to look: the line that scales the draw, and by how much (the same draw as the reference's, seeded alike)
    assert "np.sqrt(1 / fan_in)" in xavier["location"]["code"] and xavier["location"]["line"] == 29
    assert 'parameters["W1"] on line 29 is 0.707 times the expected parameters["W1"]' in xavier["message"]
    assert 'parameters["W1"] on line 30 is 1.22 times the expected' in fan["message"]
    assert "L on line 26 is 3, where the reference's L is 4" in fan["message"]  # a count, beside the mistake
    assert unscaled["location"]["line"] == 25 and 'parameters["W1"] on line 25 is 0.1 times' in unscaled["message"]


@pytest.mark.slow  # grades every example of the assignment
def test_a_scratch_cell_that_raises_costs_nothing(graded):
    data = graded[1]["correct_notebook"]
    notes = [p for p in data["problems"] if p["kind"] == "load-error"]
    # The training cells call the helper's model(), which does not run at grading time, so the scratch cell's
    # `parameters["W0"]` finds no `parameters`. Nothing graded uses what that cell binds (bindings.py), so the
    # error is left out of the report and costs no points.
    cells = nbformat.read(EXAMPLES / "correct_notebook.ipynb", as_version=4).cells
    assert 'parameters["W0"]' in cells[10].source  # cell 11 is the scratch cell that raises
    assert not [n for n in notes if (n.get("location") or {}).get("cell") == 11], notes
    assert data["score"] == 10.0


def test_a_module_level_generator_is_seeded_before_the_definitions_load(tmp_path):
    # correct_notebook.ipynb creates `rng = np.random.default_rng()` at module level, before any call: the
    # sandbox seeds numpy's generators before loading, so two runs with the same seed give the same report.
    from grader.models import SubmissionResult

    first, second = (SubmissionResult.from_dict(grade(EXAMPLES / "correct_notebook.ipynb", out=tmp_path / run,
                                                      seed=5)["correct_notebook"]).without_timings()
                     for run in ("a", "b"))
    assert first == second


def test_the_reference_solution_gets_full_marks(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "reference.py").write_bytes(SOLUTION.read_bytes())
    data = grade(folder, out=tmp_path / "out")["reference"]
    assert data["score"] == 10.0 and data["flags"] == [] and data["problems"] == []


@pytest.mark.slow  # also `grade selfcheck` (test_author.py)
def test_the_generated_stubs_score_nothing(tmp_path):
    stubs = [PUBLIC / "initialization.py", PUBLIC / "initialization.ipynb"]
    if not all(p.is_file() for p in stubs):
        pytest.skip("the student files are not generated yet: run `grade generate initialization`")
    results = grade(*stubs, out=tmp_path)
    assert [r["score"] for r in results.values()] == [0.0, 0.0]


# ----------------------------------------------------------------------------------------------------------------
# Any seed and any generator get full marks; the common mistakes are named
# ----------------------------------------------------------------------------------------------------------------

ZEROS = '''
def initialize_parameters_zeros(layers_dims):
    return {k: np.zeros((layers_dims[l], layers_dims[l - 1]) if k[0] == "W" else (layers_dims[l], 1))
            for l in range(1, len(layers_dims)) for k in ("W%d" % l, "b%d" % l)}
'''


def _variant(random_weight: str, he_weight: str, *, prelude: str = "") -> str:
    """A submission whose weights are ``<expr>`` with n (units) and p (inputs) in scope."""
    body = '''
def initialize_parameters_{name}(layers_dims):
    params = {{}}
    for l in range(1, len(layers_dims)):
        n, p = layers_dims[l], layers_dims[l - 1]
        params["W" + str(l)] = {weight}
        params["b" + str(l)] = np.zeros((n, 1))
    return params
'''
    return ("import numpy as np\n" + prelude + ZEROS + body.format(name="random", weight=random_weight)
            + body.format(name="he", weight=he_weight))


VARIANTS = {
    # (source, score, flags, failing checks)
    "global_randn": (_variant("np.random.randn(n, p) * 10", "np.random.randn(n, p) * np.sqrt(2 / p)"),
                     10.0, set(), set()),
    "seeded_inside": (_variant("np.random.RandomState(3).randn(n, p) * 10",
                               "np.random.RandomState(l).randn(n, p) * np.sqrt(2.0 / p)"), 10.0, set(), set()),
    "default_rng_module": (_variant("RNG.normal(0, 10, (n, p))", "RNG.standard_normal((n, p)) * (2 / p) ** 0.5",
                                    prelude="RNG = np.random.default_rng(2024)\n"), 10.0, set(), set()),
    "he_uniform": (_variant("np.random.default_rng().normal(scale=10.0, size=(n, p))",
                            "np.random.default_rng().uniform(-np.sqrt(6 / p), np.sqrt(6 / p), (n, p))"),
                   10.0, set(), set()),
    "missing_sqrt": (_variant("np.random.randn(n, p) * 10", "np.random.randn(n, p) * (2 / p)"),
                     7.0, {"wrong-scale", "missing-sqrt"}, {"initialize_parameters_he::variance"}),
    "glorot": (_variant("np.random.randn(n, p) * 10", "np.random.randn(n, p) * np.sqrt(2 / (n + p))"),
               7.0, {"wrong-scale", "xavier-scale"}, {"initialize_parameters_he::variance"}),
    "rand_not_randn": (_variant("np.random.rand(n, p) * 10", "np.random.randn(n, p) * np.sqrt(2 / p)"),
                       8.75, {"nonzero-mean"}, {"initialize_parameters_random::scale"}),
    "zeros_everywhere": (_variant("np.zeros((n, p))", "np.zeros((n, p))"), 4.75,
                         {"zero-init", "wrong-scale"},
                         {"initialize_parameters_random::breaks_symmetry", "initialize_parameters_random::scale",
                          "initialize_parameters_he::breaks_symmetry", "initialize_parameters_he::variance"}),
    "paired_rows": (_variant("np.repeat(np.random.randn(n // 2 + 1, p) * 10, 2, axis=0)[:n]",
                             "np.random.randn(n, p) * np.sqrt(2 / p)"),
                    9.5, {"symmetric-init"}, {"initialize_parameters_random::breaks_symmetry"}),
    "transposed": (_variant("np.random.randn(p, n) * 10", "np.random.randn(n, p) * np.sqrt(2 / p)"), 9.25,
                   {"wrong-shape"}, {"initialize_parameters_random::shapes"}),
}


@pytest.fixture(scope="module")
def variants_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("initialization-variants")
    for sid, (source, *_) in VARIANTS.items():
        (folder / f"{sid}.py").write_text(source)
    return folder


@pytest.mark.slow  # grades every variant under two seeds
@pytest.mark.parametrize("seed", [1, 987654321])
def test_statistics_hold_for_any_seed_and_generator(variants_folder, tmp_path, seed):
    results = grade(variants_folder, out=tmp_path, seed=seed)
    for sid, (_, score, flags, failed) in VARIANTS.items():
        data = results[sid]
        lost = [(c["id"], c["message"]) for c in data["checks"] if c["status"] != "passed"]
        assert data["score"] == score, (sid, lost)
        assert set(data["flags"]) == flags, (sid, data["flags"])
        assert failing(data) == failed, sid


# ----------------------------------------------------------------------------------------------------------------
# The public tests and the helper module, run directly
# ----------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def public(monkeypatch_module):
    monkeypatch_module.syspath_prepend(str(PUBLIC))
    for name in ("public_tests", "init_utils"):
        sys.modules.pop(name, None)
    import init_utils
    import public_tests

    yield types.SimpleNamespace(tests=public_tests, utils=init_utils)
    for name in ("public_tests", "init_utils"):
        sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def reference():
    module = types.ModuleType("initialization_reference")
    exec(compile(SOLUTION.read_text(), str(SOLUTION), "exec"), module.__dict__)
    return module


def test_public_tests_pass_the_reference_and_keep_the_global_random_state(public, reference):
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for name in FUNCTIONS:
            getattr(public.tests, f"{name}_test")(getattr(reference, name))
    assert out.getvalue().count("All tests passed.") == 3
    assert np.array_equal(np.random.get_state()[1], before)


def _he(scale):
    def initialize_parameters_he(layers_dims):
        params = {}
        for l in range(1, len(layers_dims)):  # noqa: E741 (the course's own name)
            n, p = layers_dims[l], layers_dims[l - 1]
            params[f"W{l}"] = np.random.randn(n, p) * scale(p, n)
            params[f"b{l}"] = np.zeros((n, 1))
        return params

    return initialize_parameters_he


@pytest.mark.parametrize("scale, hint", [
    (lambda p, n: np.sqrt(1 / p), "Xavier initialization"),
    (lambda p, n: np.sqrt(2 / n), "divide by the number of inputs"),
    (lambda p, n: 2 / p, "multiply randn by the square root"),
    (lambda p, n: 10.0, "expected 2 / layers_dims"),
])
def test_public_he_test_names_the_mistake(public, scale, hint):
    with pytest.raises(AssertionError, match=hint):
        public.tests.initialize_parameters_he_test(_he(scale))


def test_public_random_test_spots_the_missing_factor(public):
    def initialize_parameters_random(layers_dims):
        params = {}
        for l in range(1, len(layers_dims)):  # noqa: E741 (the course's own name)
            params[f"W{l}"] = np.random.randn(layers_dims[l], layers_dims[l - 1])
            params[f"b{l}"] = np.zeros((layers_dims[l], 1))
        return params

    with pytest.raises(AssertionError, match="multiply it by 10"):
        public.tests.initialize_parameters_random_test(initialize_parameters_random)


def test_public_zeros_test_rejects_random_values_and_wrong_keys(public, reference):
    with pytest.raises(AssertionError, match="should be all zeros"):
        public.tests.initialize_parameters_zeros_test(reference.initialize_parameters_he)
    with pytest.raises(AssertionError, match="unexpected"):
        public.tests.initialize_parameters_zeros_test(
            lambda dims: {**reference.initialize_parameters_zeros(dims), "W0": np.zeros((1, 1))})


def test_circles_are_fixed_balanced_and_leave_the_global_generator_alone(public):
    np.random.seed(11)
    state = np.random.get_state()[1].copy()
    first, second = public.utils.load_circles(), public.utils.load_circles()
    assert np.array_equal(np.random.get_state()[1], state)
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    train_X, train_Y, test_X, test_Y = first
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300) and test_X.shape == (2, 100)
    assert train_Y.mean() == 0.5 and test_Y.mean() == 0.5 and set(np.unique(train_Y)) == {0, 1}
    radius = np.linalg.norm(train_X, axis=0)
    assert radius[train_Y[0] == 1].mean() < 0.7 < radius[train_Y[0] == 0].mean()


def test_init_utils_imports_numpy_only():
    code = (f"import sys; sys.path.insert(0, {str(PUBLIC)!r}); import init_utils, public_tests; "
            "print(sorted(m for m in ('matplotlib', 'sklearn', 'scipy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_numbers_the_lesson_quotes(public, reference):
    """The instructions state these results of init_utils.compare_initializations (seed 3, lr 0.1, 2,000 steps)."""
    runs = public.utils.compare_initializations({
        "zeros": reference.initialize_parameters_zeros,
        "random": reference.initialize_parameters_random,
        "he": reference.initialize_parameters_he,
    })
    zeros, random, he = runs["zeros"], runs["random"], runs["he"]
    assert zeros["iterations"] == list(range(0, 2001, 100))
    assert np.allclose(zeros["costs"], np.log(2), atol=1e-9)
    assert (zeros["train_accuracy"], zeros["test_accuracy"]) == (0.5, 0.5)
    assert 1900 < random["costs"][0] < 2000 and abs(random["costs"][1] - 0.645) < 0.001
    assert abs(random["costs"][-1] - 0.645) < 0.001
    assert round(random["train_accuracy"], 3) == 0.567 and random["test_accuracy"] == 0.63
    assert abs(he["costs"][0] - 0.94) < 0.005 and abs(he["costs"][1] - 0.62) < 0.005
    assert abs(he["costs"][5] - 0.096) < 0.001 and abs(he["costs"][-1] - 0.0098) < 0.0001
    assert (he["train_accuracy"], he["test_accuracy"]) == (1.0, 0.99)
    text = SOLUTION.read_text()
    for quoted in ("1,960", "0.645", "56.7%", "63.0%", "0.0098", "100.0%", "99.0%", "0.693147"):
        assert quoted in text


def test_model_is_reproducible_with_a_seed_and_restores_the_global_generator(public, reference):
    utils = public.utils
    X, Y, _, _ = utils.load_circles()
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    a = utils.model(X, Y, 0.1, 50, reference.initialize_parameters_he, seed=7)
    b = utils.model(X, Y, 0.1, 50, reference.initialize_parameters_he, seed=7)
    assert np.array_equal(np.random.get_state()[1], state)
    assert a[1] == b[1] and all(np.array_equal(a[0][k], b[0][k]) for k in a[0])
    assert len(a[1]) == 2  # iterations 0 and 50


@pytest.mark.slow  # grades every example of the assignment
def test_the_report_shows_the_three_schemes_side_by_side(graded):
    out, results = graded
    (figure,) = [f for f in results["correct"]["figures"] if f["title"] == "Your three initializations, side by side"]
    rows = {row[0]: row for row in figure["data"]["table"]["rows"]}
    zeros, random, he = (rows[f"initialize_parameters_{name}"] for name in ("zeros", "random", "he"))
    assert zeros[1] == "every W is 0" and zeros[2] == pytest.approx(0.693147, abs=1e-5) and zeros[4] == 0.5
    assert random[1] == "W std ≈ 10 in every layer" and random[2] > 100  # a huge starting cost
    assert he[1] == "W std ≈ 1·√(2/n), He's scale" and he[4] > 0.9 and he[3] < 0.2
    titles = [panel["title"] for panel in figure["data"]["panels"]]
    assert titles[0].startswith("your zeros function: every W is 0") and titles[2].startswith("your he function")
    facts = figure["data"]["facts"]
    assert facts["initialize_parameters_zeros.weights_all_zero"] and facts["initialize_parameters_zeros.cost_stays"]
    assert not facts["initialize_parameters_he.weights_all_zero"]
    assert facts["initialize_parameters_he.scale_kind"] == "fan-in"
    html = (out / "correct" / "report.html").read_text()
    assert "Your three initializations, side by side" in html and html.count("<svg") >= 1
