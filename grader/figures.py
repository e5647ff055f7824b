"""The report's figures: what the figure macros in ``templates/figures.html.j2`` draw, built on ``axes.py``.

Nothing here draws and nothing here knows an assignment: it turns a figure's plain data into coordinates, ticks and
paths, and the macros write the SVG.

``figure_views`` draws the figures of a report (``models.Figure``: plain data from report-only checks) of the kinds
``lines`` (a linear or logarithmic y axis), ``histogram`` (shares of 0 to 1 per bin, shaded regions, a reference
curve on an axis of its own) and ``boundary``. docs/authoring.md ("Figures in the report") lists the data each kind
reads; data that does not fit its kind is shown as its title and caption.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .axes import (
    FIG_WIDTH,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_WIDTH,
    Frame,
    clamped_axis,
    finite,
    log_axis,
    nice_axis,
    rounded,
    svg_path,
    tick_text,
    wants_log,
)
from .models import Figure
from .templating import slug

__all__ = ["FIGURE_KINDS", "figure_views"]

logger = logging.getLogger(__name__)

_RIGHT_AXIS = 58.0  # the right margin when a reference curve has an axis of its own there
_LINES_H = 170.0  # plot height of one panel of a line chart
_HIST_H = 120.0  # plot height of one panel of a histogram
_BELOW = 50.0  # under a plot: x tick labels and the x axis title
_DASHES = ("", "7 4", "2 3", "10 3 2 3")  # one per series, so that lines differ by more than colour
_LABEL_UNITS = 10.0  # a region's label is written when the region is this wide per character, less 6 units
FIGURE_KINDS = ("lines", "histogram", "boundary")


class _BadFigure(ValueError):
    """The figure's data does not have the shape its kind needs."""


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
        points.append([(float(x), finite(y)) for x, y in zip(xs, ys) if finite(x) is not None])
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
    frame = Frame(offset + (30.0 if title else 12.0), _LINES_H, x_axis, y_axis)
    series = []
    for index, (s, pts) in enumerate(zip(series_in, points)):
        label = str(s.get("label", f"series {index + 1}"))
        missing = [rounded(frame.sx(x)) for x, y in pts if y is None]
        markers = [{"x": rounded(frame.sx(x)), "y": rounded(frame.sy(y))} for x, y in pts if y is not None] \
            if s.get("markers") else []
        path = svg_path((frame.sx(x), None if y is None else frame.sy(y)) for x, y in pts)
        series.append({"label": label, **_series_style(index), "markers": markers, "missing": missing, "path": path})
        entry = legend.setdefault(label, {"label": label, **_series_style(index), "marker": bool(s.get("markers")),
                                          "missing": False})
        entry["missing"] = entry["missing"] or bool(missing)
    view = {"title": title, "title_at": rounded(offset + 18), "frame": frame.view(*labels), "series": series}
    return view, frame.top + frame.height + _BELOW


def _lines_view(data: Mapping[str, Any]) -> dict[str, Any]:
    panels_in = data.get("panels")
    if not isinstance(panels_in, list) or not panels_in:
        raise _BadFigure("a line chart needs panels")
    x_label, y_label = str(data.get("x_label", "")), str(data.get("y_label", ""))
    # one scale for every panel of a figure, so that panels compare; each panel keeps its own range
    log = wants_log([y for panel in panels_in for pts in _series_points(panel["series"]) for _, y in pts
                      if y is not None], data.get("y_scale"))
    y_include = [] if log else [v for v in (finite(data.get("y_min")),) if v is not None]
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
        "height": rounded(offset + 4),
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
        start, end = finite(region["from"]), finite(region["to"])
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
    points = [(float(x), finite(y)) for x, y in zip(xs, ys) if finite(x) is not None]
    ticks = [t for t in (finite(v) for v in data.get("ticks") or ()) if t is not None and bottom <= t <= top]
    return {"points": points, "bottom": bottom, "top": top, "legend": str(data.get("legend") or ""),
            "ticks": ticks, "axis_label": str(data.get("axis_label") or "")}


def _bars(frame: Frame, edges: list[float], shares: list[float]) -> list[dict[str, Any]]:
    bars = []
    for (a, b), share in zip(zip(edges, edges[1:]), shares):
        if share <= 0:
            continue
        x0, x1 = frame.sx(a), frame.sx(b)
        height = max(frame.height * share / (frame.y["hi"] - frame.y["lo"]), 1.0)  # a sliver stays visible
        bars.append({"x": rounded(x0 + 0.3), "width": rounded(max(x1 - x0 - 0.6, 0.8)),
                     "y": rounded(frame.top + frame.height - height), "height": rounded(height)})
    return bars


