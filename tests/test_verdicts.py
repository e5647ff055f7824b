"""Verdicts that depend on the student's code alone, pinned on a few seeds (benchmarks/verdicts.py measures the same
over 50 and more): correct code in many styles gets full marks, every catalogued mistake of every assignment loses
points in its own function with the flag that names it, mutants of the reference are killed in their own function,
and a function that ignores its inputs (the generated stub students start from, or one returning a constant) earns
nothing, whatever the seed, while every other function keeps its points.

Grading goes through the real checks and sandbox, in worker processes (benchmarks/verdicts.py ``grade``).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections import defaultdict

import pytest
from paths import ROOT

from grader.assignment import load_assignment

ASSIGNMENTS = ("shallow-nn", "initialization", "gradient-checking")
# The fast loop (-m "not slow") keeps the stubs of the cheapest assignment; the rest grade dozens of submissions.
PARAMS = [pytest.param(name, marks=pytest.mark.slow) if name != "gradient-checking" else name for name in ASSIGNMENTS]
SEEDS = (3, 1234567)


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the worker processes import it by this name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    """benchmarks/verdicts.py, importable by name while the tests run (its worker processes import it so)."""
    saved = list(sys.path)
    sys.path[:0] = [str(ROOT / "benchmarks")]
    try:
        yield _load("verdicts")
    finally:
        sys.path[:] = saved
        for name in ("verdicts", "variants", "mutants"):
            sys.modules.pop(name, None)


def _functions(name: str) -> tuple[str, ...]:
    return load_assignment(ROOT, name).functions


def _lost(verdict) -> set[str]:
    return {function for _, function, status, _ in verdict if status != "passed"}


# -- mutants, without grading ------------------------------------------------------------------------------------


def test_mutants_cover_the_operators_and_are_real_changes(bench):
    found = bench.mutants((ROOT / "reference" / "shallow-nn" / "solution.py").read_text(), _functions("shallow-nn"))
    operators = {m.operator for m in found}
    assert operators >= {"operator", "dropped term", "transpose", "axis", "constant", "keepdims", "dropped / m",
                         "statement"}
    reference = ast.unparse(ast.parse((ROOT / "reference" / "shallow-nn" / "solution.py").read_text()))
    assert len({m.source for m in found} | {reference}) == len(found) + 1  # all different, none the reference
    assert len({m.id for m in found}) == len(found)
    for mutant in found:
        ast.parse(mutant.source)
        assert mutant.description.startswith("line ") and mutant.function in mutant.id
    keepdims = [m for m in found if m.operator == "keepdims"]
    assert keepdims and all("keepdims" not in m.description.split("→")[1] for m in keepdims)


def test_every_equivalent_mutant_is_a_mutant_of_today(bench):
    for name in ASSIGNMENTS:
        ids = {m.id for m in bench.mutants((ROOT / "reference" / name / "solution.py").read_text(), _functions(name))}
        assert set(bench.EQUIVALENT[name]) <= ids, name
        assert all(why.strip() for why in bench.EQUIVALENT[name].values())


# -- grading ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PARAMS)
def test_stubs_that_ignore_their_inputs_earn_nothing_and_cost_nothing_else(bench, name):
    functions = _functions(name)
    stubs = bench.stubs(name, functions)
    results = bench.grade(name, stubs, [SEEDS[0]], jobs=2)
    for stub in stubs:
        verdict = results[stub.id][SEEDS[0]]
        assert _lost(verdict) == {stub.function}, (stub.id, [v for v in verdict if v[2] != "passed"])
        assert all(status != "passed" for _, function, status, _ in verdict if function == stub.function), stub.id


def _sample(found):
    """One mutant of each (function, operator), and every explained equivalent one."""
    seen, out = set(), []
    for mutant in found:
        if (mutant.function, mutant.operator) not in seen:
            seen.add((mutant.function, mutant.operator))
            out.append(mutant)
    return out


@pytest.mark.slow  # dozens of submissions under two seeds for each assignment
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_correct_code_mistakes_and_mutants_on_two_seeds(bench, name):
    good, bad = bench.correct(name), bench.mistakes(name)
    found = bench.mutants((ROOT / "reference" / name / "solution.py").read_text(), _functions(name))
    equivalent = bench.EQUIVALENT[name]
    sample = _sample(found) + [m for m in found if m.id in equivalent and m not in _sample(found)]
    subs = good + bad + [bench.Sub(m.id, m.source, function=m.function) for m in sample]
    results = bench.grade(name, subs, list(SEEDS), jobs=2, full=1)  # wrong code: its own checks only, 2nd seed

    assert not bench.judge_correct({s.id: results[s.id] for s in good})
    for sid, row in bench.judge_mistakes(bad, results).items():
        assert not row["unpunished"] and not row["unnamed"] and not row["elsewhere"], (sid, row)
    killed = defaultdict(set)
    for mutant in sample:
        for seed in SEEDS:
            lost = _lost(results[mutant.id][seed])
            assert lost <= {mutant.function}, (mutant.id, lost)
            assert seed != SEEDS[1] or {v[1] for v in results[mutant.id][seed]} <= {mutant.function}
            if lost:
                killed[mutant.id].add(seed)
        if mutant.id in equivalent:
            assert not killed[mutant.id], mutant.id
        else:
            assert killed[mutant.id] == set(SEEDS), (mutant.id, mutant.description)


def test_every_catalogued_mistake_has_a_written_form(bench):
    """Each mistake an assignment teaches is written into some submission of benchmarks/variants.py, so the test
    above (two seeds) and the benchmark (50) prove it loses points in its function and is named by its flag: for
    shallow-nn every entry of its catalogue (reference/shallow-nn/mistakes.py), for the others every flag of their
    lessons.toml that names a mistake (their checks name their mistakes themselves)."""
    import re
    import tomllib

    for name in ASSIGNMENTS:
        with open(ROOT / "assignments" / name / "lessons.toml", "rb") as f:
            lessons = {key for key in tomllib.load(f) if not key.startswith("function:")}
        if name == "shallow-nn":  # its mistakes are the catalogue's; the other flags come with them
            text = (ROOT / "reference" / name / "mistakes.py").read_text()
            catalogue = {f"mistake:{m}" for m in re.findall(r'Mistake\(id="([^"]+)"', text)}
            assert len(catalogue) >= 20 and catalogue == {key for key in lessons if key.startswith("mistake:")}
            lessons = catalogue
        written = {flag for sub in bench.mistakes(name) for flag in sub.flags}
        assert lessons <= written, (name, lessons - written)
