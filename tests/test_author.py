"""Authoring: the one source generates the student files; committed files stay in sync; self-check."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from paths import ROOT

from grader.assignment import available, load_assignment
from grader.author import generated_files, parse_source, stale_files, student_lines, student_python
from grader.cli import main
from grader.errors import ConfigError

SOURCE = '''"""Docstring that is not copied."""
# %% [markdown]
# # Title
#
# Text.

# %% [student]
# from helper import data
# check(f)

# %%
import numpy as np


# %%
def f(x):
    """Doc kept."""
    y = 2
    ### BEGIN SOLUTION
    y = x * 3
    ### END SOLUTION
    return y
'''


def test_cells_and_stubs():
    cells = parse_source(SOURCE)
    assert [c.kind for c in cells] == ["markdown", "student", "code", "code"]
    assert cells[0].lines == ("# Title", "", "Text.")
    assert student_lines(cells[1]) == ("from helper import data", "check(f)")
    stub = student_lines(cells[3])
    assert stub == ('def f(x):', '    """Doc kept."""', "    y = 2", "    # YOUR CODE HERE",
                    "    raise NotImplementedError()", "    return y")
    text = student_python(cells)
    assert "Docstring that is not copied" not in text and "x * 3" not in text
    compile(text, "student.py", "exec")


@pytest.mark.parametrize("bad, message", [
    ("# %% [weird]\nx = 1\n", "unknown cell kind"),
    ("# %%\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("# %%\n### END SOLUTION\n", "without a BEGIN"),
    ("# %% [markdown]\n# ### BEGIN SOLUTION\n", "misplaced"),
])
def test_malformed_sources_are_config_errors(bad, message):
    with pytest.raises(ConfigError, match=message):
        parse_source(bad)


ASSIGNMENTS = [name for name in available(ROOT)
               if "### BEGIN SOLUTION" in (ROOT / "reference" / name / "solution.py").read_text()]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_student_files_are_up_to_date(name):
    stale = stale_files(load_assignment(ROOT, name))
    assert not stale, f"out of date: {[str(p) for p in stale]}; run `grade generate {name}`"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_generation_is_deterministic_and_the_notebook_is_valid(name):
    assignment = load_assignment(ROOT, name)
    first, second = generated_files(assignment), generated_files(assignment)
    assert first == second
    notebook = next(text for path, text in first.items() if path.suffix == ".ipynb")
    cells = json.loads(notebook)["cells"]
    assert any(c["cell_type"] == "markdown" for c in cells)
    assert any("YOUR CODE HERE" in "".join(c["source"]) for c in cells)


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n == "shallow-nn" else pytest.mark.slow)
                                  for n in ASSIGNMENTS])  # the others' references and stubs: their own test files
def test_selfcheck_reference_full_marks_stubs_none(name):
    result = CliRunner().invoke(main, ["selfcheck", name], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "self-check passed" in result.output


def test_generate_check_flags_stale_files(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(ROOT / "assignments" / "shallow-nn", tmp_path / "assignments" / "shallow-nn")
    shutil.copytree(ROOT / "reference" / "shallow-nn", tmp_path / "reference" / "shallow-nn")
    monkeypatch.setenv("GRADER_ROOT", str(tmp_path))
    solution = tmp_path / "reference" / "shallow-nn" / "solution.py"
    runner = CliRunner()
    assert runner.invoke(main, ["generate", "shallow-nn"]).exit_code == 0
    assert runner.invoke(main, ["generate", "shallow-nn", "--check"]).exit_code == 0
    solution.write_text(solution.read_text().replace("# %% [markdown]\n", "# %% [markdown]\n# An edit.\n", 1))
    stale = runner.invoke(main, ["generate", "shallow-nn", "--check"])
    assert stale.exit_code == 1 and "out of date" in stale.output


def test_solution_cells_stay_out_of_student_files():
    cells = parse_source("# %% [solution]\nSECRET = 41\n\n# %%\nx = SECRET + 1\n")
    assert [c.kind for c in cells] == ["solution", "code"]
    text = student_python(cells)
    assert "SECRET = 41" not in text and "x = SECRET + 1" in text
