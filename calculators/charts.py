"""Server-rendered SVG charts, built from ``Decimal`` data without a float in sight.

Generic on purpose — the sandbox draws its margin-level path with the same builder:
describe a chart with :class:`ChartSpec` (series of ``(x, y)`` points, vertical markers,
horizontal bands), call :func:`build_chart`, and include ``calculators/_chart.html`` with
the result as ``chart``. Every coordinate is computed in ``Decimal`` and formatted to two
places as text; the template only places strings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
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


# The wide drawing and the narrow one a phone shows (the template draws both; CSS shows
# one, by the width the chart gets). Text sizes are in drawing units: a 520-wide drawing
# shown 440 px wide or more, or a 320-wide one shown 271 px or more, keeps 13-unit text at
# 11 px or larger on screen (the breakpoint in static/css/app.css follows these widths).
@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    width: Decimal
    height: Decimal
    margin_right: Decimal
    margin_top: Decimal
    margin_bottom: Decimal
    font: Decimal  # ticks and axis titles
    marker_font: Decimal
    band_font: Decimal
    ticks: int  # about this many ticks on an axis
    # A marker's label on two lines (name above value): narrow charts have no room for
    # "Liquidation 54,216.87" on one line beside a line in the middle.
    two_line_markers: bool


WIDE = Layout(
    name="wide",
    width=Decimal(520),
    height=Decimal(340),
    margin_right=Decimal(16),
    margin_top=Decimal(8),
    margin_bottom=Decimal(52),
    font=Decimal(15),
    marker_font=Decimal(14),
    band_font=Decimal(13),
    ticks=5,
    two_line_markers=False,
)
NARROW = Layout(
    name="narrow",
    width=Decimal(320),
    height=Decimal(380),
    margin_right=Decimal(10),
    margin_top=Decimal(6),
    margin_bottom=Decimal(50),
    font=Decimal(14),
    marker_font=Decimal(14),
    band_font=Decimal(13),
    ticks=4,
    two_line_markers=True,
)
WIDTH = WIDE.width
HEIGHT = WIDE.height
# Room kept between a label and a line or another label, in drawing units.
LABEL_GAP = Decimal(4)
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
    # The number after the label ("Entry" "60,000.00"): one line on a wide chart, the
    # second line on a narrow one.
    value: str = ""


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
    layout: str
    font: str
    marker_font: str
    band_font: str
    left: str
    right: str
    top: str
    bottom: str
    x_label_x: str
    x_label_y: str
    y_label_x: str
    y_label_y: str
    tick_end: str
    x_label_lines: list[dict[str, str]] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    paths: list[dict[str, str]] = field(default_factory=list)
    markers: list[dict[str, str]] = field(default_factory=list)
    bands: list[dict[str, str]] = field(default_factory=list)
    baseline: str | None = None
    legend: list[LegendItem] = field(default_factory=list)
    frame: dict[str, str] = field(default_factory=lambda: dict(FRAME_COLORS))
    # The same chart laid out for a phone (``NARROW``); the template draws both.
    narrow: RenderedChart | None = None


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
    return format_decimal(value, int(places))


def short_number(value: Decimal) -> str:
    """A number for a chart label: two places from 1 up, all eight below (a 0.00012 price)."""
    places, trim = (2, False) if abs(value) >= 1 else (8, True)
    return format_decimal(value, places, trim=trim)


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


# --- text and label geometry -----------------------------------------------------------
# The server cannot measure text, so it estimates: em widths of a sans-serif face, a little
# generous (tests/e2e check the estimate against the browser's own boxes).
_NARROW_CHARS = frozenset(",.:;!|'ilIj \u00a0")
_SLIM_CHARS = frozenset("ft()[]r")
_WIDE_CHARS = frozenset("MWmw%@×−≤≥<>+=")


def text_width(text: str, size: Decimal, *, bold: bool = False) -> Decimal:
    """Estimated width of ``text`` at font ``size`` (drawing units)."""
    ems = Decimal(0)
    for char in text:
        if char in _NARROW_CHARS:
            ems += Decimal("0.33")
        elif unicodedata.east_asian_width(char) in {"W", "F"}:
            # A Chinese character (or full-width mark) fills its whole em square.
            ems += Decimal("1.0")
        elif char in _SLIM_CHARS:
            ems += Decimal("0.42")
        elif char in _WIDE_CHARS:
            ems += Decimal("0.92")
        elif char.isupper():
            ems += Decimal("0.78")
        else:
            ems += Decimal("0.64")
    return ems * size * (Decimal("1.1") if bold else 1)


@dataclass(frozen=True, slots=True)
class Box:
    """A label's rectangle: ``x0 ≤ x ≤ x1``, ``y0 ≤ y ≤ y1`` (y grows downwards)."""

    x0: Decimal
    y0: Decimal
    x1: Decimal
    y1: Decimal

    def overlaps(self, other: Box, gap: Decimal = _ZERO) -> bool:
        return not (
            self.x1 + gap <= other.x0
            or other.x1 + gap <= self.x0
            or self.y1 + gap <= other.y0
            or other.y1 + gap <= self.y0
        )

    def crosses_vertical(self, x: Decimal, y0: Decimal, y1: Decimal, gap: Decimal) -> bool:
        return self.x0 - gap < x < self.x1 + gap and y0 < self.y1 and self.y0 < y1

    def crosses_segment(self, a: tuple[Decimal, Decimal], b: tuple[Decimal, Decimal]) -> bool:
        """Whether the segment a→b passes through the box (Liang–Barsky clipping)."""
        (ax, ay), (bx, by) = a, b
        dx, dy = bx - ax, by - ay
        low, high = _ZERO, Decimal(1)
        edges = ((-dx, ax - self.x0), (dx, self.x1 - ax), (-dy, ay - self.y0), (dy, self.y1 - ay))
        for p, q in edges:
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
            if low > high:
                return False
        return True


