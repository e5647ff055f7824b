"""``grade`` against nbgrader, on the same student notebooks, in one run.

Usage (nbgrader and matplotlib come with the ``bench`` extra: ``pip install -e '.[bench]'``)::

    .venv/bin/python benchmarks/peers.py                 # both kinds: 200 five-function and 8 course notebooks
    .venv/bin/python benchmarks/peers.py --kind five --n 400
    .venv/bin/python benchmarks/peers.py --tiny          # a few notebooks of each kind: proves the script works

Two kinds of notebook:

- ``five``: a five-function assignment (``_five.py``), written as an nbgrader source notebook (a solution cell and
  an autograded test cell of 2 points per function) and as a ``grade`` assignment whose hidden checks catch the
  same mistakes; the students' notebooks (nbgrader's cells with their code, correct work and typical mistakes, one
  function left out) are handed to both as they are;
- ``course``: the full shallow-nn notebooks students hand in (the bundled example notebooks: imports, data loading,
  eight functions with the public test after each, scratch cells, the 10,000-iteration training, the tuning of the
  hidden layer's size (seven networks of 5,000 iterations), plots), each made unique; for nbgrader the function
  cells are its solution cells and the public test cells its autograded cells (worth each function's points in
  grading.toml). nbgrader executes every cell; ``grade`` runs only the definitions and its hidden checks.

For each kind it builds an nbgrader course (``generate_assignment``, not timed), times ``nbgrader autograde`` over
every notebook and ``grade`` (``--jobs`` = the cores) over the same files, checks that each gives every notebook the
score expected of it (nbgrader: full marks less the points of the test cells the notebook's mistake fails; grade:
the scores of tests/test_examples.py), and prints seconds and CPU seconds per notebook and the ratio. Course
notebooks are graded a second time with ``--no-figures``: ``nbgrader autograde`` makes scores, while grade's reports
also draw figures from extra runs of the student's code (the training figure trains ``nn_model`` for 1,000
iterations), so both ratios are printed. Last, the in-process floor of grade's checks and figures on the same
notebooks (``batch.floor``: one process, no sandbox, no files), and the ratio no grader could beat on these cores:
nbgrader's time over the floor's CPU time shared perfectly among them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _five  # noqa: E402
from batch import cpu_seconds, floor  # noqa: E402

from grader.assignment import load_assignment  # noqa: E402
from grader.pipeline import BatchOptions, grade_paths  # noqa: E402

ASSIGNMENT = "ps1"
SHALLOW = ROOT / "assignments" / "shallow-nn"
# The course notebooks: (example, grade's score (tests/test_examples.py), the functions whose public test fails).
COURSE = {
    "correct_notebook": (10.0, ()),
    "large_scale_notebook": (9.5, ("initialize_parameters",)),
    "wrong_backprop_notebook": (7.5, ("backward_propagation",)),
    "zero_init_notebook": (9.0, ("initialize_parameters",)),
}


def _function_points() -> dict[str, float]:
    """Each shallow-nn function's points in grading.toml: what its public test cell is worth for nbgrader."""
    assignment = load_assignment(ROOT, "shallow-nn")
    return {f: sum(p for cid, p in assignment.points.items() if cid.split("::")[0] == f) for f in assignment.functions}


COURSE_POINTS = _function_points()


# ---------------------------------------------------------------------------------------------------------------
# The course notebooks, with nbgrader's cell metadata


