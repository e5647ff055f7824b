"""Shared test helpers: the project root, and a CLI runner that grades through the real command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (the fast loop) starts one worker more than the cores this process may use.

    Many tests spend part of their time waiting: for a sandboxed call's deadline, a terminal, a child process. With
    one worker per core, a core idles while its worker waits; one more worker keeps both busy. On the 2-core
    development machine the fast loop took 55.0-55.2 s with three workers and 56.6-61.2 s with two (alternating
    runs, ``pytest -m "not slow" -n 3`` and ``-n 2``).
    """
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture
def grade_cli():
    """Run ``grade ARGS...`` in-process; returns (exit code, output, {id: results.json})."""

    def run(*args: str, out: Path) -> tuple[int, str, dict[str, dict]]:
        extra = [] if "--assignment" in args else ["--assignment", "shallow-nn"]
        result = CliRunner().invoke(main, [*map(str, args), *extra, "--out", str(out)], catch_exceptions=False)
        results = {}
        if out.is_dir():
            for path in sorted(out.glob("*/results.json")):
                results[path.parent.name] = json.loads(path.read_text())
        return result.exit_code, result.output, results

    return run