def text_box(x: Decimal, baseline: Decimal, width: Decimal, size: Decimal, anchor: str) -> Box:
    """The box of one line of text drawn at ``x`` with ``text-anchor`` ``anchor``."""
    x0 = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
    return Box(x0, baseline - size * Decimal("0.8"), x0 + width, baseline + size * Decimal("0.22"))


def _wrap(text: str, size: Decimal, room: Decimal) -> list[str]:
    """``text`` on one line, or on two split at the space nearest the middle if too wide."""
    if text_width(text, size) <= room or " " not in text:
        return [text]
    spaces = [i for i, char in enumerate(text) if char == " "]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return [text[:cut], text[cut + 1 :]]


def _title_centre(lines: list[str], size: Decimal, centre: Decimal, width: Decimal) -> Decimal:
    """``centre``, moved just enough for the widest line to stay inside the drawing."""
    half = max(text_width(line, size) for line in lines) / 2 + 4
    return min(max(centre, half), width - half)


def _marker_lines(marker: Marker, layout: Layout) -> list[str]:
    if not marker.value:
        return [marker.label]
    if layout.two_line_markers:
        return [marker.label, marker.value]
    return [f"{marker.label} {marker.value}"]


@dataclass(slots=True)
class _MarkerLabel:
    index: int
    x: Decimal  # the marker line, in drawing units
    width: Decimal
    side: str = "right"
    row: int = 0

    def span(self, side: str | None = None) -> tuple[Decimal, Decimal]:
        if (side or self.side) == "right":
            return self.x + LABEL_GAP, self.x + LABEL_GAP + self.width
        return self.x - LABEL_GAP - self.width, self.x - LABEL_GAP


