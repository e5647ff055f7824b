"""Deleting a scratch folder, whatever a submission left in it, without recursion.

A submission may leave a chain of folders thousands deep (its path far longer than PATH_MAX), folders without
permissions, symbolic links to anywhere, sockets and FIFOs. ``remove_tree`` walks down with directory descriptors
(``openat`` of each child, ``O_NOFOLLOW``) and back up with ``..``, checking at each step up that it arrived where
it came from, so it never follows a link out of the folder, never holds more than two descriptors, and never
recurses: both the zygote (root, in its own mount namespace) and the grader use it, and neither may die of what a
submission wrote. It never raises.
"""

from __future__ import annotations

import os
import stat

__all__ = ["remove_tree"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class _Moved(Exception):
    """A folder was moved while it was being deleted: stop rather than delete something else."""


def _open_dir(name: str, parent: int) -> int | None:
    """A descriptor of the folder ``name`` in ``parent``, made enterable if need be; None if it is not a folder."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except PermissionError:
        try:
            os.chmod(name, 0o700, dir_fd=parent, follow_symlinks=False)
            return os.open(name, _DIR_FLAGS, dir_fd=parent)
        except OSError:
            return None
    except OSError:
        return None


def _clear_files(folder: int) -> list[str]:
    """Unlink everything in ``folder`` that is not a folder; returns the names of the folders."""
    folders: list[str] = []
    try:
        os.chmod(folder, 0o700)  # the submission may have taken away the write permission (harmless if not ours)
    except OSError:
        pass
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                if stat.S_ISDIR(entry.stat(follow_symlinks=False).st_mode):
                    folders.append(entry.name)
                else:
                    os.unlink(entry.name, dir_fd=folder)
            except OSError:  # gone already, or not ours to delete: the rest still goes
                continue
    return folders


def _empty(top: int) -> None:
    """Delete everything inside the folder open as ``top`` (which stays open)."""
    current = os.dup(top)
    pending = [_clear_files(current)]  # per level: subfolders still to delete
    chain: list[tuple[str, int, int]] = []  # per level below the top: (name, device and inode of its parent)
    try:
        while True:
            if pending[-1]:
                name = pending[-1].pop()
                child = _open_dir(name, current)
                if child is None:
                    continue
                here = os.fstat(current)
                os.close(current)
                current = child
                chain.append((name, here.st_dev, here.st_ino))
                pending.append(_clear_files(current))
                continue
            pending.pop()
            if not chain:
                return
            name, device, inode = chain.pop()
            parent = os.open("..", _DIR_FLAGS, dir_fd=current)
            there = os.fstat(parent)
            os.close(current)
            current = parent
            if (there.st_dev, there.st_ino) != (device, inode):
                raise _Moved
            try:
                os.rmdir(name, dir_fd=current)
            except OSError:  # something in it could not be deleted: the caller learns it at the top
                continue
    finally:
        os.close(current)


def remove_tree(path: str | os.PathLike[str]) -> bool:
    """Delete ``path`` and everything under it, however deep. True when it is gone; never raises."""
    try:
        top = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.unlink(path)  # a file or a link where the folder was
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True
    try:
        _empty(top)
    except (OSError, _Moved, MemoryError):
        pass
    finally:
        os.close(top)
    try:
        os.rmdir(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True
