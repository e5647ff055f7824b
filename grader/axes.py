"""Chart geometry shared by every chart: nice ranges and ticks (``nice_axis``, the one tick algorithm), logarithmic
axes, a plot frame that turns values into screen coordinates, SVG paths, and the class summary's score histogram.

Nothing here draws and nothing here knows an assignment or a figure kind: the report's figure kinds are built on it
in ``figures.py``, and the macros in ``templates/`` write the SVG.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from .templating import number

__all__ = ["FIG_WIDTH", "Frame", "LOG_DECADES", "PLOT_LEFT", "PLOT_RIGHT", "PLOT_WIDTH", "clamped_axis",
           "count_histogram", "finite", "log_axis", "log_text", "nice_axis", "rounded", "svg_path", "tick_text",
           "wants_log"]

# Every report figure is drawn in a viewBox FIG_WIDTH units wide and scaled to the width of the page (width 100%),
# so its text stays legible on a phone. Coordinates are rounded to 0.1 unit to keep the page small.
FIG_WIDTH = 480.0
PLOT_LEFT = 66.0  # room for the y tick labels and the rotated y axis title
PLOT_RIGHT = 24.0  # the right margin
PLOT_WIDTH = FIG_WIDTH - PLOT_LEFT - PLOT_RIGHT
# A line chart whose positive values span at least this many powers of ten is drawn on a logarithmic y axis (unless
# its data says "y_scale": "linear"): on a linear one, a cost that falls from 800 to 0.5 looks flat after its start.
LOG_DECADES = 2.0

# The class summary's histogram: its own viewBox, margins in SVG user units, coordinates rounded to 0.01.
_COUNT_W, _COUNT_H = 640, 320
_COUNT_LEFT, _COUNT_RIGHT, _COUNT_TOP, _COUNT_BOTTOM = 72, 16, 24, 64


# ---------------------------------------------------------------------------------------------------------------
# Axes


def rounded(value: float) -> float | int:
    """A coordinate rounded to 0.1, written without ".0" when whole."""
    near = round(float(value), 1)
    return int(near) if near.is_integer() else near


def finite(value: Any) -> float | None:
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


def tick_text(value: float, step: float) -> str:
    value = round(value / step) * step
    text = f"{value:.6g}"
    if "e" in text:
        text = f"{value:.2g}"
    return "0" if text in ("-0", "0", "-0.0") else text.replace("-", "\u2212")


def clamped_axis(lo: float, hi: float, count: int, slack: float = 1e-9) -> dict[str, Any]:
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


def wants_log(values: Iterable[float], scale: Any) -> bool:
    """Whether a y axis is logarithmic: ``scale`` "log" or "linear" says so; otherwise (auto) when every value is
    positive and they span at least LOG_DECADES powers of ten."""
    if scale in ("log", "linear"):
        return bool(scale == "log")
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and math.log10(max(finite) / min(finite)) >= LOG_DECADES


def log_text(value: float) -> str:
    """A tick of a logarithmic axis: 0.001 to 10000 written out, other powers of ten as 10^k."""
    if 1e-3 <= value < 1e5:
        return f"{value:g}"
    mantissa, power = f"{value:.0e}".split("e")
    text = f"{mantissa}×10^{int(power)}" if mantissa != "1" else f"10^{int(power)}"
    return text.replace("-", "\u2212")


class Frame:
    """A plot area and its two scales: linear, or logarithmic where an axis says ``"log": True``."""

    def __init__(self, top: float, height: float, x: dict[str, Any], y: dict[str, Any], *,
                 width: float = PLOT_WIDTH) -> None:
        self.left, self.top, self.width, self.height = PLOT_LEFT, top, width, height
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
        return log_text(tick) if self.y.get("log") else tick_text(tick, self.y["step"])

    def view(self, x_label: str, y_label: str, *, grid: bool = True) -> dict[str, Any]:
        bottom = self.top + self.height
        return {
            "grid": grid,
            "left": rounded(self.left), "top": rounded(self.top), "width": rounded(self.width),
            "height": rounded(self.height),
            "right": rounded(self.left + self.width), "bottom": rounded(bottom),
            "x_ticks": [{"at": rounded(self.sx(t)), "label": tick_text(t, self.x["step"])} for t in self.x["ticks"]],
            "y_ticks": [{"at": rounded(self.sy(t)), "label": self._y_label(t)} for t in self.y["ticks"]],
            "log": bool(self.y.get("log")),
            "x_label": x_label, "y_label": y_label,
            "x_label_at": rounded(bottom + 42), "y_label_at": rounded(self.top + self.height / 2),
            "centre": rounded(self.left + self.width / 2),
        }


def svg_path(points: Iterable[tuple[float, float | None]]) -> str:
    """An SVG path through screen points; a None y breaks the line (one ``M`` per unbroken run)."""
    segments: list[list[str]] = [[]]
    for x, y in points:
        if y is None:
            segments.append([])
        else:
            segments[-1].append(f"{rounded(x)},{rounded(y)}")
    return " ".join("M" + " L".join(segment) for segment in segments if segment)


# ---------------------------------------------------------------------------------------------------------------


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
