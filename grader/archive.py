"""Reading an untrusted zip archive (a learning platform's download) within fixed bounds of time, memory and disk.

Nothing here trusts the archive. Its central directory is sized from the end record before ``zipfile`` parses it
(a directory of millions of entries is refused unread); each member is judged by its header first (name, type,
declared size, compression ratio, encryption, method) and then read through a counter that stops one byte past
its allowance, whatever the header declared. A member is never written under its own name: ``extract`` writes the
accepted ones into a private folder (mode 0700) under names made here, so ``../``, absolute paths, links and
duplicates cannot reach a file outside it.

A problem with one member makes a ``Refused`` entry (the member's name and the reason, for a result row); a
problem with the archive as a whole (not a zip, too many members, more declared bytes than the whole allowance)
raises ``ArchiveError`` before anything is read.
"""

from __future__ import annotations

import os
import stat
import struct
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import UsageError

__all__ = ["Archive", "ArchiveError", "Limits", "Member", "Refused", "decode_name", "extract", "is_zip", "iter_members",
           "read_archive"]

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_UTF8_FLAG = 0x800
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_CHUNK = 1 << 16


class ArchiveError(UsageError):
    """The archive as a whole cannot be read safely (not a zip, too many members, too large once expanded)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """How much of an archive is read at most. The defaults fit a class's download with room to spare."""

    archive_bytes: int = 4 * 2**30  # the zip file itself
    members: int = 20_000  # entries in the central directory, folders included
    directory_bytes: int = 16 * 2**20  # the central directory
    member_bytes: int = 50 * 2**20  # one member once expanded (load.MAX_SUBMISSION_BYTES)
    total_bytes: int = 2 * 2**30  # every accepted member once expanded
    ratio: int = 100  # expanded / compressed: text compresses about 10:1, a bomb 1000:1 and more
    ratio_floor: int = 1 << 20  # members expanding to less than this are never refused for their ratio
    name_bytes: int = 1024  # a member's name


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """An entry the archive holds that passed every check of its header."""

    name: str  # the path inside the archive, "/"-separated, decoded (see ``decode_name``)
    size: int  # the declared size once expanded
    index: int  # position in the central directory
    date_time: tuple[int, int, int, int, int, int]
    note: str = ""  # e.g. how the name was decoded

    @property
    def parts(self) -> tuple[str, ...]:
        return PurePosixPath(self.name).parts


@dataclass(frozen=True, slots=True, kw_only=True)
class Refused:
    """An entry of the archive that is not read, and why."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Archive:
    """What an archive holds: the members that may be read, and the ones refused."""

    path: Path
    members: tuple[Member, ...]
    refused: tuple[Refused, ...]


def is_zip(path: Path) -> bool:
    """Whether ``path`` is a regular file that starts like a zip archive (local header or empty archive)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with open(path, "rb") as fh:
            return fh.read(4) in (b"PK\x03\x04", _EOCD)
    except OSError:
        return False


def _directory_size(path: Path, limits: Limits) -> tuple[int, int]:
    """(entries, central directory bytes) from the end records, read before ``zipfile`` parses anything."""
    size = path.stat().st_size
    if size > limits.archive_bytes:
        raise ArchiveError(f"{path}: {size:,} bytes is larger than the {limits.archive_bytes:,} an archive may have")
    with open(path, "rb") as fh:
        tail_start = max(0, size - (22 + 0xFFFF))
        fh.seek(tail_start)
        tail = fh.read()
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) - at < 22:
            raise ArchiveError(f"{path}: not a zip archive (no end of central directory)")
        entries, cd_size = struct.unpack("<6xHI", tail[at + 4 : at + 16])
        if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
            locator = tail_start + at - 20
            if locator < 0:
                raise ArchiveError(f"{path}: damaged zip64 end records")
            fh.seek(locator)
            record = fh.read(20)
            if record[:4] != _ZIP64_LOCATOR:
                raise ArchiveError(f"{path}: damaged zip64 end records")
            (offset,) = struct.unpack("<Q", record[8:16])
            if offset >= size:
                raise ArchiveError(f"{path}: damaged zip64 end records")
            fh.seek(offset)
            record = fh.read(56)
            if record[:4] != _ZIP64_EOCD or len(record) < 56:
                raise ArchiveError(f"{path}: damaged zip64 end records")
            entries, cd_size = struct.unpack("<QQ", record[32:48])
    if entries > limits.members:
        raise ArchiveError(f"{path}: {entries:,} entries, more than the {limits.members:,} an archive may have")
    if cd_size > limits.directory_bytes:
        raise ArchiveError(f"{path}: its central directory ({cd_size:,} bytes) is larger than "
                           f"{limits.directory_bytes:,} bytes")
    return entries, cd_size


def decode_name(info: zipfile.ZipInfo) -> tuple[str, str]:
    """The member's name as text, and a note when it was not marked as UTF-8.

    The zip format says a name is UTF-8 when general purpose flag bit 11 is set, else IBM code page 437. Many
    tools (macOS's Archive Utility, older Ruby and PHP zip writers) write UTF-8 without setting the flag; such a
    name reads as mojibake in cp437, so bytes that are valid UTF-8 are taken as UTF-8 and the note says so.
    """
    name = info.orig_filename  # ``filename`` is cut at a NUL byte; the name as stored is kept here
    if info.flag_bits & _UTF8_FLAG:
        return unicodedata.normalize("NFC", name), ""
    raw = name.encode("cp437")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return unicodedata.normalize("NFC", name), "name read as code page 437 (not marked as UTF-8)"
    if text == name:
        return text, ""
    return unicodedata.normalize("NFC", text), "name read as UTF-8 although the archive did not mark it so"


