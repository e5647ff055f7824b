"""The command line: bad input becomes result rows, usage errors exit 2, grading exits 0 whatever the scores."""

from __future__ import annotations

import json

import nbformat
from click.testing import CliRunner
from paths import ROOT

from grader.cli import main

SOLUTION = ROOT / "reference" / "shallow-nn" / "solution.py"


def test_bad_files_become_rows_and_never_cost_others(tmp_path, grade_cli):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "empty.py").write_bytes(b"")
    (batch / "binary.py").write_bytes(b"\x00\x01\x02\xff" * 50)
    (batch / "corrupt.ipynb").write_text('{"cells": [')
    (batch / "syntax.py").write_text("def layer_sizes(X, Y):\n    return (X.shape[0], 4\n")
    (batch / "notjson.ipynb").write_bytes(b"\x89PNG\r\n")
    (batch / "honest.py").write_text(SOLUTION.read_text())
    code, output, results = grade_cli(batch, out=tmp_path / "out")
    assert code == 0, output
    assert results["honest"]["score"] == 10.0
    for sid in ("empty", "binary", "corrupt", "notjson"):
        assert results[sid]["score"] == 0.0
        assert "invalid-submission" in results[sid]["flags"]
        problem = results[sid]["problems"][0]
        assert problem["kind"] == "invalid-submission"
        assert sid in problem["message"], problem["message"]  # names the file
        assert "Traceback" not in problem["message"]
    assert "syntax-error" in results["syntax"]["flags"]
    assert (tmp_path / "out" / "gradebook.csv").read_text().count("\n") == 7


def test_notebook_with_a_broken_cell_loses_only_that_cell(tmp_path, grade_cli):
    source = SOLUTION.read_text()
    head, rest = source.split("def backward_propagation", 1)
    backward, tail = rest.split("def update_parameters", 1)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# My work"),
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip list\nimport matplotlib.pyplot as plt"),
        nbformat.v4.new_code_cell(head),
        nbformat.v4.new_code_cell("def backward_propagation" + backward.replace("m = X.shape[1]", "m = X.shape[1")),
        nbformat.v4.new_code_cell("def update_parameters" + tail),
        nbformat.v4.new_code_cell("undefined_name + 1"),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    code, _, results = grade_cli(path, out=tmp_path / "out")
    data = results["nb"]
    assert code == 0
    lost = {c["function"] for c in data["checks"] if c["status"] != "passed"}
    # nn_model cannot run without backward_propagation; its message blames the cell that lost it.
    assert lost == {"backward_propagation", "nn_model"}
    check = next(c for c in data["checks"] if c["function"] == "backward_propagation")
    assert check["location"]["cell"] == 4
    nn_model = next(c for c in data["checks"] if c["function"] == "nn_model")
    assert "calls backward_propagation, which is missing because of a syntax error" in nn_model["message"]
    assert nn_model["location"]["cell"] == 4
    assert "syntax-error" in data["flags"] and "missing-function" in data["flags"]
    assert data["score"] == 6.5


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, [str(tmp_path / "nope.py")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    unknown = runner.invoke(main, [str(tmp_path), "--assignment", "nope"])
    assert unknown.exit_code == 2 and "no assignment named 'nope'" in unknown.output


def test_help_lists_the_options():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "PATH" in result.output
    run_help = CliRunner().invoke(main, ["run", "--help"])
    assert "--assignment" in run_help.output and "--out" in run_help.output and "--insecure" in run_help.output


def test_similarity_command_finds_a_renamed_copy(tmp_path):
    import json

    from paths import EXAMPLES

    batch = tmp_path / "batch"
    batch.mkdir()
    honest = SOLUTION.read_text()
    (batch / "honest.py").write_text(honest)
    source = (EXAMPLES / "large_scale.py").read_text()
    (batch / "original.py").write_text(source)
    copy = source.replace("parameters", "params").replace("cache", "memo").replace("# ", "# note: ")
    (batch / "copy.py").write_text(copy)
    result = CliRunner().invoke(main, ["similarity", str(batch), "-a", "shallow-nn", "--out", str(tmp_path / "out"),
                                       "--threshold", "0.95"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pairs = json.loads((tmp_path / "out" / "similarity.json").read_text())["pairs"]
    assert [(p["left"], p["right"]) for p in pairs] == [("copy", "original")]
    assert (tmp_path / "out" / "similarity.html").read_text().count("<pre") >= 2


def test_refuses_to_run_without_a_protective_layer_unless_insecure(tmp_path, monkeypatch):
    from paths import EXAMPLES

    from grader import isolation

    monkeypatch.setattr(isolation, "available_layers", lambda: ("process", "rlimits", "no_new_privs", "pdeathsig"))
    args = [str(EXAMPLES / "correct.py"), "--out", str(tmp_path), "-j", "1"]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 4
    assert "no isolation layer" in refused.output and "--insecure" in refused.output
    assert not (tmp_path / "correct").exists()
    allowed = CliRunner().invoke(main, [*args, "--insecure"], catch_exceptions=False)
    assert allowed.exit_code == 0, allowed.output
    data = json.loads((tmp_path / "correct" / "results.json").read_text())
    assert data["score"] == 10.0 and "uid" not in data["sandbox"] and "landlock" not in data["sandbox"]
