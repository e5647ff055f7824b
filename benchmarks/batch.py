"""Batch throughput against a floor measured in the same run, for two kinds of notebook.

Usage::

    .venv/bin/python benchmarks/batch.py                 # both kinds, N = 200, --jobs 1 and 2
    .venv/bin/python benchmarks/batch.py --n 1000 --kind five --jobs 2
    .venv/bin/python benchmarks/batch.py --memory        # the coordinator's memory at N = 100 and N = 5000
    .venv/bin/python benchmarks/batch.py --tiny          # a few notebooks of each kind: proves the script works

Kinds of submission:

- ``five``: five-function notebooks (``_five.py``: nbgrader's cells, five numpy functions, correct work and typical
  mistakes, one function left out), the kind ``peers.py`` compares with nbgrader;
- ``full``: full shallow-nn submissions (the bundled examples, .py and .ipynb, correct and with mistakes: eight
  functions, nn_model's training loop and the report's figures), each made unique.

For each kind and N it measures

- the floor: the same hidden checks calling the same student functions in this one process, with no isolation, no
  files and no reports (composites answered by the reference in-process, as the sandbox's parts are);
- ``grade`` with each ``--jobs`` (sandboxed, the real pipeline: reports, gradebook, CSV, summary);
- a rerun of the unchanged batch into the same folder (everything reused; nothing graded or rendered again).

It prints ms per submission (wall), CPU-ms per submission (this process and every process it started, workers,
zygotes and student processes included), the ratio of each to the floor's, and peak memory (resident set of the
whole process tree, sampled). The floor runs the checks without the localisation of failures (``tracing``), which
only the sandboxed run does.

``--memory`` asks whether the coordinator's memory grows with the batch. For each N it generates N small
submissions (each defines a correct ``layer_sizes`` and nothing else, and is unique), grades them with one worker
process per core through ``grade_paths`` in a fresh coordinator process, and prints that process's peak resident
memory (VmHWM) and its ratio to the smallest N's, measured in the same run. The workers are not counted: each
holds one submission at a time.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import resource
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
sys.path.insert(0, str(ROOT / "benchmarks"))

import _five  # noqa: E402

from grader._worker import make_keepers  # noqa: E402
from grader.assignment import load_assignment  # noqa: E402
from grader.engine import content_seed  # noqa: E402
from grader.failures import MissingFunction, StudentCrash  # noqa: E402
from grader.load import load_submission  # noqa: E402
from grader.parts import Ask, Called, read_kept  # noqa: E402
from grader.pipeline import BatchOptions, discover, grade_paths  # noqa: E402
from grader.plugin import Job, run_checks  # noqa: E402
from grader.program import call_seed  # noqa: E402


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
    """The floor: a StudentSession look-alike that calls the student's functions directly, with no sandbox. A
    composite's parts are answered by the reference in this process (recorded when asked), as the sandbox's are."""

    def __init__(self, namespace: dict, seed: int, composites: dict[str, tuple[str, ...]]) -> None:
        self.namespace = namespace
        self.seed = seed
        self.composites = composites
        self.context = ""
        self.calls = 0
        self.load_errors = ()
        self.loaded = True
        self.answerer = None

    def call(self, function: str, *args, **kwargs):
        return self.invoke(function, args, kwargs).value

    def invoke(self, function, args, kwargs, *, seed=None, own_parts=False, record=False, answers=None,
               trace=False, given=None, observe=False, keep=None):
        """As StudentSession.invoke, less the signature adapters (the floor's submissions use the course's own)."""
        fn = self.namespace.get(function)
        if not callable(fn):
            raise MissingFunction(f"{function} is not defined", function=function)
        self.calls += 1
        np.random.seed((call_seed(self.seed, self.context, self.calls) if seed is None else seed) % 2**32)
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)  # what crossing the channel does
        asks: list[Ask] = []
        saved = {}
        if not own_parts and self.answerer is not None:
            for part in self.composites.get(function, ()):
                answer = (answers or {}).get(part) or (lambda *a, _p=part, **k: self.answerer(_p, a, k))

                def proxy(*a, _p=part, _answer=answer, **k):
                    value = _answer(*copy.deepcopy(a), **copy.deepcopy(k))
                    if record:
                        asks.append(Ask(_p, a, k, value))
                    return copy.deepcopy(value)

                saved[part] = self.namespace.get(part)
                self.namespace[part] = proxy
        # the sandbox's own keepers (grader._worker): calls counted, what the numbered ones returned copied
        keepers = make_keepers(self.namespace, {part: list(numbers) for part, numbers in (keep or {}).items()})
        for part, keeper in keepers.items():
            saved.setdefault(part, self.namespace[part])
            self.namespace[part] = keeper
        try:
            value = copy.deepcopy(fn(*args, **kwargs))
            kept = {part: {"calls": k.calls, "values": k.kept} for part, k in keepers.items()}
            return Called(value, tuple(asks), (args, kwargs) if observe else None, read_kept(kept, keep or {}))
        except Exception as exc:
            raise StudentCrash(f"{type(exc).__name__}: {exc}", function=function) from None
        finally:
            self.namespace.update(saved)

    def retrace(self, function):
        return None  # no localisation of failures in the floor


def _helpers(assignment) -> dict:
    helpers = {}
    for helper in assignment.helpers:
        module = types.ModuleType(helper.module)
        exec(compile(helper.source, helper.module, "exec"), module.__dict__)
        helpers[helper.module] = module
    return helpers


def floor(root: Path, name: str, folder: Path) -> tuple[float, float]:
    """(seconds, CPU seconds) for the checks over every submission in this process, unsandboxed."""
    assignment = load_assignment(root, name)
    helpers = _helpers(assignment)
    composites = {function: tuple(parts) for function, parts in assignment.composites.items()}

    def jobs():
        for submission in discover([folder]):
            loaded = load_submission(submission.path, execute=assignment.execute,
                                     helpers=assignment.helper_modules)
            namespace: dict = {"__name__": "floor"}
            sys.modules.update(helpers)
            for unit in loaded.units:
                if unit.syntax_error is not None:
                    continue
                body = ast.parse(unit.source).body
                for index in unit.keep:
                    try:
                        exec(compile(ast.Module([body[index]], []), unit.filename, "exec"), namespace)
                    except Exception:
                        pass
            seed = content_seed(loaded.sha256)
            yield Job(id=submission.id, loaded=loaded, session=InProcessSession(namespace, seed, composites),
                      seed=seed)

    started, cpu = time.perf_counter(), time.process_time()
    run_checks(assignment, jobs(), lambda job, outcomes, figures: None)
    return time.perf_counter() - started, time.process_time() - cpu


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


def cpu_seconds() -> float:
    """CPU seconds of this process and of every process it started and waited for (workers, zygotes, students), to
    the microsecond (``os.times`` counts clock ticks of 10 ms: a few quick processes could read as none)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def sandboxed(root: Path, name: str, folder: Path, out: Path, jobs: int) -> tuple[float, float, int]:
    """(seconds, CPU seconds, peak bytes) of ``grade_paths`` over ``folder``."""
    assignment = load_assignment(root, name)
    with PeakMemory() as memory:
        started, cpu = time.perf_counter(), cpu_seconds()
        results = grade_paths([folder], assignment, out_dir=out, options=BatchOptions(jobs=jobs))
        elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    assert len(results) == len(list(folder.iterdir()))
    if name == _five.NAME:  # the scores are known: a fast wrong grader would be no result
        wrong = [(r.submission, r.score) for r in results if r.score != _five.expected_score(r.submission)]
        assert not wrong, f"unexpected scores: {wrong}"
    return elapsed, used, memory.peak


