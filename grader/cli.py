"""The ``grade`` command: a thin click layer over ``grader.pipeline``.

This is the only module that imports click or exits the process. ``grade PATH...`` grades; other verbs are
subcommands. Exit codes are ``errors.ExitCode``: 0 whenever grading ran, whatever the scores.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from .assignment import available, find_root, load_assignment
from .errors import ExitCode, GraderError, UsageError
from .executors import EXECUTORS
from .formats import FORMATS
from .gradebook import CSV_FORMATS
from .models import GRADER_ERROR, WARNING, SubmissionResult
from .pipeline import Progress
from .policy import iso, parse_time

__all__ = [
    "ProgressDisplay",
    "check_command",
    "export",
    "export_gradescope",
    "generate",
    "main",
    "run",
    "selfcheck",
    "similarity",
]


class _GradeGroup(click.Group):
    """The ``grade`` group: a first argument that is not a subcommand goes to the default ``run`` command, and a
    ``GraderError`` from any command is printed and becomes its exit code, here and nowhere else."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            click.echo(exc.show(), err=True)
            ctx.exit(int(exc.exit_code))


def _pick_assignment(root: Path, name: str | None, paths: tuple[Path, ...]) -> str:
    names = available(root)
    if name:
        return name
    for path in paths:  # a path inside assignments/<name>/ names its assignment
        resolved = path.resolve()
        for candidate in names:
            if (root / "assignments" / candidate).resolve() in (resolved, *resolved.parents):
                return candidate
    if len(names) == 1:
        return names[0]
    raise UsageError(f"say which assignment with --assignment (available: {', '.join(names) or 'none'})")


class ProgressDisplay:
    """A progress bar with rate and ETA on a terminal; plain progress lines elsewhere.

    Small batches also list each result as it comes; large ones only report progress.
    """

    LIST_UP_TO = 100

    def __init__(self, *, quiet: bool, stream: Any = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.last_line = 0.0
        self.total = 0

    def update(self, progress: Progress) -> None:
        self.total = progress.total
        if progress.result is None:
            if progress.skipped and not self.quiet:
                click.echo(f"{progress.skipped} submission(s) already graded; grading {progress.total} "
                           "(--regrade grades everything again)", file=self.stream)
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = progress.done / elapsed
        eta = (progress.total - progress.done) / rate if rate else 0.0
        if self.tty and not self.quiet:
            width = 30
            filled = int(width * progress.done / max(progress.total, 1))
            bar = "#" * filled + "-" * (width - filled)
            click.echo(f"\r[{bar}] {progress.done}/{progress.total}  {rate:.1f}/s  ETA {_duration(eta)}  ",
                       nl=False, file=self.stream)
            return
        if self.quiet:
            return
        if progress.total <= self.LIST_UP_TO:
            click.echo(_line(progress.result), file=self.stream)
        elif time.monotonic() - self.last_line >= 5 or progress.done == progress.total:
            self.last_line = time.monotonic()
            click.echo(f"graded {progress.done}/{progress.total} ({rate:.1f}/s, ETA {_duration(eta)})",
                       file=self.stream)

    def close(self) -> None:
        if self.tty and not self.quiet and self.total:
            click.echo("", file=self.stream)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _line(result: SubmissionResult) -> str:
    flags = f"  [{', '.join(result.flags)}]" if result.flags else ""
    return f"{result.submission}: {result.score:g}/{result.max_score:g}{flags}"


@click.group(cls=_GradeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="grader")
def main() -> None:
    """Grade deep-learning assignments in a sandbox.

    grade PATH... grades submissions (.py or .ipynb files, or folders of them). With no PATH, it grades the
    bundled example submissions into reports/.
    """
    logging.basicConfig(format="grader: %(message)s", level=logging.WARNING)


@main.command("run")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--assignment", "-a", "assignment_name", type=str, default=None,
              help="Assignment name (default: inferred from the path, or the only one there is).")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: reports/ at the project root).")
@click.option("--jobs", "-j", type=click.IntRange(1, 512), default=None,
              help="Parallel grading workers (default: all cores).")
@click.option("--regrade", is_flag=True, default=False,
              help="Grade again submissions the gradebook already holds for this content and assignment version.")
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
              help="Where workers run: local processes, or a Dask distributed cluster.")
@click.option("--scheduler", type=str, default=None, help="Dask scheduler address, with --executor dask.")
@click.option("--gradebook-format", "layout", type=click.Choice(CSV_FORMATS), default="plain", show_default=True,
              help="Layout of gradebook.csv: one column per function, or Canvas's import layout.")
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Extra output: junit (OUT/junit.xml) or gradescope (OUT/<id>/gradescope.json). Repeatable.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="Exit with code 1 when a submission scores below this percentage (for CI).")
@click.option("--timestamps", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV of submission,submitted_at (ISO 8601) for late penalties (default: file times).")
@click.option("--as-of", type=str, default=None,
              help="Treat this ISO 8601 time as now when deciding what is withheld (default: now).")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None,
              help="Seed for the random check inputs (default: derived from each file's content).")
