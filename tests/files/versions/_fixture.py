"""One fixture: a notebook (and its .py export) with what grading it should cost, in the manifest's terms."""

from __future__ import annotations

from dataclasses import dataclass, field

import _nbkit as nk


@dataclass(frozen=True)
class Fixture:
    assignment: str  # the grader's assignment name
    version: str  # the course version it reproduces
    name: str  # file stem
    cells: list[nk.Cell]
    metadata: dict
    minor: int  # nbformat_minor
    export: str | None  # nbconvert layout of the .py export ("old", "new"), None for no export
    note: str  # what this fixture is
    lost: dict[str, str] = field(default_factory=dict)  # function -> "some" | "all"; every other function: nothing
    mistakes: tuple[str, ...] = ()  # ids of the planted mistakes
    quirks: tuple[str, ...] = ()  # layout quirks the test verifies (see test_course_versions.QUIRKS)
    python2: bool = False  # code in Python 2 syntax: the .py export does not parse as Python 3

    def files(self) -> dict[str, bytes]:
        """{path relative to tests/files/versions: bytes}."""
        base = f"{self.assignment}/{self.version}/{self.name}"
        out = {f"{base}.ipynb": nk.dumps(nk.notebook(self.cells, self.metadata, minor=self.minor))}
        if self.export:
            out[f"{base}.py"] = nk.export_py(self.cells, style=self.export)
        return out

    def manifest(self) -> dict:
        entry: dict = {"note": self.note, "lost": dict(sorted(self.lost.items())), "mistakes": list(self.mistakes),
                       "quirks": sorted(self.quirks), "python2": self.python2,
                       "files": sorted(p.rsplit("/", 1)[1] for p in self.files())}
        return entry


def number(cells: list[nk.Cell], first: int, *, order: list[int] | None = None) -> None:
    """Give the code cells that have outputs or are meant as run an execution count: ``first``, ``first + 1``, ...
    in notebook order, or in ``order`` (a permutation of their positions) for a notebook run out of order."""
    ran = [c for c in cells if c.kind == "code" and c.count != -1]
    positions = order if order is not None else list(range(len(ran)))
    for cell, pos in zip(ran, positions):
        cell.count = first + pos
        for out in cell.outputs:
            if out["output_type"] == "execute_result":
                out["execution_count"] = cell.count
    for cell in cells:
        if cell.kind == "code" and cell.count == -1:
            cell.count = None


def never_run(cells: list[nk.Cell]) -> None:
    """A notebook that was saved without being run: no counts, no outputs."""
    for cell in cells:
        if cell.kind == "code":
            cell.count = None
            cell.outputs = []