def _batch(kind: str, tmp: Path, n: int) -> tuple[Path, str, Path]:
    """(course root, assignment name, folder of n submissions) for a kind."""
    folder = tmp / "batch"
    if kind == "five":
        _five.write_batch(folder, n)
        return _five.write_course(tmp / "root"), _five.NAME, folder
    generate(folder, n)
    return ROOT, "shallow-nn", folder


def measure(kind: str, n: int, jobs_list: list[int]) -> None:
    """Print the floor, each --jobs and the rerun for ``n`` submissions of ``kind``."""
    with tempfile.TemporaryDirectory() as tmp:
        root, name, folder = _batch(kind, Path(tmp), n)
        base, base_cpu = floor(root, name, folder)
        rows = [("floor: same checks, one process, no isolation", base, base_cpu, 0)]
        for jobs in jobs_list:
            out = Path(tmp) / f"out-{jobs}"
            rows.append((f"grade --jobs {jobs} (sandboxed, files, gradebook)", *sandboxed(root, name, folder, out,
                                                                                          jobs)))
            if jobs == jobs_list[-1]:
                rows.append((f"rerun, unchanged (--jobs {jobs})", *sandboxed(root, name, folder, out, jobs)))
            shutil.rmtree(out)
    print(f"\n{kind}: N = {n} submissions, {os.cpu_count()} cores")
    print(f"{'':52} {'ms/sub':>8} {'CPU-ms/sub':>11} {'x floor':>8} {'CPU x floor':>12} {'peak MB':>8}")
    for label, elapsed, cpu, peak in rows:
        per, cpu_per = 1000 * elapsed / n, 1000 * cpu / n
        memory = f"{peak / 2**20:8.0f}" if peak else f"{'-':>8}"
        print(f"{label:52} {per:8.1f} {cpu_per:11.1f} {elapsed / base:8.2f} {cpu / base_cpu:12.2f} {memory}")


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
    parser.add_argument("--n", type=int, action="append", help="batch size (repeatable; default 200)")
    parser.add_argument("--kind", choices=("five", "full"), action="append",
                        help="kind of notebook (repeatable; default both)")
    parser.add_argument("--jobs", type=int, action="append", help="worker counts to measure (default 1 and 2)")
    parser.add_argument("--tiny", action="store_true", help="a few submissions of each kind, --jobs 1 and 2")
    parser.add_argument("--memory", action="store_true",
                        help="measure the coordinator's peak memory (default N = 100 and 5000) instead")
    parser.add_argument("--coordinator", nargs=3, metavar=("FOLDER", "OUT", "JOBS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.coordinator:
        coordinator(Path(args.coordinator[0]), Path(args.coordinator[1]), int(args.coordinator[2]))
        return
    if args.memory:
        coordinator_memory(sorted(args.n or [100, 5000]), max(args.jobs or [os.cpu_count() or 1]))
        return
    jobs = sorted(set(args.jobs or (1, 2)))
    for n in args.n or ([len(_five.KINDS)] if args.tiny else [200]):
        for kind in args.kind or ("five", "full"):
            measure(kind, n, jobs)


if __name__ == "__main__":
    main()
