"""The check runner on small assignments written for the test: outcomes, blame, config errors, grader errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from courses import write_course

from grader.assignment import load_assignment
from grader.errors import ConfigError
from grader.pipeline import BatchOptions, grade_paths

CONFIG = """
name = "tiny"
version = "1"
functions = ["add", "mul"]
"""

CHECKS = '''
import pytest
from grader.checking import CheckFailure, expect_close

pytestmark = pytest.mark.grades("add")

def test_small(student, reference):
    got = student.add(1, 2)
    if got != reference.add(1, 2):
        raise CheckFailure("add(1, 2) is wrong", expected="3", got=repr(got))

@pytest.mark.grades("mul")
def test_product(student):
    assert student.mul(2, 3) == 6, "mul(2, 3) should be 6"
'''


def make_assignment(root: Path, *, checks: str = CHECKS, points: str | None = None) -> None:
    write_course(root, "tiny", config=CONFIG,
                 solution="def add(a, b):\n    return a + b\ndef mul(a, b):\n    return a * b\n",
                 points=points or '[points]\n"add::small" = 2\n"mul::product" = 1\n', checks=checks)


def grade_all(root: Path, sources: dict[str, str], folder: Path, **options):
    """Each of ``sources`` written to ``folder/subs/<id>.py``, graded in one batch into ``folder/out``."""
    sub = folder / "subs"
    sub.mkdir(exist_ok=True)
    for sid, source in sources.items():
        (sub / f"{sid}.py").write_text(textwrap.dedent(source))
    return grade_paths([sub], load_assignment(root, "tiny"), out_dir=folder / "out", options=BatchOptions(**options))


def grade(root: Path, source: str, tmp_path: Path):
    (result,) = grade_all(root, {"student": source}, tmp_path)
    return {c.id: c for c in result.checks}, result


# Several tests read submissions graded on the default assignment: one batch for all of them (each submission is
# still graded on its own), instead of one per test.
SUBMISSIONS = {
    "subtracts": "def add(a, b):\n    return a - b\ndef mul(a, b):\n    return a * b\n",
    "mul_zero": "def add(a, b):\n    return a + b\ndef mul(a, b):\n    return 0\n",
    "exits": "import os\ndef add(a, b):\n    os._exit(1)\ndef mul(a, b):\n    return a * b\n",
    "syntax": "def add(a, b):\n    return a +\ndef mul(a, b):\n    return a * b\n",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{id: ({check id: CheckResult}, SubmissionResult)} of SUBMISSIONS."""
    base = tmp_path_factory.mktemp("tiny")
    make_assignment(base)
    return {r.submission: ({c.id: c for c in r.checks}, r) for r in grade_all(base, SUBMISSIONS, base)}


def test_outcomes_and_scores(graded):
    checks, result = graded["subtracts"]
    assert checks["add::small"].status == "failed" and checks["add::small"].got == "-1"
    # Where to look: the line that computes the value returned, which no local holds
    assert checks["add::small"].location.line == 2
    assert "Where it goes wrong: returned on line 2 differs from the expected returned" in checks["add::small"].message
    assert checks["mul::product"].status == "passed"
    assert (result.score, result.max_score) == (1.0, 3.0)


def test_plain_assert_counts_as_failed_with_its_message(graded):
    checks, _ = graded["mul_zero"]
    assert checks["mul::product"].status == "failed"
    assert "mul(2, 3) should be 6" in checks["mul::product"].message


def test_crash_in_one_function_costs_only_its_checks(graded):
    checks, _ = graded["exits"]
    assert checks["add::small"].status == "error" and "crash" in checks["add::small"].flags
    assert checks["mul::product"].status == "passed"


def test_missing_function_from_a_syntax_error_says_so(graded):
    checks, result = graded["syntax"]
    add = checks["add::small"]
    assert add.status == "error" and set(add.flags) == {"missing-function", "syntax-error"}
    assert "syntax error" in add.message and add.location.line == 2
    assert checks["mul::product"].status == "passed"
    assert "syntax-error" in result.flags


def test_a_bug_in_a_check_is_a_grader_error(tmp_path):
    make_assignment(tmp_path, checks=CHECKS.replace('got = student.add(1, 2)', 'got = student.add(1, 2) + {}'))
    checks, result = grade(tmp_path, "def add(a, b):\n    return a + b\ndef mul(a, b):\n    return a * b\n", tmp_path)
    assert checks["add::small"].flags == ("grader-error",)
    assert "not your fault" in checks["add::small"].message


def test_points_and_checks_must_agree(tmp_path):
    make_assignment(tmp_path, points='[points]\n"add::small" = 2\n"mul::other" = 1\n')
    with pytest.raises(ConfigError, match="disagree"):
        grade(tmp_path, "def add(a, b):\n    return a + b\n", tmp_path)


def test_unmarked_check_is_a_config_error(tmp_path):
    make_assignment(tmp_path, checks=CHECKS.replace('pytestmark = pytest.mark.grades("add")', ''))
    with pytest.raises(ConfigError, match="grades"):
        grade(tmp_path, "def add(a, b):\n    return a + b\n", tmp_path)