def _region_marks(frame: Frame, regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    marks = []
    for region in regions:
        x0, x1 = frame.sx(region["from"]), frame.sx(region["to"])
        marks.append({"x": rounded(x0), "width": rounded(x1 - x0), "centre": rounded((x0 + x1) / 2),
                      "label": region["label"], "shaded": region["shaded"],
                      "labelled": bool(region["label"]) and x1 - x0 >= _LABEL_UNITS * len(region["label"]) - 6})
    return marks


def _curve_y(frame: Frame, curve: dict[str, Any], y: float) -> float:
    return float(frame.top + frame.height * (curve["top"] - y) / (curve["top"] - curve["bottom"]))


def _curve_view(frame: Frame, curve: dict[str, Any] | None) -> dict[str, Any]:
    """The curve's path, clipped to the panel's x range, and its own axis at the right of the plot."""
    if curve is None:
        return {"curve": "", "curve_axis": None}
    lo, hi = frame.x["lo"], frame.x["hi"]
    path = svg_path((frame.sx(x), None if y is None else _curve_y(frame, curve, y))
                 for x, y in curve["points"] if lo <= x <= hi)
    axis = None
    if curve["ticks"] or curve["axis_label"]:
        right = frame.left + frame.width
        axis = {"x": rounded(right), "label": curve["axis_label"], "label_at": rounded(frame.top + frame.height / 2),
                "label_x": rounded(right + _RIGHT_AXIS - 10),
                "ticks": [{"at": rounded(_curve_y(frame, curve, t)), "label": tick_text(t, 1.0 if float(t).is_integer()
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
    shares = [finite(v) or 0.0 for v in s["shares"]]
    if len(shares) != len(edges) - 1:
        raise _BadFigure("one share per bin is needed")
    if any(share < 0 for share in shares) or sum(shares) > 1.0 + 1e-3:  # rounded shares may add up to a bit more
        raise _BadFigure("the shares of a histogram are parts of one whole: at least 0, at most 1 in all")
    curve = _curve(s["curve"] if s.get("curve") is not None else data.get("curve"))
    regions = _regions(data.get("regions"), edges[0], edges[-1])
    right_axis = curve is not None and bool(curve["ticks"] or curve["axis_label"])
    width = FIG_WIDTH - PLOT_LEFT - (_RIGHT_AXIS if right_axis else PLOT_RIGHT)
    frame = Frame(offset + 30.0, _HIST_H, clamped_axis(edges[0], edges[-1], 6), _share_axis(shares), width=width)
    x_label, y_label = str(data.get("x_label", "")), str(data.get("y_label", ""))
    label = str(s.get("label", f"series {index + 1}"))
    panel = {"title": str(s.get("title") or label[:1].upper() + label[1:]), "title_at": rounded(offset + 18),
             "style": index % len(_DASHES), "frame": frame.view(x_label, y_label),
             "bars": _bars(frame, edges, shares), "regions": _region_marks(frame, regions), **_curve_view(frame, curve)}
    span = f"{tick_text(edges[0], frame.x['step'])} to {tick_text(edges[-1], frame.x['step'])}"
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
        "height": rounded(offset + 4),
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


def _boundary_cells(frame: Frame, cells: list[str]) -> str:
    """One sub-path per run of class-1 cells in a row: compact and exact."""
    rows, columns = len(cells), len(cells[0])
    cw, ch = frame.width / columns, frame.height / rows
    runs = []
    for j, row in enumerate(cells):
        top = frame.top + (rows - 1 - j) * ch
        for match in re.finditer(r"1+", row):
            x0 = frame.left + match.start() * cw
            w = (match.end() - match.start()) * cw
            runs.append(f"M{rounded(x0)} {rounded(top)}h{rounded(w)}v{rounded(ch)}h{rounded(-w)}z")
    return "".join(runs)


def _boundary_points(frame: Frame, points: Mapping[str, Any]) -> dict[int, list[str]]:
    """The data points inside the frame as path pieces: circles for class 0, squares for class 1."""
    shapes: dict[int, list[str]] = {0: [], 1: []}
    for x, y, label in zip(points.get("x", ()), points.get("y", ()), points.get("label", ())):
        if finite(x) is None or finite(y) is None or not frame.x["lo"] <= x <= frame.x["hi"] \
                or not frame.y["lo"] <= y <= frame.y["hi"]:
            continue
        cx, cy = frame.sx(x), frame.sy(y)
        if label:
            shapes[1].append(f"M{rounded(cx - 2.4)} {rounded(cy - 2.4)}h4.8v4.8h-4.8z")
        else:
            shapes[0].append(f"M{rounded(cx - 2.8)} {rounded(cy)}a2.8 2.8 0 1 0 5.6 0a2.8 2.8 0 1 0 -5.6 0")
    return shapes


def _boundary_view(data: Mapping[str, Any]) -> dict[str, Any]:
    (x_lo, x_hi), (y_lo, y_hi) = [float(v) for v in data["x_range"]], [float(v) for v in data["y_range"]]
    cells = [str(row) for row in data["cells"]]
    if not cells or x_hi <= x_lo or y_hi <= y_lo or len({len(row) for row in cells}) != 1 or not cells[0]:
        raise _BadFigure("a boundary needs ranges and equally long rows of cells")
    rows, columns = len(cells), len(cells[0])
    height = min(max(PLOT_WIDTH * (y_hi - y_lo) / (x_hi - x_lo), 120.0), 1.2 * PLOT_WIDTH)
    frame = Frame(10.0, height, clamped_axis(x_lo, x_hi, 6, 0.0), clamped_axis(y_lo, y_hi, 6, 0.0))
    shapes = _boundary_points(frame, data.get("points") or {})
    classes = [str(c) for c in (data.get("classes") or ("class 0", "class 1"))][:2]
    x_label, y_label = str(data.get("x_label", "")), str(data.get("y_label", ""))
    accuracy = finite(data.get("accuracy"))
    return {
        "height": rounded(frame.top + height + _BELOW + 4),
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
                                "width": rounded(FIG_WIDTH), "legend": [], "table": None}
        builder = _FIGURE_VIEWS.get(figure.kind)
        if builder is not None and figure.data:  # no data: not drawn on purpose (too large, see bounds.py)
            try:
                view.update(kind=figure.kind, **builder(figure.data))
            except (_BadFigure, KeyError, TypeError, ValueError, IndexError, ZeroDivisionError, OverflowError) as exc:
                logger.warning("figure %r (%s) cannot be drawn: %r", figure.title, figure.kind, exc)
                view["kind"] = "text"
        views.append(view)
    return views
