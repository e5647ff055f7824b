"""Batch throughput against a floor measured in the same run.

Usage::

    .venv/bin/python benchmarks/batch.py            # N = 200 and N = 2000
    .venv/bin/python benchmarks/batch.py --n 200    # one size
    .venv/bin/python benchmarks/batch.py --memory   # the coordinator's memory at N = 100 and N = 5000

For each N it generates N submissions (the bundled examples: correct ones and typical mistakes, as .py and
.ipynb, each made unique), then measures

- the floor: the same hidden checks calling the same student functions in this one process, with no isolation;
- ``grade`` with one worker, and with one worker per core (sandboxed, the real pipeline: files, reports, gradebook).

It prints submissions per second, the overhead per submission in ms (sandboxed time per submission minus the
floor's), their ratio to the floor, and peak memory (resident set of the whole process tree).

``--memory`` asks whether the coordinator's memory grows with the batch. For each N it generates N small
submissions (each defines a correct ``layer_sizes`` and nothing else, and is unique), grades them with one worker
process per core through ``grade_paths`` in a fresh coordinator process, and prints that process's peak resident
memory (VmHWM) and its ratio to the smallest N's, measured in the same run. The workers are not counted: each
holds one submission at a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.assignment import load_assignment  # noqa: E402
from grader.engine import content_seed  # noqa: E402
from grader.failures import MissingFunction, StudentCrash  # noqa: E402
from grader.load import load_submission  # noqa: E402
from grader.pipeline import BatchOptions, discover, grade_paths  # noqa: E402
from grader.plugin import Job, run_checks  # noqa: E402
from grader.session import call_seed  # noqa: E402


def generate(folder: Path, n: int) -> None:
    """N unique submissions cycling over the examples."""
    examples = sorted((ROOT / "assignments" / "shallow-nn" / "examples").iterdir())
    folder.mkdir(parents=True)
    for i in range(n):
        source = examples[i % len(examples)]
        text = source.read_text()
        if source.suffix == ".py":
            text += f"\n# submission {i}\n"
        else:
            text = text.replace('"cells": [', f'"cells": [{{"cell_type": "markdown", "metadata": {{}}, '
                                f'"source": "submission {i}"}}, ', 1)
        (folder / f"s{i:05d}_{source.stem}{source.suffix}").write_text(text)


class InProcessSession:
    """The floor: a StudentSession look-alike that calls the student's functions directly, with no sandbox."""

    def __init__(self, namespace: dict, seed: int) -> None:
        self.namespace = namespace
        self.seed = seed
        self.context = ""
        self.calls = 0
        self.load_errors = ()

    def call(self, function: str, *args, **kwargs):
        return self.call_seeded(None, function, *args, **kwargs)

    def call_seeded(self, seed, function, *args, **kwargs):
        fn = self.namespace.get(function)
        if fn is None:
            raise MissingFunction(f"{function} is not defined", function=function)
        self.calls += 1
        np.random.seed((call_seed(self.seed, self.context, self.calls) if seed is None else seed) % 2**32)
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise StudentCrash(f"{type(exc).__name__}: {exc}", function=function) from None


def floor(folder: Path) -> float:
    """Seconds for the checks over every submission in this process, unsandboxed."""
    assignment = load_assignment(ROOT, "shallow-nn")
    helpers = {}
    for helper in assignment.helpers:
        module = types.ModuleType(helper.module)
        exec(compile(helper.source, helper.module, "exec"), module.__dict__)
        helpers[helper.module] = module

    def jobs():
        for submission in discover([folder]):
            loaded = load_submission(submission.path, execute=assignment.execute,
                                     helpers=assignment.helper_modules)
            namespace: dict = {"__name__": "floor"}
            sys.modules.update(helpers)
            for unit in loaded.units:
                import ast

                body = ast.parse(unit.source).body
                for index in unit.keep:
                    try:
                        exec(compile(ast.Module([body[index]], []), unit.filename, "exec"), namespace)
                    except Exception:
                        pass
            seed = content_seed(loaded.sha256)
            yield Job(id=submission.id, loaded=loaded, session=InProcessSession(namespace, seed), seed=seed)

    started = time.perf_counter()
    run_checks(assignment, jobs(), lambda job, outcomes, figures: None)
    return time.perf_counter() - started


