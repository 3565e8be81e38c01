"""Chart labels, checked on the SVG a learner gets: parse it, work out each text's box,
and check that no two texts overlap, no marker line or drawn line runs through a text,
and each marker's label sits beside its own line, on the side it says.

Text widths are the builder's estimate (``charts.text_width``); the browser test in
``tests/e2e/test_charts.py`` checks that estimate against the boxes Chromium draws.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations, pairwise
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators import definitions
from calculators.charts import LABEL_GAP, Box, text_width

D = Decimal
SVG = "{http://www.w3.org/2000/svg}"
CHART_SLUGS = [
    "pnl",
    "target-price",
    "liquidation-price",
    "margin-level",
    "margin-liquidation-price",
]


@dataclass
class Text:
    content: str
    box: Box
    kind: str  # the class: marker-label, band-label, tick-label, axis-title
    label_for: str | None = None
    side: str | None = None


@dataclass
class Drawing:
    width: D
    height: D
    texts: list[Text]
    markers: dict[str, tuple[D, D, D]]  # index → (x, y1, y2)
    paths: list[list[tuple[D, D]]]
    left: D
    right: D


def _number(value: str, size: D) -> D:
    return D(value[:-2]) * size if value.endswith("em") else D(value)


def _box(x: D, y: D, content: str, size: D, anchor: str, bold: bool) -> Box:
    width = text_width(content, size, bold=bold)
    x0 = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
    return Box(x0, y - size * D("0.8"), x0 + width, y + size * D("0.22"))


def parse(svg_text: str) -> Drawing:
    root = ET.fromstring(svg_text)  # noqa: S314 (our own template's output)
    _, _, width, height = (D(v) for v in root.get("viewBox").split())
    default_size = D(root.get("font-size"))
    texts = []
    for element in root.iter(f"{SVG}text"):
        size = D(element.get("font-size") or default_size)
        anchor = element.get("text-anchor", "start")
        bold = element.get("font-weight") == "600"
        kind = element.get("class", "")
        lines = [
            (D(span.get("x")), D(span.get("y")), span.text or "")
            for span in element.findall(f"{SVG}tspan")
        ] or [
            (
                D(element.get("x")) + _number(element.get("dx", "0"), size),
                D(element.get("y")) + _number(element.get("dy", "0"), size),
                element.text or "",
            )
        ]
        for x, y, content in lines:
            box = _box(x, y, content.strip(), size, anchor, bold)
            if element.get("transform") == "rotate(-90)":
                # (u, v) is drawn at (v, −u): the text runs upwards along the left edge.
                box = Box(box.y0, -box.x1, box.y1, -box.x0)
            texts.append(
                Text(
                    content.strip(),
                    box,
                    kind,
                    element.get("data-label-for"),
                    element.get("data-side"),
                )
            )
    markers = {
        line.get("data-marker"): (D(line.get("x1")), D(line.get("y1")), D(line.get("y2")))
        for line in root.iter(f"{SVG}line")
        if line.get("data-marker") is not None
    }
    # Drawn lines: the series, and the horizontal grid and zero lines (as two-point runs).
    paths = [
        [(D(line.get("x1")), D(line.get("y1"))), (D(line.get("x2")), D(line.get("y2")))]
        for line in root.iter(f"{SVG}line")
        if line.get("y1") == line.get("y2")
    ]
    for path in root.iter(f"{SVG}path"):
        for run in re.split(r"(?=M)", path.get("d")):
            points = [(D(x), D(y)) for x, y in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", run)]
            if points:
                paths.append(points)
    axis = [
        line
        for line in root.iter(f"{SVG}line")
        if line.get("stroke-width") == "1" and line.get("x1") == line.get("x2")
    ]
    left = D(axis[-1].get("x1")) if axis else D(0)
    return Drawing(width, height, texts, markers, paths, left, width)


def svgs_of(html: str) -> list[str]:
    return re.findall(r'<svg class="chart chart-(?:wide|narrow)".*?</svg>', html, re.S)


def assert_readable(svg_text: str) -> Drawing:
    drawing = parse(svg_text)
    texts = [t for t in drawing.texts if t.content]
    for text in texts:
        box = text.box
        assert box.x0 >= 0 and box.x1 <= drawing.width, f"{text.content!r} leaves the chart"
        assert box.y0 >= 0 and box.y1 <= drawing.height, f"{text.content!r} leaves the chart"
    for a, b in combinations(texts, 2):
        assert not a.box.overlaps(b.box), f"{a.content!r} overlaps {b.content!r}"
    for index, (x, y1, y2) in drawing.markers.items():
        for text in texts:
            # Not even its own label: a label sits beside its line, never across it.
            assert not text.box.crosses_vertical(x, y1, y2, D(0)), (
                f"marker line {index} at x={x} runs through {text.content!r}"
            )
    for text in texts:
        for run in drawing.paths:
            for a, b in pairwise(run):
                assert not text.box.crosses_segment(a, b), f"a line runs through {text.content!r}"
    tops: set[str] = set()
    for text in texts:
        if text.kind != "marker-label":
            continue
        x, y1, y2 = drawing.markers[text.label_for]
        assert y2 >= text.box.y1, f"{text.content!r} hangs below its line"
        if text.side == "right":
            assert x < text.box.x0 <= x + LABEL_GAP + 1, f"{text.content!r} not beside its line"
        else:
            assert x - LABEL_GAP - 1 <= text.box.x1 < x, f"{text.content!r} not beside its line"
        if text.label_for not in tops:  # the first line of the label
            tops.add(text.label_for)
            # The line reaches up to its label, and not beyond it.
            assert text.box.y0 - 4 <= y1 <= text.box.y1, f"{text.content!r} is not at its top"
    return drawing


def chart_html(slug: str, **params: str) -> str:
    definition = definitions.DEFINITIONS[slug]
    data = QueryDict(urlencode(params)) if params else definition.example_query()
    form = definition.form_class(data)
    result = form.compute()
    assert result is not None, form.errors
    chart = definition.chart(form.cleaned_data, result, "c")
    if chart is None:
        return ""
    return render_to_string("calculators/_chart.html", {"chart": chart})


@pytest.mark.parametrize("slug", CHART_SLUGS)
def test_it_lays_out_the_worked_examples_without_collisions(client, slug):
    html = client.get(f"/calculators/{slug}/").content.decode()
    drawings = svgs_of(html)
    assert len(drawings) == 2  # the wide drawing and the phone's
    for svg in drawings:
        assert_readable(svg)


def labels(drawing: Drawing, kind: str) -> list[Text]:
    return [t for t in drawing.texts if t.kind == kind]


def test_margin_level_labels_follow_their_lines_and_today_crosses_none():
    # The case from the issue: ML 1.1388, so a margin call at 1.14× and liquidation at 0.97×.
    html = chart_html(
        "margin-level", total_assets="11387.9004", total_liabilities="10000", margin_kind="cross3x"
    )
    for svg in svgs_of(html):
        drawing = assert_readable(svg)
        by_name = {t.content: t for t in labels(drawing, "marker-label")}
        liquidation = next(t for name, t in by_name.items() if name.startswith("Liquidation"))
        margin_call = next(t for name, t in by_name.items() if name.startswith("Margin call"))
        # Liquidation's line is left of the margin call's, and so is its label.
        assert liquidation.box.x1 < margin_call.box.x0 or liquidation.box.y1 <= margin_call.box.y0


def test_pnl_labels_clear_the_entry_and_exit_lines():
    # The case from the issue: long 0.5 at 60,000, exit 57,000, 10×: liquidation 54,216.87.
    html = chart_html(
        "pnl", side="long", entry_price="60000", exit_price="57000", quantity="0.5", leverage="10"
    )
    for svg in svgs_of(html):
        drawing = assert_readable(svg)
        contents = " ".join(t.content for t in labels(drawing, "marker-label"))
        assert "57,000.00" in contents and "54,216.87" in contents


def test_margin_liquidation_zone_labels_stay_off_the_level_line():
    html = chart_html(
        "margin-liquidation-price",
        base_quantity="1",
        quote_quantity="0",
        base_liability="0",
        quote_liability="40000",
    )
    wide, narrow = (assert_readable(svg) for svg in svgs_of(html))
    # The bands still say what they are where there is room for it (the narrow drawing
    # has less; the legend under the chart names every band).
    assert len(labels(wide, "band-label")) >= 3
    assert len(labels(narrow, "band-label")) >= 1


def marked_distance(svg: str, first: str, second: str) -> D:
    drawing = parse(svg)
    xs = {}
    for text in labels(drawing, "marker-label"):
        xs.setdefault(text.content, drawing.markers[text.label_for][0])
    x1 = next(x for name, x in xs.items() if name.startswith(first))
    x2 = next(x for name, x in xs.items() if name.startswith(second))
    return abs(x1 - x2)


@pytest.mark.parametrize("leverage", ["50", "125"])
@pytest.mark.parametrize("slug", ["liquidation-price", "pnl"])
def test_high_leverage_marks_stay_apart(slug, leverage):
    params = {"side": "long", "entry_price": "60000", "quantity": "0.5", "leverage": leverage}
    if slug == "pnl":
        params["exit_price"] = "60600"
    else:
        params["margin_mode"] = "isolated"
    wide, narrow = svgs_of(chart_html(slug, **params))
    # Both lines are drawn and far enough apart to tell (the plot is ~430 and ~250 wide).
    assert marked_distance(wide, "Entry", "Liquidation") >= 60
    assert marked_distance(narrow, "Entry", "Liquidation") >= 35


prices = st.decimals(min_value=D("0.5"), max_value=D(200000), places=2)
quantities = st.decimals(min_value=D("0.001"), max_value=D(50), places=3)
leverages = st.integers(min_value=1, max_value=125).map(str)
sides = st.sampled_from(["long", "short"])
moves = st.decimals(min_value=D("0.5"), max_value=D("1.6"), places=3)
SWEEP = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(slug: str, **params) -> None:
    params = {k: f"{v}" for k, v in params.items() if v is not None}
    definition = definitions.DEFINITIONS[slug]
    if definition.form_class(QueryDict(urlencode(params))).compute() is None:
        return  # refused input: no chart to lay out
    for svg in svgs_of(chart_html(slug, **params)):
        assert_readable(svg)


@SWEEP
@given(side=sides, entry=prices, move=moves, quantity=quantities, leverage=leverages)
def test_pnl_charts_never_collide(side, entry, move, quantity, leverage):
    exit_price = (entry * move).quantize(D("0.01"))
    check(
        "pnl",
        side=side,
        entry_price=entry,
        exit_price=exit_price,
        quantity=quantity,
        leverage=leverage,
    )


@SWEEP
@given(
    side=sides,
    entry=prices,
    leverage=leverages,
    roe=st.decimals(min_value=-95, max_value=900, places=1),
)
def test_target_price_charts_never_collide(side, entry, leverage, roe):
    check("target-price", side=side, entry_price=entry, leverage=leverage, roe_percent=roe)


@SWEEP
@given(side=sides, entry=prices, quantity=quantities, leverage=leverages)
def test_liquidation_charts_never_collide(side, entry, quantity, leverage):
    check(
        "liquidation-price",
        side=side,
        entry_price=entry,
        quantity=quantity,
        leverage=leverage,
        margin_mode="isolated",
    )


amounts = st.decimals(min_value=D(1), max_value=D(1000000), places=2)


@SWEEP
@given(
    assets=amounts,
    debt=amounts,
    collateral=st.none() | amounts,
    kind=st.sampled_from(["cross3x", "cross5x"]),
)
def test_margin_level_charts_never_collide(assets, debt, collateral, kind):
    check(
        "margin-level",
        total_assets=assets,
        total_liabilities=debt,
        collateral_value=collateral,
        margin_kind=kind,
    )


@SWEEP
@given(
    base=st.decimals(min_value=D(0), max_value=D(100), places=3),
    quote=st.decimals(min_value=D(0), max_value=D(500000), places=2),
    base_debt=st.decimals(min_value=D(0), max_value=D(50), places=3),
    quote_debt=st.decimals(min_value=D(0), max_value=D(500000), places=2),
)
def test_margin_liquidation_charts_never_collide(base, quote, base_debt, quote_debt):
    check(
        "margin-liquidation-price",
        base_quantity=base,
        quote_quantity=quote,
        base_liability=base_debt,
        quote_liability=quote_debt,
    )


def test_the_margin_level_in_the_legend_is_a_ratio_rounded_down():
    # ML = 11,387.9004 ÷ 10,000 = 1.13879004: written 1.13 (SPEC §7), never 1.14.
    html = chart_html(
        "margin-level", total_assets="11387.9004", total_liabilities="10000", margin_kind="cross3x"
    )
    assert "Today (1×): margin level 1.13" in html
    assert "1.13879004" not in html
