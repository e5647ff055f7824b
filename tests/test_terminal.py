"""The `grade` command in a real terminal: driven through a pseudo-terminal (pexpect), as a person would use it.

Ctrl-C is a real SIGINT sent to the command's process group, which is what the terminal does. Each test reads what
the screen shows and the exit status, and checks what is left behind: processes, scratch folders, the gradebook.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import pytest
from paths import EXAMPLES, ROOT

GRADE = Path(sys.executable).with_name("grade")
COMMAND = [str(GRADE)] if GRADE.is_file() else [sys.executable, "-m", "grader.cli"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal:
    """``grade ARGS...`` on a pseudo-terminal of 200 columns, with what it has shown so far.

    The screen is read all the time (``read``): a terminal nobody reads fills up and blocks the program.
    """

    def __init__(self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        environment.update(env or {})
        self.child = pexpect.spawn(COMMAND[0], [*COMMAND[1:], *args], env=environment, cwd=str(cwd or ROOT),
                                   encoding="utf-8", timeout=300, dimensions=(50, 200))
        self.pid = self.child.pid
        self.shown = ""

    def read(self, seconds: float = 0.0) -> None:
        """Take in what the program printed, waiting up to ``seconds`` for the first of it."""
        try:
            while True:
                self.shown += self.child.read_nonblocking(65536, timeout=seconds)
                seconds = 0
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass

    def alive(self) -> bool:
        self.read()
        return self.child.isalive()

    def finish(self) -> tuple[str, int]:
        """Everything the terminal showed until the command ended, and its exit status."""
        self.child.expect(pexpect.EOF)
        self.shown += self.child.before
        self.child.close()
        status = self.child.exitstatus
        return self.shown, -self.child.signalstatus if status is None else status  # killed by signal N: -N


def spawn(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Terminal:
    return Terminal(*args, env=env, cwd=cwd)


def finish(terminal: Terminal) -> tuple[str, int]:
    return terminal.finish()


def make_batch(folder: Path, copies: int) -> Path:
    folder.mkdir(parents=True)
    for path in sorted(EXAMPLES.iterdir()):
        for n in range(copies):
            shutil.copy(path, folder / f"{path.stem}_{n}{path.suffix}")
    return folder


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (workers, zygotes, student processes), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def graded_count(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return dict(db.execute("SELECT submission, COUNT(*) FROM grades GROUP BY submission"))


def wait_for_results(out: Path, at_least: int, terminal: Terminal) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and terminal.alive():
        try:
            if (out / "gradebook.sqlite").exists() and len(graded_count(out)) >= at_least:
                return
        except sqlite3.OperationalError:
            pass
        terminal.read(0.05)
    raise AssertionError(f"fewer than {at_least} results came in: {terminal.shown}")


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_within_two_seconds_and_the_same_command_resumes(tmp_path, jobs, presses):
    # 16 submissions: a worker is given two at a time, so with two workers up to four results can be done or under
    # way when the Ctrl-C comes after the first two; some must be left for the resume to grade.
    batch = make_batch(tmp_path / "batch", copies=2)
    total = len(list(batch.iterdir()))
    out = tmp_path / "out"
    # The sandbox's scratch folders go under TMPDIR: one of the test's own, which the sandbox uid can traverse.
    scratch = Path(tempfile.mkdtemp(prefix="grader-ctrl-c-", dir="/tmp"))
    scratch.chmod(0o755)
    args = [str(batch), "-a", "shallow-nn", "--out", str(out), "-j", jobs]
    terminal = spawn(*args, env={"TMPDIR": str(scratch)})
    wait_for_results(out, 2, terminal)
    below = descendants(terminal.pid)
    assert below, "the grader has no worker or sandbox process"

    started = time.monotonic()
    os.killpg(terminal.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    if presses == 2:
        time.sleep(0.05)
        second = time.monotonic()
        os.killpg(terminal.pid, signal.SIGINT)
    while terminal.alive():
        time.sleep(0.005)
    ended = time.monotonic()
    shown, status = finish(terminal)

    assert ended - started < 2.0, f"Ctrl-C took {ended - started:.2f} s to stop the batch"
    if presses == 2:  # no wait for the workers' submissions: about the time the interpreter takes to exit
        assert ended - second < 1.0, f"the second Ctrl-C took {ended - second:.2f} s"
    assert status == 130, shown
    saved = graded_count(out)
    assert set(saved.values()) == {1}
    match = re.search(r"stopped: (\d+) result\(s\) saved in (\S+); (\d+) not graded yet\. "
                      r"Run the same command again to resume\.", ANSI.sub("", shown))
    assert match, shown
    assert int(match.group(1)) == len(saved) and int(match.group(3)) == total - len(saved)
    assert "Aborted!" not in shown and "Traceback" not in shown
    # Nothing is left behind: no process, no scratch folder.
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in below) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in below if running(pid)]
    assert not list(scratch.iterdir())
    scratch.rmdir()

    again = subprocess.run([*COMMAND, *args], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    assert f"{len(saved)} submission(s) already graded; grading {total - len(saved)}" in again.stdout
    assert graded_count(out) == {p.stem: 1 for p in batch.iterdir()}


@pytest.mark.slow
def test_a_second_run_on_the_same_output_folder_is_refused(tmp_path):
    batch = make_batch(tmp_path / "batch", copies=1)
    out = tmp_path / "out"
    args = [str(batch), "-a", "shallow-nn", "--out", str(out), "-j", "1", "-q"]
    first = subprocess.Popen([*COMMAND, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = out / ".grade.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert lock.read_text().strip() == str(first.pid)

    # The first run is stopped while the second one starts: however fast it grades its batch, it still holds the
    # folder when the second run looks (a race the first run once won on a busy machine).
    os.kill(first.pid, signal.SIGSTOP)
    try:
        shown, status = finish(spawn(*args))
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert status == 2, shown
    assert f"{out} is in use by another grading run (process {first.pid})" in shown
    assert "Traceback" not in shown

    _, errors = first.communicate(timeout=600)
    assert first.returncode == 0, errors
    assert graded_count(out) == {p.stem: 1 for p in batch.iterdir()}
    # Once the first run is over, the folder is free again.
    shown, status = finish(spawn(*args))
    assert status == 0, shown


def test_empty_batches_say_where_they_looked_and_exit_2(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    shown, status = finish(spawn(str(empty), cwd=tmp_path))
    assert status == 2
    assert f"no submissions found in {empty}" in shown and ".py and .ipynb" in shown

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "notes.txt").write_text("my answers")
    shown, status = finish(spawn(str(notes), "-a", "shallow-nn", cwd=tmp_path))
    assert status == 2 and "(it holds notes.txt)" in shown and ".py and .ipynb" in shown

    shown, status = finish(spawn(str(notes / "notes.txt"), "-a", "shallow-nn", cwd=tmp_path))
    assert status == 2
    assert f"{notes / 'notes.txt'}: not a submission; grade takes .py and .ipynb files" in shown
    assert not (tmp_path / "reports").exists() and "Traceback" not in shown


def test_top_level_help_shows_the_grading_options():
    shown, status = finish(spawn("--help"))
    assert status == 0
    for option in ("--assignment", "--out", "--jobs", "--regrade", "--fail-under", "--format", "--seed",
                   "--insecure", "--no-color", "Commands:", "check", "similarity"):
        assert option in shown, option
    assert "Usage: grade [OPTIONS] [PATH]..." in shown


@pytest.mark.parametrize(("env", "flags", "coloured"), [
    ({}, [], True),
    pytest.param({"NO_COLOR": "1"}, [], False, marks=pytest.mark.slow),  # each case runs grade twice
    pytest.param({"NO_COLOR": "1"}, ["--color"], True, marks=pytest.mark.slow),
    ({}, ["--no-color"], False),
])
def test_colour_follows_no_color_and_the_flags(tmp_path, env, flags, coloured):
    empty = tmp_path / "empty.py"
    empty.write_text("")
    shown, status = finish(spawn("check", str(empty), "-a", "shallow-nn", *flags, env=env))
    assert status == 1
    assert "empty.py defines none of the assignment's functions" in ANSI.sub("", shown)
    assert bool(ANSI.search(shown)) is coloured, repr(shown)
    # The group's flag, before the command, does the same.
    shown, _ = finish(spawn(*flags, "check", str(empty), "-a", "shallow-nn", env=env))
    assert bool(ANSI.search(shown)) is coloured, repr(shown)
