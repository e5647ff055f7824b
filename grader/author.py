"""Authoring: generate the student's notebook and .py file from the one source, ``reference/<name>/solution.py``.

The source is importable Python in "percent" cell format (see docs/authoring.md)::

    # %% [markdown]      a Markdown cell, written as comment lines
    # %%                 a code cell for the solution and the students
    # %% [student]       a code cell only students get, commented out in the source
    # %% [solution]      a code cell only the reference has (e.g. a copy of a helper it cannot import)
    ### BEGIN SOLUTION / ### END SOLUTION    the answer, replaced by a stub in the student files

Generation is deterministic (cell ids are numbered), so a test can compare the committed files with a fresh run.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ._nbformat import nbformat
from .assignment import Assignment
from .errors import ConfigError

__all__ = [
    "Cell",
    "CellKind",
    "STUB",
    "generated_files",
    "parse_source",
    "stale_files",
    "student_lines",
    "student_notebook",
    "student_python",
    "write_generated",
]

CellKind = Literal["markdown", "code", "student", "solution"]

_HEADER = re.compile(r"^# %%(?:\s*\[(?P<kind>[a-z]+)\])?\s*$")
_BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*### END SOLUTION\s*$")
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """One cell of the source."""

    kind: CellKind
    lines: tuple[str, ...]
    line: int  # where the cell's first line is in the source, for error messages


def _uncomment(line: str) -> str:
    if line.startswith("# "):
        return line[2:]
    return "" if line.strip() == "#" else line


def _trim(lines: list[str]) -> tuple[str, ...]:
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return tuple(lines)


def _without_docstring(lines: list[str]) -> list[str]:
    try:
        body = ast.parse("\n".join(lines)).body
    except SyntaxError:
        return lines
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return lines[body[0].end_lineno or 0:]
    return lines


def parse_source(text: str, *, path: str = "solution.py") -> tuple[Cell, ...]:
    """Split the source into cells; raises ConfigError for an unknown cell kind or unbalanced markers."""
    cells: list[Cell] = []
    kind: CellKind = "code"
    start = 1
    current: list[str] = []
    prelude = True

    def flush() -> None:
        lines = _without_docstring(current) if prelude else current
        if kind == "markdown":
            lines = [_uncomment(line) for line in lines]
        trimmed = _trim(list(lines))
        if trimmed:
            cells.append(Cell(kind=kind, lines=trimmed, line=start))

    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header is None:
            current.append(line)
            continue
        flush()
        name = header.group("kind") or "code"
        if name not in ("markdown", "code", "student", "solution"):
            raise ConfigError(f"line {number}: unknown cell kind [{name}]", path=path)
        kind, start, current, prelude = name, number, [], False  # type: ignore[assignment]
    flush()
    for cell in cells:
        _check_markers(cell, path)
    return tuple(cells)


def _check_markers(cell: Cell, path: str) -> None:
    open_at = None
    for offset, line in enumerate(cell.lines):
        if _BEGIN.match(line):
            if open_at is not None or cell.kind != "code":
                raise ConfigError(f"line {cell.line + offset}: misplaced ### BEGIN SOLUTION", path=path)
            open_at = offset
        elif _END.match(line):
            if open_at is None:
                raise ConfigError(f"line {cell.line + offset}: ### END SOLUTION without a BEGIN", path=path)
            open_at = None
    if open_at is not None:
        raise ConfigError(f"line {cell.line + open_at}: ### BEGIN SOLUTION is never closed", path=path)


def student_lines(cell: Cell) -> tuple[str, ...]:
    """The cell as students get it: solutions replaced by stubs, student-only code uncommented."""
    if cell.kind == "markdown":
        return cell.lines
    if cell.kind == "student":
        return tuple(_uncomment(line) for line in cell.lines)
    out: list[str] = []
    skipping = False
    for line in cell.lines:
        begin = _BEGIN.match(line)
        if begin:
            out += [begin.group("indent") + stub for stub in STUB]
            skipping = True
        elif _END.match(line):
            skipping = False
        elif not skipping:
            out.append(line)
    return tuple(out)


def student_python(cells: tuple[Cell, ...]) -> str:
    """The student's .py file, in percent format so editors show its cells."""
    parts = []
    for cell in cells:
        if cell.kind == "solution":
            continue
        if cell.kind == "markdown":
            parts.append("# %% [markdown]\n" + "\n".join(f"# {line}".rstrip() for line in cell.lines))
        else:
            parts.append("# %%\n" + "\n".join(student_lines(cell)))
    return "\n\n\n".join(parts) + "\n"


def student_notebook(cells: tuple[Cell, ...], *, title: str) -> str:
    """The student's notebook as nbformat JSON, with numbered cell ids so that output is reproducible."""
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "title": title,
    }
    for index, cell in enumerate((c for c in cells if c.kind != "solution"), start=1):
        text = "\n".join(student_lines(cell))
        made = (nbformat.v4.new_markdown_cell(text) if cell.kind == "markdown"  # type: ignore[no-untyped-call]
                else nbformat.v4.new_code_cell(text))  # type: ignore[no-untyped-call]
        made.id = f"cell-{index}"
        notebook.cells.append(made)
    nbformat.validate(notebook)
    written: str = nbformat.writes(notebook)  # type: ignore[no-untyped-call]
    return written + "\n"


def generated_files(assignment: Assignment) -> dict[Path, str]:
    """Every file ``grade generate`` writes for ``assignment``, with its content."""
    source_path = assignment.solution_path
    cells = parse_source(source_path.read_text(encoding="utf-8"), path=str(source_path))
    if not any(_BEGIN.match(line) for cell in cells for line in cell.lines):
        raise ConfigError("the source has no ### BEGIN SOLUTION markers", path=str(source_path))
    return {
        assignment.public_dir / f"{assignment.stem}.py": student_python(cells),
        assignment.public_dir / f"{assignment.stem}.ipynb": student_notebook(cells, title=assignment.title),
    }


def stale_files(assignment: Assignment) -> tuple[Path, ...]:
    """Generated files whose committed content differs from a fresh generation."""
    return tuple(path for path, text in generated_files(assignment).items()
                 if not path.is_file() or path.read_text(encoding="utf-8") != text)


def write_generated(assignment: Assignment) -> tuple[Path, ...]:
    """Write the student files; returns the paths that changed."""
    changed = []
    for path, text in generated_files(assignment).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return tuple(changed)
