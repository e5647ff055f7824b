"""Deleting scratch folders whatever a submission left in them: no recursion, no link followed, bounded fds."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from grader._scratch import remove_tree


@pytest.fixture
def memory_tmp():
    """A folder on tmpfs when there is one, as scratch folders are in the sandbox (a disk mounted with
    ``discard`` takes milliseconds per rmdir)."""
    folder = Path(tempfile.mkdtemp(dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _chain(top, levels: int) -> None:
    """``levels`` nested folders under ``top``, made by descriptor: the path is far longer than PATH_MAX."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        with open(os.open("leaf", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd), "w") as fh:
            fh.write("x")
        os.chmod(fd, 0o500)
    finally:
        os.close(fd)


def test_a_chain_deeper_than_the_recursion_limit_and_path_max_is_removed(memory_tmp):
    top = memory_tmp / "scratch"
    top.mkdir()
    _chain(top, max(5000, sys.getrecursionlimit() + 100))
    before = _fds()
    assert remove_tree(top) is True
    assert not top.exists() and _fds() == before


def test_links_are_removed_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    top = tmp_path / "scratch"
    (top / "sub").mkdir(parents=True)
    (top / "sub" / "to-folder").symlink_to(outside)
    (top / "to-file").symlink_to(outside / "keep.txt")
    os.mkfifo(top / "fifo")
    (top / "locked").mkdir(mode=0)
    (top / "locked-file").write_text("x")
    (top / "locked-file").chmod(0)
    assert remove_tree(top) is True
    assert not top.exists()
    assert (outside / "keep.txt").read_text() == "keep"


def test_a_missing_folder_or_a_file_in_its_place(tmp_path):
    assert remove_tree(tmp_path / "nothing") is True
    (tmp_path / "file").write_text("x")
    assert remove_tree(tmp_path / "file") is True and not (tmp_path / "file").exists()
