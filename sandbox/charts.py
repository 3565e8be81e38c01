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
    BAND_FILLS,
    BLUE,
    GREEN,
    INK,
    PURPLE,
    RED,
    ChartSpec,
    RenderedChart,
    Series,
    build_chart,
    coordinate,
)
from calculators.formulas import MARGIN_KINDS, MarginKind
from calculators.instruments import SYMBOLS, instrument
from calculators.pictures import _level_bands as level_bands
from config.formatting import format_money, format_price, format_ratio
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


# ---------------------------------------------------------------------------------------
# Cross Margin: the margin-level gauge (issue 11)
# ---------------------------------------------------------------------------------------

# The gauge's scale: 1 (assets just equal the debt) to 3; a level above reads at the end.
GAUGE_LOW = Decimal(1)
GAUGE_HIGH = Decimal(3)
GAUGE_WIDTH = Decimal(320)
GAUGE_BAR_TOP = Decimal(22)
GAUGE_BAR_HEIGHT = Decimal(18)
GAUGE_LEFT = Decimal(6)
GAUGE_RIGHT = GAUGE_WIDTH - 6


@dataclass(frozen=True)
class GaugeBand:
    name: str
    x: str
    width: str
    color: str


@dataclass(frozen=True)
class GaugeTick:
    x: str
    label: str


@dataclass(frozen=True)
class Gauge:
    """A horizontal bar of the §6.6 bands of the account's kind (1.1, its margin call,
    its trade-only level, 2) with the margin level (and the collateral margin level)
    marked. Coordinates are strings computed from Decimals, like every chart here."""

    width: str
    bands: list[GaugeBand]
    ticks: list[GaugeTick]
    ml_x: str | None  # None without debt
    cml_x: str | None
    ml_text: str
    description: str
    bar_top: str
    bar_height: str
    bar_bottom: str


def _gauge_x(level: Decimal) -> Decimal:
    clipped = min(max(level, GAUGE_LOW), GAUGE_HIGH)
    return GAUGE_LEFT + (clipped - GAUGE_LOW) / (GAUGE_HIGH - GAUGE_LOW) * (
        GAUGE_RIGHT - GAUGE_LEFT
    )


def margin_gauge(
    *, margin_level: Decimal | None, collateral_margin_level: Decimal | None, margin_kind: str
) -> Gauge:
    kind: MarginKind = MARGIN_KINDS[margin_kind]
    edges = [
        ("liquidation", GAUGE_LOW, kind.liquidation),
        ("margin_call", kind.liquidation, kind.margin_call),
        ("trade_only", kind.margin_call, kind.trade_only),
        ("no_transfer", kind.trade_only, kind.no_transfer),
        ("safe", kind.no_transfer, GAUGE_HIGH),
    ]
    bands = [
        GaugeBand(
            name=name,
            x=coordinate(_gauge_x(low)),
            width=coordinate(_gauge_x(high) - _gauge_x(low)),
            color=BAND_FILLS[name],
        )
        for name, low, high in edges
    ]
    ticks = [
        GaugeTick(x=coordinate(_gauge_x(level)), label=format_ratio(level))
        for level in (kind.liquidation, kind.margin_call, kind.trade_only, kind.no_transfer)
    ]
    if margin_level is None:
        ml_text = "∞"
        description = _(
            "No debt: the margin level is infinite and the account is safe. The gauge marks "
            "liquidation at %(liquidation)s, a margin call at %(call)s, trade only at "
            "%(trade)s and no transfer out at %(transfer)s."
        )
    else:
        ml_text = format_ratio(margin_level)
        description = _(
            "Margin level %(ml)s, collateral margin level %(cml)s. The gauge marks "
            "liquidation at %(liquidation)s, a margin call at %(call)s, trade only at "
            "%(trade)s and no transfer out at %(transfer)s."
        )
    description = description % {
        "ml": ml_text,
        "cml": format_ratio(collateral_margin_level) if collateral_margin_level else "∞",
        "liquidation": format_ratio(kind.liquidation),
        "call": format_ratio(kind.margin_call),
        "trade": format_ratio(kind.trade_only),
        "transfer": format_ratio(kind.no_transfer),
    }
    return Gauge(
        width=coordinate(GAUGE_WIDTH),
        bands=bands,
        ticks=ticks,
        ml_x=coordinate(_gauge_x(margin_level)) if margin_level is not None else None,
        cml_x=coordinate(_gauge_x(collateral_margin_level))
        if collateral_margin_level is not None
        else None,
        ml_text=ml_text,
        description=description,
        bar_top=coordinate(GAUGE_BAR_TOP),
        bar_height=coordinate(GAUGE_BAR_HEIGHT),
        bar_bottom=coordinate(GAUGE_BAR_TOP + GAUGE_BAR_HEIGHT),
    )


