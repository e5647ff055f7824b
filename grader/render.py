"""The last stage: turn a ``SubmissionResult`` into feedback a stuck student can act on.

Two reports are produced from one template context: a self-contained HTML page and a Markdown document (readable
as plain text, and in GitHub's renderer, e.g. a job's step summary). For every failed check they name the mistake,
show what was expected and what came back, point to the cell and line, and explain the concept behind it with a
lesson. Each lesson's text is shown once per report; later mentions refer back to it.

Figures (``result.figures``: plain numbers computed by report-only checks) are drawn as inline SVG: the functions
below turn each figure's data into screen geometry (coordinates, ticks, paths), and one jinja macro per figure kind
in ``figures.html.j2`` writes the SVG. A figure whose data cannot be drawn is shown as its title and caption only.

Text written by students (messages that quote their values, ``got``, code lines, printed output, the submission
id) is never trusted: the HTML template is autoescaped and the Markdown filters below escape or fence it. Messages
and lesson texts may mark code with single backticks (```like this```); nothing else in them is interpreted.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .models import CheckResult, Figure, Location, SubmissionResult

_STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {"passed": "All passed", "failed": "Some failed", "error": "Error"}
)
_STATUS_SYMBOLS: Mapping[str, str] = MappingProxyType({"passed": "✓", "failed": "✗", "error": "⚠"})
_CHECK_LABELS: Mapping[str, str] = MappingProxyType({"passed": "Passed", "failed": "Failed", "error": "Error"})

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_MD_SPECIAL = re.compile(r"[\\`*\[\]<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?\w+;)")
_MD_LINE_START = re.compile(r"^(\d*)([#+=.)-])")
_BLANK_LINES = re.compile(r"\n\s*\n")


# ---------------------------------------------------------------------------------------------------------------
# Lessons


@functools.lru_cache(maxsize=1)
def _generic_lessons() -> Mapping[str, Mapping[str, str]]:
    """The engine's own lessons, from the package data file ``data/lessons.toml``."""
    text = resources.files("grader").joinpath("data", "lessons.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)
    return MappingProxyType(
        {str(key): MappingProxyType({str(k): str(v) for k, v in entry.items()}) for key, entry in table.items()}
    )


def _normalise_lesson(key: str, entry: Any) -> dict[str, str] | None:
    if not isinstance(entry, Mapping):
        return None
    title = str(entry.get("title") or "").strip()
    text = str(entry.get("text") or "").strip()
    if not title and not text:
        return None
    return {"title": title or key, "text": text}


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def _check_lesson_keys(check: CheckResult) -> list[str]:
    """The lesson keys for one check, most specific first: its lesson, its flags, then its function."""
    keys = [check.lesson or "", *check.flags]
    if not check.passed:
        keys.append(f"function:{check.function}")
    return _unique(keys)


def lessons_for(
    result: SubmissionResult, assignment_lessons: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, str]]:
    """The lessons a report on ``result`` needs, as ``{key: {"title": ..., "text": ...}}``.

    Keys are the whole submission's problem kinds and flags, then for each check its ``lesson`` key and flags,
    and ``function:<name>`` for each function with a failed or errored check. Each key is looked up in the
    assignment's lessons first, then in the engine's generic ones; keys with no lesson anywhere are left out.
    """
    generic = _generic_lessons()
    keys = _unique(
        [
            *(problem.kind for problem in result.problems),
            *result.flags,
            *(key for check in result.checks for key in _check_lesson_keys(check)),
        ]
    )
    found: dict[str, dict[str, str]] = {}
    for key in keys:
        lesson = _normalise_lesson(key, assignment_lessons.get(key)) or _normalise_lesson(key, generic.get(key))
        if lesson is not None:
            found[key] = lesson
    return found


