"""The learning platforms' own names for students' files: who handed a file in, read from its name in the
platform's download, and the names the platform needs to give feedback back. The rules and where they come from
are in docs/lms.md; this module only applies them.

Canvas ("Download Submissions"): one flat folder of ``<name>[_LATE]_<user id>_<attachment id>_<file name>``, where
``<name>`` is the sortable name lower-cased with every non-word character removed (and any ``_<digits>_`` run
collapsed, so the ids are the first two all-digit pieces), ``LATE`` is Canvas's late marker, and ``<file name>`` is
the name the student's file had in Canvas (``planar-1.ipynb`` when they uploaded a file of the same name again).
Under anonymous grading the name and user id give way to ``anon_<anonymous id>``; text entries and URLs come as
``<name>[_LATE]_<user id>_text.html`` and ``..._link.html``.

Moodle ("Download all submissions"): ``<full name>_<participant id>_assignsubmission_<plugin>`` is a folder
(Moodle 4.1 on; ``..._<plugin>_/`` before) or, with "download submissions in folders" off, a prefix of each file
name. The full name has its underscores turned into spaces, so the first ``_`` ends it; the participant id is the
per-assignment number Moodle's grading worksheet shows as "Participant <id>".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from .models import Identity

__all__ = ["CANVAS", "MOODLE", "Named", "PLATFORMS", "canvas_feedback_name", "detect", "moodle_feedback_name",
           "name_file", "student_id"]

CANVAS = "canvas"
MOODLE = "moodle"
PLATFORMS = ("auto", CANVAS, MOODLE, "plain")

_CANVAS_FILE = re.compile(r"^(?P<name>.*?)_(?:(?P<late>LATE)_)?(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>.+)$", re.S)
_CANVAS_ANON = re.compile(r"^(?:(?P<late>LATE)_)?(?P<user>anon_[A-Za-z0-9]+)_(?P<attachment>\d+)_(?P<file>.+)$", re.S)
_CANVAS_ENTRY = re.compile(r"^(?P<name>.*?)_(?:(?P<late>LATE)_)?(?P<user>\d+|anon_[A-Za-z0-9]+)_(?P<kind>text|link)"
                           r"\.html$", re.S)
_MOODLE_FOLDER = re.compile(r"^(?P<name>[^_]*)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_?$")
_MOODLE_FLAT = re.compile(r"^(?P<name>[^_]*)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.+)$",
                          re.S)


@dataclass(frozen=True, slots=True, kw_only=True)
class Named:
    """What a member's name says: the student (None when the name does not follow the platform's rules), what kind
    of entry it is ("file" for an uploaded file, else e.g. "text", "link", "onlinetext"), the file's own name, and
    a key that orders one student's files from oldest to newest."""

    identity: Identity | None
    kind: str = "file"
    file: str = ""
    order: tuple[int, str] = (0, "")


def _canvas(member: str) -> Named:
    base = PurePosixPath(member).name
    found = _CANVAS_ANON.match(base) or _CANVAS_FILE.match(base)
    if found is not None:
        groups = found.groupdict()
        name = groups.get("name") or ""
        late = bool(groups["late"])
        prefix = "_".join(part for part in (name if "name" in groups else None, "LATE" if late else None,
                                            groups["user"]) if part is not None)
        identity = Identity(platform=CANVAS, user_id=groups["user"], name=name, late=late, prefix=prefix,
                            attachment=groups["attachment"], file=member)
        # Canvas numbers attachments as they are uploaded: the larger id is the later file.
        return Named(identity=identity, file=groups["file"], order=(int(groups["attachment"]), groups["file"]))
    entry = _CANVAS_ENTRY.match(base)
    if entry is not None:
        late = bool(entry["late"])
        prefix = "_".join(p for p in (entry["name"], "LATE" if late else None, entry["user"]) if p is not None)
        identity = Identity(platform=CANVAS, user_id=entry["user"], name=entry["name"], late=late, prefix=prefix,
                            file=member)
        return Named(identity=identity, kind=entry["kind"], file=base)
    return Named(identity=None, file=base)


def _moodle(member: str) -> Named:
    parts = PurePosixPath(member).parts
    for depth, part in enumerate(parts[:-1]):  # a folder per student and plugin (the default since Moodle 3.1)
        found = _MOODLE_FOLDER.match(part)
        if found is not None:
            return _moodle_named(found, member, "/".join(parts[depth + 1 :]))
    flat = _MOODLE_FLAT.match(parts[-1])
    if flat is not None:
        return _moodle_named(flat, member, flat["file"])
    return Named(identity=None, file=parts[-1])


def _moodle_named(found: re.Match[str], member: str, file: str) -> Named:
    prefix = f"{found['name']}_{found['user']}"
    identity = Identity(platform=MOODLE, user_id=found["user"], name=found["name"], prefix=prefix, file=member)
    kind = "file" if found["plugin"] == "file" else found["plugin"]
    # Moodle's zip gives no order between a student's files (they are all of the current attempt, stamped with
    # the time of the download): the order is the file name's, so the choice is at least the same every time.
    return Named(identity=identity, kind=kind, file=file, order=(0, file))


def name_file(platform: str, member: str) -> Named:
    """What the platform's name for ``member`` says (``platform`` is canvas or moodle)."""
    return _canvas(member) if platform == CANVAS else _moodle(member)


def detect(members: Iterable[str], suffixes: Sequence[str]) -> str:
    """The platform whose naming rules most of the gradable members follow; "plain" when neither's do."""
    gradable = [m for m in members if PurePosixPath(m).suffix.lower() in suffixes]
    if not gradable:
        return "plain"
    counts = {platform: sum(name_file(platform, m).identity is not None for m in gradable)
              for platform in (CANVAS, MOODLE)}
    best = max(counts, key=lambda p: counts[p])
    return best if counts[best] * 2 > len(gradable) else "plain"


def student_id(identity: Identity) -> str:
    """The id a student's results are filed under: the platform's own prefix for them (``lastfirst_12345``,
    ``Ada Lovelace_12345``) without the late marker, so that it stays the same when they hand in again."""
    if identity.platform == CANVAS:
        return f"{identity.name}_{identity.user_id}" if identity.name else identity.user_id
    return f"{identity.name}_{identity.user_id}"


def canvas_feedback_name(identity: Identity, file: str = "report.html") -> str:
    """A file name Canvas's "Re-upload submissions" attaches to this student's submission.

    Canvas reads the base name, drops ``LATE`` pieces, takes the first two all-digit pieces as the user id and
    the attachment id (or the piece after ``anon``), and keeps the file only when that attachment belongs to the
    student's current submission: so the name is the download's own prefix, the graded file's attachment id,
    and a tail with no all-digit piece.
    """
    if not identity.attachment:
        raise ValueError(f"{identity.file}: Canvas needs the attachment id of a file the student handed in")
    tail = re.sub(r"[^A-Za-z.\-]+", "-", file).strip("-") or "report.html"
    return f"{identity.prefix}_{identity.attachment}_{tail}"


def moodle_feedback_name(identity: Identity, file: str = "report.html") -> str:
    """A path Moodle's "Upload multiple feedback files in a zip" gives to this participant as a feedback file.

    Moodle splits each folder name at its first four underscores: name, participant id, plugin type, plugin;
    the participant id must be one of the assignment's and the plugin one it has. The rest of the path is the
    feedback file's name; names starting with "." or "~" are ignored.
    """
    name = identity.name.replace("_", " ")
    tail = file.lstrip(".~") or "report.html"
    return f"{name}_{identity.user_id}_assignfeedback_file/{tail}"