# ---------------------------------------------------------------------------------------
# Liquidation report: the margin-level path up to the trigger
# ---------------------------------------------------------------------------------------

_MINUTES_PER_HOUR = Decimal(60)


def margin_level_path_chart(
    *, path: list[tuple[int, Decimal]], trigger_minute: int, margin_kind: str, chart_id: str
) -> RenderedChart | None:
    """The margin level minute by minute (as the engine recorded it) up to the trigger,
    against hours before the trigger, over the §6.6 bands with the liquidation (1.1) and
    margin-call lines. None without a recorded path."""
    points = [
        (Decimal(minute - trigger_minute) / _MINUTES_PER_HOUR, level)
        for minute, level in path
        if minute <= trigger_minute
    ]
    if len(points) < 2:
        return None
    kind = MARGIN_KINDS[margin_kind]
    start, end = points[0][0], points[-1][0]
    if start == end:
        start = end - 1
    top = max(Decimal(3), min(max(level for _x, level in points) * Decimal("1.1"), Decimal(10)))

    def line(level: Decimal, label: str, color: str) -> Series:
        return Series(label=label, points=((start, level), (end, level)), color=color, dash="6 4")

    lowest = min(level for _x, level in points)
    spec = ChartSpec(
        title=_("Margin level up to the liquidation"),
        description=_(
            "The margin level over the %(hours)s hours before the liquidation: it started at "
            "%(first)s and reached %(last)s at the trigger minute (lowest %(low)s). "
            "Liquidation comes at %(liquidation)s, a margin call at %(call)s."
        )
        % {
            "hours": format_money(end - start, 1),
            "first": format_ratio(points[0][1]),
            "last": format_ratio(points[-1][1]),
            "low": format_ratio(lowest),
            "liquidation": format_ratio(kind.liquidation),
            "call": format_ratio(kind.margin_call),
        },
        x_label=_("Hours before the liquidation (sandbox clock)"),
        y_label=_("Margin level"),
        series=[
            Series(label=_("Margin level (ML)"), points=points, color=INK),
            line(kind.liquidation, _("Liquidation level"), RED),
            line(kind.margin_call, _("Margin-call level"), AMBER),
        ],
        bands=level_bands(kind, liquidation=kind.liquidation, margin_call=kind.margin_call),
        x_range=(start, end),
        y_range=(Decimal(0), top),
    )
    return build_chart(spec, chart_id=chart_id)


# ---------------------------------------------------------------------------------------
# Insurance fund: balance, inflows and outflows over time
# ---------------------------------------------------------------------------------------


def insurance_fund_chart(days, *, chart_id: str = "insurance-fund") -> RenderedChart | None:
    """The fund's balance at the end of each day with liquidations, and the running totals
    of what came in (fees) and went out (deficits covered), against days before the last
    such day. None before the first liquidation."""
    if not days:
        return None
    first, last = days[0].day, days[-1].day
    balance, inflow, outflow = [], [], []
    total_in = total_out = Decimal(0)
    for day in days:
        x = Decimal((day.day - last).days)
        total_in += day.inflow
        total_out += day.outflow
        balance.append((x, day.balance))
        inflow.append((x, total_in))
        outflow.append((x, total_out))
    if len(days) == 1:
        # One day is one point: start the lines the day before, at what it held then.
        before = Decimal(-1)  # the day before the only day
        balance.insert(0, (before, days[0].balance - days[0].inflow + days[0].outflow))
        inflow.insert(0, (before, Decimal(0)))
        outflow.insert(0, (before, Decimal(0)))
    spec = ChartSpec(
        title=_("Insurance fund over time"),
        description=_(
            "Since %(first)s the fund took in %(inflow)s USDT of liquidation fees and paid "
            "out %(outflow)s USDT to cover deficits; it holds %(balance)s USDT."
        )
        % {
            "first": first.isoformat(),
            "inflow": format_money(total_in),
            "outflow": format_money(total_out),
            "balance": format_money(days[-1].balance),
        },
        x_label=_("Days before %(last)s (real dates)") % {"last": last.isoformat()},
        y_label="",
        series=[
            Series(label=_("Balance (USDT)"), points=balance, color=BLUE),
            Series(
                label=_("Fees received, in total (USDT)"), points=inflow, color=GREEN, dash="6 4"
            ),
            Series(
                label=_("Deficits covered, in total (USDT)"), points=outflow, color=RED, dash="2 3"
            ),
        ],
        baseline=Decimal(0),
    )
    return build_chart(spec, chart_id=chart_id)