def test_broken_check_module_is_a_config_error(tmp_path):
    make_assignment(tmp_path, checks="import not_a_real_module\n")
    with pytest.raises(ConfigError, match="could not be collected"):
        grade(tmp_path, "def add(a, b):\n    return a + b\n", tmp_path)


def test_checks_see_only_plain_data(tmp_path):
    probe = CHECKS.replace('got = student.add(1, 2)', 'got = student.add(1, 2)\n    assert type(got) is int, type(got)')
    make_assignment(tmp_path, checks=probe)
    source = """
    class Liar(int):
        def __eq__(self, other):
            return True
    def add(a, b):
        return Liar(0)
    def mul(a, b):
        return a * b
    """
    checks, _ = grade(tmp_path, source, tmp_path)
    assert checks["add::small"].status == "failed" and checks["add::small"].got == "0"


def test_report_only_items_add_figures_and_never_count(tmp_path):
    figures = CHECKS + '''

@pytest.mark.report_only
def test_picture(student, figures):
    figures.add("lines", "A curve", x=[0, 1, 2], y=[student.add(1, 1), 3.0, 1.5], ok=True)

@pytest.mark.report_only
def test_broken_picture(student):
    student.missing_function()
'''
    make_assignment(tmp_path, checks=figures)
    checks, result = grade(tmp_path, "def add(a, b):\n    return a + b\ndef mul(a, b):\n    return a * b\n", tmp_path)
    assert set(checks) == {"add::small", "mul::product"}
    assert result.score == result.max_score == 3.0
    (figure,) = result.figures
    assert (figure.kind, figure.title) == ("lines", "A curve")
    assert dict(figure.data) == {"x": [0, 1, 2], "y": [2, 3.0, 1.5], "ok": True}


def test_helpers_may_import_earlier_helpers_in_the_trusted_process(tmp_path):
    checks = CHECKS.replace("def test_small(student, reference):",
                            "def test_small(student, reference, helpers):\n    assert helpers.second.THREE == 3")
    make_assignment(tmp_path, checks=checks)
    public = tmp_path / "assignments" / "tiny"
    (public / "first.py").write_text("ONE = 1\n")
    (public / "second.py").write_text("import first\nTHREE = first.ONE + 2\n")
    (public / "assignment.toml").write_text(CONFIG + 'helpers = ["first.py", "second.py"]\n')
    checks_, _ = grade(tmp_path, "def add(a, b):\n    return a + b\ndef mul(a, b):\n    return a * b\n", tmp_path)
    assert checks_["add::small"].status == "passed"
    import sys

    assert "first" not in sys.modules


def test_an_assignment_with_one_check_judges_every_submission_of_a_batch(tmp_path):
    """With one check in all, the check's next item is itself: its fixtures must still be set up anew for each
    submission (they were kept, and every submission after a worker's first got "KeyError: 'student'")."""
    one = CHECKS[:CHECKS.index('@pytest.mark.grades("mul")')] + "\n@pytest.fixture(scope='module')\ndef kept():\n" \
        "    return []\n\ndef test_once(student, kept):\n    kept.append(1)\n" \
        "    assert student.add(2, 2) == 4, f'add(2, 2) is wrong ({len(kept)} submissions so far)'\n"
    one = one.replace("def test_small(student, reference):", "def _unused(student, reference):")
    make_assignment(tmp_path / "root", checks=one, points='[points]\n"add::once" = 1\n')
    sources = {f"s{n}": "def add(a, b):\n    return a + b\n" if n % 2 else "def add(a, b):\n    return a * 3\n"
               for n in range(4)}
    results = grade_all(tmp_path / "root", sources, tmp_path, jobs=1)
    outcomes = {r.submission: r.checks[0] for r in results}
    assert {sid: c.status for sid, c in outcomes.items()} == {"s0": "failed", "s1": "passed", "s2": "failed",
                                                               "s3": "passed"}
    # The module's own fixture lives on across the submissions, as pytest scopes say.
    assert "(3 submissions so far)" in outcomes["s2"].message, outcomes["s2"].message


def test_the_checks_session_runs_without_pytests_exception_collecting_plugins(tmp_path):
    """The session leaves out pytest's unraisable- and thread-exception plugins (they collected the worker's whole
    heap at every session's end, to make warnings nobody sees); the plugins a check may rely on stay."""
    probe = CHECKS.replace(
        'def test_small(student, reference):',
        'def test_small(student, reference, request, tmp_path, monkeypatch):\n'
        '    has = request.config.pluginmanager.has_plugin\n'
        '    names = ("unraisableexception", "threadexception", "skipping", "tmpdir", "monkeypatch", "warnings",\n'
        '             "logging", "assertion")\n'
        '    raise CheckFailure(" ".join(f"{n}={has(n)}" for n in names))\n'
        'def _unused(student, reference):')
    make_assignment(tmp_path / "root", checks=probe)
    checks, _ = grade(tmp_path / "root", "def add(a, b):\n    return a + b\ndef mul(a, b):\n    return a * b\n",
                      tmp_path)
    assert checks["add::small"].message == ("unraisableexception=False threadexception=False skipping=True "
                                            "tmpdir=True monkeypatch=True warnings=True logging=True "
                                            "assertion=True")
