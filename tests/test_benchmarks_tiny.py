"""The throughput and peer benchmarks run, in their tiny mode: every kind of notebook, --jobs 1 and 2, the floor,
the rerun; nbgrader and grade on the same notebooks with the scores each must give. Not timed: the figures are the
benchmarks' business (README), these prove the scripts work."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from paths import ROOT

pytestmark = pytest.mark.slow


def run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=3000)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_batch_benchmark_measures_both_kinds_against_the_floor():
    output = run("benchmarks/batch.py", "--tiny")
    for kind in ("five", "full"):
        assert f"{kind}: N = " in output
    for row in ("floor: same checks", "grade --jobs 1", "grade --jobs 2", "rerun, unchanged"):
        assert output.count(row) == 2, row
    assert "CPU-ms/sub" in output and "peak MB" in output


@pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None, reason="nbgrader is in the bench extra")
def test_peers_benchmark_scores_five_function_notebooks_with_both_tools():
    output = run("benchmarks/peers.py", "--tiny", "--kind", "five")
    assert "both tools gave every notebook its expected score" in output
    assert "grade is " in output and "as fast as nbgrader" in output
    assert "in-process floor of grade's checks and figures: " in output and "x that share" in output


def test_student_process_benchmark_measures_a_process_against_a_bare_fork():
    output = run("benchmarks/student_process.py", "--n", "5")
    assert "baseline: a fork that exits at once" in output and "student process, 1 call(s)" in output
    assert "sandbox layers: process, rlimits" in output  # measured through the grader's own sandbox
    row = next(line for line in output.splitlines() if line.startswith("student process"))
    assert len([float(value) for value in row.split()[-4:]]) == 4  # CPU-ms, wall ms, faults, x baseline
