"""The command line: bad input becomes result rows, usage errors exit 2, grading exits 0 whatever the scores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import nbformat
import pytest
from click.testing import CliRunner
from paths import ROOT

from grader.cli import main
from grader.errors import ConfigError, InternalError, SandboxUnavailable, UsageError, WorkerFailed

SOLUTION = ROOT / "reference" / "shallow-nn" / "solution.py"


@pytest.mark.slow  # two worker processes; tests/test_tiny_batch.py is the fast stand-in
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
    # nn_model is judged on its own code (the grader answers the parts it calls), so only the broken cell's
    # function loses points.
    assert lost == {"backward_propagation"}
    check = next(c for c in data["checks"] if c["function"] == "backward_propagation")
    assert check["location"]["cell"] == 4 and "syntax error" in check["message"]
    assert "syntax-error" in data["flags"] and "missing-function" in data["flags"]
    assert data["score"] == 7.5  # 10 less backward_propagation's 2.5 (6.5 before issue 11: nn_model lost its point too)


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, [str(tmp_path / "nope.py")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    unknown = runner.invoke(main, [str(tmp_path), "--assignment", "nope"])
    assert unknown.exit_code == 2 and "no assignment named 'nope'" in unknown.output


def test_help_lists_the_options():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "PATH" in result.output
    # The top-level help shows the grading options themselves, not only a pointer to `grade run --help`.
    grading = result.output.split("Grading options", 1)[1].split("\nOptions:", 1)[0]
    for option in ("--assignment", "--out", "--jobs", "--fail-under", "--format", "--insecure", "--seed"):
        assert option in grading, option
    run_help = CliRunner().invoke(main, ["run", "--help"])
    assert "--assignment" in run_help.output and "--out" in run_help.output and "--insecure" in run_help.output


def test_help_and_usage_errors_start_without_the_grading_engine(tmp_path):
    """``grade --help`` and the errors found before grading (no submissions, a path that is not one) never import
    the engine, pytest, numpy, nbformat or jinja2: 0.1 s where importing them all took 0.6 s."""
    heavy = ("grader.engine", "grader.pipeline", "pytest", "numpy", "nbformat", "jinja2")
    empty = tmp_path / "empty"
    empty.mkdir()
    probe = (
        "import sys\n"
        "from grader.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as ended:\n"
        f"    print('imported', sorted(m for m in {heavy!r} if m in sys.modules), 'exit', ended.code)\n")
    for args, status in ((["--help"], 0), ([str(empty), "--assignment", "shallow-nn"], 2),
                         ([str(tmp_path / "missing.py"), "--assignment", "shallow-nn"], 2)):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "GRADER_ROOT": str(ROOT)}, timeout=120)
        assert done.stdout.strip().splitlines()[-1] == f"imported [] exit {status}", (args, done.stdout, done.stderr)


def test_group_flags_come_before_the_default_command(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["--no-color", str(empty)])
    assert result.exit_code == 2 and f"no submissions found in {empty}" in result.output


def test_the_stub_says_it_is_not_implemented_yet(tmp_path, grade_cli):
    stub = ROOT / "assignments" / "shallow-nn" / "shallow_nn.py"
    code, _, results = grade_cli(stub, out=tmp_path)
    assert code == 0
    checks = {c["id"]: c for c in results["shallow_nn"]["checks"]}
    assert checks["forward_propagation::output"]["message"] == \
        "forward_propagation is not implemented yet (the stub is still in place)"
    assert all("NotImplementedError" not in c["message"] for c in checks.values())
    # nn_model is judged on its own code: the grader answers the layer_sizes it calls, so its message names nn_model
    # itself, not the stub of a part.
    assert checks["nn_model::training_loop"]["message"] == \
        "nn_model is not implemented yet (the stub is still in place)"


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


# -- the error story: every GraderError reaches the user as its show() text and exit code, never a traceback --------

TINY_CONFIG = 'name = "tiny"\nversion = "1"\nfunctions = ["add"]\n'
TINY_CHECK = '''
import pytest

@pytest.mark.grades("add")
def test_small(student):
    assert student.add(1, 2) == 3, "add(1, 2) should be 3"
'''
TINY_SOLUTION = "def add(a, b):\n    return a + b\n"


def tiny_course(root, *, check: str = TINY_CHECK, reference: bool = True):
    """A one-function assignment under ``root`` (GRADER_ROOT), and a batch folder with one correct submission."""
    public = root / "assignments" / "tiny"
    public.mkdir(parents=True)
    (public / "assignment.toml").write_text(TINY_CONFIG)
    if reference:
        hidden = root / "reference" / "tiny"
        (hidden / "checks").mkdir(parents=True)
        (hidden / "solution.py").write_text(TINY_SOLUTION)
        (hidden / "grading.toml").write_text('[points]\n"add::small" = 1\n')
        (hidden / "checks" / "test_tiny.py").write_text(check)
    batch = root / "batch"
    batch.mkdir()
    (batch / "student.py").write_text(TINY_SOLUTION)
    return batch


@pytest.fixture
def course(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_ROOT", str(tmp_path / "root"))
    return tiny_course(tmp_path / "root")


def invoke(*args, **kwargs):
    """``grade ARGS`` in-process; anything but a clean exit (a traceback) fails the test."""
    return CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False, **kwargs)


def assert_clean_error(result, code: int, *parts: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and result.stderr.startswith("error: "), result.output
    for part in parts:
        assert part in result.stderr, result.stderr


ERRORS = [
    UsageError("--assignment: say which one"),
    ConfigError("missing key 'version'", path="assignments/x/assignment.toml"),
    SandboxUnavailable("the sandbox could not start: run as root"),
    InternalError("the checks' pytest session ended with 4"),
    WorkerFailed(4, "error: a worker found no sandbox"),
    WorkerFailed(2, "error: a worker was misused"),
]


def commands(course):
    file = course / "student.py"
    return {"run": [file, "-a", "tiny", "-j", "1"], "check": ["check", file], "similarity": ["similarity", course],
            "export": ["export", "gradescope", "tiny"], "generate": ["generate", "tiny"],
            "selfcheck": ["selfcheck", "tiny"]}


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: f"{type(e).__name__}-{int(e.exit_code)}")
@pytest.mark.parametrize("command", ["run", "check", "similarity", "export", "generate", "selfcheck"])
def test_a_grader_error_in_any_command_is_its_message_and_exit_code(course, monkeypatch, tmp_path, error, command):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("grader.cli.find_root", fail)  # every command starts by finding the course
    monkeypatch.chdir(tmp_path)
    result = invoke(*commands(course)[command])
    assert result.exit_code == int(error.exit_code) and result.exit_code != 0
    assert result.stderr == error.show() + "\n" and result.stdout == ""


def test_each_kind_of_error_shows_what_it_is():
    assert [(int(e.exit_code), e.show()) for e in ERRORS] == [
        (2, "error: --assignment: say which one"),
        (3, "error: assignments/x/assignment.toml: missing key 'version'"),
        (4, "error: the sandbox could not start: run as root"),
        (3, "error: the checks' pytest session ended with 4"),
        (4, "error: a worker found no sandbox"),
        (2, "error: a worker was misused"),
    ]


def test_bad_options_are_usage_errors(course, tmp_path):
    file = course / "student.py"
    assert_clean_error(invoke(file, "-a", "tiny", "--as-of", "yesterday"), 2, "--as-of: 'yesterday' is not an ISO 8601")
    table = tmp_path / "times.csv"
    table.write_text("who,when\nstudent,2026-01-01\n")
    assert_clean_error(invoke(file, "-a", "tiny", "--timestamps", table), 2,
                       "needs the columns submission,submitted_at")
    assert_clean_error(invoke(file, "-a", "tiny", "--executor", "dask"), 2, "--executor dask needs --scheduler")
    assert_clean_error(invoke(file, "-a", "nope", "--out", tmp_path / "o"), 2, "no assignment named 'nope'")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("broken", "message"), [
    ("assignment.toml", "not valid TOML"),
    ("grading.toml", "points name functions that assignment.toml does not grade: mul"),
])
def test_a_broken_assignment_is_a_config_error_naming_the_file(course, tmp_path, broken, message):
    root = tmp_path / "root"
    if broken == "assignment.toml":
        path = root / "assignments" / "tiny" / "assignment.toml"
        path.write_text(TINY_CONFIG + "functions = [\n")
    else:
        path = root / "reference" / "tiny" / "grading.toml"
        path.write_text('[points]\n"add::small" = 1\n"mul::product" = 1\n')
    result = invoke(course, "-a", "tiny", "-j", "1", "--out", tmp_path / "out")
    assert_clean_error(result, 3, f"error: {path}: ", message)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])
def test_a_check_module_that_does_not_import_stops_the_batch_cleanly(tmp_path, monkeypatch, jobs):
    """Found only when a worker collects the checks: inline it is a ConfigError, in a worker process a
    WorkerFailed that carries the same message and exit code."""
    monkeypatch.setenv("GRADER_ROOT", str(tmp_path / "root"))
    batch = tiny_course(tmp_path / "root", check=TINY_CHECK + "\ndef broken(:\n")
    result = invoke(batch, "-a", "tiny", "-j", jobs, "--out", tmp_path / "out")
    checks = tmp_path / "root" / "reference" / "tiny" / "checks"
    assert_clean_error(result, 3, f"error: {checks}: the checks could not be collected", "test_tiny.py")


def test_a_grader_error_leaves_the_real_command_cleanly(course, tmp_path):
    """As a real process: the message on stderr, the exit code, nothing on stdout, no traceback."""
    (tmp_path / "root" / "reference" / "tiny" / "grading.toml").write_text("[points]\n")
    done = subprocess.run([sys.executable, "-m", "grader.cli", "run", str(course), "-a", "tiny", "-j", "1", "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GRADER_ROOT": str(tmp_path / "root")})
    grading = tmp_path / "root" / "reference" / "tiny" / "grading.toml"
    assert (done.returncode, done.stdout, done.stderr) == (3, "", f"error: {grading}: no [points] table\n")


# -- a sandbox that cannot start ---------------------------------------------------------------------------------


def fake_interpreter(tmp_path, body: str) -> str:
    path = tmp_path / "fake-python"
    path.write_text(body)
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize(("program", "why"), [
    ("#!/bin/sh\nexit 7\n", "exited with code 7 before it was ready"),
    ("#!/bin/sh\nexec sleep 60\n", "did not answer within 1 s"),
    (f"#!{sys.executable}\nimport os, sys\nos.write(int(sys.argv[5]), bytes([0, 0, 0, 5]) + b'hello')\n",
     "sent a bad greeting (message header is not valid JSON"),
], ids=["exits", "never-answers", "bad-greeting"])
def test_a_zygote_that_cannot_start_is_sandbox_unavailable(course, tmp_path, monkeypatch, program, why):
    from grader import zygote

    monkeypatch.setattr(zygote.sys, "executable", fake_interpreter(tmp_path, program))
    monkeypatch.setattr(zygote, "ZYGOTE_START_SECONDS", 1)
    started = time.monotonic()
    result = invoke(course / "student.py", "-a", "tiny", "-j", "1", "--out", tmp_path / "out")
    assert_clean_error(result, 4, "error: the sandbox could not start: its zygote process " + why,
                       "--insecure")
    assert time.monotonic() - started < 30
    assert not (tmp_path / "out" / "student").exists()


def test_a_sandbox_that_cannot_start_leaves_no_scratch_folder(tmp_path, monkeypatch):
    import tempfile

    from grader import zygote
    from grader.errors import SandboxUnavailable
    from grader.worker_sandbox import Sandbox

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(zygote.sys, "executable", fake_interpreter(tmp_path, "#!/bin/sh\nexit 7\n"))
    with pytest.raises(SandboxUnavailable):
        Sandbox()
    assert list(scratch.iterdir()) == []


@pytest.mark.slow  # the in-process cases above are the fast ones
def test_a_zygote_that_cannot_start_leaves_the_real_command_cleanly(course, tmp_path):
    script = "import sys; sys.executable = '/bin/false'; from grader.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", script, "run", str(course / "student.py"), "-a", "tiny", "-j", "1",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GRADER_ROOT": str(tmp_path / "root")})
    assert done.returncode == 4 and done.stdout == "", done.stderr
    assert done.stderr.startswith("error: the sandbox could not start: its zygote process exited with code 1")
    assert "Traceback" not in done.stderr


# -- grade export gradescope ---------------------------------------------------------------------------------------


def test_export_without_the_reference_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_ROOT", str(tmp_path / "root"))
    tiny_course(tmp_path / "root", reference=False)
    target = tmp_path / "auto.zip"
    result = invoke("export", "gradescope", "tiny", "--out", target)
    public = tmp_path / "root" / "assignments" / "tiny"
    assert_clean_error(result, 3, f"error: {public}: the hidden half of 'tiny' (reference/tiny/) is not here")
    assert not target.exists()


@pytest.mark.parametrize("where", ["missing-folder", "under-a-file"])
def test_export_to_a_place_that_cannot_be_written(course, tmp_path, where):
    (tmp_path / "plain-file").write_text("")
    target = tmp_path / ("missing/auto.zip" if where == "missing-folder" else "plain-file/auto.zip")
    result = invoke("export", "gradescope", "tiny", "--out", target)
    reason = "No such file or directory" if where == "missing-folder" else "Not a directory"
    assert_clean_error(result, 2, f"error: {target}: cannot write the autograder zip ({reason})")


def test_export_onto_a_folder_is_refused_by_the_option(course, tmp_path):
    result = invoke("export", "gradescope", "tiny", "--out", tmp_path)
    assert result.exit_code == 2 and "is a directory" in result.output and "Traceback" not in result.output


def test_export_of_an_unknown_assignment(course, tmp_path):
    assert_clean_error(invoke("export", "gradescope", "nope", "--out", tmp_path / "x.zip"), 2,
                       "no assignment named 'nope'", "(available: tiny)")


def test_generate_check_prints_one_line_when_up_to_date():
    result = CliRunner().invoke(main, ["generate", "shallow-nn", "--check"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output == "the student files of shallow-nn are up to date\n"


@pytest.mark.slow  # grades two submissions twice
def test_no_figures_leaves_the_scores_and_draws_nothing(tmp_path):
    """--no-figures skips the checks that only draw: the same scores and checks, reports without pictures."""
    from paths import EXAMPLES

    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("correct.py", "zero_init_notebook.ipynb"):
        (subs / name).write_bytes((EXAMPLES / name).read_bytes())
    for flag, out in (("--figures", "with"), ("--no-figures", "without")):
        done = CliRunner().invoke(main, [str(subs), "-a", "shallow-nn", "-o", str(tmp_path / out), "-j", "1", flag,
                                         "--quiet"], catch_exceptions=False)
        assert done.exit_code == 0, done.output
    for sid in ("correct", "zero_init_notebook"):
        drawn, bare = (json.loads((tmp_path / out / sid / "results.json").read_text()) for out in ("with", "without"))
        assert drawn["figures"] and bare["figures"] == []
        assert (drawn["score"], drawn["flags"]) == (bare["score"], bare["flags"])
        assert [(c["id"], c["status"], c["message"]) for c in drawn["checks"]] == \
            [(c["id"], c["status"], c["message"]) for c in bare["checks"]]
        assert '<figure class="chart"' in (tmp_path / "with" / sid / "report.html").read_text()
        assert '<figure class="chart"' not in (tmp_path / "without" / sid / "report.html").read_text()
