"""Where a batch's submissions come from: files and folders (``discovery``) and archives (``ingest``), with ids
unique across all of them.

An archive is read into a private folder the caller holds for the batch (``tempfile.TemporaryDirectory``: mode
0700, removed afterwards). Everything an archive held that is not graded stays in the ``Collected`` record: the
rows to write for rejected members, the superseded files, the other members, and the platform its names follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .archive import Limits, is_zip
from .discovery import SUFFIXES, Submission, discover
from .ingest import Other, Rejected, Superseded, ingest_archive

__all__ = ["Collected", "collect", "has_archive"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Collected:
    """A batch's submissions and what its archives held besides."""

    submissions: tuple[Submission, ...]
    rejected: tuple[Rejected, ...] = ()
    superseded: tuple[Superseded, ...] = ()
    others: tuple[Other, ...] = ()
    platform: str = "plain"  # "canvas" or "moodle" when every archive of the batch follows that platform's names


def has_archive(paths: Sequence[Path]) -> bool:
    """Whether any of ``paths`` is a zip archive."""
    return any(is_zip(path) for path in paths)


def collect(paths: Sequence[Path], folder: Path, *, platform: str = "auto", limits: Limits | None = None
            ) -> Collected:
    """The submissions named by ``paths``: archives are read into ``folder``, everything else is discovered."""
    archives = [p for p in paths if is_zip(p)]
    files = discover([p for p in paths if p not in archives]) if len(archives) < len(paths) else ()
    taken = {s.id for s in files}
    submissions = list(files)
    rejected: list[Rejected] = []
    superseded: list[Superseded] = []
    others: list[Other] = []
    platforms = set()
    for n, archive in enumerate(archives):
        into = folder / str(n)
        into.mkdir(mode=0o700)
        got = ingest_archive(archive, into, suffixes=SUFFIXES, platform=platform, limits=limits, taken=taken)
        platforms.add(got.platform)
        submissions += [Submission(id=e.id, file=str(e.path), identity=e.identity, label=e.label)
                        for e in got.entries]
        rejected += got.rejected
        superseded += got.superseded
        others += got.others
    lms = platforms - {"plain"}
    return Collected(submissions=tuple(sorted(submissions, key=lambda s: s.id)), rejected=tuple(rejected),
                     superseded=tuple(superseded), others=tuple(others),
                     platform=lms.pop() if len(lms) == 1 and not files else "plain")
