"""Server-rendered SVG charts, built from ``Decimal`` data without a float in sight.

Generic on purpose — the sandbox draws its margin-level path with the same builder:
describe a chart with :class:`ChartSpec` (series of ``(x, y)`` points, vertical markers,
horizontal bands), call :func:`build_chart`, and include ``calculators/_chart.html`` with
the result as ``chart``. Every coordinate is computed in ``Decimal`` and formatted to two
places as text; the template only places strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, localcontext
from itertools import pairwise

from config.formatting import format_decimal

INK = "#1b1f24"
MUTED = "#57606a"
GRID = "#d0d7de"
TEXT = "#3d444d"
KEY_BORDER = "#8c959f"
BLUE = "#0b5cad"
GREEN = "#116329"
RED = "#a40e26"
AMBER = "#7d4e00"
PURPLE = "#6639ba"

# Band fills, lighter than the app's state colours so the lines stay readable on top.
BAND_FILLS = {
    "safe": "#e6f4ea",
    "no_transfer": "#eaf2ff",
    "trade_only": "#fff4d6",
    "margin_call": "#ffe2b8",
    "liquidation": "#ffd9de",
}

# The frame's colours (axes, grid, ticks, labels, legend keys). The template reads them from
# the chart (``chart.frame``), so this module is the one place any chart colour is written.
FRAME_COLORS = {
    "ink": INK,
    "muted": MUTED,
    "grid": GRID,
    "text": TEXT,
    "key_border": KEY_BORDER,
}

WIDTH = Decimal(520)
HEIGHT = Decimal(340)
MARGIN_LEFT = Decimal(70)
MARGIN_RIGHT = Decimal(16)
MARGIN_TOP = Decimal(12)
MARGIN_BOTTOM = Decimal(56)
MARKER_ROW = Decimal(18)
_CENTI = Decimal("0.01")
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Series:
    """A line through ``points`` (``(x, y)`` pairs, sorted by x)."""

    label: str
    points: Sequence[tuple[Decimal, Decimal]]
    color: str = INK
    dash: str = ""


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical line at ``x`` (an entry price, a liquidation price, "now")."""

    x: Decimal
    label: str
    color: str = BLUE
    dash: str = "6 4"
    # A longer text for the legend under the chart; the short label sits on the chart.
    legend: str = ""


@dataclass(frozen=True, slots=True)
class Band:
    """A horizontal strip from ``low`` to ``high`` (``None`` = the chart's edge)."""

    low: Decimal | None
    high: Decimal | None
    label: str
    color: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class ChartSpec:
    title: str
    description: str
    x_label: str
    y_label: str
    series: Sequence[Series]
    markers: Sequence[Marker] = ()
    bands: Sequence[Band] = ()
    # Without a range the chart fits the data (and the markers) with a little room.
    x_range: tuple[Decimal, Decimal] | None = None
    y_range: tuple[Decimal, Decimal] | None = None
    baseline: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Tick:
    position: str
    label: str


@dataclass(frozen=True, slots=True)
class LegendItem:
    label: str
    color: str
    kind: str  # "line", "marker" or "band"
    dash: str = ""


@dataclass(slots=True)
class RenderedChart:
    """What ``calculators/_chart.html`` draws: text and coordinates as strings."""

    id: str
    title: str
    description: str
    x_label: str
    y_label: str
    width: str
    height: str
    left: str
    right: str
    top: str
    bottom: str
    x_label_x: str
    x_label_y: str
    y_label_x: str
    y_label_y: str
    tick_end: str
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    paths: list[dict[str, str]] = field(default_factory=list)
    markers: list[dict[str, str]] = field(default_factory=list)
    bands: list[dict[str, str]] = field(default_factory=list)
    baseline: str | None = None
    legend: list[LegendItem] = field(default_factory=list)
    frame: dict[str, str] = field(default_factory=lambda: dict(FRAME_COLORS))


def coordinate(value: Decimal) -> str:
    """An SVG coordinate: two places, plain text (``Decimal`` → string, never a float)."""
    return f"{value.quantize(_CENTI, rounding=ROUND_HALF_EVEN):f}"


