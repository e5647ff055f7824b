"""Submissions from an archive: a learning platform's download (Canvas, Moodle) or a plain zip of files.

``ingest_archive`` reads the archive through ``archive`` (bounded, nothing trusted), tells whose each file is from
its name (``lms``), keeps each student's latest file and records the others as superseded, and writes the files
to grade into a private folder under names made here. What cannot be graded is said, never dropped: a member
refused by the archive checks becomes a rejected entry (a result row with its reason), and files that are not
submissions (a PDF, a text entry, macOS metadata) are listed as others.

Zip entry times are not submission times: both platforms stamp every entry with the time of the download, so
nothing here reads them (late policies need ``--timestamps`` for archive submissions; see docs/lms.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .archive import Archive, Limits, extract, read_archive
from .discovery import safe_id
from .lms import PLATFORMS, Named, detect, name_file, student_id
from .models import Identity

__all__ = ["Entry", "Ingested", "Other", "Rejected", "Superseded", "ingest_archive"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A file to grade: its id, where it was written, whose it is, and what to call it (archive: member)."""

    id: str
    path: Path
    label: str
    identity: Identity | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejected:
    """A submission that cannot be graded at all, and why: it becomes a result row with this reason."""

    id: str
    label: str
    reason: str
    identity: Identity | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Superseded:
    """A file a student handed in that a later one of theirs replaces: recorded, not graded."""

    id: str  # the student's submission id
    label: str
    by: str  # the label of the file that is graded instead


@dataclass(frozen=True, slots=True, kw_only=True)
class Other:
    """A member that is not a submission to grade, and why (a PDF, a text entry, macOS metadata, ...)."""

    label: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Ingested:
    """What an archive gave: the platform whose names it follows, and every member accounted for."""

    platform: str
    entries: tuple[Entry, ...]
    rejected: tuple[Rejected, ...] = ()
    superseded: tuple[Superseded, ...] = ()
    others: tuple[Other, ...] = ()


@dataclass(slots=True)
class _Plan:
    """The ingest being worked out: member name -> (id, identity) to grade, and everything else."""

    grade: dict[str, tuple[str, Identity | None]]
    rejected: list[Rejected]
    superseded: list[Superseded]
    others: list[Other]
    taken: set[str]

    def new_id(self, wanted: str) -> str:
        base = safe_id(wanted)
        sid, n = base, 2
        while sid in self.taken:
            sid, n = f"{base}-{n}", n + 1
        self.taken.add(sid)
        return sid


def _label(archive: Path, member: str) -> str:
    return f"{archive.name}: {member}"


def _not_a_submission(member: str, named: Named, suffixes: Sequence[str]) -> str:
    """Why a member is not a file to grade, or "" when it is one."""
    path = PurePosixPath(member)
    if path.parts[0] == "__MACOSX" or path.name.startswith("._") or path.name == ".DS_Store":
        return "macOS metadata"
    if named.kind != "file":
        return f"a {named.kind} entry, not a file ({' or '.join(suffixes)})"
    if path.suffix.lower() not in suffixes:
        return f"not a submission: the grader takes {' and '.join(suffixes)} files"
    return ""


def _plan_members(source: Path, archive: Archive, platform: str, suffixes: Sequence[str], taken: set[str]) -> _Plan:
    plan = _Plan(grade={}, rejected=[], superseded=[], others=[], taken=set(taken))
    by_student: dict[str, list[tuple[Named, str]]] = defaultdict(list)
    unnamed: list[str] = []
    for member in archive.members:
        named = name_file(platform, member.name) if platform != "plain" else Named(identity=None)
        reason = _not_a_submission(member.name, named, suffixes)
        if reason:
            plan.others.append(Other(label=_label(source, member.name), reason=reason))
        elif named.identity is None:
            unnamed.append(member.name)
        else:
            by_student[student_id(named.identity)].append((named, member.name))
    for student in sorted(by_student):
        files = sorted(by_student[student], key=lambda item: item[0].order)
        latest_named, latest = files[-1]
        sid = plan.new_id(student)
        assert latest_named.identity is not None
        plan.grade[latest] = (sid, latest_named.identity)
        for _, older in files[:-1]:
            plan.superseded.append(Superseded(id=sid, label=_label(source, older), by=_label(source, latest)))
    for name in sorted(unnamed):
        plan.grade[name] = (plan.new_id(PurePosixPath(name).stem), None)
    _plan_refused(source, archive, platform, plan, suffixes)
    return plan


def _plan_refused(source: Path, archive: Archive, platform: str, plan: _Plan, suffixes: Sequence[str]) -> None:
    """A refused member is a row of its student's when they have no other file, a row of its own when it claims
    to be a submission, and an "other" otherwise."""
    graded_students = {identity.user_id for _, identity in plan.grade.values() if identity is not None}
    for refused in archive.refused:
        named = name_file(platform, refused.name) if platform != "plain" else Named(identity=None)
        label = _label(source, refused.name)
        if named.identity is not None and named.identity.user_id in graded_students:
            plan.others.append(Other(label=label, reason=refused.reason))
        elif named.identity is not None:
            graded_students.add(named.identity.user_id)
            plan.rejected.append(Rejected(id=plan.new_id(student_id(named.identity)), label=label,
                                          reason=refused.reason, identity=named.identity))
        elif PurePosixPath(refused.name.replace("\\", "/")).suffix.lower() in suffixes:
            plan.rejected.append(Rejected(id=plan.new_id("refused-" + PurePosixPath(refused.name).stem),
                                          label=label, reason=refused.reason))
        else:
            plan.others.append(Other(label=label, reason=refused.reason))


def ingest_archive(source: Path, folder: Path, *, suffixes: Sequence[str], platform: str = "auto",
                   limits: Limits | None = None, taken: set[str] | None = None) -> Ingested:
    """Read ``source`` (a zip) and write the files to grade into ``folder``, a private folder the caller made and
    removes. ``taken`` holds ids already used in the batch; the new ones are added to it."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}")
    limits = limits or Limits()
    archive = read_archive(source, limits)
    if platform == "auto":
        platform = detect((m.name for m in archive.members), suffixes)
    plan = _plan_members(source, archive, platform, suffixes, taken if taken is not None else set())
    order = sorted(plan.grade)
    names = {member: f"{n}{PurePosixPath(member).suffix.lower()}" for n, member in enumerate(order)}
    written, failed = extract(archive, folder, names, limits)
    entries = []
    for member in order:
        sid, identity = plan.grade[member]
        if member in written:
            entries.append(Entry(id=sid, path=written[member], label=_label(source, member), identity=identity))
    for refused in failed:
        sid, identity = plan.grade[refused.name]
        plan.rejected.append(Rejected(id=sid, label=_label(source, refused.name), reason=refused.reason,
                                      identity=identity))
    if taken is not None:
        taken |= {e.id for e in entries} | {r.id for r in plan.rejected}
    return Ingested(platform=platform, entries=tuple(entries), rejected=tuple(plan.rejected),
                    superseded=tuple(plan.superseded), others=tuple(plan.others))