def place_marker_labels(
    xs: Sequence[Decimal], widths: Sequence[Decimal], *, frame: tuple[Decimal, Decimal]
) -> list[tuple[str, int]] | None:
    """(side, row) for the label of each vertical line at ``xs``; ``None`` when the lines
    are too close for any arrangement (the caller then tries narrower, two-line labels).

    Labels sit in rows above the plot (row 0 nearest to it), each beside the top of its own
    line, and a line runs up to its label's row. So a label must not cover another line
    whose row is the same or higher, nor another label in its row. Sides prefer pointing
    away from the other lines (the leftmost label to the left, the others to the right),
    must keep the label inside ``frame``, and are chosen to need the fewest rows.
    """
    labels = [_MarkerLabel(i, x, w) for i, (x, w) in enumerate(zip(xs, widths, strict=True))]
    if not labels:
        return []
    order = sorted(labels, key=lambda label: label.x)
    preferred = {label.index: "right" for label in labels}
    if len(order) > 1:
        preferred[order[0].index] = "left"

    def fits(label: _MarkerLabel, side: str) -> bool:
        x0, x1 = label.span(side)
        return frame[0] <= x0 and x1 <= frame[1]

    options = []
    for label in labels:
        sides = [preferred[label.index], "left" if preferred[label.index] == "right" else "right"]
        options.append([side for side in sides if fits(label, side)] or sides[:1])

    best: tuple[tuple[int, int], list[tuple[str, int]]] | None = None
    # At most 2⁶ side choices: more markers than that just take their preferred sides.
    choices = _side_choices(options) if len(labels) <= 6 else [[o[0] for o in options]]
    for sides in choices:
        rows = _rows_for(labels, sides)
        if rows is None:
            continue
        cost = (max(rows) + 1, sum(s != preferred[i] for i, s in enumerate(sides)))
        if best is None or cost < best[0]:
            best = (cost, list(zip(sides, rows, strict=True)))
    if best is None:
        return None
    return best[1]


def _side_choices(options: list[list[str]]) -> list[list[str]]:
    choices: list[list[str]] = [[]]
    for sides in options:
        choices = [[*choice, side] for choice in choices for side in sides]
    return choices


def _rows_for(labels: list[_MarkerLabel], sides: list[str]) -> list[int] | None:
    """The lowest rows that keep every label clear of the other lines and labels, or
    ``None`` when two labels each cover the other's line (no rows can separate them)."""
    spans = [label.span(side) for label, side in zip(labels, sides, strict=True)]
    # above[i]: the lines label i covers; each must end in a lower row than label i.
    above = [
        {
            j
            for j, other in enumerate(labels)
            if j != i and spans[i][0] - LABEL_GAP < other.x < spans[i][1] + LABEL_GAP
        }
        for i in range(len(labels))
    ]
    rows: dict[int, int] = {}
    remaining = set(range(len(labels)))
    while remaining:
        ready = sorted((i for i in remaining if above[i] <= rows.keys()), key=lambda i: labels[i].x)
        if not ready:
            return None
        for i in ready:
            row = max((rows[j] + 1 for j in above[i]), default=0)
            while any(
                rows[k] == row
                and spans[i][0] < spans[k][1] + LABEL_GAP
                and spans[k][0] < spans[i][1] + LABEL_GAP
                for k in rows
            ):
                row += 1
            rows[i] = row
            remaining.discard(i)
    return [rows[i] for i in range(len(labels))]


def _fitting_ticks(
    low: Decimal, high: Decimal, target: int, fits: Callable[[list[Decimal], Decimal], bool]
) -> tuple[list[Decimal], Decimal]:
    """The finest 1-2-5 step giving at most ``target`` + 1 ticks whose labels ``fit``."""
    step = nice_step(high - low, target * 2)
    for _attempt in range(12):
        values = _ticks_at(low, high, step)
        if len(values) <= target + 1 and fits(values, step):
            return values, step
        digits = step.normalize().as_tuple()
        step = step * (Decimal("2.5") if digits.digits[0] == 2 else 2)
        # 1 → 2 → 5 → 10: after a 2 the next step is 5 (×2.5), otherwise ×2.
    middle = nice_step(high - low, 1)
    return _ticks_at(low, high, middle)[:1], middle


def _ticks_at(low: Decimal, high: Decimal, step: Decimal) -> list[Decimal]:
    # "+ 0" turns a -0 (ceiling of a small negative) into 0, so no tick reads "-0".
    value = (low / step).to_integral_value(rounding=ROUND_CEILING) * step + 0
    values = []
    while value <= high and len(values) < 50:
        values.append(value)
        value += step
    return values