class PeakMemory:
    """Samples the resident memory of this process and all its descendants."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree_rss() -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{entry}/statm") as fh:
                    rss[int(entry)] = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
        total, stack = 0, [os.getpid()]
        while stack:
            pid = stack.pop()
            total += rss.get(pid, 0)
            stack += children.get(pid, [])
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self._tree_rss())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def sandboxed(folder: Path, out: Path, jobs: int) -> tuple[float, int]:
    assignment = load_assignment(ROOT, "shallow-nn")
    with PeakMemory() as memory:
        started = time.perf_counter()
        results = grade_paths([folder], assignment, out_dir=out, options=BatchOptions(jobs=jobs))
        elapsed = time.perf_counter() - started
    assert len(results) == len(list(folder.iterdir()))
    return elapsed, memory.peak


def generate_small(folder: Path, n: int) -> None:
    """N unique small submissions: a correct layer_sizes, every other function missing."""
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"s{i:05d}.py").write_text(f"# submission {i}\n\ndef layer_sizes(X, Y):\n"
                                             "    return X.shape[0], 4, Y.shape[0]\n")


def coordinator(folder: Path, out: Path, jobs: int) -> None:
    """Grade ``folder`` in this fresh process (see ``coordinator_memory``); print its peak memory in KiB."""
    assignment = load_assignment(ROOT, "shallow-nn")
    results = grade_paths([folder], assignment, out_dir=out, options=BatchOptions(jobs=jobs))
    assert len(results) == len(list(folder.iterdir()))
    status = Path("/proc/self/status").read_text()
    print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def coordinator_memory(sizes: list[int], jobs: int) -> None:
    """The coordinator's peak memory for each batch size, and its ratio to the smallest size's."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "batch"
            generate_small(folder, n)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, __file__, "--coordinator", str(folder), str(Path(tmp) / "out"),
                                   str(jobs)], capture_output=True, text=True, check=True)
            rows.append((n, time.perf_counter() - started, int(done.stdout.split()[-1]) / 1024))
    print(f"\ncoordinator's peak memory (VmHWM), {jobs} worker processes, {os.cpu_count()} cores")
    print(f"{'N':>7} {'seconds':>9} {'peak MB':>9} {'x smallest':>11}")
    for n, seconds, peak in rows:
        print(f"{n:>7} {seconds:9.1f} {peak:9.1f} {peak / rows[0][2]:11.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, action="append", help="batch size (repeatable; default 200 and 2000)")
    parser.add_argument("--jobs", type=int, action="append",
                        help="worker counts to measure (repeatable; default 1 and all cores)")
    parser.add_argument("--memory", action="store_true",
                        help="measure the coordinator's peak memory (default N = 100 and 5000) instead")
    parser.add_argument("--coordinator", nargs=3, metavar=("FOLDER", "OUT", "JOBS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    if args.coordinator:
        coordinator(Path(args.coordinator[0]), Path(args.coordinator[1]), int(args.coordinator[2]))
        return
    if args.memory:
        coordinator_memory(sorted(args.n or [100, 5000]), max(args.jobs or [cores]))
        return
    for n in args.n or [200, 2000]:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "batch"
            generate(folder, n)
            base = floor(folder)
            rows = [("floor: same checks, one process, no isolation", base, 0)]
            for jobs in sorted(set(args.jobs or (1, cores))):
                out = Path(tmp) / f"out-{jobs}"
                elapsed, peak = sandboxed(folder, out, jobs)
                rows.append((f"grade --jobs {jobs} (sandboxed, files, gradebook)", elapsed, peak))
                shutil.rmtree(out)
        print(f"\nN = {n} submissions, {cores} cores")
        print(f"{'':52} {'subs/s':>8} {'ms/sub':>8} {'overhead ms/sub':>16} {'x floor':>8} {'peak MB':>8}")
        floor_ms = 1000 * base / n
        for label, elapsed, peak in rows:
            per = 1000 * elapsed / n
            overhead = per - floor_ms
            ratio = per / floor_ms
            memory = f"{peak / 2**20:8.0f}" if peak else f"{'-':>8}"
            print(f"{label:52} {n / elapsed:8.1f} {per:8.1f} {overhead:16.1f} {ratio:8.2f} {memory}")
        if len(rows) > 2:
            print(f"scaling: {rows[-1][0].split()[2]} workers are {rows[1][1] / rows[-1][1]:.2f}x as fast as "
                  f"{rows[1][0].split()[2]}")


if __name__ == "__main__":
    main()
