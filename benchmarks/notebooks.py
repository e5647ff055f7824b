"""What reading a notebook costs the grader: notebook bombs against a real 5 MB notebook, before and after the bounds.

Usage::

    .venv/bin/python benchmarks/notebooks.py                 # every case, before and after
    .venv/bin/python benchmarks/notebooks.py --after-only    # skip "before" (the bombs cost it gigabytes)

Each case is read in a fresh process, twice:

- before: ``grader.load.load_source`` with its JSON bounds lifted, as it was until they came (its old cap, a count
  of the text ``"cell_type"``, let every one of these notebooks through);
- after: ``grader.load.load_source``, which counts the text's values before parsing, checks the tree's depth and
  strings before nbformat sees it, and counts cells after parsing.

It prints seconds and the process's peak resident memory (VmHWM) for each, and the ratio of each time to the real
notebook's time with the same reader, measured in the same run. The bombs: four million empty objects in the
metadata (12 MB), 200,000 cells whose key is spelt ``cell\\u005ftype``, two million empty lists, nesting 500 deep,
and a 20 MB string; "legal, large" is a notebook just within every bound.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REAL = ROOT / "tests" / "files" / "versions" / "shallow-nn" / "v4" / "correct_large.ipynb"


def _notebook(cells: list[dict], metadata: object, filler: str = "") -> str:
    code = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "id": "c0",
            "source": (ROOT / "reference" / "shallow-nn" / "solution.py").read_text()}
    text = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": [code, *cells]})
    return text.replace('"@"', filler) if filler else text


def _markdown(count: int) -> list[dict]:
    return [{"cell_type": "markdown", "metadata": {}, "source": "", "id": f"m{i}"} for i in range(count)]


def cases(folder: Path) -> dict[str, Path]:
    """The notebooks to read, written into ``folder``."""
    texts = {
        "four million objects": _notebook([], {"x": "@"}, "[" + ",".join(["{}"] * 4_000_000) + "]"),
        "200,000 escaped cells": _notebook(_markdown(200_000), {}).replace(
            '"cell_type": "markdown"', '"cell\\u005ftype": "markdown"'),
        "two million lists": _notebook([], {"x": "@"}, "[" + ",".join(["[]"] * 2_000_000) + "]"),
        "nested 500 deep": _notebook([], {"x": "@"}, "[" * 500 + "]" * 500),
        "a 20 MB string": _notebook([], {"x": "y" * 20 * 2**20}),
        "legal, large": _notebook([], {"x": "@"}, "[" + ",".join(["{}"] * 95_000 + ["[]"] * 350_000) + "]"),
    }
    paths = {"real 5 MB notebook": REAL}
    for number, (name, text) in enumerate(texts.items()):
        paths[name] = folder / f"case{number}.ipynb"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def read_once(reader: str, path: Path) -> None:
    """Read ``path`` with ``reader`` in this (fresh) process; print the seconds, peak KiB and the outcome."""
    from grader import _notebook, load

    if reader == "before":  # the same loader with the JSON bounds lifted: what it did until they came
        for name in ("_MAX_JSON_MARKS", "_MAX_JSON_OBJECTS", "_MAX_JSON_DEPTH", "_MAX_JSON_STRING", "_MAX_CELLS"):
            setattr(_notebook, name, sys.maxsize)
    data = path.read_bytes()
    started = time.perf_counter()
    loaded = load.load_source(data, name=path.name, kind="ipynb")
    outcome = f"read, {len(loaded.units)} code cells" if loaded.ok else "refused: " + loaded.problems[0].message[
        len(path.name) + 1 :][:50]
    seconds = time.perf_counter() - started
    status = Path("/proc/self/status").read_text()
    peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"seconds": seconds, "peak_kib": int(peak), "outcome": outcome}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--after-only", action="store_true", help="skip the loader without bounds")
    parser.add_argument("--read", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        read_once(args.read[0], Path(args.read[1]))
        return
    readers = ["after"] if args.after_only else ["before", "after"]
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, path in cases(Path(tmp)).items():
            for reader in readers:
                done = subprocess.run([sys.executable, __file__, "--read", reader, str(path)], capture_output=True,
                                      text=True, check=True)
                rows.append((name, reader, json.loads(done.stdout.splitlines()[-1])))
    base = {reader: m["seconds"] for name, reader, m in rows if name == "real 5 MB notebook"}
    print(f"\n{'notebook':24} {'reader':7} {'seconds':>8} {'x real':>8} {'peak MB':>8}  outcome")
    for name, reader, m in rows:
        print(f"{name:24} {reader:7} {m['seconds']:8.2f} {m['seconds'] / base[reader]:8.1f} "
              f"{m['peak_kib'] / 1024:8.0f}  {m['outcome']}")


if __name__ == "__main__":
    main()