def build_chart(spec: ChartSpec, *, chart_id: str) -> RenderedChart:
    """Lay out ``spec`` twice: on the wide 520×340 drawing, and on a narrow one for phones
    (``chart.narrow``); CSS shows the one that fits."""
    with localcontext() as ctx:
        ctx.prec = 40
        chart = _build(spec, chart_id, WIDE)
        chart.narrow = _build(spec, f"{chart_id}-narrow", NARROW)
        return chart


def _build(spec: ChartSpec, chart_id: str, layout: Layout) -> RenderedChart:
    xs = [x for s in spec.series for x, _ in s.points] + [m.x for m in spec.markers]
    ys = [y for s in spec.series for _, y in s.points]
    if spec.baseline is not None:
        ys.append(spec.baseline)
    x_low, x_high = spec.x_range or padded_range(xs or [_ZERO, Decimal(1)])
    y_low, y_high = spec.y_range or padded_range(ys or [_ZERO, Decimal(1)])
    # An empty span (every price rounded to 0) would divide by zero: give it some room.
    if x_high <= x_low:
        x_low, x_high = padded_range([x_low])
    if y_high <= y_low:
        y_low, y_high = padded_range([y_low])
    width, height, font = layout.width, layout.height, layout.font
    line_height = layout.marker_font * Decimal("1.2")

    visible_markers = [m for m in spec.markers if x_low <= m.x <= x_high]
    marker_texts = [_marker_lines(m, layout) for m in visible_markers]
    # Until the lines are placed it is not known whether the labels need two lines each
    # (see below), so the room estimated for the y ticks assumes they might.
    row_height = line_height * (2 if any(m.value for m in visible_markers) else 1) + 4

    # Left margin: the rotated y title, then the widest y tick label.
    title_room = font * Decimal("1.3") if spec.y_label else Decimal(4)
    x_title_lines = _wrap(spec.x_label, font, width - 8)
    bottom = height - layout.margin_bottom - font * Decimal("1.2") * (len(x_title_lines) - 1)

    def y_ticks_fit(values: list[Decimal], step: Decimal) -> bool:
        # Each tick label needs a line of room; the plot's height is not known yet, so
        # take the smallest it can be (every marker label in a row of its own).
        room = bottom - layout.margin_top - row_height * len(visible_markers)
        return step * room / (y_high - y_low) >= font * Decimal("1.4")

    y_values, y_step = _fitting_ticks(y_low, y_high, layout.ticks, y_ticks_fit)
    y_tick_labels = [tick_label(v, y_step) for v in y_values]
    widest = max((text_width(t, font) for t in y_tick_labels), default=_ZERO)
    left = (title_room + widest + Decimal(10)).quantize(Decimal(1), rounding=ROUND_CEILING)
    right = width - layout.margin_right
    sx = _Scale(x_low, x_high, left, right)

    def widths_of(texts: list[list[str]]) -> list[Decimal]:
        return [max(text_width(t, layout.marker_font, bold=True) for t in lines) for lines in texts]

    marker_xs = [sx(m.x) for m in visible_markers]
    frame = (Decimal(2), width - 2)
    marker_widths = widths_of(marker_texts)
    placements = place_marker_labels(marker_xs, marker_widths, frame=frame)
    if placements is None:
        # Lines too close for one-line labels: name and value on two lines are narrower.
        marker_texts = [[m.label, m.value] if m.value else [m.label] for m in visible_markers]
        marker_widths = widths_of(marker_texts)
        placements = place_marker_labels(marker_xs, marker_widths, frame=frame)
    if placements is None:
        # Still no arrangement: one row per label, left to right, each inside the frame.
        order = sorted(range(len(marker_xs)), key=lambda i: marker_xs[i])
        placements = [("right", 0)] * len(marker_xs)
        for rank, i in enumerate(order):
            side = "left" if marker_xs[i] - LABEL_GAP - marker_widths[i] >= frame[0] else "right"
            placements[i] = (side, rank)
    row_height = line_height * max((len(lines) for lines in marker_texts), default=1) + 4
    rows = max((row for _side, row in placements), default=-1) + 1
    # Under the label rows, room for the top y tick label, which reaches above the plot.
    top = layout.margin_top + row_height * rows + font * Decimal("0.5")
    sy = _Scale(y_low, y_high, bottom, top)

    chart = RenderedChart(
        id=chart_id,
        title=spec.title,
        description=spec.description,
        x_label=spec.x_label,
        y_label=spec.y_label,
        width=coordinate(width),
        height=coordinate(height),
        layout=layout.name,
        font=coordinate(font),
        marker_font=coordinate(layout.marker_font),
        band_font=coordinate(layout.band_font),
        left=coordinate(left),
        right=coordinate(right),
        top=coordinate(top),
        bottom=coordinate(bottom),
        x_label_x=coordinate(_title_centre(x_title_lines, font, (left + right) / 2, width)),
        x_label_y=coordinate(height - Decimal(8)),
        y_label_x=coordinate(-(top + bottom) / 2),
        y_label_y=coordinate(font),
        tick_end=coordinate(bottom + Decimal(5)),
    )
    first_title = height - Decimal(8) - font * Decimal("1.2") * (len(x_title_lines) - 1)
    chart.x_label_lines = [
        {"text": text, "y": coordinate(first_title + font * Decimal("1.2") * number)}
        for number, text in enumerate(x_title_lines)
    ]

    # Marker lines and their labels first: band labels then keep clear of both.
    taken: list[Box] = []
    lines_x: list[Decimal] = []
    for marker, lines, label_width, (side, row) in zip(
        visible_markers, marker_texts, marker_widths, placements, strict=True
    ):
        x = sx(marker.x)
        row_top = layout.margin_top + row_height * (rows - 1 - row)
        first_baseline = row_top + 2 + layout.marker_font * Decimal("0.85")
        label_x = x + LABEL_GAP if side == "right" else x - LABEL_GAP
        anchor = "start" if side == "right" else "end"
        texts = []
        for number, text in enumerate(lines):
            baseline = first_baseline + line_height * number
            texts.append({"text": text, "y": coordinate(baseline)})
            taken.append(text_box(label_x, baseline, label_width, layout.marker_font, anchor))
        lines_x.append(x)
        chart.markers.append(
            {
                "x": coordinate(x),
                "y1": coordinate(row_top + 2),
                "y2": coordinate(bottom),
                "color": marker.color,
                "dash": marker.dash,
                "label": " ".join(lines),
                "lines": texts,
                "label_x": coordinate(label_x),
                "label_y": texts[0]["y"],
                "anchor": anchor,
                "side": side,
            }
        )

    series_points = [
        [(sx(x), sy(y)) for x, y in run]
        for s in spec.series
        for run in _clip_segments(s.points, y_low, y_high)
    ]
    # Grid lines and the zero line strike through text as surely as a marker does.
    grid_rows = [sy(v) for v in y_values]
    if spec.baseline is not None and sy.contains(spec.baseline):
        grid_rows.append(sy(spec.baseline))
    for band in spec.bands:
        low = y_low if band.low is None else max(band.low, y_low)
        high = y_high if band.high is None else min(band.high, y_high)
        if high <= low:
            continue
        y_top, y_bottom = sy(high), sy(low)
        place = _band_label_place(
            band.label,
            layout.band_font,
            y_top=y_top,
            y_bottom=y_bottom,
            left=left,
            right=right,
            avoid_boxes=taken,
            avoid_lines=lines_x,
            avoid_rows=grid_rows,
            series=series_points,
        )
        entry = {
            "x": coordinate(left),
            "y": coordinate(y_top),
            "width": coordinate(right - left),
            "height": coordinate(y_bottom - y_top),
            "color": band.color,
            "name": band.name,
            "label": band.label,
            "show_label": "",
        }
        if place is not None:
            box, label_x, baseline = place
            taken.append(box)
            entry.update(
                show_label="yes", label_x=coordinate(label_x), label_y=coordinate(baseline)
            )
        chart.bands.append(entry)
        chart.legend.append(LegendItem(label=band.label, color=band.color, kind="band"))

    def x_ticks_fit(values: list[Decimal], step: Decimal) -> bool:
        boxes = [
            text_box(sx(v), bottom + 20, text_width(tick_label(v, step), font), font, "middle")
            for v in values
        ]
        # Labels running off an edge are left out below; the others must not touch.
        return all(a.x1 + 8 <= b.x0 for a, b in pairwise(boxes))

    x_values, x_step = _fitting_ticks(x_low, x_high, layout.ticks, x_ticks_fit)
    chart.y_ticks = [
        Tick(coordinate(sy(v)), text) for v, text in zip(y_values, y_tick_labels, strict=True)
    ]
    y_boxes = [
        text_box(left - 6, sy(v) + font * Decimal("0.32"), text_width(text, font), font, "end")
        for v, text in zip(y_values, y_tick_labels, strict=True)
    ]
    kept: list[Box] = []
    for v in x_values:
        text = tick_label(v, x_step)
        box = text_box(sx(v), bottom + 20, text_width(text, font), font, "middle")
        # A label that would leave the drawing, or sit on another (in the corner, the lowest
        # y label), is left out; its tick mark stays.
        if box.x0 < 0 or box.x1 > width or any(box.overlaps(o, 8) for o in [*y_boxes, *kept]):
            text = ""
        else:
            kept.append(box)
        chart.x_ticks.append(Tick(coordinate(sx(v)), text))
    if spec.baseline is not None and sy.contains(spec.baseline):
        chart.baseline = coordinate(sy(spec.baseline))

    for series, runs in zip(spec.series, _series_runs(spec.series, y_low, y_high), strict=True):
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

    for marker in spec.markers:
        legend = marker.legend or " ".join(filter(None, (marker.label, marker.value)))
        chart.legend.append(
            LegendItem(label=legend, color=marker.color, kind="marker", dash=marker.dash)
        )
    return chart


