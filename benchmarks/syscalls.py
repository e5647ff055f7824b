"""Which system calls sandboxed student code makes: the measurement behind seccomp's allow list.

Usage (root, with strace installed)::

    .venv/bin/python benchmarks/syscalls.py                 # trace, then compare with the allow list
    .venv/bin/python benchmarks/syscalls.py --keep DIR      # also keep the raw strace files in DIR

It runs ``grade`` on the bundled examples of every assignment, and the sandbox's own tests
(``tests/test_session.py``: crashes, timeouts, memory and recursion limits, threads, files in scratch), under
``strace -f -ff``. A student process is one whose trace loads a seccomp filter (with ``seccomp`` or ``prctl``);
every system call it makes after that line is student code, the worker, Python, numpy or OpenBLAS at work inside
the sandbox. The script prints the union, each call with the number of processes that made it, and how it differs
from ``_seccomp.ALLOWED_SYSCALLS``: calls that were measured but are not allowed (the allow list is too tight: they
fail with EPERM), and calls that are allowed without being measured (each must have its reason in
grader/_seccomp.py).

The trace runs with the allow list in force, so a call it denies shows up too (strace prints its ``EPERM``), as
long as some traced code still makes it.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader._seccomp import ALLOWED_SYSCALLS  # noqa: E402

_CALL = re.compile(r"^(?:<\.\.\. )?([a-z_][a-z0-9_]*)(?:\(| resumed>)")


def student_calls(trace: Path, *, filtered: bool = False) -> tuple[list[str], list[int]] | None:
    """The system calls one traced thread made after it loaded a seccomp filter (all of them with ``filtered``: a
    thread started by a filtered one inherits its filter), and the threads it started then; None if it never did."""
    calls: list[str] = []
    threads: list[int] = []
    for line in trace.read_text(errors="replace").splitlines():
        match = _CALL.match(line)
        if match is None:
            continue
        name = match.group(1)
        if not filtered:
            # libseccomp loads with seccomp(2); the zygote's prepared program is loaded with prctl(2)
            filtered = ((name == "seccomp" and "SECCOMP_SET_MODE_FILTER" in line)
                        or (name == "prctl" and "PR_SET_SECCOMP" in line)) and line.rstrip().endswith("= 0")
            continue
        if " resumed>" not in line:
            calls.append(name)
        if name in ("clone", "clone3") and "CLONE_THREAD" in line:
            tid = line.rsplit("=", 1)[-1].split()[0] if "=" in line else ""
            if tid.isdigit():
                threads.append(int(tid))
    return (calls, threads) if filtered else None


def trace(command: list[str], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["strace", "-f", "-ff", "-qq", "-s", "0", "-o", str(folder / "t"), *command], cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def measure(folder: Path) -> tuple[collections.Counter[str], int]:
    """Trace every run into ``folder``; returns (call -> processes that made it, number of student processes)."""
    python = sys.executable
    out = folder / "out"
    runs: list[list[str]] = []
    for examples in sorted((ROOT / "assignments").glob("*/examples")):
        name = examples.parent.name
        runs.append([python, "-c", "import sys; from grader.cli import main; sys.exit(main())", str(examples),
                     "--assignment", name, "--out", str(out / name), "--jobs", "1"])
    runs.append([python, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "tests/test_session.py"])
    for index, command in enumerate(runs):
        trace(command, folder / f"run{index}")
    used: collections.Counter[str] = collections.Counter()
    students = 0
    for path in folder.glob("run*/t.*"):
        found = student_calls(path)
        if found is None:
            continue
        students += 1
        calls, threads = found
        while threads:  # a thread's calls count for the process that started it
            thread = path.with_name(f"t.{threads.pop()}")
            more = student_calls(thread, filtered=True) if thread.exists() else None
            if more is not None:
                calls += more[0]
                threads += more[1]
        used.update(set(calls))
    return used, students


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="keep the strace files in this folder")
    args = parser.parse_args()
    if shutil.which("strace") is None:
        print("strace is not installed (apt-get install strace)", file=sys.stderr)
        return 2
    folder = args.keep or Path(tempfile.mkdtemp(prefix="grader-syscalls-"))
    try:
        used, students = measure(folder)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    allowed = set(ALLOWED_SYSCALLS)
    print(f"{students} student processes traced; {len(used)} distinct system calls after the filter was loaded:")
    for name, count in sorted(used.items()):
        print(f"  {name:24} {count:5} processes{'' if name in allowed else '   NOT ALLOWED'}")
    missing = sorted(set(used) - allowed)
    extra = sorted(allowed - set(used))
    print(f"allow list: {len(allowed)} calls; measured but not allowed: {missing or 'none'}")
    print(f"allowed without being measured here (reasons in grader/_seccomp.py): {extra or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
