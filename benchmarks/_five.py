"""A five-function assignment and a batch of student notebooks, for the benchmarks that compare ``grade`` with
nbgrader (``peers.py``) and measure throughput (``batch.py``).

``write_course(root)`` writes the assignment for ``grade`` (``assignments/five``, ``reference/five``: five numpy
functions of a first deep-learning week, one check of 2 points each). ``source_notebook()`` is the same assignment
as an nbgrader source notebook: a solution cell per function and an autograded test cell of 2 points after it, whose
asserts catch the same mistakes as the hidden checks. ``write_batch(folder, n)`` writes ``n`` student notebooks
(nbgrader's cells, the students' code in the solution cells, a scratch cell or two) cycling over the correct work
and five typical mistakes (each costs its function's 2 points) and a function left out; ``expected_score(name)`` is
the score both tools must give a notebook.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NAME = "five"
POINTS = 2
FUNCTIONS = ("sigmoid", "relu", "softmax", "cross_entropy", "accuracy")

SOLUTION = {
    "sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n",
    "relu": "def relu(z):\n    return np.maximum(z, 0)\n",
    "softmax": "def softmax(z):\n    e = np.exp(z - np.max(z, axis=0, keepdims=True))\n"
               "    return e / np.sum(e, axis=0, keepdims=True)\n",
    "cross_entropy": "def cross_entropy(A, Y):\n    m = Y.shape[1]\n"
                     "    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)\n",
    "accuracy": "def accuracy(A, Y):\n    return float(np.mean((A > 0.5) == Y))\n",
}
# Typical mistakes, one function each: (function, code).
MISTAKES = {
    "sigmoid_sign": ("sigmoid", "def sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"),
    "relu_abs": ("relu", "def relu(z):\n    return np.abs(z)\n"),
    "softmax_all_entries": ("softmax", "def softmax(z):\n    return np.exp(z) / np.sum(np.exp(z))\n"),
    "cost_sum": ("cross_entropy", "def cross_entropy(A, Y):\n"
                                  "    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))\n"),
    "accuracy_threshold": ("accuracy", "def accuracy(A, Y):\n    return float(np.mean((A > 0) == Y))\n"),
}
KINDS = ("correct", "correct_2", *MISTAKES, "missing_accuracy")

# The autograded test cells (nbgrader) and the hidden checks (grade) test the same things on the same inputs.
_INPUTS = '''_z = np.linspace(-4, 4, 12).reshape(3, 4)
_A = np.array([[0.9, 0.2, 0.6, 0.4, 0.7]])
_Y = np.array([[1.0, 0.0, 1.0, 0.0, 0.0]])
'''
TESTS = {
    "sigmoid": "assert np.allclose(sigmoid(_z), 1 / (1 + np.exp(-_z)))",
    "relu": "assert np.allclose(relu(_z), np.where(_z > 0, _z, 0))",
    "softmax": "_e = np.exp(_z)\nassert np.allclose(softmax(_z), _e / _e.sum(axis=0))",
    "cross_entropy": "assert np.isclose(cross_entropy(_A, _Y), -np.mean(_Y * np.log(_A) + (1 - _Y) * np.log(1 - _A)))",
    "accuracy": "assert np.isclose(accuracy(_A, _Y), 0.8)",
}

_CHECKS = '''"""The hidden checks of the five-function benchmark assignment: one per function, the reference's values on
varied inputs."""

import numpy as np
import pytest

from grader.checking import expect_close


def _check(student, reference, function, *args):
    got = getattr(student, function)(*args)
    expect_close(np.asarray(got, dtype=float), np.asarray(getattr(reference, function)(*args), dtype=float),
                 f"{function}'s result", rtol=1e-6, atol=1e-9)


@pytest.mark.grades("sigmoid")
def test_sigmoid_values(student, reference, rng):
    _check(student, reference, "sigmoid", rng.standard_normal((3, 4)) * 3)


@pytest.mark.grades("relu")
def test_relu_values(student, reference, rng):
    _check(student, reference, "relu", rng.standard_normal((3, 4)))


@pytest.mark.grades("softmax")
def test_softmax_values(student, reference, rng):
    _check(student, reference, "softmax", rng.standard_normal((3, 4)))


@pytest.mark.grades("cross_entropy")
def test_cross_entropy_values(student, reference, rng):
    A = rng.uniform(0.05, 0.95, (1, 6))
    _check(student, reference, "cross_entropy", A, (rng.random((1, 6)) > 0.5).astype(float))


@pytest.mark.grades("accuracy")
def test_accuracy_values(student, reference, rng):
    _check(student, reference, "accuracy", np.array([[0.2, 0.3, 0.8, 0.6]]), np.array([[0.0, 0.0, 1.0, 0.0]]))
    A = rng.uniform(0.05, 0.95, (1, 9))
    _check(student, reference, "accuracy", A, (rng.random((1, 9)) > 0.5).astype(float))
'''


def write_course(root: Path) -> Path:
    """The assignment under ``root`` (assignments/five, reference/five); returns ``root``."""
    public, hidden = root / "assignments" / NAME, root / "reference" / NAME
    (hidden / "checks").mkdir(parents=True)
    public.mkdir(parents=True)
    (public / "assignment.toml").write_text(
        f'name = "{NAME}"\nversion = "1"\ntitle = "Five functions"\nfunctions = {json.dumps(list(FUNCTIONS))}\n'
        'execute = "definitions"\nstub_modules = ["matplotlib"]\n\n[limits]\ncall_seconds = 10\n')
    (hidden / "solution.py").write_text("import numpy as np\n\n\n" + "\n\n".join(SOLUTION.values()))
    points = "\n".join(f'"{f}::{f}_values" = {POINTS}' for f in FUNCTIONS)
    (hidden / "grading.toml").write_text(f"[points]\n{points}\n")
    (hidden / "checks" / "test_five.py").write_text(_CHECKS)
    return root


def _cell(kind: str, source: str, **nbgrader: Any) -> dict[str, Any]:
    metadata = {"nbgrader": {"schema_version": 3, "task": False, **nbgrader}} if nbgrader else {}
    cell: dict[str, Any] = {"cell_type": kind, "metadata": metadata, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _notebook(code: dict[str, str | None], *, source: bool = False, scratch: bool = False) -> dict[str, Any]:
    """The notebook with ``code[f]`` in each function's solution cell (None: the cell left empty, as a student who
    skipped it). ``source``: nbgrader's source notebook (solutions between BEGIN/END SOLUTION)."""
    cells = [_cell("markdown", "# Five functions\n\nImplement each function in its cell."),
             _cell("code", "import numpy as np\n" + _INPUTS, grade=False, solution=False, locked=True,
                   grade_id="setup")]
    for function in FUNCTIONS:
        text = code[function]
        if source and text is not None:
            head, _, body = text.partition("\n")
            text = f"{head}\n    ### BEGIN SOLUTION\n{body}    ### END SOLUTION\n"
        cells.append(_cell("markdown", f"## {function}"))
        cells.append(_cell("code", text if text is not None else "# YOUR CODE HERE\n", grade=False,
                           solution=True, locked=False, grade_id=f"{function}_code"))
        if scratch:
            cells.append(_cell("code", f"print({function}.__name__)  # trying it out"))
        cells.append(_cell("code", TESTS[function], grade=True, solution=False, locked=True,
                           grade_id=f"test_{function}", points=POINTS))
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                         "language": "python"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def source_notebook() -> dict[str, Any]:
    """nbgrader's source notebook of the assignment."""
    return _notebook(dict(SOLUTION), source=True)


