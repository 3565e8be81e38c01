"""The sandbox's price chart: a thin adapter over the generic builder in calculators.charts.

It only turns sandbox data into a ``ChartSpec``: the index price of the last 24 hours of
sandbox time as the line, and as horizontal lines the learner's open limit orders on
that symbol, their average entry price and the limit price being previewed. Horizontal
lines are two-point series spanning the chart, so they need nothing new from the builder.
The x axis is hours before "now" on the learner's sandbox clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from calculators.charts import (
    AMBER,
    BLUE,
    GREEN,
    PURPLE,
    ChartSpec,
    RenderedChart,
    Series,
    build_chart,
)
from calculators.instruments import SYMBOLS, instrument
from config.formatting import format_price
from sandbox import pricing, selectors
from sandbox.clock import account_clock
from sandbox.market import Market

HOURS = 24
STEP_MINUTES = 15
_SECONDS_PER_HOUR = Decimal(3600)
OFF_CHART_SHARE = Decimal("0.1")


@dataclass(frozen=True)
class PriceChart:
    symbol: str
    symbols: tuple[str, ...]
    rendered: RenderedChart
    # (label, price) of the lines too far from the day's prices to draw, listed in words.
    off_chart: tuple[tuple[str, Decimal], ...] = ()


def sandbox_price_chart(
    *,
    account,
    overview=None,
    symbol: str,
    preview_price: Decimal | None = None,
    market: Market | None = None,
) -> PriceChart:
    """The chart of ``symbol`` for ``account`` (pass the overview to mark orders and entry,
    and a loaded ``Market`` to save loading the scenario events again)."""
    if overview is not None:
        end_minute = overview.minute
        limits = tuple(
            order.limit_price
            for order in overview.open_orders
            if order.symbol == symbol and order.limit_price is not None
        )
        base = instrument(symbol).base
        average_entry = overview.average_entry.get(base)
    else:
        end_minute = account_clock(account).minute
        limits, average_entry = (), None
    points = selectors.price_series(
        symbol=symbol,
        end_minute=end_minute,
        hours=HOURS,
        step_minutes=STEP_MINUTES,
        market=market,
    )
    end = pricing.datetime_of(end_minute)
    line = [
        (Decimal(int((moment - end).total_seconds())) / _SECONDS_PER_HOUR, price)
        for moment, price in points
    ]
    start_x, end_x = Decimal(-HOURS), Decimal(0)

    def level(price: Decimal, label: str, color: str, dash: str) -> Series:
        return Series(
            label=label, points=((start_x, price), (end_x, price)), color=color, dash=dash
        )

    # Lines far from the last day's prices would squash the price line flat; they are
    # listed under the chart instead ("off the chart").
    prices = [price for _x, price in line]
    low, high = (min(prices), max(prices)) if prices else (Decimal(0), Decimal(0))
    window = (low * (1 - OFF_CHART_SHARE), high * (1 + OFF_CHART_SHARE))
    series = [Series(label=_("Index price"), points=line, color=BLUE)]
    off_chart: list[tuple[str, Decimal]] = []
    levels = [(price, _("Your limit order"), PURPLE, "6 4") for price in limits]
    if average_entry is not None:
        levels.append((average_entry, _("Your average entry"), GREEN, "2 3"))
    if preview_price is not None:
        levels.append((preview_price, _("Limit price in the form"), AMBER, "10 4"))
    for price, label, color, dash in levels:
        if window[0] <= price <= window[1]:
            series.append(level(price, label, color, dash))
        else:
            off_chart.append((label, price))
    spec = ChartSpec(
        title=_("%(symbol)s index price, last 24 hours") % {"symbol": symbol},
        description=_describe(symbol, line, limits, average_entry, preview_price),
        x_label=_("Hours before now (sandbox clock)"),
        # The builder's rotated axis title collides with six-character price ticks
        # (46,000); the panel heading already says the prices are in USDT.
        y_label="",
        series=series,
        x_range=(start_x, end_x),
    )
    return PriceChart(
        symbol=symbol,
        symbols=SYMBOLS,
        rendered=build_chart(spec, chart_id=f"chart-{symbol.lower()}"),
        off_chart=tuple(off_chart),
    )


def _describe(symbol, line, limits, average_entry, preview_price) -> str:
    """A text version of the chart for screen readers."""
    if not line:
        return _("No prices yet.")

    def fmt(price: Decimal) -> str:
        return format_price(symbol, price)

    prices = [price for _x, price in line]
    parts = [
        _("%(symbol)s moved between %(low)s and %(high)s USDT; it is %(last)s USDT now.")
        % {
            "symbol": symbol,
            "low": fmt(min(prices)),
            "high": fmt(max(prices)),
            "last": fmt(prices[-1]),
        }
    ]
    if limits:
        parts.append(
            _("Your open limit orders: %(prices)s USDT.")
            % {"prices": ", ".join(fmt(price) for price in limits)}
        )
    if average_entry is not None:
        parts.append(_("Your average entry: %(price)s USDT.") % {"price": fmt(average_entry)})
    if preview_price is not None:
        parts.append(_("Limit price in the form: %(price)s USDT.") % {"price": fmt(preview_price)})
    return " ".join(parts)
