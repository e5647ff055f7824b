"""Chart geometry: numbers turned into screen coordinates, ticks and paths for the SVG the templates draw.

Nothing here draws and nothing here knows an assignment: it computes coordinates, ticks and paths, and the macros
in ``templates/figures.html.j2`` (feedback report) and ``templates/summary.html.j2`` (class summary) write the SVG.
Every axis in every chart gets its ticks from ``nice_axis``.

``figure_views`` draws the figures of a report (``models.Figure``: plain data from report-only checks) of the kinds
``lines`` (a linear or logarithmic y axis), ``histogram`` (shares of 0 to 1 per bin, shaded regions, a reference
curve on an axis of its own) and ``boundary``. docs/authoring.md ("Figures in the report") lists the data each kind
reads; data that does not fit its kind is shown as its title and caption.

``count_histogram`` draws the class summary's score histogram: counts of submissions per bin.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .models import Figure
from .templating import number, slug

__all__ = ["FIGURE_KINDS", "FIG_WIDTH", "LOG_DECADES", "count_histogram", "figure_views", "log_axis", "nice_axis"]

logger = logging.getLogger(__name__)

# Every report figure is drawn in a viewBox FIG_WIDTH units wide and scaled to the width of the page (width 100%),
# so its text stays legible on a phone. Coordinates are rounded to 0.1 unit to keep the page small.
FIG_WIDTH = 480.0
_LEFT, _RIGHT = 66.0, 24.0  # room for the y tick labels and the rotated y axis title; the right margin
_RIGHT_AXIS = 58.0  # the right margin when a reference curve has an axis of its own there
_PLOT_W = FIG_WIDTH - _LEFT - _RIGHT
_LINES_H = 170.0  # plot height of one panel of a line chart
_HIST_H = 120.0  # plot height of one panel of a histogram
_BELOW = 50.0  # under a plot: x tick labels and the x axis title
_DASHES = ("", "7 4", "2 3", "10 3 2 3")  # one per series, so that lines differ by more than colour
_LABEL_UNITS = 10.0  # a region's label is written when the region is this wide per character, less 6 units
FIGURE_KINDS = ("lines", "histogram", "boundary")
# A line chart whose positive values span at least this many powers of ten is drawn on a logarithmic y axis (unless
# its data says "y_scale": "linear"): on a linear one, a cost that falls from 800 to 0.5 looks flat after its start.
LOG_DECADES = 2.0

# The class summary's histogram: its own viewBox, margins in SVG user units, coordinates rounded to 0.01.
_COUNT_W, _COUNT_H = 640, 320
_COUNT_LEFT, _COUNT_RIGHT, _COUNT_TOP, _COUNT_BOTTOM = 72, 16, 24, 64


class _BadFigure(ValueError):
    """The figure's data does not have the shape its kind needs."""


# ---------------------------------------------------------------------------------------------------------------
# Axes


