"""The shallow-nn catalogue of known mistakes (reference/shallow-nn/mistakes.py).

Unit tests run the catalogue on inputs shaped like the checks' own, over several seeds: every wrong variant is
recognised as itself and nothing else, and no correct output (the reference's, or correct implementations written
differently) is ever taken for a mistake. One real grading run (the CLI, in one batch) then checks that each mistake
reaches results.json and report.md with its flag, its name and its lesson.

The submissions come from the templates of benchmarks/mistakes.py.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import sys
import tomllib
import types

import numpy as np
import pytest
from paths import EXAMPLES, ROOT

from grader.checking import Catalogue, CheckFailure

SEEDS = (0, 1, 2, 3, 4)
BIG = (2, 200, 3)  # the layer sizes of the initialize_parameters checks
NAMES = ("W1", "b1", "W2", "b2")
GRADIENTS = ("dW1", "db1", "dW2", "db2")


def _load(name: str, path, **inject) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = str(path)
    module.__dict__.update(inject)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def reference():
    return _load("shallow_nn_reference", ROOT / "reference" / "shallow-nn" / "solution.py")


@pytest.fixture(scope="module")
def module(reference):
    """mistakes.py loaded as the grader's ``mistakes`` fixture loads it: with the reference injected."""
    return _load("shallow_nn_mistakes", ROOT / "reference" / "shallow-nn" / "mistakes.py", reference=reference)


@pytest.fixture(scope="module")
def catalogue(module):
    return Catalogue(module.CATALOGUE)


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("mistakes_benchmark", ROOT / "benchmarks" / "mistakes.py")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded  # dataclasses look their module up there
    try:
        spec.loader.exec_module(loaded)
    finally:
        del sys.modules[spec.name]
    return loaded


@pytest.fixture(scope="module")
def lessons():
    with open(ROOT / "assignments" / "shallow-nn" / "lessons.toml", "rb") as f:
        return tomllib.load(f)


def _definitions(path) -> dict:
    """The functions and constants of a bundled example (.py or .ipynb), run here: they are trusted files."""
    if path.suffix == ".ipynb":
        sources = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    else:
        sources = [path.read_text()]
    namespace = {"np": np, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a cell of IPython magics
            continue
        keep = [node for node in tree.body if isinstance(node, ast.FunctionDef)
                or (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant))]
        exec(compile(ast.Module(keep, []), str(path), "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def alternatives(bench):
    """{function: [correct implementations]}: the bundled correct examples' and the benchmark's, each written in
    its own way (the reference is added by each test)."""
    out: dict[str, list] = {}
    for name, sources in {f: [bench.SOURCES[f], *bench.ALTERNATIVES.get(f, [])] for f in bench.SOURCES}.items():
        for source in sources:
            namespace: dict = {}
            exec(bench.HEADER + bench.SOURCES["forward_propagation"] + source, namespace)
            out.setdefault(name, []).append(namespace[name])
    examples = sorted(EXAMPLES.glob("correct*"))
    assert {p.suffix for p in examples} == {".py", ".ipynb"}
    for path in examples:
        namespace = _definitions(path)
        for name in bench.SOURCES:
            out[name].append(namespace[name])
    return out


def ids(found) -> set[str]:
    return {m.id for m in found}


# -- inputs shaped like the checks' --------------------------------------------------------------------------------


def _params(rng, n_x, n_h, n_y, scale=1.0):
    shapes = {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}
    return {k: rng.standard_normal(s) * scale for k, s in shapes.items()}


def _labels(rng, m):
    y = (rng.random((1, m)) > 0.5).astype(float)
    y[0, 0], y[0, -1] = 0.0, 1.0
    return y


def backprop_inputs(reference, seed):
    """The inputs of backward_propagation::values (3, 5, m=11) and ::gradient_check (2, 3, m=9)."""
    rng = np.random.default_rng(seed)
    out = []
    for n_x, n_h, m in ((3, 5, 11), (2, 3, 9)):
        X, Y = rng.standard_normal((n_x, m)), _labels(rng, m)
        params = _params(rng, n_x, n_h, 1)
        out.append((params, reference.forward_propagation(X, params)[1], X, Y))
    return out


def forward_inputs(seed, flower):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((3, 7)), _params(rng, 3, 5, 1)), (flower, _params(rng, 2, 4, 1, 0.5))]


