"""The ``grade`` command: a thin click layer over ``grader.pipeline``.

This is the only module that imports click or exits the process. ``grade PATH...`` grades; other verbs are
subcommands. Exit codes are ``errors.ExitCode``: 0 whenever grading ran, whatever the scores.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .assignment import available, find_root, load_assignment
from .errors import ExitCode, GraderError, UsageError
from .models import SubmissionResult


class _DefaultGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, goes to the default ``run`` command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


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


def _line(result: SubmissionResult) -> str:
    flags = f"  [{', '.join(result.flags)}]" if result.flags else ""
    return f"{result.submission}: {result.score:g}/{result.max_score:g}{flags}"


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="grader")
def main() -> None:
    """Grade deep-learning assignments in a sandbox.

    grade PATH... grades submissions (.py or .ipynb files, or folders of them). With no PATH, it grades the
    bundled example submissions into reports/.
    """


@main.command("run")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--assignment", "-a", "assignment_name", type=str, default=None,
              help="Assignment name (default: inferred from the path, or the only one there is).")
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: reports/ at the project root).")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None,
              help="Seed for the random check inputs (default: derived from each file's content).")
@click.option("--insecure", is_flag=True, default=False,
              help="Run even when no isolation protects the reference and results. Only for trusted code.")
@click.option("--quiet", "-q", is_flag=True, default=False, help="Print only the summary line.")
def run(paths: tuple[Path, ...], assignment_name: str | None, out_dir: Path | None, seed: int | None,
        insecure: bool, quiet: bool) -> None:
    """Grade PATH... (files or folders); with no PATH, the bundled examples."""
    from .pipeline import grade_paths

    def report(result: SubmissionResult) -> None:
        if not quiet:
            click.echo(_line(result))

    try:
        root = find_root()
        name = _pick_assignment(root, assignment_name, paths)
        assignment = load_assignment(root, name)
        if not paths:
            paths = (assignment.public_dir / "examples",)
        out = out_dir if out_dir is not None else root / "reports"
        results = grade_paths(list(paths), assignment, out_dir=out, seed=seed, insecure=insecure, on_result=report)
    except GraderError as exc:
        click.echo(exc.show(), err=True)
        sys.exit(int(exc.exit_code))
    _summary(results, out)
    if any("grader-error" in r.flags for r in results):
        click.echo("error: some checks failed inside the grader; see the messages above", err=True)
        sys.exit(int(ExitCode.GRADER_FAILURE))


def _summary(results: tuple[SubmissionResult, ...], out: Path) -> None:
    if not results:
        click.echo("no submissions found")
        return
    mean = sum(r.score for r in results) / len(results)
    most = max(r.max_score for r in results)
    click.echo(f"graded {len(results)} submission(s), mean {mean:.2f}/{most:g}; "
               f"results in {out}/<id>/, gradebook in {out / 'gradebook.csv'}")