def kind_of(name: str) -> str:
    """The kind of a notebook written by ``write_batch``, from its file name or submission id."""
    return name.removesuffix(".ipynb").split("_", 1)[1]


def student_notebook(kind: str, number: int) -> dict[str, Any]:
    code: dict[str, str | None] = dict(SOLUTION)
    if kind in MISTAKES:
        function, text = MISTAKES[kind]
        code[function] = text
    elif kind == "missing_accuracy":
        code["accuracy"] = None
    # Every notebook unique, and so is every cell its student wrote: each solution a text of its own, as students'
    # code is in a real class (a grader that remembered parses would otherwise meet the same text 200 times). The
    # cells the instructor wrote (imports, tests, the stub a student left) are the same in every notebook, as they are.
    code = {f: None if text is None else f"{text}# {number}\n" for f, text in code.items()}
    notebook = _notebook(code, scratch=True)
    notebook["cells"][0]["source"] += f"\n\nSubmission {number}."
    return notebook


def expected_score(name: str) -> float:
    """The score of a notebook written by ``write_batch``: full marks less the 2 points of a mistaken or missing
    function."""
    kind = kind_of(name)
    return float(POINTS * len(FUNCTIONS) - (POINTS if kind in MISTAKES or kind == "missing_accuracy" else 0))


def write_batch(folder: Path, n: int) -> list[Path]:
    """``n`` unique student notebooks cycling over ``KINDS``, named ``s00000_<kind>.ipynb``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        path = folder / f"s{i:05d}_{kind}.ipynb"
        path.write_text(json.dumps(student_notebook(kind, i), indent=1))
        paths.append(path)
    return paths
