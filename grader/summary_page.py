"""The class summary's page: ``summary.html``, one self-contained page (inline CSS and SVG, no scripts), and
``summary.json`` beside it.

The page shows a ``ClassSummary`` (``grader.summary``): the counts, a score histogram as inline SVG with the same
data as a table, the pass rate of every check, the mean score per function, the most frequent flags and mistakes,
the slowest submissions and those that failed to load, and the batch's notes (``grader.batch_notes``).

Submission ids and messages are written by students; the HTML template is autoescaped.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from .axes import count_histogram
from .batch_notes import BatchNotes
from .summary import ClassSummary
from .templating import number, percent, render

__all__ = ["render_summary_html", "summary_context", "write_summary"]


def summary_context(summary: ClassSummary, *, title: str) -> dict[str, Any]:
    """Everything the summary template shows, as plain dicts, lists, strings and numbers."""
    n, graded = summary.submissions, summary.graded

    def score(value: float | None) -> str:
        return "–" if value is None else number(value)

    return {
        "title": title,
        "summary": summary.to_dict(),
        "max_text": number(summary.max_score),
        "stats": [
            ("Mean", score(summary.mean)), ("Median", score(summary.median)),
            ("Lowest", score(summary.lowest)), ("Highest", score(summary.highest)),
        ],
        "chart": count_histogram([summary.histogram[0].lower, *(b.upper for b in summary.histogram)],
                                 [b.count for b in summary.histogram]) if summary.histogram else None,
        "bins": [
            {"range": f"{number(b.lower)}–{number(b.upper)}", "count": b.count, "percent": percent(b.count, n)}
            for b in summary.histogram
        ],
        "checks": [
            {**dataclasses.asdict(c), "total": c.total, "percent": percent(c.passed, c.total)} for c in summary.checks
        ],
        "functions": [
            {"function": f.function, "mean": number(f.mean), "max": number(f.max_score),
             "percent": percent(f.mean, f.max_score)}
            for f in summary.functions
        ],
        "flags": [{"flag": f.flag, "count": f.count, "percent": percent(f.count, n)} for f in summary.flags],
        "mistakes": [{**dataclasses.asdict(m), "percent": percent(m.count, graded)} for m in summary.mistakes],
        "slowest": [
            {"submission": s.submission, "duration": f"{s.duration_s:.2f} s", "score": number(s.score)}
            for s in summary.slowest
        ],
        "load_failures": [dataclasses.asdict(f) for f in summary.load_failures],
        "syntax_failures": [dataclasses.asdict(f) for f in summary.syntax_failures],
    }


def render_summary_html(summary: ClassSummary, *, title: str, notes: BatchNotes | None = None) -> str:
    """The class summary as one self-contained HTML page (inline CSS and SVG; no scripts or external resources)."""
    context = summary_context(summary, title=title)
    context["notes"] = (notes or BatchNotes()).to_dict()
    return render("summary.html.j2", context)


def write_summary(summary: ClassSummary, out_dir: Path, *, title: str, notes: BatchNotes | None = None) -> Path:
    """Write ``summary.html`` and ``summary.json`` (``summary.to_dict()``, with the batch's ``notes`` under
    "notes" when there are any) into ``out_dir``; return the HTML path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {**summary.to_dict(), "notes": notes.to_dict()} if notes else summary.to_dict()
    data = json.dumps(record, indent=2, allow_nan=False)
    (out_dir / "summary.json").write_text(data + "\n", encoding="utf-8")
    html_path = out_dir / "summary.html"
    html_path.write_text(render_summary_html(summary, title=title, notes=notes), encoding="utf-8")
    return html_path
