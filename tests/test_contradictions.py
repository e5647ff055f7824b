"""No report says what its own measurements contradict (issue 15): the rule-based checker of
benchmarks/contradictions.py over real reports, graded through the CLI (every example of every assignment, and
mistakes outside the examples), must find nothing; and each of its rules fires on a report that says the false
thing, so that its silence means something."""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest
from paths import ROOT

pytestmark = pytest.mark.slow  # grades every example of every assignment through the CLI

ASSIGNMENTS = ("shallow-nn", "initialization", "gradient-checking")

# Mistakes outside the examples: (assignment, id, example it is made from, old text, new text)
VARIANTS = (
    ("shallow-nn", "w2_zero_only", "correct.py", "W2 = rng.standard_normal((n_y, n_h)) * 0.01",
     "W2 = np.zeros((n_y, n_h))"),
    ("shallow-nn", "w1_zero_only", "correct.py", "W1 = rng.standard_normal((n_h, n_x)) * 0.01",
     "W1 = np.zeros((n_h, n_x))"),
    ("gradient-checking", "divides_by_epsilon", "correct.py", ").reshape(n, 1) / (2 * epsilon)",
     ").reshape(n, 1) / epsilon"),
    ("gradient-checking", "divides_by_4_epsilon", "correct.py", ").reshape(n, 1) / (2 * epsilon)",
     ").reshape(n, 1) / (4 * epsilon)"),
)


def _checker():
    spec = importlib.util.spec_from_file_location("contradictions", ROOT / "benchmarks" / "contradictions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def checker():
    return _checker()


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[tuple[str, str], tuple[dict, str]]:
    """(assignment, submission id) -> (results.json, report.md), graded through the CLI."""
    from click.testing import CliRunner

    from grader.cli import main

    root = tmp_path_factory.mktemp("contradictions")
    out: dict[tuple[str, str], tuple[dict, str]] = {}
    for assignment in ASSIGNMENTS:
        examples = ROOT / "assignments" / assignment / "examples"
        made = root / assignment / "in"
        made.mkdir(parents=True)
        for name, sid, source, old, new in VARIANTS:
            if name == assignment:
                text = (examples / source).read_text()
                assert text.count(old) == 1, (sid, old)
                (made / f"{sid}.py").write_text(text.replace(old, new))
        folder = root / assignment / "out"
        args = [str(examples), str(made), "--assignment", assignment, "--out", str(folder), "--jobs", "2"]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        for path in sorted(folder.glob("*/results.json")):
            out[assignment, path.parent.name] = (json.loads(path.read_text()), (path.parent / "report.md").read_text())
    return out


def test_no_report_contradicts_its_own_measurements(graded, checker):
    assert len(graded) >= 20
    found = {key: checker.contradictions(*value) for key, value in graded.items()}
    assert {key: lines for key, lines in found.items() if lines} == {}


def test_w2_zero_alone_is_not_told_the_zero_init_lesson(graded):
    result, report = graded["shallow-nn", "w2_zero_only"]
    not_zero = next(c for c in result["checks"] if c["id"] == "initialize_parameters::not_zero")
    assert not_zero["status"] == "failed" and "W2 is all zeros. With W2 zero" in not_zero["message"]
    assert "never become different" not in report and "every hidden unit computes the same" not in report
    assert "the hidden units start learning a step later" in not_zero["message"]


def _facts(result: dict) -> dict:
    from grader.lessons import facts_of
    from grader.models import SubmissionResult

    return facts_of(SubmissionResult.from_dict(result))


def test_each_rule_fires_on_a_report_that_says_what_its_measurements_contradict(graded, checker):
    def fires(key: tuple[str, str], doctor, rule: str) -> None:
        result, report = graded[key]
        assert checker.contradictions(result, report) == []
        doctored = doctor(report)
        assert doctored != report, (key, rule)
        found = checker.contradictions(result, doctored)
        assert any(line.startswith(rule + ":") for line in found), (key, rule, found)

    w2 = ("shallow-nn", "w2_zero_only")
    assert _facts(graded[w2][0])["weights_all_zero"] is False and _facts(graded[w2][0])["W1_zero"] is False
    fires(w2, lambda r: r + "\n\nW1 and W2 are all zeros.\n", "zero_init")
    fires(w2, lambda r: r + "\n\nW1 is all zeros.\n", "zero_init")
    fires(w2, lambda r: r + "\n\nOnly 1 of the 4 rows of W1 are different.\n", "symmetry")
    large = ("shallow-nn", "large_scale")
    assert _facts(graded[large][0])["training_slower"] is False
    fires(large, lambda r: r + "\n\nYour own training shows it: your cost curve ends above the reference's.\n",
          "learning")
    zero = ("shallow-nn", "zero_init")
    assert _facts(graded[zero][0])["training_slower"] is True
    fires(zero, lambda r: r + "\n\nIts cost curve ends at or below the reference's.\n", "learning")
    fires(zero, lambda r: re.sub(r"nn_model's check passed because[^\n]*", "", r), "status")
    fires(zero, lambda r: re.sub(r"(\| `initialize_parameters` \|[^\n]*?)✗ Some failed", r"\1✓ All passed", r),
          "status")
    eps = ("gradient-checking", "divides_by_epsilon")
    fires(eps, lambda r: r.replace(
        "Your value is what you get when J_plus", "Your value is what you get when theta_plus (or theta_minus) is "
        "the parameter vector itself. Your value is what you get when J_plus", 1), "one_mistake")
    backprop = ("shallow-nn", "wrong_backprop")
    fires(backprop, lambda r: r.replace("dZ2, dW2 and db2 are right", "dZ2, dW2, dZ1 and db2 are right", 1), "where")


def test_sections_follow_the_functions_of_the_report(graded, checker):
    _, report = graded["initialization", "xavier_he"]
    parts = [function for function, _ in checker.sections(report)]
    assert "initialize_parameters_he" in parts and parts[0] is None


def test_the_checker_reads_markdown_escapes(checker):
    assert list(checker.sections("2 \\* epsilon\n### `f`: 1 / 2 points\nx\\_y")) == [
        (None, "2 * epsilon"), ("f", "### `f`: 1 / 2 points\nx_y")]


def test_where_to_look_names_the_mutated_line_of_generated_mutants(tmp_path):
    """benchmarks/where_to_look.py on the first ten mutants of gradient_check (theta +/- epsilon swapped or
    dropped, the quotient's operators changed): each is caught, Where to look names the very line that was
    changed (theta + epsilon and theta - epsilon agree to 1e-11 when theta is 1e4, a slight difference the
    locator still blames), and no report contradicts itself."""
    spec = importlib.util.spec_from_file_location("where_to_look", ROOT / "benchmarks" / "where_to_look.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    tally = module.measure("gradient-checking", tmp_path, jobs=2, seed=None, limit=10)
    assert (tally.mutants, tally.killed, tally.judged) == (10, 10, 10)
    assert (tally.named_first, tally.at_definition, tally.contradictions) == (10, 0, [])
    assert module.mutated_line("a = 1\nb = 2\n", "a = 1\nb = 3\n") == 2
    assert module.mutated_line("a = 1\nb = 2\n", "a = 1\n") is None  # a statement left out has no line
