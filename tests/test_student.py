"""Students: `grade check FILE` and `check()` inside a real Jupyter kernel; hidden checks never ship."""

from __future__ import annotations

import hashlib
import subprocess
import sys

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


def test_grade_check_says_the_stub_is_still_in_place():
    result = CliRunner().invoke(main, ["check", str(PUBLIC / "shallow_nn.py")], catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "⚠ backward_propagation: error: backward_propagation is not implemented yet (the stub is still in place)" \
        in lines
    # nn_model's public test runs it with the textbook functions around it (as the grader does): its own stub is named.
    assert "⚠ nn_model: error: nn_model is not implemented yet (the stub is still in place)" in lines
    assert "NotImplementedError" not in result.output


def test_grade_check_says_which_syntax_error_removed_a_function(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Mine"),
                nbformat.v4.new_code_cell("import numpy as np"),
                nbformat.v4.new_code_cell("def layer_sizes(X, Y):\n    return (X.shape[0], 4, Y.shape[0]\n")]
    path = tmp_path / "mine.ipynb"
    nbformat.write(nb, path)
    result = CliRunner().invoke(main, ["check", str(path), "-a", "shallow-nn"], catch_exceptions=False)
    assert result.exit_code == 1
    assert ("? layer_sizes: missing: removed by a syntax error (SyntaxError in cell 3, line 2: '(' was never "
            "closed): fix it and the function comes back") in result.output.splitlines()
    assert "? predict: missing: not defined yet" in result.output.splitlines()  # never written: no syntax error


def test_grade_check_on_an_empty_file_says_it_defines_none_of_the_functions(tmp_path):
    for name, text in (("empty.py", ""), ("notes.py", "# nothing here yet\nx = 1\n")):
        path = tmp_path / name
        path.write_text(text)
        result = CliRunner().invoke(main, ["check", str(path), "-a", "shallow-nn"], catch_exceptions=False)
        assert result.exit_code == 1
        assert (f"{name} defines none of the assignment's functions (layer_sizes, initialize_parameters, "
                "forward_propagation, compute_cost, backward_propagation, update_parameters, predict, nn_model), so "
                "no public check ran. Is it the right file?") in result.output
        assert "0 of 0" not in result.output


def test_grade_check_names_the_import_that_failed(tmp_path):
    path = tmp_path / "imports.py"
    path.write_text("import numpy as np\nimport plotting_lib_not_installed as plt\n\n"
                    "def layer_sizes(X, Y):\n    plt.figure()\n    return (X.shape[0], 4, Y.shape[0])\n")
    result = CliRunner().invoke(main, ["check", str(path), "-a", "shallow-nn"], catch_exceptions=False)
    assert ("⚠ layer_sizes: error: NameError: name 'plt' is not defined: the import `import "
            "plotting_lib_not_installed as plt` on line 2 failed (ModuleNotFoundError: No module named "
            "'plotting_lib_not_installed')") in result.output.splitlines()


def _text(outputs, mime="text/plain"):
    return "".join(o.get("text", "") or o.get("data", {}).get(mime, "") for o in outputs)


def test_check_inside_a_real_jupyter_kernel(tmp_path):
    from nbclient import NotebookClient

    solution = (EXAMPLES / "correct.py").read_text().split('if __name__ == "__main__":')[0]
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"import sys\nsys.path.insert(0, {str(PUBLIC)!r})"),
        nbformat.v4.new_code_cell(solution),
        nbformat.v4.new_code_cell("from grader import check\ncheck('backward_propagation')"),
        nbformat.v4.new_code_cell("def compute_cost(A2, Y):\n    return 0.0\nall_results = check()\nall_results"),
        nbformat.v4.new_code_cell("print([r.status for r in all_results])"),
        nbformat.v4.new_code_cell("check('backprop')"),
        nbformat.v4.new_code_cell("import plotting_lib_not_installed as plt"),  # fails: the kernel says so
        nbformat.v4.new_code_cell("def layer_sizes(X, Y):\n    plt.plot(X)\n    return (X.shape[0], 4, Y.shape[0])\n"
                                  "check('layer_sizes')"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    # The cell shows the report once: no printed copy, no tuple of dataclasses.
    one = nb.cells[2].outputs
    assert [o["output_type"] for o in one] == ["execute_result"]
    assert _text(one) == "✓ backward_propagation: passed: All tests passed.\n1 of 1 public checks passed. " \
                         "The grader runs more checks of its own."
    table = _text(one, "text/html")
    assert "<table" in table and "✓ passed" in table and "<code>backward_propagation</code>" in table
    every = _text(nb.cells[3].outputs)
    assert "✗ compute_cost: failed" in every and "7 of 8 public checks passed" in every
    assert "PublicCheck(" not in every
    assert "✗ failed" in _text(nb.cells[3].outputs, "text/html")  # in words and symbols, not only in colour
    statuses = _text(nb.cells[4].outputs)
    assert statuses.count("'passed'") == 7 and "'failed'" in statuses
    near = _text(nb.cells[5].outputs)
    assert "- backprop: absent: no public check named 'backprop'; did you mean 'backward_propagation'?" in near
    assert "The public checks are: layer_sizes, initialize_parameters" in near
    failed_import = _text(nb.cells[7].outputs)
    assert ("⚠ layer_sizes: error: NameError: name 'plt' is not defined: the import `import "
            "plotting_lib_not_installed as plt` failed: there is no module named 'plotting_lib_not_installed' "
            "here.") in failed_import


def test_check_outside_jupyter_prints_and_returns_the_report(tmp_path):
    script = tmp_path / "mine.py"
    script.write_text(f"import sys\nsys.path.insert(0, {str(PUBLIC)!r})\n"
                      "def layer_sizes(X, Y):\n    return (X.shape[0], 4, Y.shape[0])\n"
                      "from grader import check\nreport = check('layer_sizes', 'nn_modle')\n"
                      "print('ok' if report.passed == 1 and len(report) == 2 and report.ok else 'bad')\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "✓ layer_sizes: passed: All tests passed.",
        "- nn_modle: absent: no public check named 'nn_modle'; did you mean 'nn_model'? The public checks are: "
        "layer_sizes, initialize_parameters, forward_propagation, compute_cost, backward_propagation, "
        "update_parameters, predict, nn_model.",
        "1 of 1 public checks passed. The grader runs more checks of its own.",
        "ok",
    ]


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
