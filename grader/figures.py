"""Figures: plain data from the checks (``models.Figure``) turned into screen geometry for the SVG macros in
``templates/figures.html.j2``. Nothing here draws: it computes coordinates, ticks and paths, and the templates draw.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .models import Figure
from .templating import slug

__all__ = ["FIGURE_KINDS", "FIG_WIDTH", "figure_views"]

logger = logging.getLogger(__name__)


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
        return float(self.left + (value - self.x["lo"]) / (self.x["hi"] - self.x["lo"]) * self.width)

    def sy(self, value: float) -> float:
        return float(self.top + self.height - (value - self.y["lo"]) / (self.y["hi"] - self.y["lo"]) * self.height)

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
    panels: list[dict[str, Any]] = []
    offset = 0.0
    legend: dict[str, dict[str, Any]] = {}
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
            segments: list[list[str]] = []
            current: list[str] = []
            missing: list[float | int] = []
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
    titles = [str(p["title"]) for p in panels if p["title"]]
    return {
        "height": _r(offset + 4),
        "panels": panels,
        "legend": list(legend.values()),
        "table": _table_view(table) if table else None,
        "summary": (f"Line chart{f' in {len(panels)} panels' if len(panels) > 1 else ''}"
                    f"{': ' + ', '.join(titles) if titles else ''}. "
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
                                "anchor": f"figure-{number}-{slug(figure.title)}", "number": number,
                                "width": _r(FIG_WIDTH), "legend": [], "table": None}
        builder = _FIGURE_VIEWS.get(figure.kind)
        if builder is not None:
            try:
                view.update(kind=figure.kind, **builder(figure.data))
            except (_BadFigure, KeyError, TypeError, ValueError, IndexError, ZeroDivisionError, OverflowError) as exc:
                logger.warning("figure %r (%s) cannot be drawn: %r", figure.title, figure.kind, exc)
                view["kind"] = "text"
        views.append(view)
    return views