def nice_step(span: Decimal, target: int = 5) -> Decimal:
    """A 1, 2 or 5 × 10ⁿ step that cuts ``span`` into about ``target`` parts."""
    if span <= 0:
        return Decimal(1)
    raw = span / target
    unit = Decimal(1).scaleb(raw.adjusted())
    for multiple in (1, 2, 5):
        if raw <= unit * multiple:
            return unit * multiple
    return unit * 10


def tick_values(low: Decimal, high: Decimal, target: int = 5) -> list[Decimal]:
    step = nice_step(high - low, target)
    # "+ 0" turns a -0 (ceiling of a small negative) into 0, so no tick reads "-0".
    first = (low / step).to_integral_value(rounding=ROUND_CEILING) * step + 0
    values = []
    value = first
    while value <= high and len(values) < 4 * target:
        values.append(value)
        value += step
    return values


def tick_label(value: Decimal, step: Decimal) -> str:
    places = max(0, -step.normalize().as_tuple().exponent)
    text = format_decimal(value, int(places))
    return "−" + text[1:] if text.startswith("-") else text


def short_number(value: Decimal) -> str:
    """A number for a chart label: two places from 1 up, all eight below (a 0.00012 price)."""
    places, trim = (2, False) if abs(value) >= 1 else (8, True)
    text = format_decimal(value, places, trim=trim)
    return "−" + text[1:] if text.startswith("-") else text


def padded_range(values: Sequence[Decimal], *, share: Decimal = Decimal("0.12")) -> tuple:
    """The span of ``values`` with ``share`` of room on each side (never a zero span)."""
    low, high = min(values), max(values)
    room = (high - low) * share
    if room == 0:
        room = abs(high) * share or Decimal(1)
    return low - room, high + room


@dataclass(frozen=True, slots=True)
class _Scale:
    low: Decimal
    high: Decimal
    start: Decimal
    end: Decimal

    def __call__(self, value: Decimal) -> Decimal:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)

    def contains(self, value: Decimal) -> bool:
        return self.low <= value <= self.high


def _clip_segment(
    a: tuple[Decimal, Decimal], b: tuple[Decimal, Decimal], y_low: Decimal, y_high: Decimal
) -> tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]] | None:
    """The part of the segment a→b with ``y_low ≤ y ≤ y_high`` (``None`` if there is none)."""
    (x1, y1), (x2, y2) = a, b
    dy = y2 - y1
    if dy == 0:
        return (a, b) if y_low <= y1 <= y_high else None
    t_low, t_high = (y_low - y1) / dy, (y_high - y1) / dy
    start = max(_ZERO, min(t_low, t_high))
    end = min(Decimal(1), max(t_low, t_high))
    if start > end:
        return None

    def at(t: Decimal) -> tuple[Decimal, Decimal]:
        if t == 0:
            return a
        if t == 1:
            return b
        return (x1 + t * (x2 - x1), y1 + t * dy)

    return at(start), at(end)


def _clip_segments(
    points: Sequence[tuple[Decimal, Decimal]], y_low: Decimal, y_high: Decimal
) -> list[list[tuple[Decimal, Decimal]]]:
    """Split a line into the runs that lie inside ``y_low..y_high``, cut at the edges, so a
    curve leaving the chart (a margin level racing to infinity) stops at the frame."""
    runs: list[list[tuple[Decimal, Decimal]]] = []
    current: list[tuple[Decimal, Decimal]] = []
    for a, b in pairwise(points):
        piece = _clip_segment(a, b, y_low, y_high)
        if piece is None:
            if current:
                runs.append(current)
                current = []
            continue
        start, end = piece
        if current and current[-1] == start:
            current.append(end)
        else:
            if current:
                runs.append(current)
            current = [start, end]
    if current:
        runs.append(current)
    return runs


def build_chart(spec: ChartSpec, *, chart_id: str) -> RenderedChart:
    """Lay out ``spec`` on a 520×340 canvas (scaled by CSS) and return strings to draw."""
    with localcontext() as ctx:
        ctx.prec = 40
        return _build(spec, chart_id)


