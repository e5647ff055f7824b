"""The ``grade`` command: a thin click layer over ``grader.pipeline``.

This is the only module that exits the process; ``console`` holds what a run prints and ``plan`` what it grades.
``grade PATH...`` grades; other verbs are subcommands. Exit codes are ``errors.ExitCode``: 0 whenever grading ran,
whatever the scores.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from .assignment import find_root, load_assignment
from .console import ProgressDisplay, batch_line, github_step_summary, result_line
from .errors import ExitCode, GraderError, UsageError
from .formats import FORMATS
from .gradebook import CSV_FORMATS
from .lms import PLATFORMS
from .models import GRADER_ERROR, SubmissionResult
from .plan import EXECUTORS, pick_assignment, plan
from .policy import iso, parse_time, read_extensions, read_timestamps

__all__ = [
    "check_command",
    "diff",
    "export",
    "export_gradescope",
    "generate",
    "main",
    "run",
    "selfcheck",
    "similarity",
]


_GROUP_FLAGS = ("--color", "--no-color")


class _GradeGroup(click.Group):
    """The ``grade`` group: a first argument that is not a subcommand goes to the default ``run`` command, whose
    options the top-level help lists too. A ``GraderError`` from any command is printed and becomes its exit code,
    here and nowhere else; so does Ctrl-C (130)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = 0
        while first < len(args) and args[first] in _GROUP_FLAGS:
            first += 1
        rest = args[first:]
        if not rest or rest[0] not in self.commands and rest[0] not in ("--help", "-h", "--version"):
            args = [*args[:first], "run", *rest]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        ctrl_c = _CtrlC.install()
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            click.secho(exc.show(), err=True, fg="yellow" if exc.exit_code == ExitCode.INTERRUPTED else "red")
            _exit(ctx, exc.exit_code, ctrl_c)
        except KeyboardInterrupt:
            click.secho("stopped (Ctrl-C). What was saved stays saved: run the same command again to resume.",
                        err=True, fg="yellow")
            _exit(ctx, ExitCode.INTERRUPTED, ctrl_c)
        finally:
            if ctrl_c is not None:
                ctrl_c.uninstall()

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[OPTIONS] [PATH]...")
        formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...", prefix="   or: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The grading options of ``grade PATH...`` first, then the group's own, then the commands."""
        grading = self.commands["run"]
        records = [record for param in grading.get_params(ctx)
                   if isinstance(param, click.Option) and not {"--help", "--color"} & set(param.opts)
                   and (record := param.get_help_record(ctx)) is not None]
        with formatter.section("Grading options (grade [OPTIONS] PATH...)"):
            formatter.write_dl(records)
        super().format_options(ctx, formatter)


class _CtrlC:
    """SIGINT while a command runs: the first raises KeyboardInterrupt (a batch then stops its workers and says
    what it saved); any later one exits with 130 at once."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous
        self.pressed = False

    @classmethod
    def install(cls) -> _CtrlC | None:
        if threading.current_thread() is not threading.main_thread():
            return None
        handler = cls(signal.getsignal(signal.SIGINT))
        signal.signal(signal.SIGINT, handler)
        return handler

    def __call__(self, signum: int, frame: object) -> None:
        if self.pressed:
            os._exit(int(ExitCode.INTERRUPTED))
        self.pressed = True
        raise KeyboardInterrupt

    def uninstall(self) -> None:
        """Put the previous handler back, unless Ctrl-C was pressed: then the process is on its way out, and
        another press must still end it at once."""
        if not self.pressed:
            signal.signal(signal.SIGINT, self.previous)


def _exit(ctx: click.Context, code: ExitCode, ctrl_c: _CtrlC | None) -> NoReturn:
    """Exit with ``code``. After Ctrl-C, at once: everything is saved and closed by now, and the interpreter's own
    shutdown (a few tenths of a second) would meet a second Ctrl-C with the default handler put back."""
    if ctrl_c is not None and ctrl_c.pressed:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(code))
    ctx.exit(int(code))


def _set_color(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    """--color/--no-color; without either, NO_COLOR (any non-empty value) turns colour off, else a terminal has it."""
    if value is None and ctx.parent is None and os.environ.get("NO_COLOR"):
        value = False
    if value is not None:
        ctx.color = value


_color_option = click.option("--color/--no-color", default=None, expose_value=False, is_eager=True,
                             callback=_set_color,
                             help="Colour the output, or not (default: on a terminal, unless NO_COLOR is set).")


@click.group(cls=_GradeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="grader")
@_color_option
def main() -> None:
    """Grade deep-learning assignments in a sandbox.

    grade PATH... grades submissions (.py or .ipynb files, or folders of them); its options are below. With no
    PATH, it grades the bundled example submissions into reports/. Exit codes: 0 graded (whatever the scores),
    1 below --fail-under, 2 usage error, 3 grader failure, 4 no isolation, 130 stopped by Ctrl-C.
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
@click.option("--gradebook-format", "layout", type=click.Choice(CSV_FORMATS), default=None,
              help="Layout of gradebook.csv: plain (one column per function), canvas (Canvas's gradebook import) "
                   "or moodle (Moodle's grading worksheet). Default: the platform the archive comes from, else plain.")
