"""CI and LMS outputs: --fail-under, JUnit XML, GitHub's step summary, Gradescope results and autograder zip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

import jsonschema
import pytest
from click.testing import CliRunner
from paths import EXAMPLES, ROOT

from grader.assignment import load_assignment
from grader.cli import main

SCHEMA = json.loads((ROOT / "tests" / "files" / "gradescope_results.schema.json").read_text())
CHECKS = len(load_assignment(ROOT, "shallow-nn").points)  # one test case per check


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("formats")
    summary = out / "step-summary.md"
    result = run(str(EXAMPLES / "zero_init.py"), str(EXAMPLES / "correct.py"), "--out", str(out), "-j", "1",
                 "--format", "junit", "--format", "gradescope", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 0, result.output
    return out


def test_fail_under(tmp_path):
    one = str(EXAMPLES / "zero_init.py")
    assert run(one, "--out", str(tmp_path), "-j", "1", "--fail-under", "90").exit_code == 0
    below = run(one, "--out", str(tmp_path), "-j", "1", "--fail-under", "95")
    assert below.exit_code == 1 and "zero_init scored 90.0%, below --fail-under 95%" in below.output


def test_junit_has_one_testcase_per_check_with_messages(graded):
    tree = ET.parse(graded / "junit.xml")
    suites = {s.get("name"): s for s in tree.getroot().iter("testsuite")}
    assert set(suites) == {"zero_init", "correct"}
    zero = suites["zero_init"]
    assert zero.get("tests") == str(CHECKS) and zero.get("failures") == "2" and zero.get("errors") == "0"
    failure = zero.find("testcase[@name='initialize_parameters::not_zero']/failure")
    assert failure is not None and "all zeros" in failure.get("message") and "Expected" in failure.text
    assert suites["correct"].find(".//failure") is None


def test_junit_records_each_checks_own_duration(graded):
    for suite in ET.parse(graded / "junit.xml").getroot().iter("testsuite"):
        times = {case.get("name"): float(case.get("time")) for case in suite.iter("testcase")}
        assert all(t > 0 for t in times.values()), times
        assert sum(times.values()) <= float(suite.get("time"))  # the checks run inside the submission's time
        result = json.loads((graded / suite.get("name") / "results.json").read_text())
        assert {c["id"]: round(c["duration_s"], 3) for c in result["checks"]} == times
    # Checks take different times (the first pays for the process start; nn_model's loop is a few dozen calls): the
    # times are measured, not spread evenly.
    correct = {case.get("name"): float(case.get("time")) for case in ET.parse(graded / "junit.xml").getroot()
               .find("testsuite[@name='correct']").iter("testcase")}
    assert max(correct.values()) > 2 * min(correct.values())


def test_gradescope_results_follow_the_schema(graded):
    for sid, score in (("zero_init", 9.0), ("correct", 10.0)):
        data = json.loads((graded / sid / "gradescope.json").read_text())
        jsonschema.validate(data, SCHEMA)
        assert data["score"] == score and len(data["tests"]) == CHECKS
        assert sum(t["score"] for t in data["tests"]) == score
        assert all(t["status"] in ("passed", "failed") for t in data["tests"])
    zero = json.loads((graded / "zero_init" / "gradescope.json").read_text())
    not_zero = next(t for t in zero["tests"] if t["name"] == "initialize_parameters::not_zero")
    assert not_zero["status"] == "failed" and "zero-init" in not_zero["tags"] and "all zeros" in not_zero["output"]


def test_step_summary_gets_the_markdown_reports(graded):
    text = (graded / "step-summary.md").read_text()
    assert "Feedback for submission `zero_init`" in text and "Feedback for submission `correct`" in text


def test_gradescope_autograder_zip_runs(tmp_path):
    archive = tmp_path / "auto.zip"
    result = run("export", "gradescope", "shallow-nn", "--out", str(archive))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "source/pyproject.toml", "source/grader/cli.py",
                "source/reference/shallow-nn/solution.py", "source/assignments/shallow-nn/assignment.toml"} <= names
        assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111
        zf.extractall(tmp_path / "autograder")
    root = tmp_path / "autograder"
    (root / "submission").mkdir()
    (root / "submission" / "shallow_nn.ipynb").write_bytes((EXAMPLES / "wrong_backprop_notebook.ipynb").read_bytes())
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == 7.5
    # Building the zip twice gives the same bytes.
    again = tmp_path / "again.zip"
    run("export", "gradescope", "shallow-nn", "--out", str(again))
    assert again.read_bytes() == archive.read_bytes()