def _build(spec: ChartSpec, chart_id: str) -> RenderedChart:
    xs = [x for s in spec.series for x, _ in s.points] + [m.x for m in spec.markers]
    ys = [y for s in spec.series for _, y in s.points]
    if spec.baseline is not None:
        ys.append(spec.baseline)
    x_low, x_high = spec.x_range or padded_range(xs or [_ZERO, Decimal(1)])
    y_low, y_high = spec.y_range or padded_range(ys or [_ZERO, Decimal(1)])

    visible_markers = [m for m in spec.markers if x_low <= m.x <= x_high]
    top = MARGIN_TOP + MARKER_ROW * len(visible_markers)
    bottom = HEIGHT - MARGIN_BOTTOM
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    sx = _Scale(x_low, x_high, left, right)
    sy = _Scale(y_low, y_high, bottom, top)

    chart = RenderedChart(
        id=chart_id,
        title=spec.title,
        description=spec.description,
        x_label=spec.x_label,
        y_label=spec.y_label,
        width=coordinate(WIDTH),
        height=coordinate(HEIGHT),
        left=coordinate(left),
        right=coordinate(right),
        top=coordinate(top),
        bottom=coordinate(bottom),
        x_label_x=coordinate((left + right) / 2),
        x_label_y=coordinate(HEIGHT - Decimal(8)),
        y_label_x=coordinate(-(top + bottom) / 2),
        y_label_y=coordinate(Decimal(17)),
        tick_end=coordinate(bottom + Decimal(5)),
    )

    for band in spec.bands:
        low = y_low if band.low is None else max(band.low, y_low)
        high = y_high if band.high is None else min(band.high, y_high)
        if high <= low:
            continue
        y_top, y_bottom = sy(high), sy(low)
        chart.bands.append(
            {
                "x": coordinate(left),
                "y": coordinate(y_top),
                "width": coordinate(right - left),
                "height": coordinate(y_bottom - y_top),
                "color": band.color,
                "name": band.name,
                "label": band.label,
                "label_x": coordinate(right - Decimal(6)),
                "label_y": coordinate(y_top + Decimal(15)),
                "show_label": "yes" if y_bottom - y_top >= Decimal(18) else "",
            }
        )
        chart.legend.append(LegendItem(label=band.label, color=band.color, kind="band"))

    x_step = nice_step(x_high - x_low)
    y_step = nice_step(y_high - y_low)
    chart.x_ticks = [
        Tick(coordinate(sx(v)), tick_label(v, x_step)) for v in tick_values(x_low, x_high)
    ]
    chart.y_ticks = [
        Tick(coordinate(sy(v)), tick_label(v, y_step)) for v in tick_values(y_low, y_high)
    ]
    if spec.baseline is not None and sy.contains(spec.baseline):
        chart.baseline = coordinate(sy(spec.baseline))

    for series in spec.series:
        runs = _clip_segments(series.points, y_low, y_high)
        commands = []
        for run in runs:
            first, *rest = run
            commands.append(f"M{coordinate(sx(first[0]))} {coordinate(sy(first[1]))}")
            commands.extend(f"L{coordinate(sx(x))} {coordinate(sy(y))}" for x, y in rest)
        if commands:
            chart.paths.append(
                {"d": " ".join(commands), "color": series.color, "dash": series.dash}
            )
        chart.legend.append(
            LegendItem(label=series.label, color=series.color, kind="line", dash=series.dash)
        )

    middle = (left + right) / 2
    for row, marker in enumerate(visible_markers):
        x = sx(marker.x)
        label_y = MARGIN_TOP + MARKER_ROW * row + Decimal(13)
        # Labels sit in their own row above the plot, on the side with more room.
        chart.markers.append(
            {
                "x": coordinate(x),
                "y1": coordinate(label_y + Decimal(4)),
                "y2": coordinate(bottom),
                "color": marker.color,
                "dash": marker.dash,
                "label": marker.label,
                "label_x": coordinate(x + Decimal(4) if x < middle else x - Decimal(4)),
                "label_y": coordinate(label_y),
                "anchor": "start" if x < middle else "end",
            }
        )
    for marker in spec.markers:
        chart.legend.append(
            LegendItem(
                label=marker.legend or marker.label,
                color=marker.color,
                kind="marker",
                dash=marker.dash,
            )
        )
    return chart


def sample(low: Decimal, high: Decimal, count: int = 60) -> list[Decimal]:
    """``count`` + 1 evenly spaced values from ``low`` to ``high``."""
    step = (high - low) / count
    return [low + step * i for i in range(count + 1)]