def _mark(notebook: dict[str, Any]) -> dict[str, Any]:
    """nbgrader's metadata on a shallow-nn notebook: each graded function's cell a solution cell, the public test
    cell after it an autograded cell worth the function's points."""
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        text = _text(cell)
        for function, points in COURSE_POINTS.items():
            if f"def {function}(" in text:
                cell["metadata"]["nbgrader"] = {"schema_version": 3, "grade": False, "solution": True,
                                                "locked": False, "task": False, "grade_id": f"{function}_code"}
            elif text.strip() == f"{function}_test({function})":
                cell["metadata"]["nbgrader"] = {"schema_version": 3, "grade": True, "solution": False,
                                                "locked": True, "task": False, "grade_id": f"test_{function}",
                                                "points": points}
    notebook["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _course_notebook(example: str, number: int) -> dict[str, Any]:
    """An example notebook made unique: every code cell its student wrote (any that is not, word for word, a code
    cell of the released notebook) gets a comment with the number, as students' own code differs in a real class;
    the cells the instructor wrote stay as they are in every notebook."""
    notebook = json.loads((SHALLOW / "examples" / f"{example}.ipynb").read_text())
    released = {_text(cell) for cell in json.loads((SHALLOW / "shallow_nn.ipynb").read_text())["cells"]
                if cell["cell_type"] == "code"}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and _text(cell) not in released:
            cell["source"] = _text(cell).rstrip("\n") + f"\n# {number}\n"
    notebook["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": f"Submission {number}."})
    return _mark(notebook)


def _text(cell: dict[str, Any]) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _course_expected(name: str) -> tuple[float, float]:
    """(nbgrader's, grade's) expected score of a course notebook written by ``write_course_batch``."""
    grade_score, failing = COURSE[name.removesuffix(".ipynb").split("_", 1)[1]]
    return sum(COURSE_POINTS.values()) - sum(COURSE_POINTS[f] for f in failing), grade_score


def write_course_batch(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    examples = list(COURSE)
    for i in range(n):
        example = examples[i % len(examples)]
        (folder / f"s{i:05d}_{example}.ipynb").write_text(json.dumps(_course_notebook(example, i), indent=1))


# ---------------------------------------------------------------------------------------------------------------
# nbgrader


def _nbgrader(course: Path, *args: str) -> None:
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=environment,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def nbgrader_course(course: Path, source: dict[str, Any], batch: Path, files: dict[str, str]) -> None:
    """An nbgrader course in ``course``: the source notebook (and ``files`` beside it), the release generated, and
    every notebook of ``batch`` submitted by a student named after it."""
    students = sorted(path.stem for path in batch.glob("*.ipynb"))
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        'c.CourseDirectory.course_id = "bench"\n'
        f'c.CourseDirectory.db_assignments = [dict(name="{ASSIGNMENT}")]\n'
        f"c.CourseDirectory.db_students = {[{'id': s} for s in students]!r}\n"
        "c.ExecutePreprocessor.timeout = 600\n")
    folder = course / "source" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(source, indent=1))
    for name, text in files.items():
        (folder / name).write_text(text)
    _nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for student in students:
        handed_in = course / "submitted" / student / ASSIGNMENT
        handed_in.mkdir(parents=True)
        shutil.copy(batch / f"{student}.ipynb", handed_in / f"{ASSIGNMENT}.ipynb")
        for name, text in files.items():
            (handed_in / name).write_text(text)


def run_nbgrader(course: Path) -> tuple[float, float, dict[str, float]]:
    """(seconds, CPU seconds, score per student) of ``nbgrader autograde`` over every submission."""
    started, cpu = time.perf_counter(), cpu_seconds()
    _nbgrader(course, "autograde", ASSIGNMENT)
    elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        scores = {sub.student.id: float(sub.score) for sub in book.assignment_submissions(ASSIGNMENT)}
    return elapsed, used, scores


# ---------------------------------------------------------------------------------------------------------------
# grade


def run_grade(root: Path, name: str, batch: Path, out: Path, jobs: int, *, figures: bool = True
              ) -> tuple[float, float, dict[str, float]]:
    assignment = load_assignment(root, name)
    started, cpu = time.perf_counter(), cpu_seconds()
    results = grade_paths([batch], assignment, out_dir=out, options=BatchOptions(jobs=jobs, figures=figures))
    elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    return elapsed, used, {r.submission: r.score for r in results}


# ---------------------------------------------------------------------------------------------------------------


def _check(tool: str, scores: dict[str, float], expected: Callable[[str], float], n: int) -> None:
    wrong = {sid: (score, expected(sid)) for sid, score in scores.items() if score != expected(sid)}
    if len(scores) != n or wrong:
        raise SystemExit(f"{tool} gave unexpected scores (got, expected): {wrong}; {len(scores)} of {n} scored")


