"""Golden tests: every course-version fixture (tests/files/versions/) graded through the real pipeline and sandbox.

manifest.json says what each fixture should cost: ``lost`` maps a function to ``"some"`` (it loses part of its
points) or ``"all"`` (it loses every point), and every function it does not name keeps all its points. Each
fixture is graded twice, as its notebook and as its .py export, and neither may be flagged as a crash when the
manifest expects full marks. ``python tests/test_course_versions_graded.py`` prints the table of what differs
(docs/course-versions.md, "What the grader does with them").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from paths import ROOT

from grader.assignment import load_assignment
from grader.failures import StudentError
from grader.load import load_submission
from grader.models import SubmissionResult
from grader.pipeline import BatchOptions, grade_paths
from grader.program import Program
from grader.signatures import SignatureNotGiven
from grader.worker_sandbox import Sandbox

VERSIONS_DIR = ROOT / "tests" / "files" / "versions"
MANIFEST = json.loads((VERSIONS_DIR / "manifest.json").read_text(encoding="utf-8"))
CASES = [(a, v, name, file) for a, versions in sorted(MANIFEST.items()) for v, fixtures in sorted(versions.items())
         for name, fixture in sorted(fixtures.items()) for file in fixture["files"]]

pytestmark = pytest.mark.slow


def grade_all(out: Path, jobs: int = 2) -> dict[tuple[str, str, str], SubmissionResult]:
    """Every fixture file graded, by (assignment, version, file name)."""
    graded: dict[tuple[str, str, str], SubmissionResult] = {}
    for assignment, versions in sorted(MANIFEST.items()):
        spec = load_assignment(ROOT, assignment)
        folders = [VERSIONS_DIR / assignment / version for version in sorted(versions)]
        results = grade_paths(folders, spec, out_dir=out / assignment, options=BatchOptions(jobs=jobs, regrade=True))
        for result in results:
            path = Path(result.path)
            graded[(assignment, path.parent.name, path.name)] = result
    return graded


def verdict(result: SubmissionResult, lost: dict[str, str]) -> list[str]:
    """What differs between the result and the manifest's ``lost``, one line per function; [] when it agrees."""
    wrong = []
    for function, (got, most) in result.function_scores().items():
        expected = lost.get(function)
        if expected is None and got < most:
            why = "; ".join(f"{c.id}: {c.message[:160]}" for c in result.checks
                            if c.function == function and c.score < c.max_score)
            wrong.append(f"{function} lost {most - got:g} of {most:g}, expected none ({why})")
        elif expected == "some" and got >= most:
            wrong.append(f"{function} kept full marks, expected to lose some")
        elif expected == "all" and got > 0:
            wrong.append(f"{function} kept {got:g} of {most:g}, expected to lose all")
    missing = set(lost) - set(result.function_scores())
    wrong += [f"{function}: no check graded it" for function in sorted(missing)]
    if not lost and "crash" in result.flags:
        wrong.append("flagged crash")
    return wrong


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_all(tmp_path_factory.mktemp("versions"))


def test_every_fixture_file_was_graded(graded):
    assert set(graded) == {(a, v, file) for a, v, _, file in CASES}


@pytest.mark.parametrize(("assignment", "version", "name", "file"), CASES,
                         ids=[f"{a}/{v}/{file}" for a, v, _, file in CASES])
def test_each_fixture_costs_what_the_manifest_says(graded, assignment, version, name, file):
    result = graded[(assignment, version, file)]
    assert verdict(result, MANIFEST[assignment][version][name]["lost"]) == []


def test_a_correct_notebook_of_every_version_gets_full_marks_without_load_noise(graded):
    """A complete notebook of any version scores full marks, and its report carries no load error: what a course
    notebook imports resolves, and what is left out (training, plotting) is not reported against it."""
    for assignment, versions in MANIFEST.items():
        for version in versions:
            result = graded[(assignment, version, "correct.ipynb")]
            assert result.score == result.max_score, f"{assignment}/{version}"
            noise = [p.message for p in result.problems if p.kind == "load-error"]
            assert noise == [], f"{assignment}/{version}"


# The planted mistakes of shallow-nn that the catalogue names (reference/shallow-nn/mistakes.py), by fixture mistake.
NAMED = {"cost-no-one-minus-y": "mistake:cost-no-one-minus-y", "cost-hint-copied": "mistake:cost-no-one-minus-y",
         "cost-no-mean": "mistake:cost-sum-not-mean", "rand-for-randn": "mistake:init-uniform-positive",
         "tanh-derivative-from-z1": "mistake:tanh-derivative-from-z1",
         "hidden-sigmoid": "mistake:forward-sigmoid-hidden",
         "db-without-keepdims": "mistake:missing-keepdims", "update-ascent": "mistake:update-plus"}


def test_the_frequent_mistakes_are_named_in_every_version(graded):
    """Feedback names what the learner did, in every version and both formats: the cost without the (1 - Y) term or
    without 1/m, rand for randn, and the other catalogued mistakes planted in the fixtures."""
    checked = 0
    for (assignment, version, file), result in graded.items():
        fixture = MANIFEST[assignment][version][file.rsplit(".", 1)[0]]
        for mistake in fixture["mistakes"]:
            if assignment == "shallow-nn" and mistake in NAMED:
                assert NAMED[mistake] in result.flags, f"{version}/{file}: {result.flags}"
                checked += 1
    assert checked >= 2 * 7 * 3  # three of the frequent mistakes, in each of the seven versions, in both formats


def test_every_import_of_every_fixture_resolves_in_the_sandbox():
    """Not one import statement of any fixture fails in the sandbox: every course module of every version resolves
    (the helpers shipped, the test-case modules and display libraries stubbed). The reports leave out load errors
    that cost nothing, so this reads the sandbox's own account of the load."""
    failed, raised = [], 0
    with Sandbox() as sandbox:
        for assignment, versions in sorted(MANIFEST.items()):
            spec = load_assignment(ROOT, assignment)
            for version, fixtures in sorted(versions.items()):
                for file in sorted(f for fixture in fixtures.values() for f in fixture["files"]):
                    loaded = load_submission(VERSIONS_DIR / assignment / version / file, execute=spec.execute,
                                             helpers=spec.helper_modules)
                    with sandbox.session(Program.build(loaded, spec), spec.limits, seed=0) as session:
                        try:  # any call loads the definitions first; this one need not succeed
                            session.call(spec.functions[0])
                        except (StudentError, SignatureNotGiven):  # called without arguments: loaded all the same
                            pass
                        raised += len(session.load_errors)
                        failed += [f"{assignment}/{version}/{file} line {e.get('line')}: {e.get('type')}: "
                                   f"{e.get('message')}" for e in session.load_errors
                                   if e.get("type") in ("ModuleNotFoundError", "ImportError")]
    assert failed == []
    assert raised > 0  # the account is really read: lines such as shape_X = X.shape do raise (X is never loaded)


def main() -> int:  # pragma: no cover - the measuring script of docs/course-versions.md
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        graded = grade_all(Path(out))
    right = 0
    for assignment, version, name, file in CASES:
        wrong = verdict(graded[(assignment, version, file)], MANIFEST[assignment][version][name]["lost"])
        right += not wrong
        for line in wrong:
            print(f"{assignment}/{version}/{file}: {line}")
    print(f"{right} of {len(CASES)} fixture files graded as the manifest says")
    return 0 if right == len(CASES) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
