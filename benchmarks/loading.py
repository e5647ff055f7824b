"""What loading a real course notebook costs: a 5 MB notebook full of image outputs against the same code without them.

Usage::

    .venv/bin/python benchmarks/loading.py              # median of 15 loads of each
    .venv/bin/python benchmarks/loading.py --repeat 40

The notebooks are the course-version fixtures of shallow-nn v4 (tests/files/versions/shallow-nn/v4/):
``correct_large.ipynb`` (5.4 MB: its outputs hold megabytes of base64 PNGs, as learners' copies do) and
``correct.ipynb`` (47 kB: the same cells with small outputs). The baseline, measured in the same run, is the large
notebook with every output cleared, written here: the same code cells, no outputs at all. For each notebook it
prints the median seconds of ``grader.load.load_submission`` and its ratio to the baseline's, and how much of the
large notebook's time goes to the steps that must see the outputs: reading and hashing the file (the gradebook's
key), parsing its JSON and validating it against nbformat's schema. What is left over is the loader's own work on
the code cells and its bounds on the JSON, which should grow little with the outputs: they are never read beyond
what parsing, the bounds and validation need (their images are never decoded).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LARGE = ROOT / "tests" / "files" / "versions" / "shallow-nn" / "v4" / "correct_large.ipynb"
SMALL = ROOT / "tests" / "files" / "versions" / "shallow-nn" / "v4" / "correct.ipynb"


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``work()`` over ``repeat`` runs, after one run to warm caches."""
    work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cleared(path: Path, folder: Path) -> Path:
    """``path`` with every output and execution count cleared, written into ``folder``."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    out = folder / "cleared.ipynb"
    out.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="loads of each notebook (default 15)")
    args = parser.parse_args()

    import nbformat

    from grader import load
    from grader.load import load_submission

    def first_load(path: Path) -> object:
        """A load that meets every cell for the first time: a worker remembers the parses of cells it has seen
        (a class's shared cells), and each load here would otherwise find all of them remembered."""
        load._remembered.cache_clear()
        return load_submission(path)

    with tempfile.TemporaryDirectory() as tmp:
        baseline = cleared(LARGE, Path(tmp))
        notebooks = {"no outputs (baseline)": baseline, "47 kB, small outputs": SMALL, "5.4 MB, image outputs": LARGE}
        for path in notebooks.values():  # all three hold the same graded code
            loaded = load_submission(path)
            assert loaded.ok and len(loaded.units) == len(load_submission(baseline).units), path
        seconds = {name: median_seconds(lambda p=path: first_load(p), args.repeat)  # type: ignore[misc]
                   for name, path in notebooks.items()}
        data = LARGE.read_bytes()
        parse = median_seconds(lambda: json.loads(data.decode("utf-8")), args.repeat)
        tree = nbformat.reads(data.decode("utf-8"), as_version=4)

        def validate() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nbformat.validate(tree)

        check = median_seconds(validate, args.repeat)
        digest = median_seconds(lambda: hashlib.sha256(LARGE.read_bytes()).hexdigest(), args.repeat)
        sizes = {name: path.stat().st_size for name, path in notebooks.items()}

    base = seconds["no outputs (baseline)"]
    print(f"{'notebook':24} {'size':>9} {'median s':>9} {'x baseline':>11}")
    for name in notebooks:
        print(f"{name:24} {sizes[name] / 1e6:7.2f}MB {seconds[name]:9.4f} {seconds[name] / base:11.1f}")
    large = seconds["5.4 MB, image outputs"]
    rest = large - parse - check - digest
    print(f"\nof the 5.4 MB notebook's {large:.4f} s: reading and hashing the file {digest:.4f} s "
          f"({digest / large:.0%}), JSON parsing {parse:.4f} s ({parse / large:.0%}), schema validation "
          f"{check:.4f} s ({check / large:.0%}), the rest {rest:.4f} s ({rest / base:.1f}x the baseline's whole load)")


if __name__ == "__main__":
    main()