def cost_inputs(seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(3):
        m = int(rng.integers(5, 40))
        out.append((rng.uniform(0.05, 0.95, (1, m)), _labels(rng, m)))
    return out


def update_inputs(seed):
    rng = np.random.default_rng(seed)
    params = _params(rng, 3, 4, 1)
    grads = {"d" + k: v for k, v in _params(rng, 3, 4, 1).items()}
    return [(params, grads, {"learning_rate": 0.7}), (params, grads, {})]


def predict_inputs(seed, flower):
    return [(_params(np.random.default_rng(seed), 2, 4, 1), flower)]


@pytest.fixture(scope="module")
def flower():
    namespace: dict = {}
    exec((ROOT / "assignments" / "shallow-nn" / "planar_utils.py").read_text(), namespace)
    return namespace["load_planar_dataset"]()[0]


def init_params(seed, kind):
    """initialize_parameters(*BIG) written in several ways."""
    n_x, n_h, n_y = BIG
    rng = np.random.RandomState(seed)
    make = {
        "randn": lambda shape: rng.randn(*shape) * 0.01,
        "normal": lambda shape: rng.normal(0, 0.01, shape),
        "symmetric-uniform": lambda shape: (rng.rand(*shape) - 0.5) * 0.02,
        "zeros": lambda shape: np.zeros(shape),
        "ones": lambda shape: np.ones(shape) * 0.01,
        "rand": lambda shape: rng.rand(*shape),
        "rand-scaled": lambda shape: rng.rand(*shape) * 0.01,
        "randn-unscaled": lambda shape: rng.randn(*shape),
        "randn-10": lambda shape: rng.randn(*shape) * 10,
    }[kind]
    return {"W1": make((n_h, n_x)), "b1": np.zeros((n_h, 1)), "W2": make((n_y, n_h)), "b2": np.zeros((n_y, 1))}


# -- the catalogue itself ------------------------------------------------------------------------------------------


def test_catalogue_covers_the_brief(catalogue):
    assert ids(catalogue.mistakes) >= {
        "init-zeros", "init-constant", "init-uniform-positive", "init-oversized",
        "tanh-derivative-from-z1", "sigmoid-derivative-for-tanh", "missing-1-over-m", "extra-1-over-m",
        "missing-keepdims", "sum-wrong-axis", "transposed-gradient", "elementwise-for-matmul",
        "cost-wrong-sign", "cost-as-array", "cost-outer-product", "cost-no-one-minus-y", "forward-sigmoid-hidden",
        "update-plus",
        "predict-threshold"}
    functions = {"initialize_parameters", "forward_propagation", "compute_cost", "backward_propagation",
                 "update_parameters", "predict"}
    assert {m.function for m in catalogue.mistakes} == functions
    for mistake in catalogue.mistakes:
        assert (mistake.variant is None) != (mistake.sign is None), mistake.id
        assert mistake.title and mistake.title[0].islower() and not mistake.title.endswith("."), mistake.id


def test_every_mistake_has_a_lesson_and_every_mistake_lesson_a_mistake(catalogue, lessons):
    catalogued = {m.flag for m in catalogue.mistakes}
    tables = {key for key in lessons if key.startswith("mistake:")}
    assert catalogued == tables
    for key in tables:
        title, text = lessons[key]["title"].strip(), " ".join(lessons[key]["text"].split())
        assert title and text, key
        sentences = len(re.findall(r"[.!?]\)?(?:\s+(?=[A-Z`(])|$)", text))
        assert 2 <= sentences <= 5, (key, sentences, text)


def test_the_variants_start_from_the_reference(module, reference):
    for seed in SEEDS:
        for params, cache, X, Y in backprop_inputs(reference, seed):
            expected = reference.backward_propagation(params, cache, X, Y)
            got = module._backward(params, cache, X, Y)
            assert all(np.allclose(got[k], expected[k], rtol=1e-12, atol=0) for k in GRADIENTS)
            A2, full = module._forward(X, params)
            A2_ref, cache_ref = reference.forward_propagation(X, params)
            assert np.allclose(A2, A2_ref) and all(np.allclose(full[k], cache_ref[k]) for k in cache_ref)


def test_each_backprop_variant_is_recognised_as_itself(catalogue, reference):
    for seed in SEEDS:
        for params, cache, X, Y in backprop_inputs(reference, seed):
            expected = reference.backward_propagation(params, cache, X, Y)
            for mistake in catalogue.for_function("backward_propagation"):
                wrong = mistake.variant(params, cache, X, Y)
                assert ids(catalogue.diagnose("backward_propagation", wrong, params, cache, X, Y)) == {mistake.id}
                # as the checks ask: only the gradients that differ, at one spot or all of them
                differ = [k for k in GRADIENTS if np.shape(wrong[k]) != expected[k].shape
                          or not np.allclose(wrong[k], expected[k])]
                assert differ, mistake.id
                for only in [tuple(differ), *((k,) for k in differ)]:
                    found = catalogue.diagnose("backward_propagation", {k: wrong[k] for k in only},
                                               params, cache, X, Y, only=only)
                    assert ids(found) == {mistake.id}, (mistake.id, only, ids(found))


def test_each_variant_of_the_other_functions_is_recognised_as_itself(catalogue, reference, flower):
    for seed in SEEDS:
        cases = {
            "forward_propagation": [((X, p), {}) for X, p in forward_inputs(seed, flower)],
            "compute_cost": [(inputs, {}) for inputs in cost_inputs(seed)],
            "update_parameters": [((p, g), kw) for p, g, kw in update_inputs(seed)],
            "predict": [(inputs, {}) for inputs in predict_inputs(seed, flower)],
        }
        for function, calls in cases.items():
            for args, kwargs in calls:
                for mistake in catalogue.for_function(function):
                    if mistake.variant is None:
                        continue
                    wrong = mistake.variant(*args, **kwargs)
                    if mistake.id == "predict-threshold":  # a family: stand in with two cut-offs
                        A2 = reference.forward_propagation(args[1], args[0])[0]
                        outputs = [A2 > t for t in (np.quantile(A2, 0.3), np.quantile(A2, 0.8))
                                   if np.any((A2 > t) != (A2 > 0.5))]
                        assert outputs
                    else:
                        outputs = [wrong]
                    for output in outputs:
                        found = catalogue.diagnose(function, output, *args, **kwargs)
                        assert ids(found) == {mistake.id}, (function, mistake.id, ids(found))


def test_one_spot_of_update_plus_is_recognised(catalogue):
    params, grads, kwargs = update_inputs(0)[0]
    got = {"W1": params["W1"] + 0.7 * grads["dW1"]}
    assert ids(catalogue.diagnose("update_parameters", got, params, grads, only=("W1",), **kwargs)) == {
        "update-plus"}


def test_cost_as_array_sign(catalogue):
    A2, Y = cost_inputs(0)[0]
    for got in (np.array([[0.69]]), np.array(0.69), np.array([0.69])):
        assert ids(catalogue.diagnose("compute_cost", got, A2, Y)) == {"cost-as-array"}
    for got in (0.69, np.float64(0.69)):
        assert not catalogue.diagnose("compute_cost", got, A2, Y)


def test_init_signs(catalogue):
    expected = {"zeros": {"init-zeros"}, "ones": {"init-constant"}, "rand": {"init-uniform-positive"},
                "randn-unscaled": {"init-oversized"}, "randn-10": {"init-oversized"},
                # np.random.rand * 0.01 fails initialize_parameters::centred, which names it by this sign
                "rand-scaled": {"init-uniform-positive"}}
    for seed in SEEDS:
        for kind, wanted in expected.items():
            assert ids(catalogue.diagnose("initialize_parameters", init_params(seed, kind))) == wanted, kind
        one_zero = init_params(seed, "randn")
        one_zero["W2"] = np.zeros_like(one_zero["W2"])
        assert ids(catalogue.diagnose("initialize_parameters", one_zero)) == {"init-zeros"}
    for junk in (None, [], {"W1": "zeros"}, {"W1": np.zeros((0, 2))}, {"W1": np.array([["a"]])}):
        assert not catalogue.diagnose("initialize_parameters", junk)


def test_the_predict_threshold_family(catalogue, reference, flower):
    params, X = predict_inputs(0, flower)[0]
    A2 = reference.forward_propagation(X, params)[0]
    named = lambda got: ids(catalogue.diagnose("predict", got, params, X))
    cuts = [A2 > 0.6, A2 >= np.quantile(A2, 0.05), (A2 > np.quantile(A2, 0.7)).astype(float)]
    assert all(np.any(cut != (A2 > 0.5)) and np.any(cut) and not np.all(cut) for cut in cuts)
    assert all(named(cut) == {"predict-threshold"} for cut in cuts)
    # a cut below every output makes every prediction True: that could as well be np.ones, so it is not named
    assert not named(A2 >= A2.min()) and not named(np.ones(A2.shape))
    for right in (A2 > 0.5, A2 >= 0.5, np.round(A2), (A2 > 0.5).astype(int)):
        assert not named(right)
    for other in (np.ones_like(A2, dtype=bool), np.zeros_like(A2, dtype=bool), (A2 > 0.5).ravel(),
                  (A2 > 0.6).T, np.random.default_rng(0).random(A2.shape) > 0.5):
        assert "predict-threshold" not in named(other)
    assert named(A2 < 0.5) == {"predict-inverted"} and named(A2) == {"predict-no-threshold"}


# -- no false positives --------------------------------------------------------------------------------------------


def test_correct_outputs_are_never_taken_for_a_mistake(catalogue, reference, alternatives, flower):
    for seed in SEEDS:
        for params, cache, X, Y in backprop_inputs(reference, seed):
            for implementation in [reference.backward_propagation, *alternatives["backward_propagation"]]:
                grads = implementation(params, cache, X, Y)
                assert not catalogue.diagnose("backward_propagation", grads, params, cache, X, Y)
                for name in GRADIENTS:  # one gradient at a time, as the checks would ask
                    assert not catalogue.diagnose("backward_propagation", {name: grads[name]}, params, cache, X, Y,
                                                  only=(name,))
        for X, params in forward_inputs(seed, flower):
            for implementation in [reference.forward_propagation, *alternatives["forward_propagation"]]:
                assert not catalogue.diagnose("forward_propagation", implementation(X, params), X, params)
        for A2, Y in cost_inputs(seed):
            for implementation in [reference.compute_cost, *alternatives["compute_cost"]]:
                assert not catalogue.diagnose("compute_cost", implementation(A2, Y), A2, Y)
        for params, grads, kwargs in update_inputs(seed):
            for implementation in [reference.update_parameters, *alternatives["update_parameters"]]:
                got = implementation({k: v.copy() for k, v in params.items()}, grads, **kwargs)  # some mutate
                assert not catalogue.diagnose("update_parameters", got, params, grads, **kwargs)
                for name in NAMES:
                    assert not catalogue.diagnose("update_parameters", {name: got[name]}, params, grads,
                                                  only=(name,), **kwargs)
        for params, X in predict_inputs(seed, flower):
            for implementation in [reference.predict, *alternatives["predict"]]:
                assert not catalogue.diagnose("predict", implementation(params, X), params, X)
        for kind in ("randn", "normal", "symmetric-uniform"):
            assert not catalogue.diagnose("initialize_parameters", init_params(seed, kind))
        np.random.seed(seed)
        assert not catalogue.diagnose("initialize_parameters", reference.initialize_parameters(*BIG))
        for implementation in alternatives["initialize_parameters"]:
            assert not catalogue.diagnose("initialize_parameters", implementation(*BIG))


def test_explain_keeps_the_failure_when_nothing_matches(catalogue, reference):
    params, cache, X, Y = backprop_inputs(reference, 0)[0]
    failure = CheckFailure("dW1 has wrong values", flags=("wrong-values",), lesson="function:backward_propagation")
    nonsense = {k: np.full_like(v, 3.0) for k, v in reference.backward_propagation(params, cache, X, Y).items()}
    assert catalogue.explain(failure, "backward_propagation", nonsense, params, cache, X, Y) is failure
    named = catalogue.explain(failure, "backward_propagation", {"dW1": nonsense["dW1"] * 0 + 1}, params, cache, X, Y,
                              only=("dW1",))
    assert named is failure
    tanh = next(m for m in catalogue.mistakes if m.id == "tanh-derivative-from-z1")
    wrong = tanh.variant(params, cache, X, Y)
    named = catalogue.explain(failure, "backward_propagation", wrong, params, cache, X, Y)
    assert named.flags == ("wrong-values", "mistake:tanh-derivative-from-z1")
    assert named.lesson == "mistake:tanh-derivative-from-z1" and named.message.endswith(failure.message)


# -- real grading --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory, bench):
    """One CLI run over: a small submission per written form of every mistake (only the function with the mistake
    and what it calls, so the other checks end at once as missing), two correct submissions written differently,
    and the two wrong_backprop examples."""
    from click.testing import CliRunner

    from grader.cli import main

    folder = tmp_path_factory.mktemp("mistake_submissions")
    wrong = {}
    for item in bench.WRONG:
        (folder / f"wrong_{item.name}.py").write_text(bench.small_submission(item))
        wrong[f"wrong_{item.name}"] = item
    correct = []
    for i, choice in enumerate(bench.correct_choices(2)):
        (folder / f"correct_{i}.py").write_text(bench.submission(choice=choice))
        correct.append(f"correct_{i}")
    for example in ("wrong_backprop.py", "wrong_backprop_notebook.ipynb"):
        shutil.copy(EXAMPLES / example, folder / example)
    out = tmp_path_factory.mktemp("mistake_reports")
    result = CliRunner().invoke(main, [str(folder), "--assignment", "shallow-nn", "--out", str(out), "--quiet"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    return out, results, wrong, correct


def mistake_flags(result) -> set[str]:
    return {f for f in result["flags"] if f.startswith("mistake:")}


@pytest.mark.slow
def test_each_mistake_is_named_in_results_and_report(graded, catalogue, lessons):
    out, results, wrong, _ = graded
    titles = {m.id: set() for m in catalogue.mistakes}
    for m in catalogue.mistakes:
        titles[m.id].add(m.title)
    for sid, item in wrong.items():
        result = results[sid]
        flag = f"mistake:{item.mistake}"
        assert mistake_flags(result) == {flag}, (sid, result["flags"])
        named = [c for c in result["checks"] if flag in c["flags"]]
        assert named and all(c["status"] == "failed" and c["lesson"] == flag for c in named), sid
        assert all(c["function"] == item.function for c in named), sid
        assert any(any(t in c["message"] for t in titles[item.mistake]) for c in named), sid
        report = (out / sid / "report.md").read_text().replace("\\", "")  # undo Markdown escapes
        assert lessons[flag]["title"] in report and flag in report, sid
        assert " ".join(lessons[flag]["text"].split())[:60] in " ".join(report.split()), sid


@pytest.mark.slow
def test_the_wrong_backprop_examples_name_the_tanh_mistake(graded):
    _, results, _, _ = graded
    for sid in ("wrong_backprop", "wrong_backprop_notebook"):
        result = results[sid]
        assert result["score"] == 7.5
        assert mistake_flags(result) == {"mistake:tanh-derivative-from-z1"}
        failed = {c["id"] for c in result["checks"] if c["status"] != "passed"}
        assert failed == {"backward_propagation::values", "backward_propagation::gradient_check"}
        assert all("mistake:tanh-derivative-from-z1" in c["flags"] for c in result["checks"] if c["id"] in failed)


@pytest.mark.slow
def test_correct_submissions_get_full_marks_and_no_mistake(graded):
    _, results, _, correct = graded
    for sid in correct:
        assert results[sid]["score"] == results[sid]["max_score"] == 10.0, (sid, results[sid]["flags"])
        assert not mistake_flags(results[sid]), sid
