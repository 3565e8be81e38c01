"""The generic SVG chart builder: Decimal in, strings out, sensible ticks, clipped lines."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from calculators import charts
from calculators.charts import (
    Band,
    ChartSpec,
    Marker,
    Series,
    build_chart,
    coordinate,
    nice_step,
    tick_values,
)

D = Decimal


def spec(**overrides) -> ChartSpec:
    values = {
        "title": "PnL",
        "description": "A straight line.",
        "x_label": "Price",
        "y_label": "PnL",
        "series": [Series("PnL", [(D(0), D(-100)), (D(100), D(100))])],
    }
    values.update(overrides)
    return ChartSpec(**values)


def test_coordinates_are_two_place_decimal_strings():
    assert coordinate(D("12.345")) == "12.34"  # half-even
    assert coordinate(D("12.355")) == "12.36"
    assert coordinate(D(7)) == "7.00"


def test_it_picks_round_tick_steps():
    assert nice_step(D(100)) == D(20)
    assert nice_step(D(7)) == D(2)
    assert nice_step(D("0.3")) == D("0.1")
    assert nice_step(D(45000)) == D(10000)
    assert tick_values(D(-3), D(11)) == [D(0), D(5), D(10)]
    assert str(tick_values(D(-3), D(11))[0]) == "0"
    assert tick_values(D(-3), D(3)) == [D(-2), D(0), D(2)]


def test_every_number_in_the_chart_is_a_string():
    chart = build_chart(
        spec(
            markers=[Marker(D(50), "Entry")],
            bands=[Band(None, D(0), "Loss", "#ffd9de")],
            baseline=D(0),
        ),
        chart_id="c1",
    )
    for value in (chart.left, chart.right, chart.top, chart.bottom, chart.baseline):
        assert isinstance(value, str)
        assert re.fullmatch(r"-?\d+\.\d\d", value)
    assert chart.paths[0]["d"].startswith("M")
    assert not re.search(r"\d\.\d{3}", chart.paths[0]["d"])  # never float noise


def test_the_line_maps_the_data_corners_to_the_plot_corners():
    chart = build_chart(spec(x_range=(D(0), D(100)), y_range=(D(-100), D(100))), chart_id="c")
    assert chart.paths[0]["d"] == (f"M{chart.left} {chart.bottom} L{chart.right} {chart.top}")


def test_a_line_leaving_the_chart_is_cut_at_the_frame():
    chart = build_chart(
        spec(
            series=[Series("ML", [(D(0), D(0)), (D(1), D(10))])],
            x_range=(D(0), D(1)),
            y_range=(D(0), D(5)),
        ),
        chart_id="c",
    )
    # It stops where y = 5, halfway along x, at the top edge.
    middle = coordinate((D(chart.left) + D(chart.right)) / 2)
    assert chart.paths[0]["d"].endswith(f"L{middle} {chart.top}")


def test_markers_outside_the_range_stay_in_the_legend_only():
    chart = build_chart(
        spec(x_range=(D(0), D(100)), markers=[Marker(D(500), "Far away", legend="Far: 500")]),
        chart_id="c",
    )
    assert chart.markers == []
    assert [item.label for item in chart.legend if item.kind == "marker"] == ["Far: 500"]


def test_bands_are_clipped_to_the_visible_range():
    chart = build_chart(
        spec(
            y_range=(D(0), D(3)),
            bands=[Band(None, D("1.1"), "Liquidation", "#f00"), Band(D(2), None, "Safe", "#0f0")],
        ),
        chart_id="c",
    )
    liquidation, safe = chart.bands
    assert D(liquidation["y"]) + D(liquidation["height"]) == D(chart.bottom)
    assert safe["y"] == chart.top


def test_the_template_draws_an_accessible_svg():
    chart = build_chart(spec(markers=[Marker(D(50), "Entry")]), chart_id="demo")
    html = render_to_string("calculators/_chart.html", {"chart": chart})
    assert 'role="img"' in html
    assert 'aria-labelledby="demo-title demo-desc"' in html
    assert '<title id="demo-title">PnL</title>' in html
    assert '<desc id="demo-desc">A straight line.</desc>' in html
    assert ">Price</tspan>" in html and ">PnL</text>" in html  # axis titles
    assert 'class="chart-legend"' in html
    assert "style=" not in html


def test_every_chart_colour_comes_from_the_chart_module(client):
    template = Path(settings.BASE_DIR, "templates", "calculators", "_chart.html").read_text()
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b", template), "a colour written in the template"
    html = client.get("/calculators/margin-level/").content.decode()
    svg = re.search(r'<svg class="chart .*?</svg>', html, re.S).group(0)
    used = set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', svg))
    declared = {
        value for name, value in vars(charts).items() if isinstance(value, str) and name.isupper()
    } | set(charts.BAND_FILLS.values())
    assert used and used <= declared
