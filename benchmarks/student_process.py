"""What one student process costs: forked from the zygote, isolated, loaded with a notebook, called once, ended.

Usage::

    .venv/bin/python benchmarks/student_process.py             # 300 processes
    .venv/bin/python benchmarks/student_process.py --n 1000 --calls 5

Every submission gets a process of its own, so this is the fixed price of the sandbox per submission, whatever
its checks do. Each session here is one student process of a five-function notebook (``_five.py``: the notebook's
kept cells loaded, then ``--calls`` calls of ``sigmoid`` on a small array), through the grader's own ``Sandbox``.
The baseline, measured in the same run, is the cheapest process there is: this benchmark's own process (numpy and
the grader imported, as in the zygote) forking a child that exits at once, N times.

It prints, per process, CPU-ms in all (the grader's side, the zygote and its children, counted when the zygote
exits: a sandbox of 5 + N processes less one of 5, so the zygote's own start is left out), the wall time, minor
page faults (copy-on-write and first touches) and the ratio of the CPU figure to the baseline's.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _five  # noqa: E402
import numpy as np  # noqa: E402
from batch import cpu_seconds  # noqa: E402

from grader.assignment import Assignment, load_assignment  # noqa: E402
from grader.load import load_submission  # noqa: E402
from grader.program import Program  # noqa: E402
from grader.worker_sandbox import Sandbox  # noqa: E402


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt


def bare_forks(n: int) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, minor faults) per child of a fork that exits at once."""
    before, faults, started = cpu_seconds(), _faults(), time.perf_counter()
    for _ in range(n):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child only exits
            os._exit(0)
        os.waitpid(pid, 0)
    wall = time.perf_counter() - started
    return (cpu_seconds() - before) / n, wall / n, (_faults() - faults) / n


def _sandbox_run(program: Program, assignment: Assignment, sessions: int, calls: int) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, minor faults) of a sandbox that runs ``sessions`` student processes, from its
    zygote's start to its end (the zygote's CPU and its children's are counted when it exits)."""
    x = np.linspace(-3, 3, 50).reshape(5, 10)
    before, faults, started = cpu_seconds(), _faults(), time.perf_counter()
    with Sandbox() as sandbox:
        for _ in range(sessions):
            with sandbox.session(program, assignment.limits, 1) as session:
                for _ in range(calls):
                    session.call("sigmoid", x)
    return cpu_seconds() - before, time.perf_counter() - started, _faults() - faults


def sessions(n: int, calls: int) -> tuple[float, float, float, tuple[str, ...]]:
    """(CPU seconds, wall seconds, minor faults) per student process, and the sandbox's layers: a sandbox of 5 + n
    processes less one of 5, so that the zygote's start (and the filter it prepares once) is left out."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = _five.write_batch(folder / "batch", 1)
        assignment = load_assignment(_five.write_course(folder / "root"), _five.NAME)
        loaded = load_submission(paths[0], execute=assignment.execute, helpers=assignment.helper_modules)
        program = Program.build(loaded, assignment)
        with Sandbox() as sandbox:
            layers = sandbox.layers
        short = _sandbox_run(program, assignment, 5, calls)
        long = _sandbox_run(program, assignment, 5 + n, calls)
    cpu, wall, faults = (b - a for a, b in zip(short, long, strict=True))
    return cpu / n, wall / n, faults / n, layers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300, help="student processes (and bare forks) to measure")
    parser.add_argument("--calls", type=int, default=1, help="calls per student process (default 1)")
    args = parser.parse_args()
    base_cpu, base_wall, base_faults = bare_forks(args.n)
    cpu, wall, faults, layers = sessions(args.n, args.calls)
    print(f"\n{args.n} processes each, {os.cpu_count()} cores; sandbox layers: {', '.join(layers)}")
    print(f"{'':44} {'CPU-ms':>8} {'wall ms':>8} {'faults':>8} {'x baseline':>11}")
    print(f"{'baseline: a fork that exits at once':44} {1000 * base_cpu:8.2f} {1000 * base_wall:8.2f} "
          f"{base_faults:8.0f} {1.0:11.2f}")
    print(f"{f'student process, {args.calls} call(s)':44} {1000 * cpu:8.2f} {1000 * wall:8.2f} {faults:8.0f} "
          f"{cpu / base_cpu:11.2f}")


if __name__ == "__main__":
    main()