class _LessonRefs:
    """Hands out lesson references in reading order, marking the first mention of each lesson."""

    def __init__(self, lessons: Mapping[str, Mapping[str, str]]) -> None:
        self._lessons = lessons
        self._anchors: dict[str, str] = {}
        self.used: list[dict[str, str]] = []

    def refs(self, keys: Iterable[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for key in _unique(keys):
            lesson = _normalise_lesson(key, self._lessons.get(key))
            if lesson is None:
                continue
            first = key not in self._anchors
            if first:
                self._anchors[key] = f"lesson-{len(self._anchors) + 1}-{_slug(key)}"
                self.used.append({"key": key, **lesson, "anchor": self._anchors[key]})
            out.append({"key": key, **lesson, "anchor": self._anchors[key], "first": first})
        return out


# ---------------------------------------------------------------------------------------------------------------
# Context


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _number(value: float) -> str:
    """``2`` for 2.0, ``2.5`` for 2.5, ``0.33`` for 1/3."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _where(location: Location | None) -> dict[str, Any]:
    if location is None:
        return {"where": None, "code": ""}
    return {"where": location.describe(), "code": location.code.rstrip()}


def _heading(kind: str, lessons: Mapping[str, Mapping[str, str]]) -> str:
    lesson = _normalise_lesson(kind, lessons.get(kind))
    return lesson["title"] if lesson else kind.replace("-", " ").capitalize()


def _check_name(check: CheckResult) -> str:
    prefix = f"{check.function}::"
    return check.id[len(prefix) :] if check.id.startswith(prefix) else check.id


def _function_status(checks: list[CheckResult]) -> str:
    if any(c.status == "error" for c in checks):
        return "error"
    if any(c.status == "failed" for c in checks):
        return "failed"
    return "passed"


def _check_row(check: CheckResult, index: int, refs: _LessonRefs | None) -> dict[str, Any]:
    default = "This check raised an error." if check.status == "error" else "This check did not pass."
    return {
        **check.to_dict(),
        "name": _check_name(check),
        "message": check.message.strip() or default,
        "score_text": _number(check.score),
        "max_text": _number(check.max_score),
        "status_label": _CHECK_LABELS[check.status],
        "status_symbol": _STATUS_SYMBOLS[check.status],
        "anchor": f"check-{index + 1}-{_slug(_check_name(check))}",
        **_where(check.location),
        "lessons": refs.refs(_check_lesson_keys(check)) if refs is not None else [],
    }


# Control characters (other than newline and tab) shown as visible escapes: student text must not be able to
# drive a terminal that displays report.md (ESC sequences, backspaces, carriage returns) or hide in the HTML.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(value: Any) -> Any:
    """``value`` with every control character in its strings replaced by a visible escape such as ``\\x1b``."""
    if isinstance(value, str):
        return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value.replace("\r\n", "\n"))
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_printable(v) for v in value)
    return value


def _late_text(result: SubmissionResult) -> str:
    late = result.late
    if late is None:
        return ""
    if late.days_late == 0:
        return f"On time (submitted {late.submitted_at}, deadline {late.deadline})."
    return (f"Submitted {late.submitted_at}, {late.days_late} day(s) after the deadline ({late.deadline}): "
            f"{late.penalty:.0%} of your {_number(late.raw_score)} points were taken away.")


QUIET_PROBLEMS = frozenset({"load-error", "warning"})


def report_context(
    result: SubmissionResult, *, title: str, lessons: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """Everything the report templates show, as plain dicts, lists, strings and numbers.

    ``result`` holds ``result.to_dict()``; the other keys are derived: score texts and percentage, one row per
    function (score, maximum, status), the failed and errored checks grouped by function with their lessons,
    the passed checks, the whole-submission problems, every lesson used (in reading order, each once), and the
    figures as SVG geometry (``figure_views``).
    ``lessons`` is usually ``lessons_for(result, assignment.lessons)``.
    """
    refs = _LessonRefs(lessons)
    percentage = 100.0 * result.score / result.max_score if result.max_score > 0 else 0.0
    graded = bool(result.checks)

    # Top-level statements that raised while the definitions loaded, and reader warnings: worth knowing, but
    # they cost no points, so they are shown quietly at the end rather than as problems.
    load_notes = [
        {"message": problem.message, **_where(problem.location)}
        for problem in result.problems
        if problem.kind in QUIET_PROBLEMS
    ]
    # Built in the order the templates show them, so each lesson is explained at its first mention.
    problems = [
        {
            **problem.to_dict(),
            "heading": _heading(problem.kind, lessons),
            **_where(problem.location),
            "lessons": refs.refs([problem.kind]),
        }
        for problem in result.problems
        if problem.kind not in QUIET_PROBLEMS
    ]
    covered = {p.kind for p in result.problems} | {
        key for check in result.checks for key in _check_lesson_keys(check) if not check.passed
    }
    notes = refs.refs(flag for flag in result.flags if flag not in covered)

    by_function: dict[str, list[tuple[int, CheckResult]]] = {}
    for index, check in enumerate(result.checks):
        by_function.setdefault(check.function, []).append((index, check))

    functions: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    passed: list[dict[str, Any]] = []
    for number, (name, (score, most)) in enumerate(result.function_scores().items(), start=1):
        indexed = by_function[name]
        checks = [c for _, c in indexed]
        status = _function_status(checks)
        bad = [c for c in checks if not c.passed]
        anchor = f"fn-{number}-{_slug(name)}"
        functions.append(
            {
                "name": name,
                "score": score,
                "max_score": most,
                "score_text": _number(score),
                "max_text": _number(most),
                "status": status,
                "status_label": _STATUS_LABELS[status],
                "status_symbol": _STATUS_SYMBOLS[status],
                "checks": len(checks),
                "passed": len(checks) - len(bad),
                "anchor": anchor if bad else None,
            }
        )
        if bad:
            failures.append(
                {
                    "function": name,
                    "anchor": anchor,
                    "score_text": _number(score),
                    "max_text": _number(most),
                    "status": status,
                    "checks": [_check_row(c, i, refs) for i, c in indexed if not c.passed],
                }
            )
        good = [_check_row(c, i, None) for i, c in indexed if c.passed]
        if good:
            passed.append({"function": name, "checks": good})

    counts = {status: sum(1 for c in result.checks if c.status == status) for status in ("passed", "failed", "error")}
    return _printable({
        "result": result.to_dict(),
        "title": title,
        "submission": result.submission,
        "graded": graded,
        "score_text": _number(result.score),
        "max_text": _number(result.max_score),
        "percentage": round(percentage, 1),
        "percentage_text": f"{_number(round(percentage, 1))}%",
        "flags": list(result.flags),
        "seed": result.seed,
        "sandbox": list(result.sandbox),
        "duration_text": f"{result.duration_s:.1f} s",
        "late_text": _late_text(result),
        "hidden_text": (f"The checks' details are withheld until {result.hidden_until}; your score is final."
                        if result.hidden_until else ""),
        "counts": counts,
        "problems": problems,
        "load_notes": load_notes,
        "notes": notes,
        "functions": functions,
        "failures": failures,
        "passed": passed,
        "output": result.output.rstrip("\n"),
        "lessons": refs.used,
        "figures": figure_views(result.figures),
    })


# ---------------------------------------------------------------------------------------------------------------
# Figures: plain data from the checks -> screen geometry for the SVG macros in figures.html.j2
#
# Every figure is drawn in a viewBox FIG_WIDTH units wide and scaled to the width of the page (width 100%), so
# its text stays legible on a phone. Coordinates are rounded to 0.1 unit to keep the page small.

FIG_WIDTH = 480.0
_LEFT, _RIGHT = 66.0, 24.0  # room for the y tick labels and the rotated y axis title; the right margin
_PLOT_W = FIG_WIDTH - _LEFT - _RIGHT
_LINES_H = 170.0  # plot height of one panel of a line chart
_HIST_H = 120.0  # plot height of one panel of a histogram
_BELOW = 50.0  # under a plot: x tick labels and the x axis title
_DASHES = ("", "7 4", "2 3", "10 3 2 3")  # one per series, so that lines differ by more than colour
FIGURE_KINDS = ("lines", "histogram", "boundary")


class _BadFigure(ValueError):
    """The figure's data does not have the shape its kind needs."""


def _r(value: float) -> float | int:
    """A coordinate rounded to 0.1, written without ".0" when whole."""
    rounded = round(float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def _finite_numbers(values: Iterable[Any]) -> list[float]:
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if math.isfinite(value):
            out.append(float(value))
    return out


def _value(value: Any) -> float | None:
    """A finite float, or None for a missing point (null, NaN, infinity, anything not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        if multiple * power >= raw * (1 - 1e-9):
            return multiple * power
    return 10.0 * power


def _tick_text(value: float, step: float) -> str:
    value = round(value / step) * step
    text = f"{value:.6g}"
    if "e" in text:
        text = f"{value:.2g}"
    return "0" if text in ("-0", "0", "-0.0") else text.replace("-", "\u2212")


def _axis(values: list[float], count: int, *, include: Iterable[float] = ()) -> dict[str, Any]:
    """A 'nice' range covering ``values`` (and ``include``) and its ticks."""
    values = values + [float(v) for v in include]
    if not values:
        values = [0.0, 1.0]
    lo, hi = min(values), max(values)
    if hi - lo <= 1e-12 * max(1.0, abs(lo), abs(hi)):
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = _nice_step(hi - lo, count)
    lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    ticks = [lo + i * step for i in range(int(round((hi - lo) / step)) + 1)]
    return {"lo": lo, "hi": hi, "ticks": ticks, "step": step}


class _Frame:
    """A plot area and its two linear scales."""

    def __init__(self, top: float, height: float, x: dict[str, Any], y: dict[str, Any], *,
                 left: float = _LEFT, width: float = _PLOT_W) -> None:
        self.left, self.top, self.width, self.height = left, top, width, height
        self.x, self.y = x, y

    def sx(self, value: float) -> float:
        return self.left + (value - self.x["lo"]) / (self.x["hi"] - self.x["lo"]) * self.width

    def sy(self, value: float) -> float:
        return self.top + self.height - (value - self.y["lo"]) / (self.y["hi"] - self.y["lo"]) * self.height

    def view(self, x_label: str, y_label: str, *, grid: bool = True) -> dict[str, Any]:
        bottom = self.top + self.height
        return {
            "grid": grid,
            "left": _r(self.left), "top": _r(self.top), "width": _r(self.width), "height": _r(self.height),
            "right": _r(self.left + self.width), "bottom": _r(bottom),
            "x_ticks": [{"at": _r(self.sx(t)), "label": _tick_text(t, self.x["step"])} for t in self.x["ticks"]],
            "y_ticks": [{"at": _r(self.sy(t)), "label": _tick_text(t, self.y["step"])} for t in self.y["ticks"]],
            "x_label": x_label, "y_label": y_label,
            "x_label_at": _r(bottom + 42), "y_label_at": _r(self.top + self.height / 2),
            "centre": _r(self.left + self.width / 2),
        }


def _series_style(index: int) -> dict[str, Any]:
    return {"style": index % len(_DASHES), "dash": _DASHES[index % len(_DASHES)]}


def _lines_view(data: Mapping[str, Any]) -> dict[str, Any]:
    panels_in = data.get("panels")
    if not isinstance(panels_in, list) or not panels_in:
        raise _BadFigure("a line chart needs panels")
    x_label, y_label = str(data.get("x_label", "")), str(data.get("y_label", ""))
    y_include = [v for v in (_value(data.get("y_min")),) if v is not None]
    panels, offset, legend = [], 0.0, {}
    for panel in panels_in:
        series_in = panel["series"]
        if not isinstance(series_in, list) or not series_in:
            raise _BadFigure("a panel needs series")
        points = []
        for s in series_in:
            xs, ys = list(s["x"]), list(s["y"])
            if len(xs) != len(ys):
                raise _BadFigure("x and y differ in length")
            points.append([(float(x), _value(y)) for x, y in zip(xs, ys) if _value(x) is not None])
        x_axis = _axis([x for pts in points for x, _ in pts], 6)
        y_axis = _axis([y for pts in points for _, y in pts if y is not None], 5, include=y_include)
        title = str(panel.get("title") or "")
        frame = _Frame(offset + (30.0 if title else 12.0), _LINES_H, x_axis, y_axis)
        series = []
        for index, (s, pts) in enumerate(zip(series_in, points)):
            label = str(s.get("label", f"series {index + 1}"))
            segments, current, missing = [], [], []
            for x, y in pts:
                if y is None:
                    missing.append(_r(frame.sx(x)))
                    if current:
                        segments.append(current)
                    current = []
                    continue
                current.append(f"{_r(frame.sx(x))},{_r(frame.sy(y))}")
            if current:
                segments.append(current)
            markers = [{"x": _r(frame.sx(x)), "y": _r(frame.sy(y))} for x, y in pts if y is not None] \
                if s.get("markers") else []
            series.append({"label": label, **_series_style(index), "markers": markers, "missing": missing,
                           "path": " ".join("M" + " L".join(seg) for seg in segments if seg)})
            legend.setdefault(label, {"label": label, **_series_style(index), "marker": bool(s.get("markers")),
                                      "missing": False})
            legend[label]["missing"] = legend[label]["missing"] or bool(missing)
        panels.append({"title": title, "title_at": _r(offset + 18), "frame": frame.view(x_label, y_label),
                       "series": series})
        offset = frame.top + frame.height + _BELOW
    table = data.get("table")
    return {
        "height": _r(offset + 4),
        "panels": panels,
        "legend": list(legend.values()),
        "table": _table_view(table) if table else None,
        "summary": (f"Line chart{f' in {len(panels)} panels' if len(panels) > 1 else ''}"
                    f"{': ' + ', '.join(p['title'] for p in panels if p['title']) if any(p['title'] for p in panels) else ''}. "
                    f"Lines: {', '.join(legend)}. Horizontal axis: {x_label}; vertical axis: {y_label}."),
    }


def _table_view(table: Mapping[str, Any]) -> dict[str, Any]:
    def cell(value: Any) -> str:
        if value is None:
            return "not a number"
        if isinstance(value, float):
            return f"{value:.4g}" if value and abs(value) < 1e-3 else f"{value:.4f}".rstrip("0").rstrip(".")
        return str(value)

    return {"columns": [str(c) for c in table["columns"]],
            "rows": [[cell(v) for v in row] for row in table["rows"]]}


def _histogram_view(data: Mapping[str, Any]) -> dict[str, Any]:
    edges = [float(e) for e in data["edges"]]
    series_in = data["series"]
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])) or not series_in:
        raise _BadFigure("a histogram needs increasing edges and series")
    flat = _value(data.get("flat"))
    x_label, y_label = str(data.get("x_label", "")), str(data.get("y_label", ""))
    x_axis = _axis([edges[0], edges[-1]], 6)
    x_axis.update(lo=edges[0], hi=edges[-1])
    x_axis["ticks"] = [t for t in x_axis["ticks"] if edges[0] - 1e-9 <= t <= edges[-1] + 1e-9]
    panels, offset = [], 0.0
    for index, s in enumerate(series_in):
        shares = [_value(v) or 0.0 for v in s["shares"]]
        if len(shares) != len(edges) - 1:
            raise _BadFigure("one share per bin is needed")
        # headroom above the tallest bar for the region labels
        frame = _Frame(offset + 30.0, _HIST_H, x_axis, _axis(shares, 4, include=[0.0, 1.2 * max(shares)]))
        bars = []
        for (a, b), share in zip(zip(edges, edges[1:]), shares):
            if share <= 0:
                continue
            x0, x1 = frame.sx(a), frame.sx(b)
            height = max(frame.height * share / (frame.y["hi"] - frame.y["lo"]), 1.0)  # a sliver stays visible
            bars.append({"x": _r(x0 + 0.3), "width": _r(max(x1 - x0 - 0.6, 0.8)),
                         "y": _r(frame.top + frame.height - height), "height": _r(height)})
        shade = []
        if flat is not None and flat > 0:
            for a, b in ((edges[0], -flat), (flat, edges[-1])):
                if b > a:
                    x0, x1 = frame.sx(max(a, edges[0])), frame.sx(min(b, edges[-1]))
                    shade.append({"x": _r(x0), "width": _r(x1 - x0), "centre": _r((x0 + x1) / 2),
                                  "labelled": x1 - x0 >= 34})
        middle = None
        if flat is not None and edges[0] < -flat < flat < edges[-1]:
            x0, x1 = frame.sx(-flat), frame.sx(flat)
            middle = {"centre": _r((x0 + x1) / 2), "labelled": x1 - x0 >= 44}
        tanh = " L".join(
            f"{_r(frame.sx(z))},{_r(frame.top + frame.height * (0.6 - 0.35 * math.tanh(z)))}"
            for z in (edges[0] + (edges[-1] - edges[0]) * i / 120 for i in range(121)))
        label = str(s.get("label", f"series {index + 1}"))
        saturated = _value(s.get("saturated"))
        title = label[:1].upper() + label[1:]
        if saturated is not None and flat is not None:
            title += f": {saturated:.1%} beyond |z| > {flat:g}"
        panels.append({"title": title, "title_at": _r(offset + 18), "style": index % len(_DASHES),
                       "frame": frame.view(x_label, y_label), "bars": bars, "shade": shade, "middle": middle,
                       "tanh": "M" + tanh if flat is not None else ""})
        offset = frame.top + frame.height + _BELOW
    labels = [str(s.get("label", "")) for s in series_in]
    return {
        "height": _r(offset + 4),
        "flat": f"{flat:g}" if flat is not None else "",
        "panels": panels,
        "legend": [],
        "table": None,
        "summary": (f"Histograms of {x_label} from {_tick_text(edges[0], x_axis['step'])} to "
                    f"{_tick_text(edges[-1], x_axis['step'])}, one panel each for {' and '.join(labels)}; "
                    + (f"the regions beyond |z| > {flat:g}, where tanh is flat, are shaded, and a dashed line "
                       "shows the shape of tanh." if flat is not None else "")),
    }


def _boundary_view(data: Mapping[str, Any]) -> dict[str, Any]:
    (x_lo, x_hi), (y_lo, y_hi) = [float(v) for v in data["x_range"]], [float(v) for v in data["y_range"]]
    cells = [str(row) for row in data["cells"]]
    if not cells or x_hi <= x_lo or y_hi <= y_lo or len({len(row) for row in cells}) != 1 or not cells[0]:
        raise _BadFigure("a boundary needs ranges and equally long rows of cells")
    rows, columns = len(cells), len(cells[0])
    width = _PLOT_W
    height = min(max(width * (y_hi - y_lo) / (x_hi - x_lo), 120.0), 1.2 * width)
    x_axis, y_axis = _axis([x_lo, x_hi], 6), _axis([y_lo, y_hi], 6)
    x_axis.update(lo=x_lo, hi=x_hi)
    y_axis.update(lo=y_lo, hi=y_hi)
    x_axis["ticks"] = [t for t in x_axis["ticks"] if x_lo <= t <= x_hi]
    y_axis["ticks"] = [t for t in y_axis["ticks"] if y_lo <= t <= y_hi]
    frame = _Frame(10.0, height, x_axis, y_axis)
    cw, ch = width / columns, height / rows
    runs = []  # one sub-path per run of class-1 cells in a row: compact and exact
    for j, row in enumerate(cells):
        top = frame.top + (rows - 1 - j) * ch
        for match in re.finditer(r"1+", row):
            x0 = frame.left + match.start() * cw
            w = (match.end() - match.start()) * cw
            runs.append(f"M{_r(x0)} {_r(top)}h{_r(w)}v{_r(ch)}h{_r(-w)}z")
    points = data.get("points") or {}
    shapes: dict[int, list[str]] = {0: [], 1: []}
    for x, y, label in zip(points.get("x", ()), points.get("y", ()), points.get("label", ())):
        if _value(x) is None or _value(y) is None or not x_lo <= x <= x_hi or not y_lo <= y <= y_hi:
            continue
        cx, cy = frame.sx(x), frame.sy(y)
        if label:
            shapes[1].append(f"M{_r(cx - 2.4)} {_r(cy - 2.4)}h4.8v4.8h-4.8z")
        else:
            shapes[0].append(f"M{_r(cx - 2.8)} {_r(cy)}a2.8 2.8 0 1 0 5.6 0a2.8 2.8 0 1 0 -5.6 0")
    classes = [str(c) for c in (data.get("classes") or ("class 0", "class 1"))][:2]
    x_label, y_label = str(data.get("x_label", "")), str(data.get("y_label", ""))
    accuracy = _value(data.get("accuracy"))
    return {
        "height": _r(frame.top + height + _BELOW + 4),
        "frame": frame.view(x_label, y_label, grid=False),
        "class1": "".join(runs),
        "points0": "".join(shapes[0]),
        "points1": "".join(shapes[1]),
        "classes": classes,
        "legend": [],
        "table": None,
        "summary": (f"Map of the plane, {x_label} from {x_lo:.3g} to {x_hi:.3g} and {y_label} from {y_lo:.3g} to "
                    f"{y_hi:.3g}, coloured by the predicted class on a {columns} by {rows} grid "
                    f"({sum(row.count('1') for row in cells)} of {rows * columns} cells predict {classes[-1]}), with "
                    f"{len(shapes[0]) + len(shapes[1])} data points marked by their true class: circles for "
                    f"{classes[0]}, squares for {classes[-1]}"
                    + (f"; training accuracy {accuracy:.1%}." if accuracy is not None else ".")),
    }


_FIGURE_VIEWS = {"lines": _lines_view, "histogram": _histogram_view, "boundary": _boundary_view}


def figure_views(figures: Iterable[Figure]) -> list[dict[str, Any]]:
    """What the figure macros draw: for each figure its kind, title, caption, an anchor, and the geometry.

    A figure of an unknown kind, or whose data does not fit its kind, gets ``kind`` "text": the template shows its
    title and caption only, so one bad figure never costs the rest of the report.
    """
    views = []
    for number, figure in enumerate(figures, start=1):
        view: dict[str, Any] = {"kind": "text", "title": figure.title, "caption": figure.caption,
                                "anchor": f"figure-{number}-{_slug(figure.title)}", "number": number,
                                "width": _r(FIG_WIDTH), "legend": [], "table": None}
        builder = _FIGURE_VIEWS.get(figure.kind)
        if builder is not None:
            try:
                view.update(kind=figure.kind, **builder(figure.data))
            except (_BadFigure, KeyError, TypeError, ValueError, IndexError, ZeroDivisionError, OverflowError) as exc:
                print(f"grader: figure {figure.title!r} ({figure.kind}) cannot be drawn: {exc!r}", file=sys.stderr)
                view["kind"] = "text"
        views.append(view)
    return views


# ---------------------------------------------------------------------------------------------------------------
# Filters


def _rich_html(text: str) -> Markup:
    """Escaped paragraphs, with ```code``` spans as ``<code>`` and single newlines as line breaks."""
    paragraphs = []
    for para in _BLANK_LINES.split(str(text).strip()):
        pieces = []
        for i, piece in enumerate(_CODE_SPAN.split(para)):
            pieces.append(f"<code>{escape(piece)}</code>" if i % 2 else str(escape(piece)).replace("\n", "<br>\n"))
        paragraphs.append(f"<p>{''.join(pieces)}</p>")
    return Markup("\n".join(paragraphs))


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _md_text(text: Any) -> str:
    """One line of literal text for Markdown: newlines folded, markup characters escaped."""
    return _md_escape(" ".join(str(text).split()))


def _md_rich(text: Any) -> str:
    """Literal Markdown paragraphs that keep ```code``` spans; nothing else can become markup."""
    paragraphs = []
    for para in _BLANK_LINES.split(str(text).strip()):
        lines = []
        for line in para.split("\n"):
            pieces = _CODE_SPAN.split(line.strip())
            rendered = "".join(f"`{p}`" if i % 2 else _md_escape(p) for i, p in enumerate(pieces))
            lines.append(_MD_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", rendered))
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _longest_run(text: str, char: str) -> int:
    return max((len(run) for run in re.findall(f"{re.escape(char)}+", text)), default=0)


def _md_fence(text: Any, lang: str = "text") -> str:
    """A fenced code block that ``text`` cannot close early, whatever backticks it holds."""
    body = str(text).rstrip("\n")
    fence = "`" * max(3, _longest_run(body, "`") + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def _md_code(text: Any, table: bool = False) -> str:
    """An inline code span that ``text`` cannot close early; ``table`` also escapes cell separators."""
    body = " ".join(str(text).split())
    if not body:
        return "(empty)"
    ticks = "`" * (_longest_run(body, "`") + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    span = f"{ticks}{pad}{body}{pad}{ticks}"
    return span.replace("|", "\\|") if table else span


def _md_quote(text: Any) -> str:
    """Prefix every line with ``> `` to make a block quote."""
    return "\n".join(f"> {line}" if line else ">" for line in str(text).split("\n"))


# ---------------------------------------------------------------------------------------------------------------
# Rendering


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The template environment; ``.html.j2`` templates are HTML-escaped, ``.md.j2`` ones are not."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grader", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False, default=False
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        rich_html=_rich_html,
        md_text=_md_text,
        md_rich=_md_rich,
        md_fence=_md_fence,
        md_code=_md_code,
        md_quote=_md_quote,
    )
    return env


def render_html(result: SubmissionResult, *, title: str, lessons: Mapping[str, Mapping[str, str]]) -> str:
    """The feedback report as one self-contained HTML page (inline CSS, no external resources)."""
    context = report_context(result, title=title, lessons=lessons)
    return _environment().get_template("report.html.j2").render(context)


def render_markdown(result: SubmissionResult, *, title: str, lessons: Mapping[str, Mapping[str, str]]) -> str:
    """The feedback report as Markdown, readable as plain text and in GitHub's renderer."""
    context = report_context(result, title=title, lessons=lessons)
    return _environment().get_template("report.md.j2").render(context)


def write_reports(
    result: SubmissionResult, out_dir: Path, *, title: str, lessons: Mapping[str, Mapping[str, str]]
) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` into ``out_dir`` (created if needed); return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / "report.html"
    md_path = out_dir / "report.md"
    html_path.write_text(render_html(result, title=title, lessons=lessons), encoding="utf-8")
    md_path.write_text(render_markdown(result, title=title, lessons=lessons), encoding="utf-8")
    return html_path, md_path
