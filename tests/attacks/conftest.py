"""Fixtures of the attack suite; the machinery itself is in attack_harness.py (see its docstring)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # attack_harness, whatever pytest's import mode

from attack_harness import MAX_SCORE, Arena, Baseline, Run, code_fingerprint

# The hostile submissions are data, never tests or plugins: some are named like modules pytest would load.
collect_ignore = ["submissions"]


def _grade_honest_alone(fingerprint: str) -> Baseline:
    arena = Arena(None)
    try:
        honest = arena.add_honest()
        run = arena.grade()
        assert run.returncode == 0, run.tail()
        result = run.result(honest)
        assert result["score"] == MAX_SCORE, f"the reference solution scores {result['score']}: {run.tail()}"
        folder = arena.out / honest
        return Baseline(
            solution=(arena.batch / "honest.py").read_text(encoding="utf-8"), fingerprint=fingerprint, result=result,
            texts=tuple(p.read_text(errors="replace") for p in folder.iterdir()),
            batch_files=tuple(sorted(p.name for p in arena.out.iterdir() if p.is_file())),
            submission_files=tuple(sorted(p.name for p in folder.iterdir())),
        )
    finally:
        arena.close()


@pytest.fixture(scope="session")
def baselines() -> Callable[[str | None], Baseline]:
    """The honest submission graded alone, per state of the code: what every batch must reproduce, and the output
    layout. Computed once in CI; again whenever the engine or the assignment changed (while it is being developed)."""
    cache: dict[str, Baseline] = {}

    def provide(fingerprint: str | None) -> Baseline:
        wanted = fingerprint or code_fingerprint()
        if wanted not in cache:
            cache[wanted] = _grade_honest_alone(wanted)
        return cache[wanted]

    return provide


@pytest.fixture
def arena(baselines: Callable[[str | None], Baseline]) -> Iterator[Arena]:
    """A fresh workspace whose batch already holds honest.py; add the attacker with ``arena.add(name)``."""
    a = Arena(baselines)
    a.add_honest()
    try:
        yield a
    finally:
        a.close()


@pytest.fixture
def attack(arena: Arena) -> Any:
    """``attack("x.py")``: the arena with submissions/x.py added, graded; returns (run, attacker id)."""

    def run_attack(name: str, **grade_kwargs: Any) -> tuple[Run, str]:
        sid = arena.add(name)
        return arena.grade(**grade_kwargs), sid

    return run_attack