def _r(value: float) -> float | int:
    """A coordinate rounded to 0.1, written without ".0" when whole."""
    rounded = round(float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def _value(value: Any) -> float | None:
    """A finite float, or None for a missing point (null, NaN, infinity, anything not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _nice_step(span: float, count: int, whole: bool) -> float:
    """The smallest step of 1, 2, 2.5 or 5 times a power of ten that covers ``span`` in ``count`` steps; when
    ``whole`` (counting things), 1, 2 or 5 times a power of ten, and at least 1."""
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    if whole:
        power = max(power, 1.0)
    for multiple in (1.0, 2.0, 5.0, 10.0) if whole else (1.0, 2.0, 2.5, 5.0, 10.0):
        if multiple * power >= raw * (1 - 1e-9):
            return multiple * power
    return 10.0 * power


def nice_axis(values: Iterable[float], count: int, *, include: Iterable[float] = (),
              whole: bool = False) -> dict[str, Any]:
    """A 'nice' range covering ``values`` and ``include``, and its ticks: ``{"lo", "hi", "ticks", "step"}``.

    The ticks are ``step`` apart from ``lo`` to ``hi``, at most about ``count`` steps; ``whole`` keeps the step a
    whole number. A single value gets a range around it; no values at all give 0 to 1.
    """
    points = [*values, *(float(v) for v in include)]
    if not points:
        points = [0.0, 1.0]
    lo, hi = min(points), max(points)
    if hi - lo <= 1e-12 * max(1.0, abs(lo), abs(hi)):
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = _nice_step(hi - lo, count, whole)
    lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    ticks = [lo + i * step for i in range(int(round((hi - lo) / step)) + 1)]
    return {"lo": lo, "hi": hi, "ticks": ticks, "step": step}


def _tick_text(value: float, step: float) -> str:
    value = round(value / step) * step
    text = f"{value:.6g}"
    if "e" in text:
        text = f"{value:.2g}"
    return "0" if text in ("-0", "0", "-0.0") else text.replace("-", "\u2212")


def _clamped_axis(lo: float, hi: float, count: int, slack: float = 1e-9) -> dict[str, Any]:
    """An axis from exactly ``lo`` to ``hi`` (not widened), with the nice ticks that fall inside (give or take
    ``slack``)."""
    axis = nice_axis([lo, hi], count)
    axis.update(lo=lo, hi=hi, ticks=[t for t in axis["ticks"] if lo - slack <= t <= hi + slack])
    return axis


def log_axis(values: Iterable[float], count: int = 6) -> dict[str, Any]:
    """A logarithmic range covering the positive ``values``, from a power of ten to a power of ten, and its ticks:
    ``{"lo", "hi", "ticks", "log": True}``. Ticks are the powers of ten (every other one, or every third, when there
    are more than ``count``), with 2 and 5 times them added when the range spans at most two powers."""
    positive = [v for v in values if v > 0 and math.isfinite(v)] or [1.0]
    low, high = math.floor(math.log10(min(positive)) + 1e-9), math.ceil(math.log10(max(positive)) - 1e-9)
    if high <= low:
        high = low + 1
    every = max(1, math.ceil((high - low) / max(count, 1)))
    ticks = [10.0 ** p for p in range(low, high + 1) if (p - low) % every == 0]
    if high - low <= 2:
        ticks = sorted({t * m for t in ticks for m in (1.0, 2.0, 5.0) if t * m <= 10.0 ** high * (1 + 1e-9)})
    return {"lo": 10.0 ** low, "hi": 10.0 ** high, "ticks": ticks, "log": True}


def _wants_log(values: Iterable[float], scale: Any) -> bool:
    """Whether a y axis is logarithmic: ``scale`` "log" or "linear" says so; otherwise (auto) when every value is
    positive and they span at least LOG_DECADES powers of ten."""
    if scale in ("log", "linear"):
        return bool(scale == "log")
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and math.log10(max(finite) / min(finite)) >= LOG_DECADES


def _log_text(value: float) -> str:
    """A tick of a logarithmic axis: 0.001 to 10000 written out, other powers of ten as 10^k."""
    if 1e-3 <= value < 1e5:
        return f"{value:g}"
    mantissa, power = f"{value:.0e}".split("e")
    text = f"{mantissa}×10^{int(power)}" if mantissa != "1" else f"10^{int(power)}"
    return text.replace("-", "\u2212")


class _Frame:
    """A plot area and its two scales: linear, or logarithmic where an axis says ``"log": True``."""

    def __init__(self, top: float, height: float, x: dict[str, Any], y: dict[str, Any], *,
                 width: float = _PLOT_W) -> None:
        self.left, self.top, self.width, self.height = _LEFT, top, width, height
        self.x, self.y = x, y

    def sx(self, value: float) -> float:
        return float(self.left + (value - self.x["lo"]) / (self.x["hi"] - self.x["lo"]) * self.width)

    def sy(self, value: float) -> float:
        if self.y.get("log"):
            lo, hi = math.log10(self.y["lo"]), math.log10(self.y["hi"])
            share = (math.log10(max(value, self.y["lo"])) - lo) / (hi - lo)
        else:
            share = (value - self.y["lo"]) / (self.y["hi"] - self.y["lo"])
        return float(self.top + self.height - share * self.height)

    def _y_label(self, tick: float) -> str:
        return _log_text(tick) if self.y.get("log") else _tick_text(tick, self.y["step"])

    def view(self, x_label: str, y_label: str, *, grid: bool = True) -> dict[str, Any]:
        bottom = self.top + self.height
        return {
            "grid": grid,
            "left": _r(self.left), "top": _r(self.top), "width": _r(self.width), "height": _r(self.height),
            "right": _r(self.left + self.width), "bottom": _r(bottom),
            "x_ticks": [{"at": _r(self.sx(t)), "label": _tick_text(t, self.x["step"])} for t in self.x["ticks"]],
            "y_ticks": [{"at": _r(self.sy(t)), "label": self._y_label(t)} for t in self.y["ticks"]],
            "log": bool(self.y.get("log")),
            "x_label": x_label, "y_label": y_label,
            "x_label_at": _r(bottom + 42), "y_label_at": _r(self.top + self.height / 2),
            "centre": _r(self.left + self.width / 2),
        }


def _path(points: Iterable[tuple[float, float | None]]) -> str:
    """An SVG path through screen points; a None y breaks the line (one ``M`` per unbroken run)."""
    segments: list[list[str]] = [[]]
    for x, y in points:
        if y is None:
            segments.append([])
        else:
            segments[-1].append(f"{_r(x)},{_r(y)}")
    return " ".join("M" + " L".join(segment) for segment in segments if segment)


# ---------------------------------------------------------------------------------------------------------------
# Line charts


def _series_style(index: int) -> dict[str, Any]:
    return {"style": index % len(_DASHES), "dash": _DASHES[index % len(_DASHES)]}


def _series_points(series_in: Any) -> list[list[tuple[float, float | None]]]:
    """Each series' (x, y) points with a finite x; y is None where it is missing."""
    if not isinstance(series_in, list) or not series_in:
        raise _BadFigure("a panel needs series")
    points = []
    for s in series_in:
        xs, ys = list(s["x"]), list(s["y"])
        if len(xs) != len(ys):
            raise _BadFigure("x and y differ in length")
        points.append([(float(x), _value(y)) for x, y in zip(xs, ys) if _value(x) is not None])
    return points


def _lines_panel(panel: Mapping[str, Any], offset: float, y_include: list[float], labels: tuple[str, str],
                 legend: dict[str, dict[str, Any]], log: bool) -> tuple[dict[str, Any], float]:
    """One panel's frame and series, and where the next panel starts; adds the series to ``legend``. On a ``log``
    axis, values that are not positive are drawn at the bottom of the plot."""
    series_in = panel["series"]
    points = _series_points(series_in)
    x_axis = nice_axis([x for pts in points for x, _ in pts], 6)
    ys = [y for pts in points for _, y in pts if y is not None]
    y_axis = log_axis(ys, 6) if log else nice_axis(ys, 5, include=y_include)
    title = str(panel.get("title") or "")
    frame = _Frame(offset + (30.0 if title else 12.0), _LINES_H, x_axis, y_axis)
    series = []
    for index, (s, pts) in enumerate(zip(series_in, points)):
        label = str(s.get("label", f"series {index + 1}"))
        missing = [_r(frame.sx(x)) for x, y in pts if y is None]
        markers = [{"x": _r(frame.sx(x)), "y": _r(frame.sy(y))} for x, y in pts if y is not None] \
            if s.get("markers") else []
        path = _path((frame.sx(x), None if y is None else frame.sy(y)) for x, y in pts)
        series.append({"label": label, **_series_style(index), "markers": markers, "missing": missing, "path": path})
        entry = legend.setdefault(label, {"label": label, **_series_style(index), "marker": bool(s.get("markers")),
                                          "missing": False})
        entry["missing"] = entry["missing"] or bool(missing)
    view = {"title": title, "title_at": _r(offset + 18), "frame": frame.view(*labels), "series": series}
    return view, frame.top + frame.height + _BELOW


def _lines_view(data: Mapping[str, Any]) -> dict[str, Any]:
    panels_in = data.get("panels")
    if not isinstance(panels_in, list) or not panels_in:
        raise _BadFigure("a line chart needs panels")
    x_label, y_label = str(data.get("x_label", "")), str(data.get("y_label", ""))
    # one scale for every panel of a figure, so that panels compare; each panel keeps its own range
    log = _wants_log([y for panel in panels_in for pts in _series_points(panel["series"]) for _, y in pts
                      if y is not None], data.get("y_scale"))
    y_include = [] if log else [v for v in (_value(data.get("y_min")),) if v is not None]
    panels: list[dict[str, Any]] = []
    offset = 0.0
    legend: dict[str, dict[str, Any]] = {}
    labels = (x_label, f"{y_label} (log scale)" if log and y_label else y_label)
    for panel in panels_in:
        view, offset = _lines_panel(panel, offset, y_include, labels, legend, log)
        panels.append(view)
    table = data.get("table")
    titles = [str(p["title"]) for p in panels if p["title"]]
    return {
        "height": _r(offset + 4),
        "panels": panels,
        "log": log,
        "legend": list(legend.values()),
        "table": _table_view(table) if table else None,
        "summary": (f"Line chart{f' in {len(panels)} panels' if len(panels) > 1 else ''}"
                    f"{': ' + ', '.join(titles) if titles else ''}. "
                    f"Lines: {', '.join(legend)}. Horizontal axis: {x_label}; vertical axis: {y_label}"
                    f"{', on a logarithmic scale' if log else ''}."),
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


# ---------------------------------------------------------------------------------------------------------------
# Histograms


def _regions(data: Any, lo: float, hi: float) -> list[dict[str, Any]]:
    """The regions' x ranges clipped to [lo, hi], empty ones left out, in the order given."""
    regions = []
    for region in data or ():
        start, end = _value(region["from"]), _value(region["to"])
        if start is None or end is None:
            raise _BadFigure("a region needs a numeric from and to")
        start, end = max(start, lo), min(end, hi)
        if end > start:
            regions.append({"from": start, "to": end, "label": str(region.get("label") or ""),
                            "shaded": bool(region.get("shaded")), "legend": str(region.get("legend") or "")})
    return regions


def _curve(data: Any) -> dict[str, Any] | None:
    """The reference curve's points (a None y is a gap), its vertical range, and the ticks and label of its own
    axis (drawn at the right of the plot), or None when there is none."""
    if not data:
        return None
    xs, ys = list(data["x"]), list(data["y"])
    bottom, top = (float(v) for v in data["y_range"])
    if len(xs) != len(ys) or not top > bottom:
        raise _BadFigure("a curve needs as many x as y and an increasing y_range")
    points = [(float(x), _value(y)) for x, y in zip(xs, ys) if _value(x) is not None]
    ticks = [t for t in (_value(v) for v in data.get("ticks") or ()) if t is not None and bottom <= t <= top]
    return {"points": points, "bottom": bottom, "top": top, "legend": str(data.get("legend") or ""),
            "ticks": ticks, "axis_label": str(data.get("axis_label") or "")}


def _bars(frame: _Frame, edges: list[float], shares: list[float]) -> list[dict[str, Any]]:
    bars = []
    for (a, b), share in zip(zip(edges, edges[1:]), shares):
        if share <= 0:
            continue
        x0, x1 = frame.sx(a), frame.sx(b)
        height = max(frame.height * share / (frame.y["hi"] - frame.y["lo"]), 1.0)  # a sliver stays visible
        bars.append({"x": _r(x0 + 0.3), "width": _r(max(x1 - x0 - 0.6, 0.8)),
                     "y": _r(frame.top + frame.height - height), "height": _r(height)})
    return bars


def _region_marks(frame: _Frame, regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    marks = []
    for region in regions:
        x0, x1 = frame.sx(region["from"]), frame.sx(region["to"])
        marks.append({"x": _r(x0), "width": _r(x1 - x0), "centre": _r((x0 + x1) / 2), "label": region["label"],
                      "shaded": region["shaded"],
                      "labelled": bool(region["label"]) and x1 - x0 >= _LABEL_UNITS * len(region["label"]) - 6})
    return marks


def _curve_y(frame: _Frame, curve: dict[str, Any], y: float) -> float:
    return float(frame.top + frame.height * (curve["top"] - y) / (curve["top"] - curve["bottom"]))


def _curve_view(frame: _Frame, curve: dict[str, Any] | None) -> dict[str, Any]:
    """The curve's path, clipped to the panel's x range, and its own axis at the right of the plot."""
    if curve is None:
        return {"curve": "", "curve_axis": None}
    lo, hi = frame.x["lo"], frame.x["hi"]
    path = _path((frame.sx(x), None if y is None else _curve_y(frame, curve, y))
                 for x, y in curve["points"] if lo <= x <= hi)
    axis = None
    if curve["ticks"] or curve["axis_label"]:
        right = frame.left + frame.width
        axis = {"x": _r(right), "label": curve["axis_label"], "label_at": _r(frame.top + frame.height / 2),
                "label_x": _r(right + _RIGHT_AXIS - 10),
                "ticks": [{"at": _r(_curve_y(frame, curve, t)), "label": _tick_text(t, 1.0 if float(t).is_integer()
                                                                                    else 0.5)}
                          for t in curve["ticks"]]}
    return {"curve": path, "curve_axis": axis}


def _share_axis(shares: list[float]) -> dict[str, Any]:
    """The y axis of a histogram of shares: from 0, with headroom above the tallest bar for the region labels, and
    never above 1 (a share is at most the whole)."""
    axis = nice_axis(shares, 4, include=[0.0, min(1.2 * max(shares, default=0.0), 1.0)])
    if axis["hi"] > 1.0:
        axis.update(hi=1.0, ticks=[t for t in axis["ticks"] if t <= 1.0 + 1e-9])
    return axis


def _edges(value: Any) -> list[float]:
    edges = [float(e) for e in value]
    if len(edges) < 2 or any(not math.isfinite(e) for e in edges) or any(b <= a for a, b in zip(edges, edges[1:])):
        raise _BadFigure("a histogram needs increasing edges")
    return edges


def _histogram_panel(data: Mapping[str, Any], s: Mapping[str, Any], index: int, offset: float
                     ) -> tuple[dict[str, Any], float, dict[str, Any]]:
    """One series' panel, where the next one starts, and what its legend needs. A series may bring its own
    ``edges`` and ``curve`` (each panel then shows its distribution across the width of the plot)."""
    edges = _edges(s["edges"] if s.get("edges") is not None else data["edges"])
    shares = [_value(v) or 0.0 for v in s["shares"]]
    if len(shares) != len(edges) - 1:
        raise _BadFigure("one share per bin is needed")
    if any(share < 0 for share in shares) or sum(shares) > 1.0 + 1e-3:  # rounded shares may add up to a bit more
        raise _BadFigure("the shares of a histogram are parts of one whole: at least 0, at most 1 in all")
    curve = _curve(s["curve"] if s.get("curve") is not None else data.get("curve"))
    regions = _regions(data.get("regions"), edges[0], edges[-1])
    right_axis = curve is not None and bool(curve["ticks"] or curve["axis_label"])
    width = FIG_WIDTH - _LEFT - (_RIGHT_AXIS if right_axis else _RIGHT)
    frame = _Frame(offset + 30.0, _HIST_H, _clamped_axis(edges[0], edges[-1], 6), _share_axis(shares), width=width)
    x_label, y_label = str(data.get("x_label", "")), str(data.get("y_label", ""))
    label = str(s.get("label", f"series {index + 1}"))
    panel = {"title": str(s.get("title") or label[:1].upper() + label[1:]), "title_at": _r(offset + 18),
             "style": index % len(_DASHES), "frame": frame.view(x_label, y_label),
             "bars": _bars(frame, edges, shares), "regions": _region_marks(frame, regions), **_curve_view(frame, curve)}
    span = f"{_tick_text(edges[0], frame.x['step'])} to {_tick_text(edges[-1], frame.x['step'])}"
    return panel, frame.top + frame.height + _BELOW, {"regions": regions, "curve": curve, "label": label,
                                                      "span": span}


def _histogram_view(data: Mapping[str, Any]) -> dict[str, Any]:
    series_in = data["series"]
    if not isinstance(series_in, list) or not series_in:
        raise _BadFigure("a histogram needs series")
    panels, offset, parts = [], 0.0, []
    for index, s in enumerate(series_in):
        panel, offset, part = _histogram_panel(data, s, index, offset)
        panels.append(panel)
        parts.append(part)
    x_label = str(data.get("x_label", ""))
    spans = list(dict.fromkeys(p["span"] for p in parts))
    ranges = (f"from {spans[0]}" if len(spans) == 1 else
              "; ".join(f"{p['label']} from {p['span']}" for p in parts))
    curves = [p["curve"] for p in parts if p["curve"] is not None]
    description = str(data.get("description") or "")
    return {
        "height": _r(offset + 4),
        "panels": panels,
        "shade_legend": list(dict.fromkeys(r["legend"] for p in parts for r in p["regions"]
                                           if r["shaded"] and r["legend"])),
        "curve_legend": curves[0]["legend"] if curves else "",
        "legend": [],
        "table": None,
        "summary": (f"Histograms of {x_label} ({ranges}), one panel each for {' and '.join(p['label'] for p in parts)}"
                    f", each bar the share of values in its bin" + (f"; {description}" if description else ".")),
    }


# ---------------------------------------------------------------------------------------------------------------
# Decision boundaries


def _boundary_cells(frame: _Frame, cells: list[str]) -> str:
    """One sub-path per run of class-1 cells in a row: compact and exact."""
    rows, columns = len(cells), len(cells[0])
    cw, ch = frame.width / columns, frame.height / rows
    runs = []
    for j, row in enumerate(cells):
        top = frame.top + (rows - 1 - j) * ch
        for match in re.finditer(r"1+", row):
            x0 = frame.left + match.start() * cw
            w = (match.end() - match.start()) * cw
            runs.append(f"M{_r(x0)} {_r(top)}h{_r(w)}v{_r(ch)}h{_r(-w)}z")
    return "".join(runs)


def _boundary_points(frame: _Frame, points: Mapping[str, Any]) -> dict[int, list[str]]:
    """The data points inside the frame as path pieces: circles for class 0, squares for class 1."""
    shapes: dict[int, list[str]] = {0: [], 1: []}
    for x, y, label in zip(points.get("x", ()), points.get("y", ()), points.get("label", ())):
        if _value(x) is None or _value(y) is None or not frame.x["lo"] <= x <= frame.x["hi"] \
                or not frame.y["lo"] <= y <= frame.y["hi"]:
            continue
        cx, cy = frame.sx(x), frame.sy(y)
        if label:
            shapes[1].append(f"M{_r(cx - 2.4)} {_r(cy - 2.4)}h4.8v4.8h-4.8z")
        else:
            shapes[0].append(f"M{_r(cx - 2.8)} {_r(cy)}a2.8 2.8 0 1 0 5.6 0a2.8 2.8 0 1 0 -5.6 0")
    return shapes


def _boundary_view(data: Mapping[str, Any]) -> dict[str, Any]:
    (x_lo, x_hi), (y_lo, y_hi) = [float(v) for v in data["x_range"]], [float(v) for v in data["y_range"]]
    cells = [str(row) for row in data["cells"]]
    if not cells or x_hi <= x_lo or y_hi <= y_lo or len({len(row) for row in cells}) != 1 or not cells[0]:
        raise _BadFigure("a boundary needs ranges and equally long rows of cells")
    rows, columns = len(cells), len(cells[0])
    height = min(max(_PLOT_W * (y_hi - y_lo) / (x_hi - x_lo), 120.0), 1.2 * _PLOT_W)
    frame = _Frame(10.0, height, _clamped_axis(x_lo, x_hi, 6, 0.0), _clamped_axis(y_lo, y_hi, 6, 0.0))
    shapes = _boundary_points(frame, data.get("points") or {})
    classes = [str(c) for c in (data.get("classes") or ("class 0", "class 1"))][:2]
    x_label, y_label = str(data.get("x_label", "")), str(data.get("y_label", ""))
    accuracy = _value(data.get("accuracy"))
    return {
        "height": _r(frame.top + height + _BELOW + 4),
        "frame": frame.view(x_label, y_label, grid=False),
        "class1": _boundary_cells(frame, cells),
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
    for position, figure in enumerate(figures, start=1):
        view: dict[str, Any] = {"kind": "text", "title": figure.title, "caption": figure.caption,
                                "anchor": f"figure-{position}-{slug(figure.title)}", "number": position,
                                "width": _r(FIG_WIDTH), "legend": [], "table": None}
        builder = _FIGURE_VIEWS.get(figure.kind)
        if builder is not None and figure.data:  # no data: not drawn on purpose (too large, see bounds.py)
            try:
                view.update(kind=figure.kind, **builder(figure.data))
            except (_BadFigure, KeyError, TypeError, ValueError, IndexError, ZeroDivisionError, OverflowError) as exc:
                logger.warning("figure %r (%s) cannot be drawn: %r", figure.title, figure.kind, exc)
                view["kind"] = "text"
        views.append(view)
    return views


# ---------------------------------------------------------------------------------------------------------------
# The class summary's score histogram


def count_histogram(edges: Sequence[float], counts: Sequence[int]) -> dict[str, Any]:
    """Geometry of a histogram of counts (the class summary's scores), in SVG user units, rounded to 0.01.

    ``edges`` are the n + 1 bin edges (labelled under the axis), ``counts`` the n counts. The y axis has whole
    ticks from 0, at most five steps.
    """
    if len(edges) != len(counts) + 1 or not counts:
        raise ValueError("a histogram needs one count per bin and one more edge than counts")
    ticks = [int(round(t)) for t in nice_axis([0.0, float(max(max(counts), 1))], 5, whole=True)["ticks"]]
    width = _COUNT_W - _COUNT_LEFT - _COUNT_RIGHT
    height = _COUNT_H - _COUNT_TOP - _COUNT_BOTTOM
    slot = width / len(counts)
    base = _COUNT_TOP + height

    def y(count: int) -> float:
        return round(base - height * count / ticks[-1], 2)

    return {
        "width": _COUNT_W, "height": _COUNT_H, "left": _COUNT_LEFT, "right": _COUNT_W - _COUNT_RIGHT,
        "top": _COUNT_TOP, "base": base, "mid_x": _COUNT_LEFT + width / 2, "mid_y": _COUNT_TOP + height / 2,
        "bars": [
            {"x": round(_COUNT_LEFT + i * slot + 2, 2), "y": y(count), "width": round(slot - 4, 2),
             "height": round(base - y(count), 2), "count": count, "centre": round(_COUNT_LEFT + (i + .5) * slot, 2)}
            for i, count in enumerate(counts)
        ],
        "edges": [{"x": round(_COUNT_LEFT + i * slot, 2), "label": number(edge)} for i, edge in enumerate(edges)],
        "ticks": [{"y": y(t), "label": str(t)} for t in ticks],
    }
