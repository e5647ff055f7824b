"""What a ``grade`` run shows while it works and when it ends: progress, one line per result, the batch's closing
line, and the step summary on GitHub Actions.

Output goes through click so that ``--color/--no-color`` and NO_COLOR apply; the CLI decides when to exit.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .models import SubmissionResult

if TYPE_CHECKING:  # the pipeline imports the engine (pytest, numpy): the CLI starts without them
    from .pipeline import Progress

__all__ = ["ProgressDisplay", "STEP_SUMMARY_REPORTS", "batch_line", "duration", "github_step_summary", "result_line"]

STEP_SUMMARY_REPORTS = 5  # up to this many results, the step summary holds their reports; above, a table


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
            click.echo(f"\r[{bar}] {progress.done}/{progress.total}  {rate:.1f}/s  ETA {duration(eta)}  ",
                       nl=False, file=self.stream)
            return
        if self.quiet:
            return
        if progress.total <= self.LIST_UP_TO:
            click.echo(result_line(progress.result, styled=True), file=self.stream)
        elif time.monotonic() - self.last_line >= 5 or progress.done == progress.total:
            self.last_line = time.monotonic()
            click.echo(f"graded {progress.done}/{progress.total} ({rate:.1f}/s, ETA {duration(eta)})",
                       file=self.stream)

    def close(self) -> None:
        if self.tty and not self.quiet and self.total:
            click.echo("", file=self.stream)


def duration(seconds: float) -> str:
    """``H:MM:SS``."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def result_line(result: SubmissionResult, *, styled: bool = False) -> str:
    """``id: score/max  [flags]``; styled, the score is green when full, red when nothing, yellow between (click
    drops the colour where there is none: not a terminal, NO_COLOR, --no-color)."""
    flags = f"  [{', '.join(result.flags)}]" if result.flags else ""
    score = f"{result.score:g}/{result.max_score:g}"
    if styled:
        colour = "green" if result.score >= result.max_score else "red" if result.score <= 0 else "yellow"
        score = click.style(score, fg=colour, bold=True)
    return f"{result.submission}: {score}{flags}"


def batch_line(results: Sequence[SubmissionResult], out: Path) -> str:
    """The closing line of a batch: how many, the mean, and where everything was written. One pass over
    ``results`` (a batch is read back from its gradebook as it is iterated)."""
    count, total, most = 0, 0.0, 0.0
    for result in results:
        count += 1
        total += result.score
        most = max(most, result.max_score)
    mean = total / count if count else 0.0
    return (f"{count} submission(s), mean {mean:.2f}/{most:g}; results in {out}/<id>/, "
            f"gradebook in {out / 'gradebook.csv'}, class summary in {out / 'summary.html'}")


def github_step_summary(results: Sequence[SubmissionResult], out: Path) -> None:
    """On GitHub Actions (``GITHUB_STEP_SUMMARY`` set), append the Markdown report of each of a few results to the
    job's step summary, or a table of scores for a larger batch."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target or not results:
        return
    with open(target, "a", encoding="utf-8") as fh:
        if len(results) <= STEP_SUMMARY_REPORTS:
            for result in results:
                report = out / result.submission / "report.md"
                if report.is_file():
                    fh.write(report.read_text(encoding="utf-8") + "\n")
        else:
            fh.write("| submission | score | flags |\n| --- | ---: | --- |\n")
            for result in results:
                fh.write(f"| {result.submission} | {result.score:g} / {result.max_score:g} | "
                         f"{' '.join(result.flags)} |\n")