def _clean_path(name: str) -> str | None:
    """The name as a relative "/"-separated path, or None when it is absolute, climbs out, or holds a control
    character. Backslashes count as separators (zips made on Windows use them)."""
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        return None
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _judge(info: zipfile.ZipInfo, limits: Limits) -> str:
    """Why this entry is refused from its header alone, or "" when it may be read."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "a symbolic link inside the archive; links are never followed"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "not a regular file (a device, FIFO or socket entry)"
    if info.flag_bits & 0x1:
        return "encrypted; the grader does not read encrypted members"
    if info.compress_type not in _METHODS:
        return f"compressed with method {info.compress_type}, which the grader does not read"
    if len(info.filename.encode("utf-8", "surrogatepass")) > limits.name_bytes:
        return f"its name is longer than {limits.name_bytes} bytes"
    if info.file_size > limits.member_bytes:
        return f"{info.file_size:,} bytes once expanded, more than the {limits.member_bytes:,} a file may have"
    if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        return f"expands {ratio:,} times (more than {limits.ratio}:1): refused as a zip bomb"
    return ""


def read_archive(path: Path, limits: Limits = Limits()) -> Archive:
    """The archive's table of contents, judged entry by entry. Raises ``ArchiveError`` for the archive as a whole."""
    _directory_size(path, limits)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(f"{path}: not a readable zip archive ({exc})") from None
    members: list[Member] = []
    refused: list[Refused] = []
    declared = 0
    for index, info in enumerate(infos):
        text, note = decode_name(info)
        clean = _clean_path(text)
        shown = text.encode("unicode_escape").decode("ascii") if clean is None else clean
        if clean is None:
            refused.append(Refused(name=shown, reason="its path is absolute, climbs out with '..', or holds a "
                                                       "control character; it is never extracted"))
            continue
        reason = _judge(info, limits)
        if reason:
            refused.append(Refused(name=clean, reason=reason))
            continue
        if info.is_dir() or stat.S_ISDIR(info.external_attr >> 16):
            continue
        declared += info.file_size
        members.append(Member(name=clean, size=info.file_size, index=index, date_time=info.date_time, note=note))
    if declared > limits.total_bytes:
        raise ArchiveError(f"{path}: its files expand to {declared:,} bytes, more than the {limits.total_bytes:,} "
                           "an archive may have")
    return _without_duplicates(path, members, refused)


def _without_duplicates(path: Path, members: list[Member], refused: list[Refused]) -> Archive:
    """Names that occur more than once (exactly, or differing only in case or Unicode form) are all refused:
    which copy the platform meant cannot be told, and a case-insensitive disk would merge them."""
    folded = Counter(unicodedata.normalize("NFC", m.name).casefold() for m in members)
    kept = []
    for member in members:
        count = folded[unicodedata.normalize("NFC", member.name).casefold()]
        if count > 1:
            refused.append(Refused(name=member.name, reason=f"the archive holds {count} files of this name "
                                                            "(up to case); none of them is graded"))
        else:
            kept.append(member)
    return Archive(path=path, members=tuple(kept), refused=tuple(refused))


def _read_member(zf: zipfile.ZipFile, member: Member, budget: int) -> bytes:
    """The member's bytes, read in chunks and never more than its declared size or ``budget``. Raises ValueError."""
    info = zf.infolist()[member.index]
    allowed = min(member.size, budget)
    chunks: list[bytes] = []
    got = 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(min(_CHUNK, allowed - got + 1))
            if not chunk:
                break
            got += len(chunk)
            if got > allowed:
                raise ValueError("expands past its declared size")
            chunks.append(chunk)
    if got != member.size:
        raise ValueError(f"holds {got:,} bytes where its header declared {member.size:,}")
    return b"".join(chunks)


def iter_members(archive: Archive, limits: Limits = Limits()) -> Iterator[tuple[Member, bytes | None, str]]:
    """Each member with its bytes, or None and the reason it could not be read (corrupt, lying header, past the
    archive's whole allowance). At most ``limits.total_bytes`` are read in all."""
    left = limits.total_bytes
    try:
        zf = zipfile.ZipFile(archive.path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"{archive.path}: not a readable zip archive ({exc})") from None
    with zf:
        for member in archive.members:
            if member.size > left:
                yield member, None, "the archive's files together exceed the grader's allowance"
                continue
            try:
                data = _read_member(zf, member, left)
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                yield member, None, f"cannot be read from the archive: {exc}"
                continue
            except Exception as exc:  # zlib/bz2/lzma errors on damaged data have several types
                yield member, None, f"cannot be read from the archive: {type(exc).__name__}"
                continue
            left -= len(data)
            yield member, data, ""


def extract(archive: Archive, folder: Path, names: dict[str, str], limits: Limits = Limits()
            ) -> tuple[dict[str, Path], tuple[Refused, ...]]:
    """Write the members named in ``names`` (member name -> file name made by the caller, one path component)
    into ``folder``, which must be a private folder the caller made. Returns where each went, and the members that
    could not be read."""
    written: dict[str, Path] = {}
    failed: list[Refused] = []
    wanted = {m.name for m in archive.members if m.name in names}
    chosen = Archive(path=archive.path, members=tuple(m for m in archive.members if m.name in wanted), refused=())
    for member, data, reason in iter_members(chosen, limits):
        if data is None:
            failed.append(Refused(name=member.name, reason=reason))
            continue
        target_name = names[member.name]
        if "/" in target_name or target_name in ("", ".", ".."):
            raise ValueError(f"not a plain file name: {target_name!r}")
        target = folder / target_name
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with open(fd, "wb") as fh:
            fh.write(data)
        written[member.name] = target
    return written, tuple(failed)
