"""grader: a sandboxed autograder for deep-learning course assignments.

The flow of a submission: ``load`` → ``sandbox``/``session`` (isolated execution) → ``checks`` (hidden pytest, in
this trusted process) → ``score`` → ``render``. ``pipeline`` wires the stages; ``cli`` is a thin layer over it.
Submodules are imported on first use, so that the sandbox's zygote, which imports this package, stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["CheckResult", "SubmissionResult", "check", "grade_paths", "load_assignment"]

_EXPORTS = {
    "check": "grader.student",
    "CheckResult": "grader.models",
    "SubmissionResult": "grader.models",
    "grade_paths": "grader.pipeline",
    "load_assignment": "grader.assignment",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