def _series_runs(series: Sequence[Series], y_low: Decimal, y_high: Decimal) -> list:
    return [_clip_segments(s.points, y_low, y_high) for s in series]


def _band_label_place(
    text: str,
    size: Decimal,
    *,
    y_top: Decimal,
    y_bottom: Decimal,
    left: Decimal,
    right: Decimal,
    avoid_boxes: list[Box],
    avoid_lines: list[Decimal],
    avoid_rows: list[Decimal],
    series: list[list[tuple[Decimal, Decimal]]],
) -> tuple[Box, Decimal, Decimal] | None:
    """Where a band's name fits inside the band clear of every line and label: tried from
    the right edge leftwards, at the band's top, then its bottom. ``None`` when nowhere
    fits; the legend under the chart still names the band."""
    label_width = text_width(text, size)
    height = size * Decimal("1.02")
    if y_bottom - y_top < height + 4 or label_width + 12 > right - left:
        return None
    baselines = [y_top + 2 + size * Decimal("0.8"), y_bottom - 2 - size * Decimal("0.22")]
    steps = 12
    room = right - left - label_width - 12
    for baseline in baselines:
        for step in range(steps + 1):
            x1 = right - 6 - room * step / steps
            box = text_box(x1, baseline, label_width, size, "end")
            if any(box.overlaps(other, LABEL_GAP) for other in avoid_boxes):
                continue
            if any(box.x0 - LABEL_GAP < x < box.x1 + LABEL_GAP for x in avoid_lines):
                continue
            if any(box.y0 - 1 < y < box.y1 + 1 for y in avoid_rows):
                continue
            padded = Box(box.x0 - 2, box.y0 - 2, box.x1 + 2, box.y1 + 2)
            if any(padded.crosses_segment(a, b) for run in series for a, b in pairwise(run)):
                continue
            return box, x1, baseline
    return None


def sample(low: Decimal, high: Decimal, count: int = 60) -> list[Decimal]:
    """``count`` + 1 evenly spaced values from ``low`` to ``high``."""
    step = (high - low) / count
    return [low + step * i for i in range(count + 1)]
