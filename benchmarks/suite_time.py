"""How long the test suite takes: the fast loop (``-m "not slow"``) or everything, in wall time and in CPU time.

Usage::

    .venv/bin/python benchmarks/suite_time.py             # the fast loop: pytest -m "not slow"
    .venv/bin/python benchmarks/suite_time.py --all       # every test, as README and CI run them
    .venv/bin/python benchmarks/suite_time.py --top 25    # list more of the costliest files and tests

The fast loop should take under 60 s of wall time on an idle 2-core machine. On a shared machine wall time says
more about the neighbours than about the suite, so this also reports the CPU time (user + sys) of pytest and of every
process it waited for (sandboxes, workers, subprocesses), the load average around the run, and where the CPU time
went: per test file and per test (setup and teardown included, so a module fixture counts for the first test that
uses it). A test that adds more than a second or two of CPU to the fast loop probably belongs under ``slow``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(__file__).resolve().parent


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="run every test (default: -m 'not slow')")
    parser.add_argument("--top", type=int, default=12, help="how many files and tests to list")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "cpu.tsv"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "_suite_cpu"]
        command += ["-n", "0"] if args.all else ["-m", "not slow"]  # exactly as README states each command
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCHMARKS),
                                                                          os.environ.get("PYTHONPATH")])),
               "TEST_CPU_REPORT": str(report)}
        load_before = os.getloadavg()[0]
        cpu_before, started = _cpu_of_children(), time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        wall, cpu = time.monotonic() - started, _cpu_of_children() - cpu_before
        load_after = os.getloadavg()[0]
        rows = [line.split("\t") for line in report.read_text().splitlines()] if report.is_file() else []
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(no output)"
    print(f"{' '.join(command[1:])}\n{summary}")
    print(f"wall {wall:.1f} s, CPU (user + sys, pytest and every process it waited for) {cpu:.1f} s; "
          f"load average {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores")
    tests = sorted(((float(c), nodeid) for c, nodeid in rows), reverse=True)
    files: dict[str, float] = {}
    for seconds, nodeid in tests:
        files[nodeid.split("::")[0]] = files.get(nodeid.split("::")[0], 0.0) + seconds
    print(f"\nCPU in tests {sum(s for s, _ in tests):.1f} s; the costliest files:")
    for name, seconds in sorted(files.items(), key=lambda item: -item[1])[:args.top]:
        print(f"{seconds:7.2f}  {name}")
    print("\nthe costliest tests:")
    for seconds, nodeid in tests[:args.top]:
        print(f"{seconds:7.2f}  {nodeid}")
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
