"""Running the grader as an ordinary user, from a test that runs as root.

``UserWorld`` builds what a throwaway uid needs to run ``grade``: an interpreter it may execute (this venv's if
every folder above it is open to others, else the system's python3 of the same version: wheels of one CPython
minor version share their ABI), a copy of this venv's site-packages made of hard links (a full copy across file
systems) with the grader package copied in, and the assignments. Then ``run`` starts a command as that uid through
``setpriv``, optionally inside a private mount namespace where ``/etc/passwd``, ``/etc/subuid`` and
``/etc/subgid`` are replaced by files that give the uid a name and a range of subordinate ids, so nothing on the
machine changes.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def open_to_others(path: Path) -> bool:
    """Whether a uid with no special rights can read ``path`` (and run it, if it is executable)."""
    path = path.resolve()
    for folder in [*reversed(path.parents)]:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(path).st_mode & stat.S_IROTH)


def interpreter() -> Path | None:
    """An interpreter of this Python version that others may run, with its standard library."""
    here = Path(sys.executable).resolve()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    if open_to_others(here) and open_to_others(stdlib / "os.py"):
        return here
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system = Path(f"/usr/bin/python{version}")
    if system.exists() and open_to_others(system):
        return system
    return None


def _link_tree(source: Path, target: Path) -> None:
    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link_or_copy,
                    ignore=shutil.ignore_patterns("__editable__*", "grader", "__pycache__"))


class UserWorld:
    """A folder with a venv, the grader and the assignments that ``uid`` can use; remove with ``close``."""

    def __init__(self, uid: int) -> None:
        python = interpreter()
        if python is None:
            raise FileNotFoundError("no interpreter of this version that an ordinary user may run")
        self.uid = uid
        self.base = Path(tempfile.mkdtemp(prefix="grader-user-", dir="/tmp"))
        self.base.chmod(0o755)
        venv = self.base / "venv"
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "python").symlink_to(python)
        (venv / "pyvenv.cfg").write_text(f"home = {python.parent}\ninclude-system-site-packages = false\n"
                                         f"version = {sys.version_info.major}.{sys.version_info.minor}\n")
        site = Path(sysconfig.get_paths()["purelib"])
        target = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
        _link_tree(site, target)
        shutil.copytree(ROOT / "grader", target / "grader", ignore=shutil.ignore_patterns("__pycache__"))
        self.repo = self.base / "repo"
        for name in ("assignments", "reference"):
            shutil.copytree(ROOT / name, self.repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        self.python = venv / "bin" / "python"
        self.work = self.base / "work"  # the user's own folder: batch, output
        self.work.mkdir()
        os.chown(self.work, uid, uid)
        self.etc = self.base / "etc"
        self.etc.mkdir()

    def give_subordinate_ids(self, start: int, count: int) -> None:
        """Files that give the uid a name and subordinate ids, mounted over /etc's in ``run(..., subids=True)``."""
        name = f"graderuser{self.uid}"
        passwd = Path("/etc/passwd").read_text() + f"{name}:x:{self.uid}:{self.uid}::/nonexistent:/bin/false\n"
        (self.etc / "passwd").write_text(passwd)
        for file in ("subuid", "subgid"):
            (self.etc / file).write_text(f"{name}:{start}:{count}\n")
        for path in self.etc.iterdir():
            path.chmod(0o644)

    def run(self, args: list[str], *, subids: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """``python args...`` as the uid, in ``work``, with a minimal environment."""
        command = ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--",
                   str(self.python), *args]
        if subids:
            mounts = " && ".join(f"mount --bind {self.etc / name} /etc/{name}"
                                 for name in ("passwd", "subuid", "subgid"))
            command = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                       f'{mounts} && exec "$@"', "sh", *command]
        env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(self.work), "LANG": "C.UTF-8",
               "GRADER_ROOT": str(self.repo)}
        return subprocess.run(command, cwd=self.work, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)

    def close(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)
