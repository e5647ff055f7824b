"""Untrusted archives (grader/archive.py): every hostile shape is refused by name with its reason, within bounded
memory, and nothing is ever written outside the private folder."""

from __future__ import annotations

import stat
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from grader.archive import ArchiveError, Limits, extract, iter_members, read_archive


def _zip(path: Path, members: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _reasons(archive) -> dict[str, str]:
    return {r.name: r.reason for r in archive.refused}


def test_ordinary_members_are_listed_and_extracted_under_names_the_caller_chose(tmp_path):
    path = _zip(tmp_path / "s.zip", {"a/x.py": b"x = 1\n", "b.ipynb": b"{}", "folder/": b""})
    archive = read_archive(path)
    assert [m.name for m in archive.members] == ["a/x.py", "b.ipynb"]
    assert archive.refused == ()
    out = tmp_path / "private"
    out.mkdir(mode=0o700)
    written, failed = extract(archive, out, {"a/x.py": "0.py"})
    assert failed == ()
    assert written == {"a/x.py": out / "0.py"}
    assert (out / "0.py").read_bytes() == b"x = 1\n"
    assert sorted(p.name for p in out.iterdir()) == ["0.py"]


def test_extract_refuses_a_target_name_that_is_a_path(tmp_path):
    archive = read_archive(_zip(tmp_path / "s.zip", {"x.py": b"1"}))
    with pytest.raises(ValueError):
        extract(archive, tmp_path, {"x.py": "../x.py"})


@pytest.mark.parametrize("name", ["../evil.py", "a/../../evil.py", "/etc/evil.py", "C:\\evil.py", "..\\evil.py",
                                  "a\nb.py", "a\x00b.py"])
def test_paths_that_climb_out_or_are_absolute_are_refused_and_never_written(tmp_path, name):
    path = tmp_path / "in" / "s.zip"
    path.parent.mkdir()
    info = zipfile.ZipInfo(name.replace("\x00", "?"))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, b"import os\n")
    if "\x00" in name:  # zipfile cuts names at NUL when writing; put the byte in the file itself
        data = path.read_bytes().replace(b"a?b.py", b"a\x00b.py")
        path.write_bytes(data)
    archive = read_archive(path)
    assert archive.members == ()
    [refused] = archive.refused
    assert "absolute" in refused.reason or "control character" in refused.reason
    out = tmp_path / "in" / "private"
    out.mkdir()
    assert extract(archive, out, {}) == ({}, ())
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["in", "private", "s.zip"]


def test_a_symbolic_link_inside_the_archive_is_refused(tmp_path):
    path = tmp_path / "s.zip"
    link = zipfile.ZipInfo("notebook.ipynb")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    fifo = zipfile.ZipInfo("pipe.py")
    fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(link, "/etc/passwd")
        zf.writestr(fifo, "")
        zf.writestr("ok.py", "x = 1")
    archive = read_archive(path)
    assert [m.name for m in archive.members] == ["ok.py"]
    reasons = _reasons(archive)
    assert "symbolic link" in reasons["notebook.ipynb"]
    assert "not a regular file" in reasons["pipe.py"]


def test_duplicate_names_are_all_refused_even_when_they_differ_only_in_case(tmp_path):
    path = tmp_path / "s.zip"
    with pytest.warns(UserWarning):  # zipfile itself warns when writing a duplicate name
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("a.py", "x = 1")
            zf.writestr("a.py", "x = 2")
            zf.writestr("B.py", "y = 1")
            zf.writestr("b.py", "y = 2")
            zf.writestr("c.py", "z = 1")
    archive = read_archive(path)
    assert [m.name for m in archive.members] == ["c.py"]
    assert [r.name for r in archive.refused] == ["a.py", "a.py", "B.py", "b.py"]
    assert all("none of them is graded" in r.reason for r in archive.refused)


def _renamed(path: Path, placeholder: bytes, raw: bytes) -> Path:
    assert len(placeholder) == len(raw)
    path.write_bytes(path.read_bytes().replace(placeholder, raw))
    return path


def test_names_follow_the_utf8_flag_else_code_page_437_unless_they_are_valid_utf8(tmp_path):
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("flagged_Müller.py", "1")  # non-ASCII: zipfile sets the UTF-8 flag
        zf.writestr("MQQller.py", "2")  # to become UTF-8 bytes without the flag
        zf.writestr("MQller.py", "3")  # to become code page 437 bytes (0x81 is ü there)
    _renamed(path, b"MQQller.py", "Müller.py".encode())
    _renamed(path, b"MQller.py", "Müller.py".encode("cp437").replace(b"M\x81", b"N\x81"))
    archive = read_archive(path)
    names = {m.name: m.note for m in archive.members}
    assert names["flagged_Müller.py"] == ""
    assert "read as UTF-8" in names["Müller.py"]
    assert "code page 437" in names["Nüller.py"]