@click.option("--insecure", is_flag=True, default=False,
              help="Run even when no isolation protects the reference and results. Only for trusted code.")
@click.option("--quiet", "-q", is_flag=True, default=False, help="Print only the summary line.")
def run(paths: tuple[Path, ...], assignment_name: str | None, out_dir: Path | None, jobs: int | None,
        regrade: bool, executor: str, scheduler: str | None, layout: str, formats: tuple[str, ...],
        fail_under: float | None, timestamps: Path | None, as_of: str | None, seed: int | None, insecure: bool,
        quiet: bool) -> None:
    """Grade PATH... (files or folders); with no PATH, the bundled examples."""
    from .pipeline import BatchOptions, grade_paths

    options = BatchOptions(jobs=jobs or os.cpu_count() or 1, executor=executor, scheduler=scheduler, seed=seed,
                           insecure=insecure, regrade=regrade, gradebook_layout=layout,
                           formats=tuple(dict.fromkeys(formats)), as_of=_check_time(as_of, "--as-of"),
                           timestamps=_read_timestamps(timestamps) if timestamps else {})
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{path}: no such file or folder")
    root = find_root()
    if paths:
        batches = [(load_assignment(root, _pick_assignment(root, assignment_name, paths)), list(paths),
                    out_dir or root / "reports")]
    else:  # the bundled examples of every assignment (or the one named), each into its own folder
        names = [assignment_name] if assignment_name else list(available(root))
        batches = []
        for name in names:
            assignment = load_assignment(root, name)
            target = out_dir or root / "reports"
            batches.append((assignment, [assignment.public_dir / "examples"],
                            target / name if len(names) > 1 else target))
    results: tuple[SubmissionResult, ...] = ()
    for assignment, folders, out in batches:
        display = ProgressDisplay(quiet=quiet)
        graded = grade_paths(folders, assignment, out_dir=out, options=options, on_progress=display.update)
        display.close()
        _summary(graded, out)
        _github_step_summary(graded, out)
        results += graded
    if any(GRADER_ERROR in r.flags for r in results):
        click.echo("error: some checks failed inside the grader; see the messages above", err=True)
        sys.exit(int(ExitCode.GRADER_FAILURE))
    if fail_under is not None:
        below = [r for r in results if _percent(r) < fail_under]
        for result in below:
            click.echo(f"{result.submission} scored {_percent(result):.1f}%, below --fail-under {fail_under:g}%",
                       err=True)
        if below:
            sys.exit(int(ExitCode.BELOW_THRESHOLD))


def _percent(result: SubmissionResult) -> float:
    return 100.0 * result.score / result.max_score if result.max_score else 0.0


def _check_time(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    try:
        return iso(parse_time(text))
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not an ISO 8601 time such as 2026-12-01T23:59:00+00:00") from None


def _read_timestamps(path: Path) -> dict[str, str]:
    """submission,submitted_at rows; the header row is required."""
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"submission", "submitted_at"} <= set(reader.fieldnames):
            raise UsageError(f"{path}: needs the columns submission,submitted_at")
        return {row["submission"]: _check_time(row["submitted_at"], str(path)) or "" for row in reader}