def compare(kind: str, n: int, jobs: int) -> tuple[float, float]:
    """Grade ``n`` notebooks of ``kind`` with both tools; print and return (wall ratio, CPU ratio)."""
    with tempfile.TemporaryDirectory(prefix="grader-peers-") as tmp:
        base = Path(tmp)
        batch = base / "batch"
        if kind == "five":
            _five.write_batch(batch, n)
            root, name = _five.write_course(base / "root"), _five.NAME
            source, files = _five.source_notebook(), {}
            expected_nbgrader = expected_grade = _five.expected_score
        else:
            write_course_batch(batch, n)
            root, name = ROOT, "shallow-nn"
            source = _course_notebook("correct_notebook", 0)
            files = {p.name: p.read_text() for p in (SHALLOW / "planar_utils.py", SHALLOW / "public_tests.py")}
            expected_nbgrader = lambda sid: _course_expected(sid)[0]
            expected_grade = lambda sid: _course_expected(sid)[1]
        nbgrader_course(base / "course", source, batch, files)
        nb_s, nb_cpu, nb_scores = run_nbgrader(base / "course")
        _check("nbgrader", nb_scores, expected_nbgrader, n)
        gr_s, gr_cpu, gr_scores = run_grade(root, name, batch, base / "out", jobs)
        _check("grade", gr_scores, expected_grade, n)
        rows = [("nbgrader autograde", nb_s, nb_cpu), (f"grade --jobs {jobs}", gr_s, gr_cpu)]
        if kind == "course":  # its reports have figures, which nbgrader's autograde does not make
            bare_s, bare_cpu, bare_scores = run_grade(root, name, batch, base / "bare", jobs, figures=False)
            _check("grade --no-figures", bare_scores, expected_grade, n)
            rows.append((f"grade --jobs {jobs} --no-figures", bare_s, bare_cpu))
        floor_s, floor_cpu = floor(root, name, batch)
    print(f"\n{kind}: {n} notebooks, both tools gave every notebook its expected score; grade --jobs {jobs}, "
          f"{os.cpu_count()} cores")
    print(f"{'':32} {'s/notebook':>11} {'ms/notebook':>12} {'CPU-ms/notebook':>16}")
    for label, seconds, cpu in rows:
        print(f"{label:32} {seconds / n:11.3f} {1000 * seconds / n:12.1f} {1000 * cpu / n:16.1f}")
    print(f"grade is {nb_s / gr_s:.0f}x as fast as nbgrader (wall), {nb_cpu / gr_cpu:.0f}x in CPU time")
    if len(rows) > 2:
        print(f"without figures: {nb_s / rows[2][1]:.0f}x (wall), {nb_cpu / rows[2][2]:.0f}x in CPU time")
    # What no grader on these cores could beat: the same checks (and figures) in one process, no sandbox, no files,
    # its CPU shared perfectly among the cores.
    shared = floor_cpu / (os.cpu_count() or 1)
    print(f"in-process floor of grade's checks and figures: {1000 * floor_s / n:.1f} ms/notebook, "
          f"{1000 * floor_cpu / n:.1f} CPU-ms/notebook; shared among {os.cpu_count()} cores, at most "
          f"{nb_s / shared:.0f}x nbgrader; grade's time is {gr_s / shared:.2f}x that share")
    return nb_s / gr_s, nb_cpu / gr_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=("five", "course"), action="append", help="default: both")
    parser.add_argument("--n", type=int, help="notebooks per kind (default 200 five-function, 8 course)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="grade's workers (default: cores)")
    parser.add_argument("--tiny", action="store_true", help="one notebook of each sort per kind")
    args = parser.parse_args()
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        raise SystemExit("benchmarks/peers.py needs nbgrader: pip install -e '.[bench]'") from None
    for kind in args.kind or ("five", "course"):
        default = len(_five.KINDS) if kind == "five" else len(COURSE)
        n = args.n or (default if args.tiny else 200 if kind == "five" else 2 * len(COURSE))
        compare(kind, n, args.jobs)


if __name__ == "__main__":
    main()