@click.option("--platform", type=click.Choice(PLATFORMS), default="auto", show_default=True,
              help="How an archive's file names name students (auto: Canvas's or Moodle's download, else plain).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The platform's own export: Canvas's gradebook CSV, or Moodle's grading worksheet. Fills ids, "
                   "the assignment's column and points, and lists students with no submission.")
@click.option("--feedback-zip", is_flag=True, default=False,
              help="Write OUT/feedback.zip: each student's report named for the platform's bulk feedback upload.")
@click.option("--extensions", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV of student,deadline (ISO 8601): per-student deadlines for the late policy.")
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Extra output: junit (OUT/junit.xml) or gradescope (OUT/<id>/gradescope.json). Repeatable.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="Exit with code 1 when a submission scores below this percentage (for CI).")
@click.option("--timestamps", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV of submission,submitted_at (ISO 8601) for late penalties (default: file times).")
@click.option("--as-of", type=str, default=None,
              help="Treat this ISO 8601 time as now when deciding what is withheld (default: now).")
@click.option("--figures/--no-figures", default=True, show_default=True,
              help="Draw the report's figures. Without them a full submission grades several times faster, with "
                   "the same scores; results kept from such a run keep their reports without figures until "
                   "--regrade.")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None,
              help="Seed for the random check inputs (default: derived from each file's content).")
@click.option("--insecure", is_flag=True, default=False,
              help="Run even when no isolation protects the reference and results. Only for trusted code.")
@click.option("--quiet", "-q", is_flag=True, default=False, help="Print only the summary line.")
@_color_option
def run(paths: tuple[Path, ...], assignment_name: str | None, out_dir: Path | None, jobs: int | None,
        regrade: bool, executor: str, scheduler: str | None, layout: str | None, platform: str, roster: Path | None,
        feedback_zip: bool, extensions: Path | None, formats: tuple[str, ...], fail_under: float | None,
        timestamps: Path | None, as_of: str | None, figures: bool, seed: int | None, insecure: bool,
        quiet: bool) -> None:
    """Grade PATH... (files, folders, or a learning platform's zip); with no PATH, the bundled examples."""
    from .sources import has_archive

    archives = has_archive(paths)
    if layout is None:
        layout = platform if platform in ("canvas", "moodle") else "auto" if archives else "plain"
    if (roster or feedback_zip) and layout == "plain" and not archives:
        raise UsageError("--roster and --feedback-zip need a platform: grade its zip, or say --gradebook-format "
                         "canvas or moodle")
    when = _check_time(as_of, "--as-of")
    stamps = _read_csv(read_timestamps, timestamps, "--timestamps")
    granted = _read_csv(read_extensions, extensions, "--extensions")
    batches = plan(find_root(), paths, assignment_name, out_dir)
    # Only now the engine (pytest, numpy, nbformat: half a second), so that a mistake in the command is said at once.
    from .pipeline import BatchOptions, grade_paths, grade_submissions

    options = BatchOptions(jobs=jobs or os.cpu_count() or 1, executor=executor, scheduler=scheduler, seed=seed,
                           insecure=insecure, regrade=regrade, gradebook_layout=layout,
                           formats=tuple(dict.fromkeys(formats)), as_of=when, timestamps=stamps, extensions=granted,
                           platform=platform, roster=roster, feedback_zip=feedback_zip, figures=figures)
    graded_batches: list[Sequence[SubmissionResult]] = []  # each read from its gradebook as it is iterated
    for batch in batches:
        display = ProgressDisplay(quiet=quiet)
        try:
            if batch.submissions is None:  # archives: read into a private folder for the batch's duration
                graded = grade_paths(paths, batch.assignment, out_dir=batch.out, options=options,
                                     on_progress=display.update)
            else:
                graded = grade_submissions(batch.submissions, batch.assignment, out_dir=batch.out, options=options,
                                           on_progress=display.update)
        finally:
            display.close()
        graded = graded.without_figures()  # the closing line, the step summary and the exit code draw nothing
        click.echo(batch_line(graded, batch.out))
        github_step_summary(graded, batch.out)
        graded_batches.append(graded)
    _exit_for(graded_batches, fail_under)


