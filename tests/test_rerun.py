"""A rerun of an unchanged batch, through the real pipeline (sandbox, worker processes, gradebook): it renders and
writes nothing again and never builds a figure (resume, the CSV and the summary read results without them), yet a
results.json whose figures differ from the gradebook's is written again, and so are the files of results whose
details are withheld or released since. The CLI's closing line reads them without figures too."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from courses import write_batch, write_course

from grader import models
from grader.assignment import load_assignment
from grader.cli import main
from grader.gradebook import StoredResults
from grader.pipeline import BatchOptions, grade_paths

CONFIG = ('name = "pic"\nversion = "1"\nfunctions = ["add", "mul"]\n\n[limits]\ncall_seconds = 60\n\n'
          '[visibility]\nhidden_until = "2030-01-01T00:00:00+00:00"\n')
CHECKS = '''
import pytest
from click.testing import CliRunner

@pytest.mark.grades("add")
def test_small(student):
    assert student.add(1, 2) == 3, "add(1, 2) should be 3"

@pytest.mark.grades("mul")
def test_product(student):
    assert student.mul(2, 3) == 6, "mul(2, 3) should be 6"

@pytest.mark.report_only
def test_picture(student, figures):
    xs = list(range(300))
    figures.add("lines", "A curve", x=xs, y=[student.add(x, 0.5) / 7 for x in xs], label="caf\\u00e9")
'''
RIGHT = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
SUBMISSIONS = {"good.py": RIGHT, "half.py": RIGHT.replace("a * b", "a + b"), "third.py": RIGHT + "\n# three\n"}
RELEASED, WITHHELD = "2031-01-01T00:00:00+00:00", "2029-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(course root, batch folder, output folder graded once with two worker processes, details released)."""
    base = tmp_path_factory.mktemp("pic")
    root = base / "root"
    write_course(root, "pic", config=CONFIG, solution=RIGHT, points='[points]\n"add::small" = 2\n"mul::product" = 1\n',
                 checks=CHECKS)
    batch = write_batch(base / "batch", SUBMISSIONS)
    run(root, batch, base / "out", RELEASED, jobs=2)
    return root, batch, base / "out"


def run(root: Path, batch: Path, out: Path, as_of: str, jobs: int = 1) -> None:
    results = grade_paths([batch], load_assignment(root, "pic"), out_dir=out,
                          options=BatchOptions(jobs=jobs, as_of=as_of))
    assert len(results) == len(SUBMISSIONS)


def files(out: Path) -> dict[Path, tuple[int, int, bytes]]:
    """Each file of the output folder: (inode, mtime, bytes). os.replace gives a written file a new inode."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and not path.name.startswith(("gradebook.sqlite", ".")):
            found[path] = (path.stat().st_ino, path.stat().st_mtime_ns, path.read_bytes())
    return found


def changed(before: dict[Path, tuple[int, int, bytes]], out: Path) -> set[str]:
    after = files(out)
    return {str(path.relative_to(out)) for path in before if after.get(path) != before[path]}


@pytest.fixture()
def copy(course, tmp_path) -> tuple[Path, Path, Path]:
    """The graded course with a copy of its output folder, to change freely."""
    root, batch, out = course
    shutil.copytree(out, tmp_path / "out")
    return root, batch, tmp_path / "out"


@pytest.fixture()
def figures_built(monkeypatch) -> list[str]:
    """The title of every Figure constructed while the test runs (a Figure bounds its data as it is built)."""
    built: list[str] = []
    bound = models.Figure.__post_init__

    def counting(self: models.Figure) -> None:
        built.append(self.title)
        bound(self)

    monkeypatch.setattr(models.Figure, "__post_init__", counting)
    return built


def test_the_figures_are_in_the_reports(course):
    _, _, out = course
    data = json.loads((out / "good" / "results.json").read_text())
    (figure,) = data["figures"]
    assert len(figure["data"]["y"]) == 300 and figure["data"]["label"] == "café"
    assert "A curve" in (out / "good" / "report.html").read_text()


def test_an_unchanged_rerun_writes_nothing_and_builds_no_figure(copy, figures_built):
    root, batch, out = copy
    before = files(out)
    run(root, batch, out, RELEASED)
    assert figures_built == []
    assert changed(before, out) == {"gradebook.csv", "summary.html", "summary.json"}  # written again, the same
    assert all(files(out)[path][2] == before[path][2] for path in before)


def test_the_rerun_still_returns_results_with_their_figures(copy):
    root, batch, out = copy
    results = grade_paths([batch], load_assignment(root, "pic"), out_dir=out, options=BatchOptions(as_of=RELEASED))
    assert isinstance(results, StoredResults) and [len(r.figures) for r in results] == [1, 1, 1]
    assert [len(r.figures) for r in results.without_figures()] == [0, 0, 0]


@pytest.mark.parametrize("edit", ["number", "label", "missing", "string", "not json"])
def test_a_results_json_whose_figures_differ_is_written_again(copy, edit):
    root, batch, out = copy
    before = files(out)
    path = out / "half" / "results.json"
    data = json.loads(path.read_text())
    if edit == "number":
        data["figures"][0]["data"]["y"][150] += 1e-9
    elif edit == "label":
        data["figures"][0]["data"]["label"] = "cafe"
    elif edit == "missing":
        del data["figures"]
    elif edit == "string":
        data["figures"] = json.dumps(data["figures"])
    path.write_text("{not json" if edit == "not json" else json.dumps(data, indent=2) + "\n")
    run(root, batch, out, RELEASED)
    assert changed(before, out) - {"gradebook.csv", "summary.html", "summary.json"} == {
        "half/results.json", "half/report.html", "half/report.md"}
    assert path.read_bytes() == before[path][2]


def test_a_changed_detail_outside_the_figures_is_written_again(copy):
    root, batch, out = copy
    path = out / "good" / "results.json"
    original = path.read_bytes()
    path.write_text(path.read_text().replace('"score": 3.0', '"score": 2.0', 1))
    run(root, batch, out, RELEASED)
    assert path.read_bytes() == original


def test_withheld_then_released_details_rewrite_the_files_once_each(copy, figures_built):
    root, batch, out = copy
    released = files(out)
    run(root, batch, out, WITHHELD)
    withheld = files(out)
    assert {p.parent.name for p in withheld if p.name == "results.json" and withheld[p] != released[p]} == {
        "good", "half", "third"}
    assert json.loads((out / "good" / "results.json").read_text())["figures"] == []
    assert figures_built == []  # withheld: rendered from the results read without their figures
    run(root, batch, out, WITHHELD)  # withheld and unchanged: nothing written
    assert changed(withheld, out) <= {"gradebook.csv", "summary.html", "summary.json"}
    assert figures_built == []
    run(root, batch, out, RELEASED)
    assert {str(p.relative_to(out)) for p in released if p.suffix in (".json", ".html", ".md")
            and p.parent != out and files(out)[p][2] != released[p][2]} == set()
    assert len(figures_built) == 3  # the three results read whole, to render their figures again


def test_a_rerun_through_the_cli_builds_no_figure(copy, figures_built, monkeypatch):
    root, batch, out = copy
    monkeypatch.setenv("GRADER_ROOT", str(root))
    before = files(out)
    done = CliRunner().invoke(main, [str(batch), "--out", str(out), "--assignment", "pic", "--as-of", RELEASED,
                                     "-j", "1"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "3 submission(s) already graded; grading 0" in done.output
    assert "3 submission(s), mean 2.67/3" in done.output
    assert figures_built == []
    assert changed(before, out) == {"gradebook.csv", "summary.html", "summary.json"}
