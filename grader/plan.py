"""What one ``grade`` invocation grades: for each batch, the assignment, the submissions and the output folder.

``grade PATH...`` is one batch: the assignment named, else the one the paths lie inside, else the only one there
is. ``grade`` with no path grades the bundled examples of every assignment (or of the one named), each batch into a
folder of its own. Archives among the paths are read later, by the coordinator, into a private folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .assignment import Assignment, available, load_assignment
from .discovery import Submission, discover, no_submissions
from .errors import UsageError
from .sources import has_archive

__all__ = ["EXECUTORS", "PlannedBatch", "pick_assignment", "plan"]

# How a batch can be run (``grader.executors``); here so that the CLI lists them without importing the engine.
EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class PlannedBatch:
    assignment: Assignment
    submissions: tuple[Submission, ...] | None  # None: the paths hold archives, which the coordinator reads
    out: Path


def pick_assignment(root: Path, name: str | None, paths: Sequence[Path]) -> str:
    """The assignment named; else the one a path lies inside (``assignments/<name>/...``); else the only one."""
    names = available(root)
    if name:
        return name
    for path in paths:
        resolved = path.resolve()
        for candidate in names:
            if (root / "assignments" / candidate).resolve() in (resolved, *resolved.parents):
                return candidate
    if len(names) == 1:
        return names[0]
    raise UsageError(f"say which assignment with --assignment (available: {', '.join(names) or 'none'})")


def plan(root: Path, paths: Sequence[Path], assignment_name: str | None, out_dir: Path | None) -> list[PlannedBatch]:
    """The batches to grade, in order. Raises UsageError when there is nothing to grade or no way to tell the
    assignment."""
    target = out_dir or root / "reports"
    if paths:  # an assignment named, then what to grade, then the assignment the paths imply
        named = load_assignment(root, assignment_name) if assignment_name else None
        submissions = None if has_archive(paths) else discover(paths)
        if submissions is not None and not submissions:
            raise no_submissions(paths)
        assignment = named or load_assignment(root, pick_assignment(root, None, paths))
        return [PlannedBatch(assignment, submissions, target)]
    names = [assignment_name] if assignment_name else list(available(root))
    batches = []
    for name in names:
        assignment = load_assignment(root, name)
        examples = [assignment.public_dir / "examples"]
        found = discover(examples)
        if not found:
            raise no_submissions(examples)
        batches.append(PlannedBatch(assignment, found, target / name if len(names) > 1 else target))
    return batches