def _exit_for(batches: Sequence[Sequence[SubmissionResult]], fail_under: float | None) -> None:
    """Exit 3 when a check failed inside the grader, else 1 when a submission scored below --fail-under (each
    named), else return (exit 0). One pass over each batch, holding only what is reported."""
    failed_inside = False
    below: list[tuple[str, float]] = []
    for graded in batches:
        for result in graded:
            failed_inside = failed_inside or GRADER_ERROR in result.flags
            percent = 100.0 * result.score / result.max_score if result.max_score else 0.0
            if fail_under is not None and percent < fail_under:
                below.append((result.submission, percent))
    if failed_inside:
        click.echo("error: some checks failed inside the grader; see the messages above", err=True)
        sys.exit(int(ExitCode.GRADER_FAILURE))
    for submission, percent in below:
        click.echo(f"{submission} scored {percent:.1f}%, below --fail-under {fail_under:g}%", err=True)
    if below:
        sys.exit(int(ExitCode.BELOW_THRESHOLD))


def _check_time(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    try:
        return iso(parse_time(text))
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not an ISO 8601 time such as 2026-12-01T23:59:00+00:00") from None


def _read_csv(reader: Callable[[Path], dict[str, str]], path: Path | None, option: str) -> dict[str, str]:
    """A table given by ``option``, read by ``reader`` (from ``policy``); its errors become usage errors."""
    if path is None:
        return {}
    try:
        return reader(path)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise UsageError(f"{option}: {exc}") from None


@main.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--assignment", "-a", "assignment_name", type=str, default=None,
              help="Assignment name (default: inferred from the path, or the only one there is).")
@_color_option
def check_command(file: Path, assignment_name: str | None) -> None:
    """Run the public checks on FILE and print a short summary (for students, before submitting)."""
    from .student import check_file

    root = find_root()
    assignment = load_assignment(root, pick_assignment(root, assignment_name, (file,)))
    report = check_file(str(file), assignment)
    colours = {"passed": "green", "failed": "red", "error": "red", "missing": "yellow", "absent": None}
    for problem in report.problems:
        click.secho(f"⚠ {problem}", fg="red")
    for result in report.checks:
        click.secho(result.line(), fg=colours[result.status])
    click.secho(report.summary(), bold=not report.ok)
    sys.exit(0 if report.ok else int(ExitCode.BELOW_THRESHOLD))


@main.command("diff")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The output folder graded into (default: reports/ at the project root).")
def diff(out_dir: Path | None) -> None:
    """Whose score changed since the previous grading (after `grade --regrade`), by how much, and through which
    checks: read before uploading the grades again. Exits 1 when any score changed."""
    from .gradebook import Gradebook

    out = out_dir or find_root() / "reports"
    book = out / "gradebook.sqlite"
    if not book.is_file():
        raise UsageError(f"{out}: no gradebook.sqlite there; grade into it first")
    with Gradebook(book) as gradebook:
        changes = gradebook.score_changes()
    for change in changes:
        sign = "+" if change.delta > 0 else ""
        click.echo(f"{change.submission}: {change.before:g}/{change.max_before:g} -> {change.after:g}/"
                   f"{change.max_after:g} ({sign}{change.delta:g})")
        for check in change.checks:
            click.echo(f"    {check.id}: {check.before or 'new'} -> {check.after or 'removed'}")
    scores = sum(1 for c in changes if c.delta)
    click.echo(f"{len(changes)} submission(s) changed since their previous grading ({scores} in score)"
               if changes else "no score or check changed since the previous grading")
    sys.exit(int(ExitCode.BELOW_THRESHOLD) if scores else 0)


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
    assignment = load_assignment(root, pick_assignment(root, assignment_name, paths))
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
        if not stale:
            click.echo(f"the student files of {name} are up to date")
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
        results = tuple(grade_paths([folder], assignment, out_dir=Path(tmp) / "out", options=BatchOptions(jobs=1)))
    ok = True
    for result in results:
        click.echo(result_line(result))
        wanted = result.max_score if result.submission == "reference" else 0.0
        ok &= result.score == wanted
    click.echo("self-check passed" if ok else "self-check FAILED: the reference must get full marks, stubs none")
    sys.exit(0 if ok else int(ExitCode.BELOW_THRESHOLD))


if __name__ == "__main__":  # python -m grader.cli
    main()
