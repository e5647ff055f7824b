"""Which files are submissions, and the id each one's results are filed under.

``discover`` takes the paths of the command line: a file is a submission when its extension is one the loader
reads; a folder means the submissions directly inside it. Ids are stable and symmetric: a file's id is its name
without the extension, unless another file of the batch has the same stem, in which case every one of them keeps
its extension (``correct.py`` and ``correct.ipynb``); files with the same name in different folders take as much of
their folder path as tells them apart (``a-x.py``, ``b-x.py``). An id never depends on the order of the paths.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .models import Identity

__all__ = ["FEEDBACK_ZIP", "RESERVED", "SUFFIXES", "Submission", "discover", "no_submissions", "safe_id"]

SUFFIXES = (".py", ".ipynb")

# Names the batch itself writes into the output folder; a submission's folder must never take one of them.
RESERVED = frozenset({"gradebook.csv", "gradebook.sqlite", "gradebook.sqlite-wal", "gradebook.sqlite-shm",
                      "gradebook.sqlite-journal", "summary.html", "summary.json", "junit.xml", "similarity.html",
                      "similarity.json", "test-artifacts", "feedback.zip", "grades.csv"})
FEEDBACK_ZIP = "feedback.zip"


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """A file to grade and the id its results are filed under; from a learning platform's download, also whose it
    is and what to call it (``archive.zip: member``)."""

    id: str
    path: Path
    identity: Identity | None = None
    label: str = ""


def safe_id(text: str) -> str:
    """``text`` as a folder name: no separators or odd characters, no leading dot, none of the batch's own names."""
    cleaned = re.sub(r"[^\w.@+-]", "_", text)[:120]
    if not cleaned or cleaned.startswith(".") or cleaned.lower().removesuffix(".tmp") in RESERVED:
        return "_" + cleaned
    return cleaned


def _is_submission(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def _files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir()
                            if _is_submission(p) and not p.name.startswith(".") and not p.is_dir())
        elif not path.exists() and not path.is_symlink():
            raise UsageError(f"{path}: no such file or folder")
        elif not _is_submission(path):
            raise UsageError(f"{path}: not a submission; grade takes {_takes()} files (or folders of them)")
        else:
            files.append(path)
    unique: dict[Path, Path] = {}  # the same file named twice is graded once
    for file in files:
        unique.setdefault(_identity(file), file)
    return list(unique.values())


def _identity(path: Path) -> Path:
    try:
        return path.parent.resolve() / path.name
    except OSError:
        return path.absolute()


def _qualified(file: Path, depth: int) -> str:
    """The file's name behind its last ``depth`` folder names: ``a-x.py`` for ``.../a/x.py`` at depth 1."""
    folders = _identity(file).parent.parts[1:]
    kept = folders[max(len(folders) - depth, 0):] if depth else ()
    return safe_id("-".join([*kept, file.name]))


def _ids(files: Sequence[Path]) -> dict[Path, str]:
    """Stem when it is unique; else the whole name; else as many parent folders as tell the files apart."""
    by_stem: dict[str, list[Path]] = defaultdict(list)
    for file in files:
        by_stem[safe_id(file.stem)].append(file)
    ids: dict[Path, str] = {}
    for stem, group in by_stem.items():
        if len(group) == 1:
            ids[group[0]] = stem
            continue
        deepest = max(len(_identity(f).parent.parts) for f in group)
        for depth in range(deepest + 1):
            named = {file: _qualified(file, depth) for file in group}
            if len(set(named.values())) == len(group):
                break
        ids.update(named)
    # What still clashes (x.py.py beside x.py and x.ipynb, or names cut at 120 characters) is numbered in the
    # order of the full paths, which does not depend on the command line's order.
    taken: set[str] = set()
    for file in sorted(files, key=lambda f: (ids[f], str(_identity(f)))):
        sid, n = ids[file], 2
        while sid in taken:
            sid, n = f"{ids[file]}-{n}", n + 1
        taken.add(sid)
        ids[file] = sid
    return ids


def discover(paths: Sequence[Path]) -> tuple[Submission, ...]:
    """The submissions named by ``paths``: files as given, and the .py/.ipynb files directly inside folders.

    Raises ``UsageError`` for a path that does not exist or a file that is not a submission. Returns the
    submissions sorted by id; an empty tuple when the folders hold none (see ``no_submissions``).
    """
    files = _files(paths)
    ids = _ids(files)
    return tuple(sorted((Submission(id=ids[f], path=f) for f in files), key=lambda s: s.id))


def _takes() -> str:
    return " and ".join(SUFFIXES)


def no_submissions(paths: Sequence[Path]) -> UsageError:
    """The error for a batch with nothing to grade: where it looked, what it takes, and what it found instead."""
    where = ", ".join(str(p) for p in paths) or "(no path)"
    others: list[str] = []
    for path in paths:
        if path.is_dir():
            others += sorted(p.name for p in path.iterdir() if not p.name.startswith("."))
    found = ""
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        found = f" (it holds {shown})"
    return UsageError(f"no submissions found in {where}{found}: grade takes {_takes()} files, directly inside "
                      "the folders given (not in subfolders)")
