"""Students: `grade check FILE` and `check()` inside a real Jupyter kernel; hidden checks never ship."""

from __future__ import annotations

import hashlib

import nbformat
import pytest
from click.testing import CliRunner
from paths import EXAMPLES, ROOT

from grader.cli import main

PUBLIC = ROOT / "assignments" / "shallow-nn"


def test_grade_check_reports_each_function(tmp_path):
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / "wrong_backprop.py")], catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "✓ layer_sizes: passed: All tests passed." in lines
    assert any(line.startswith("✗ backward_propagation: failed: dW1 has the wrong values") for line in lines)
    assert "6 of 8 public checks passed" in result.output or "of 8 public checks passed" in result.output


def test_grade_check_passes_a_correct_notebook():
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / "correct_notebook.ipynb")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "8 of 8 public checks passed" in result.output


def test_grade_check_on_a_broken_file_says_why(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    result = CliRunner().invoke(main, ["check", str(bad), "--assignment", "shallow-nn"], catch_exceptions=False)
    assert result.exit_code == 1 and "bad.ipynb" in result.output and "Traceback" not in result.output


def test_check_inside_a_real_jupyter_kernel(tmp_path):
    from nbclient import NotebookClient

    solution = (EXAMPLES / "correct.py").read_text().split('if __name__ == "__main__":')[0]
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"import sys\nsys.path.insert(0, {str(PUBLIC)!r})"),
        nbformat.v4.new_code_cell(solution),
        nbformat.v4.new_code_cell("from grader import check\nresults = check('backward_propagation')"),
        nbformat.v4.new_code_cell("def compute_cost(A2, Y):\n    return 0.0\nall_results = check()"),
        nbformat.v4.new_code_cell("print([r.status for r in all_results])"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    one = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert "✓ backward_propagation: passed" in one and "1 of 1 public checks passed" in one
    every = "".join(o.get("text", "") for o in nb.cells[3].outputs)
    assert "✗ compute_cost: failed" in every and "7 of 8 public checks passed" in every
    statuses = "".join(o.get("text", "") for o in nb.cells[4].outputs)
    assert statuses.count("'passed'") == 7 and "'failed'" in statuses


def _digests(folder):
    return {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "reference").iterdir() if p.is_dir()))
def test_hidden_checks_never_ship_with_student_materials(name):
    hidden = ROOT / "reference" / name
    public = ROOT / "assignments" / name
    shipped = _digests(public)
    leaked = [str(p) for digest, p in _digests(hidden).items() if digest in shipped]
    assert not leaked
    test_names = set()
    for check in (hidden / "checks").glob("test_*.py"):
        test_names |= {line.split("(")[0] for line in check.read_text().splitlines() if line.startswith("def test_")}
    for path in public.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".ipynb", ".toml", ".md"):
            text = path.read_text(errors="replace")
            assert not any(f"{t}(" in text for t in test_names), f"{path} holds a hidden check"
            assert "### BEGIN SOLUTION" not in text


def test_the_package_ships_no_reference():
    from setuptools import find_packages

    packages = find_packages(where=str(ROOT), include=["grader*"])
    assert packages and all(p.startswith("grader") for p in packages)