def test_a_zip_bomb_is_refused_from_its_header_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.zip"
    size = 40 * 2**20  # under the 50 MiB a file may have, but expands about 1000 times
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("bomb.ipynb")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            block = bytes(2**20)
            for _ in range(size // len(block)):
                fh.write(block)
        zf.writestr("ok.py", "x = 1")
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    archive = read_archive(path)
    read = list(iter_members(archive))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "zip bomb" in _reasons(archive)["bomb.ipynb"]
    assert [m.name for m, data, _ in read if data is not None] == ["ok.py"]
    assert peak < 2 * 2**20  # nothing near the 40 MiB was ever expanded


def test_a_member_larger_than_a_file_may_be_is_refused_and_an_archive_over_its_whole_allowance_is_refused(tmp_path):
    path = _zip(tmp_path / "s.zip", {"big.py": b"#" * 5000, "ok.py": b"x = 1"}, method=zipfile.ZIP_STORED)
    archive = read_archive(path, Limits(member_bytes=4000))
    assert "more than the 4,000 a file may have" in _reasons(archive)["big.py"]
    with pytest.raises(ArchiveError, match="more than the 3,000 an archive may have"):
        read_archive(path, Limits(total_bytes=3000))


def _patch_sizes(path: Path, name: bytes, declared: int) -> None:
    """Rewrite the uncompressed size of ``name`` in its local header and central directory entry."""
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04")
    while local >= 0:
        name_len = struct.unpack_from("<H", data, local + 26)[0]
        if bytes(data[local + 30 : local + 30 + name_len]) == name:
            struct.pack_into("<I", data, local + 22, declared)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_len]) == name:
            struct.pack_into("<I", data, central + 24, declared)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("declared", [10, 10**6])
def test_a_header_that_lies_about_the_size_makes_the_member_unreadable_not_larger(tmp_path, declared):
    path = _zip(tmp_path / "s.zip", {"liar.py": b"x = 1\n" * 10_000, "ok.py": b"y = 2"})
    _patch_sizes(path, b"liar.py", declared)
    archive = read_archive(path)
    results = {m.name: (data, reason) for m, data, reason in iter_members(archive)}
    data, reason = results["liar.py"]
    assert data is None and "cannot be read from the archive" in reason
    assert results["ok.py"] == (b"y = 2", "")


def test_the_central_directory_is_sized_before_it_is_parsed(tmp_path):
    path = _zip(tmp_path / "s.zip", {f"{i}.py": b"" for i in range(30)})
    with pytest.raises(ArchiveError, match="30 entries, more than the 20"):
        read_archive(path, Limits(members=20))
    with pytest.raises(ArchiveError, match="central directory"):
        read_archive(path, Limits(directory_bytes=100))


def test_not_a_zip_and_a_truncated_zip_are_refused_as_a_whole(tmp_path):
    (tmp_path / "a.zip").write_bytes(b"not a zip at all")
    with pytest.raises(ArchiveError, match="not a zip archive"):
        read_archive(tmp_path / "a.zip")
    good = _zip(tmp_path / "b.zip", {"x.py": b"1" * 1000})
    cut = good.read_bytes()
    (tmp_path / "c.zip").write_bytes(cut[: len(cut) // 3] + cut[-22:])
    with pytest.raises(ArchiveError):
        read_archive(tmp_path / "c.zip")


def test_encrypted_members_are_refused(tmp_path):
    path = tmp_path / "s.zip"
    info = zipfile.ZipInfo("secret.py")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, b"x = 1")
        zf.writestr("ok.py", b"y = 1")
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        struct.pack_into("<H", data, at + offset, struct.unpack_from("<H", data, at + offset)[0] | 1)
    path.write_bytes(bytes(data))
    archive = read_archive(path)
    assert "encrypted" in _reasons(archive)["secret.py"]


def test_a_member_whose_deflate_stream_is_damaged_is_a_reason_not_a_crash(tmp_path):
    path = _zip(tmp_path / "s.zip", {"x.py": zlib.compress(b"a" * 1000) * 3, "ok.py": b"1"})
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x03\x04") + 30 + len("x.py")
    data[at : at + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    results = {m.name: reason for m, _, reason in iter_members(read_archive(path))}
    assert "cannot be read" in results["x.py"]
    assert results["ok.py"] == ""
