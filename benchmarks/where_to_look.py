"""How often "Where to look" names the faulty line, for mistakes outside the catalogue: generated mutants.

``benchmarks/mistakes.py --mutants`` runs this. Every mutant of every assignment's reference solution
(``benchmarks/mutants.py``: one small change in one graded function) is graded as a submission through
``grader.pipeline.grade_paths``, reports included, and for each one:

- killed: some check of the mutated function did not pass;
- the mutated line: the one line of the mutant's source that differs from the unparsed reference (a mutant that
  leaves a statement out has no such line, and is counted apart);
- named: the first failed check of the mutated function points "Where to look" at that line (and, as a second
  figure, any of its failed checks does); ``def`` line: it points at the function's definition instead (nothing
  could be told);
- contradictions: statements of the report that its own measurements contradict (``benchmarks/contradictions.py``),
  which must be 0.

Grading writes every report, figures included, so this takes minutes on two cores.
"""

from __future__ import annotations

import ast
import difflib
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from contradictions import contradictions  # noqa: E402
from mutants import Mutant, mutants  # noqa: E402

__all__ = ["ASSIGNMENTS", "Tally", "mutated_line", "measure", "main"]

ASSIGNMENTS = ("shallow-nn", "initialization", "gradient-checking")


def mutated_line(original: str, mutant: str) -> int | None:
    """The line (1-based) of ``mutant`` that differs from ``original``, when exactly one line was changed in
    place; None when the mutation removed or added lines."""
    matcher = difflib.SequenceMatcher(a=original.splitlines(), b=mutant.splitlines(), autojunk=False)
    changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if len(changed) == 1 and changed[0][0] == "replace" and changed[0][2] - changed[0][1] == 1 \
            and changed[0][4] - changed[0][3] == 1:
        return changed[0][3] + 1
    return None


def _definition_line(source: str, function: str) -> int:
    return next(node.lineno for node in ast.parse(source).body
                if isinstance(node, ast.FunctionDef) and node.name == function)


@dataclass
class Tally:
    """What was counted for one assignment."""

    assignment: str
    mutants: int = 0
    killed: int = 0
    judged: int = 0  # killed, with a changed line and a failed check of the mutated function
    named_first: int = 0
    named_any: int = 0
    at_definition: int = 0
    reports: int = 0
    contradictions: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # "<id>: mutated line N, pointed at M"

    def lines(self) -> list[str]:
        share = (lambda n: f"{n}/{self.judged} ({n / self.judged:.0%})") if self.judged else (lambda n: f"{n}/0")
        return [f"{self.assignment}: {self.mutants} mutants, {self.killed} killed; {self.judged} killed with a "
                "changed line and a failed check of the mutated function",
                f"  Where to look names the mutated line: {share(self.named_first)} (the first failed check), "
                f"{share(self.named_any)} (any failed check); the definition line instead: "
                f"{share(self.at_definition)}",
                f"  contradictions: {len(self.contradictions)} in {self.reports} reports"]


def _judge(tally: Tally, mutant: Mutant, original: str, result: dict[str, Any], report: str) -> None:
    tally.reports += 1
    tally.contradictions += [f"{mutant.id}: {line}" for line in contradictions(result, report)]
    mine = [c for c in result["checks"] if c["function"] == mutant.function]
    if not any(c["status"] != "passed" for c in mine):
        return
    tally.killed += 1
    line = mutated_line(original, mutant.source)
    failed = [c for c in mine if c["status"] == "failed" and c.get("location")]
    if line is None or not failed:
        return
    tally.judged += 1
    lines = [c["location"]["line"] for c in failed]
    tally.named_first += lines[0] == line
    tally.named_any += line in lines
    tally.at_definition += lines[0] == _definition_line(mutant.source, mutant.function)
    if lines[0] != line:
        tally.missed.append(f"{mutant.id}: mutated line {line}, pointed at {lines[0]} ({mutant.description})")


def measure(assignment: str, work: Path, *, jobs: int, seed: int | None, limit: int | None = None) -> Tally:
    """Grade the mutants of ``assignment`` in ``work`` and count (see the module docstring)."""
    from grader.assignment import load_assignment
    from grader.pipeline import BatchOptions, grade_paths

    loaded = load_assignment(ROOT, assignment)
    solution = (ROOT / "reference" / assignment / "solution.py").read_text()
    original = ast.unparse(ast.parse(solution))
    found = mutants(solution, loaded.functions)[:limit]
    folder, out = work / assignment / "in", work / assignment / "out"
    shutil.rmtree(work / assignment, ignore_errors=True)
    folder.mkdir(parents=True)
    by_id = {}
    for index, mutant in enumerate(found):
        sid = f"m{index:03d}"
        (folder / f"{sid}.py").write_text(mutant.source)
        by_id[sid] = mutant
    for _ in grade_paths([folder], loaded, out_dir=out, options=BatchOptions(jobs=jobs, seed=seed, regrade=True)):
        pass
    tally = Tally(assignment, mutants=len(found))
    for sid, mutant in by_id.items():
        result = json.loads((out / sid / "results.json").read_text())
        _judge(tally, mutant, original, result, (out / sid / "report.md").read_text())
    return tally


def main(work: Path, *, jobs: int, seed: int | None, limit: int | None, assignments: tuple[str, ...],
         verbose: bool) -> int:
    """Measure every assignment; print the figures; 0 when no report contradicts itself."""
    sys.path.insert(0, str(ROOT))
    total = 0
    for assignment in assignments:
        start = time.perf_counter()
        tally = measure(assignment, work, jobs=jobs, seed=seed, limit=limit)
        print(f"graded {tally.mutants} mutants of {assignment} in {time.perf_counter() - start:.1f} s "
              f"with {jobs} worker(s)")
        print("\n".join(tally.lines()))
        for line in tally.contradictions:
            print(f"  contradiction: {line}")
        for line in tally.missed if verbose else ():
            print(f"  not named: {line}")
        total += len(tally.contradictions)
    return 0 if total == 0 else 1
