"""Shared test helpers: the project root, and a CLI runner that grades through the real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main


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