def _github_step_summary(results: tuple[SubmissionResult, ...], out: Path) -> None:
    """On GitHub Actions, append the Markdown report(s) to the job's step summary."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target or not results:
        return
    with open(target, "a", encoding="utf-8") as fh:
        if len(results) <= 5:
            for result in results:
                report = out / result.submission / "report.md"
                if report.is_file():
                    fh.write(report.read_text(encoding="utf-8") + "\n")
        else:
            fh.write("| submission | score | flags |\n| --- | ---: | --- |\n")
            for result in results:
                fh.write(f"| {result.submission} | {result.score:g} / {result.max_score:g} | "
                         f"{' '.join(result.flags)} |\n")

def _summary(results: tuple[SubmissionResult, ...], out: Path) -> None:
    if not results:
        click.echo("no submissions found")
        return
    mean = sum(r.score for r in results) / len(results)
    most = max(r.max_score for r in results)
    click.echo(f"{len(results)} submission(s), mean {mean:.2f}/{most:g}; results in {out}/<id>/, "
               f"gradebook in {out / 'gradebook.csv'}, class summary in {out / 'summary.html'}")


@main.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--assignment", "-a", "assignment_name", type=str, default=None,
              help="Assignment name (default: inferred from the path, or the only one there is).")
def check_command(file: Path, assignment_name: str | None) -> None:
    """Run the public checks on FILE and print a short summary (for students, before submitting)."""
    from .student import check_file

    root = find_root()
    assignment = load_assignment(root, _pick_assignment(root, assignment_name, (file,)))
    results, problems = check_file(str(file), assignment)
    colours = {"passed": "green", "failed": "red", "error": "red", "missing": "yellow", "absent": None}
    for problem in problems:
        if problem.kind != WARNING:
            click.secho(f"⚠ {problem.message}", fg="red")
    for result in results:
        click.secho(result.line(), fg=colours[result.status])
    graded = [r for r in results if r.status != "absent"]
    passed = sum(r.passed for r in graded)
    click.echo(f"{passed} of {len(graded)} public checks passed. The grader runs more checks of its own.")
    sys.exit(0 if passed == len(graded) and graded else int(ExitCode.BELOW_THRESHOLD))


@main.command("similarity")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--assignment", "-a", "assignment_name", type=str, default=None,
              help="Assignment name (default: inferred from the path, or the only one there is).")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: reports/ at the project root).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.8, show_default=True,
              help="Report pairs at least this similar (weighted Jaccard over normalised code).")
def similarity(paths: tuple[Path, ...], assignment_name: str | None, out_dir: Path | None, threshold: float) -> None:
    """List pairs of submissions whose graded functions are near-identical (for academic integrity)."""
    from .similarity_report import similar_pairs

    root = find_root()
    assignment = load_assignment(root, _pick_assignment(root, assignment_name, paths))
    out = out_dir or root / "reports"
    pairs, report = similar_pairs(list(paths), assignment, out_dir=out, threshold=threshold)
    for pair in pairs[:20]:
        click.echo(f"{pair.score:.2f}  {pair.left} ~ {pair.right}")
    click.echo(f"{len(pairs)} similar pair(s) at threshold {threshold:g}; report in {report}")


@main.group("export")
def export() -> None:
    """Package an assignment for another platform."""


@export.command("gradescope")
@click.argument("name", type=str)
@click.option("--out", "-o", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The zip to write (default: <name>-gradescope.zip).")
def export_gradescope(name: str, out_file: Path | None) -> None:
    """Build the Gradescope autograder zip (setup.sh, run_autograder, the grader and the hidden checks)."""
    from .export import gradescope_zip

    root = find_root()
    assignment = load_assignment(root, name)
    data = gradescope_zip(assignment, Path(__file__).resolve().parent.parent)
    target = out_file or Path(f"{name}-gradescope.zip")
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the autograder zip ({exc.strerror})") from None
    click.echo(f"wrote {target} ({len(data) // 1024} KiB): upload it as the assignment's autograder")


@main.command("generate")
@click.argument("name", type=str)
@click.option("--check", is_flag=True, default=False,
              help="Write nothing; exit 1 when the committed student files are out of date.")
def generate(name: str, check: bool) -> None:
    """Write the student notebook and .py file of assignment NAME from reference/NAME/solution.py."""
    from .author import stale_files, write_generated

    assignment = load_assignment(find_root(), name)
    if check:
        stale = stale_files(assignment)
        for path in stale:
            click.echo(f"{path} is out of date: run `grade generate {name}`", err=True)
        sys.exit(int(ExitCode.BELOW_THRESHOLD) if stale else 0)
    changed = write_generated(assignment)
    for path in changed:
        click.echo(f"wrote {path}")
    if not changed:
        click.echo("the student files are up to date")


@main.command("selfcheck")
@click.argument("name", type=str)
def selfcheck(name: str) -> None:
    """Prove assignment NAME sound: the reference gets full marks and the generated stubs get none."""
    import tempfile

    from .author import generated_files
    from .pipeline import BatchOptions, grade_paths

    assignment = load_assignment(find_root(), name)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        (folder / "reference.py").write_bytes(assignment.solution_path.read_bytes())
        for path, text in generated_files(assignment).items():
            (folder / f"stub{path.suffix}").write_text(text, encoding="utf-8")
        results = grade_paths([folder], assignment, out_dir=Path(tmp) / "out", options=BatchOptions(jobs=1))
    ok = True
    for result in results:
        click.echo(_line(result))
        wanted = result.max_score if result.submission == "reference" else 0.0
        ok &= result.score == wanted
    click.echo("self-check passed" if ok else "self-check FAILED: the reference must get full marks, stubs none")
    sys.exit(0 if ok else int(ExitCode.BELOW_THRESHOLD))


if __name__ == "__main__":  # python -m grader.cli
    main()
