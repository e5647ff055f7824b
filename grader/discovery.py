"""Which files are submissions, and the id each one's results are filed under.

``discover`` takes the paths of the command line: a file is a submission when its extension is one the loader
reads; a folder means the submissions directly inside it. Ids are stable and symmetric: a file's id is its name
without the extension, unless another file of the batch has the same stem, in which case every one of them keeps
its extension (``correct.py`` and ``correct.ipynb``); files with the same name in different folders take as much of
their folder path as tells them apart (``a-x.py``, ``b-x.py``). An id never depends on the order of the paths.
"""

from __future__ import annotations

import os
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
    is and what to call it (``archive.zip: member``).

    The file's path is kept as text (``file``): a batch keeps every submission for as long as it runs, and a
    ``Path`` costs several times the memory, its parts interned for as long as it lives (ARCHITECTURE.md)."""

    id: str
    file: str
    identity: Identity | None = None
    label: str = ""

    @property
    def path(self) -> Path:
        return Path(self.file)


def safe_id(text: str) -> str:
    """``text`` as a folder name: no separators or odd characters, no leading dot, none of the batch's own names."""
    cleaned = re.sub(r"[^\w.@+-]", "_", text)[:120]
    if not cleaned or cleaned.startswith(".") or cleaned.lower().removesuffix(".tmp") in RESERVED:
        return "_" + cleaned
    return cleaned


def _is_submission(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in SUFFIXES


def _files(paths: Sequence[Path]) -> dict[str, str]:
    """The submissions' paths as text, each file once, with its identity (``_identity``). A folder's files are
    listed without a ``Path`` each."""
    files: list[str] = []
    for path in paths:
        if path.is_dir():
            with os.scandir(path) as entries:
                files += sorted(entry.path for entry in entries
                                if _is_submission(entry.name) and not entry.name.startswith(".") and not entry.is_dir())
        elif not path.exists() and not path.is_symlink():
            raise UsageError(f"{path}: no such file or folder")
        elif not _is_submission(path.name):
            raise UsageError(f"{path}: not a submission; grade takes {_takes()} files (or folders of them)")
        else:
            files.append(str(path))
    folders: dict[str, str] = {}  # a folder's own path -> where it really is, resolved once
    unique: dict[str, str] = {}  # identity -> the file: the same file named twice is graded once
    for file in files:
        unique.setdefault(_identity(file, folders), file)
    return {file: identity for identity, file in unique.items()}


def _identity(file: str, folders: dict[str, str]) -> str:
    """The file's absolute path, its folder's links resolved (not its own: a link is graded under its name)."""
    folder, name = os.path.split(file)
    if folder not in folders:
        try:
            folders[folder] = os.path.realpath(folder or ".")
        except OSError:
            folders[folder] = os.path.abspath(folder or ".")
    return os.path.join(folders[folder], name)


def _folders(identity: str) -> list[str]:
    """The folder names of an identity (absolute), outermost first."""
    return [part for part in os.path.dirname(identity).split(os.sep) if part]


def _qualified(identity: str, depth: int) -> str:
    """The file's name behind its last ``depth`` folder names: ``a-x.py`` for ``.../a/x.py`` at depth 1."""
    folders = _folders(identity)
    kept = folders[max(len(folders) - depth, 0):] if depth else []
    return safe_id("-".join([*kept, os.path.basename(identity)]))


def _ids(identity: dict[str, str]) -> dict[str, str]:
    """Stem when it is unique; else the whole name; else as many parent folders as tell the files apart. Takes each
    file with its identity, as ``_files`` gives them."""
    files = list(identity)
    by_stem: dict[str, list[str]] = defaultdict(list)
    for file in files:
        by_stem[safe_id(os.path.splitext(os.path.basename(file))[0])].append(file)
    ids: dict[str, str] = {}
    for stem, group in by_stem.items():
        if len(group) == 1:
            ids[group[0]] = stem
            continue
        deepest = max(len(_folders(identity[f])) for f in group)
        for depth in range(deepest + 1):
            named = {file: _qualified(identity[file], depth) for file in group}
            if len(set(named.values())) == len(group):
                break
        ids.update(named)
    # What still clashes (x.py.py beside x.py and x.ipynb, or names cut at 120 characters) is numbered in the
    # order of the full paths, which does not depend on the command line's order.
    taken: set[str] = set()
    for file in sorted(files, key=lambda f: (ids[f], identity[f])):
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
    ids = _ids(_files(paths))
    return tuple(sorted((Submission(id=sid, file=f) for f, sid in ids.items()), key=lambda s: s.id))


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
