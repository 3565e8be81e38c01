"""The charts of the calculator pages, drawn with the generic builder in ``charts.py``.

Each builder takes the form's cleaned data and the calculator's result and returns a
:class:`~calculators.charts.RenderedChart` (or ``None`` when there is nothing honest to
draw, e.g. a margin level with no debt). Every y value comes from ``formulas``, so the
line on the chart is the same arithmetic as the numbers in the steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from calculators import formulas, worked
from calculators.charts import (
    AMBER,
    BAND_FILLS,
    BLUE,
    GREEN,
    INK,
    PURPLE,
    RED,
    Band,
    ChartSpec,
    Marker,
    RenderedChart,
    Series,
    build_chart,
    sample,
    short_number,
)
from config.formatting import format_amount as amount
from config.formatting import format_decimal, format_ratio

_ZERO = Decimal(0)
_ONE = Decimal(1)


def side_word(side: str) -> str:
    """ "long"/"short" as a chart's description names the position, in the page's language."""
    if side == "short":
        return pgettext("a short position, inside a sentence", "short")
    return pgettext("a long position, inside a sentence", "long")


def _liquidation_for_chart(
    *, side: str, entry_price: Decimal, quantity: Decimal, leverage: Decimal
) -> Decimal | None:
    """Where an isolated position at ``leverage`` would be liquidated (default symbol's
    brackets), rounded like a result.

    The PnL and target-price calculators do not ask for a symbol or a wallet, so the chart
    marks the isolated-margin liquidation price on our default table; the legend says so.
    """
    solution = formulas.liquidation_price_value(
        side=side,
        entry_price=entry_price,
        quantity=quantity,
        wallet_balance=formulas.initial_margin_value(
            notional=formulas.notional(quantity=quantity, price=entry_price), leverage=leverage
        ),
        brackets=formulas.BRACKETS[formulas.DEFAULT_SYMBOL],
    )
    return None if solution.price is None else formulas.quantize8(solution.price)


def _price_range(entry: Decimal, prices: list[Decimal]) -> tuple[Decimal, Decimal]:
    """Prices from the lowest to the highest marked one (entry, exit or target,
    liquidation) with a quarter of that span of room on each side: the chart zooms in on
    what it marks, so at 50× or 125× the entry and the liquidation price stay apart. With
    nothing but the entry to mark, ±15 % around it."""
    marks = [entry, *prices]
    low, high = min(marks), max(marks)
    room = (high - low) * Decimal("0.25") if high > low else entry * Decimal("0.15")
    return max(low - room, _ZERO), high + room


def _pnl_markers(
    *,
    entry: Decimal,
    liquidation: Decimal | None,
    liquidation_note: str = "",
    exit_price: Decimal | None = None,
    exit_name: str = "",
) -> list[Marker]:
    """Entry, exit (or target) and liquidation as vertical lines: short labels on the chart,
    full prices and any caveat in the legend."""
    markers = [_marker(entry, _("Entry"), BLUE)]
    if exit_price is not None:
        markers.append(_marker(exit_price, exit_name, GREEN))
    if liquidation is not None:
        markers.append(_marker(liquidation, _("Liquidation"), RED, liquidation_note))
    return markers


def _marker(x: Decimal, name: str, color: str, note: str = "") -> Marker:
    legend = _("%(name)s: %(value)s") % {"name": name, "value": amount(x)}
    return Marker(
        x,
        name,
        color,
        legend=f"{legend} ({note})" if note else legend,
        value=short_number(x),
    )


def pnl_chart(data: Mapping[str, Any], result: worked.CalcResult, chart_id: str) -> RenderedChart:
    side, entry, exit_price = data["side"], data["entry_price"], data["exit_price"]
    quantity, leverage = data["quantity"], data["leverage"]
    liquidation = _liquidation_for_chart(
        side=side, entry_price=entry, quantity=quantity, leverage=leverage
    )
    low, high = _price_range(entry, [p for p in (exit_price, liquidation) if p is not None])

    def pnl_at(price: Decimal) -> Decimal:
        return formulas.unrealized_pnl(
            side=side, entry_price=entry, mark_price=price, quantity=quantity
        )

    description = _(
        "Profit or loss of this %(side)s position for exit prices from %(low)s to %(high)s "
        "USDT. Closing at %(exit)s gives %(pnl)s USDT."
    ) % {
        "side": side_word(side),
        "low": amount(low),
        "high": amount(high),
        "exit": amount(exit_price),
        "pnl": amount(result.results["pnl"]),
    }
    if liquidation is not None:
        description += " " + _(
            "At %(leverage)s× isolated margin it would be liquidated near %(price)s USDT."
        ) % {"leverage": amount(leverage), "price": amount(liquidation)}
    spec = ChartSpec(
        title=_("Profit and loss against the exit price"),
        description=description,
        x_label=_("Exit price (USDT)"),
        y_label=_("PnL (USDT)"),
        series=[Series(_("PnL"), [(p, pnl_at(p)) for p in (low, high)], INK)],
        markers=_pnl_markers(
            entry=entry,
            exit_price=exit_price,
            exit_name=_("Exit"),
            liquidation=liquidation,
            liquidation_note=_("isolated margin, %(symbol)s brackets")
            % {"symbol": formulas.DEFAULT_SYMBOL},
        ),
        x_range=(low, high),
        baseline=_ZERO,
    )
    return build_chart(spec, chart_id=chart_id)


def target_price_chart(
    data: Mapping[str, Any], result: worked.CalcResult, chart_id: str
) -> RenderedChart:
    side, entry, leverage = data["side"], data["entry_price"], data["leverage"]
    target = result.results["target_price"]
    # ROE does not depend on the size, so one unit of the base asset stands for any size;
    # its notional is small, so the liquidation mark uses the default symbol's first bracket.
    liquidation = _liquidation_for_chart(
        side=side, entry_price=entry, quantity=_ONE, leverage=leverage
    )
    low, high = _price_range(entry, [p for p in (target, liquidation) if isinstance(p, Decimal)])
    margin = formulas.initial_margin_value(notional=entry, leverage=leverage)

    def roe_at(price: Decimal) -> Decimal:
        profit = formulas.unrealized_pnl(
            side=side, entry_price=entry, mark_price=price, quantity=_ONE
        )
        return formulas.roe_percent_value(pnl=profit, initial_margin=margin)

    if isinstance(target, Decimal):
        reach = _("The target %(roe)s %% is reached at %(price)s USDT.") % {
            "roe": amount(data["roe_percent"]),
            "price": amount(target),
        }
    else:
        reach = _("No positive price gives a return of %(roe)s %%.") % {
            "roe": amount(data["roe_percent"])
        }
    spec = ChartSpec(
        title=_("Return on margin against the exit price"),
        description=_(
            "Return on margin (ROE) of a %(side)s position at %(leverage)s× for exit prices "
            "from %(low)s to %(high)s USDT."
        )
        % {
            "side": side_word(side),
            "leverage": amount(leverage),
            "low": amount(low),
            "high": amount(high),
        }
        + " "
        + reach,
        x_label=_("Exit price (USDT)"),
        y_label=_("ROE (%)"),
        series=[Series(_("ROE %"), [(p, roe_at(p)) for p in (low, high)], INK)],
        markers=_pnl_markers(
            entry=entry,
            exit_price=target if isinstance(target, Decimal) else None,
            exit_name=_("Target"),
            liquidation=liquidation,
            liquidation_note=_("isolated margin, a small %(symbol)s position")
            % {"symbol": formulas.DEFAULT_SYMBOL},
        ),
        x_range=(low, high),
        baseline=_ZERO,
    )
    return build_chart(spec, chart_id=chart_id)


def liquidation_chart(
    data: Mapping[str, Any], result: worked.CalcResult, chart_id: str
) -> RenderedChart:
    side, entry, quantity = data["side"], data["entry_price"], data["quantity"]
    liquidation = result.results["liquidation_price"]
    liquidation = liquidation if isinstance(liquidation, Decimal) else None
    low, high = _price_range(entry, [liquidation] if liquidation is not None else [])

    def pnl_at(price: Decimal) -> Decimal:
        return formulas.unrealized_pnl(
            side=side, entry_price=entry, mark_price=price, quantity=quantity
        )

    if liquidation is not None:
        where = _("The position is liquidated at %(price)s USDT, a loss of %(loss)s USDT.") % {
            "price": amount(liquidation),
            "loss": amount(abs(pnl_at(liquidation))),
        }
    else:
        where = _("No positive price liquidates this position.")
    spec = ChartSpec(
        title=_("Profit and loss against the price, with the liquidation price"),
        description=_(
            "Profit or loss of this %(side)s position for prices from %(low)s to %(high)s USDT."
        )
        % {"side": side_word(side), "low": amount(low), "high": amount(high)}
        + " "
        + where,
        x_label=_("Mark price (USDT)"),
        y_label=_("PnL (USDT)"),
        series=[Series(_("PnL"), [(p, pnl_at(p)) for p in (low, high)], INK)],
        markers=_pnl_markers(entry=entry, liquidation=liquidation),
        x_range=(low, high),
        baseline=_ZERO,
    )
    return build_chart(spec, chart_id=chart_id)


def _level_bands(kind: formulas.MarginKind, *, liquidation: Decimal, margin_call: Decimal) -> list:
    """The §6.6 states as horizontal bands of the margin-level axis, bottom to top."""
    return [
        Band(
            None,
            liquidation,
            _("Liquidation (ML ≤ %s)") % amount(liquidation),
            BAND_FILLS["liquidation"],
            "liquidation",
        ),
        Band(
            liquidation,
            margin_call,
            _("Margin call (ML ≤ %s)") % amount(margin_call),
            BAND_FILLS["margin_call"],
            "margin_call",
        ),
        Band(
            margin_call,
            kind.trade_only,
            _("Trade only (CML ≤ %s)") % amount(kind.trade_only),
            BAND_FILLS["trade_only"],
            "trade_only",
        ),
        Band(
            kind.trade_only,
            kind.no_transfer,
            _("No transfer out (CML ≤ %s)") % amount(kind.no_transfer),
            BAND_FILLS["no_transfer"],
            "no_transfer",
        ),
        Band(
            kind.no_transfer,
            None,
            _("Safe (CML > %s)") % amount(kind.no_transfer),
            BAND_FILLS["safe"],
            "safe",
        ),
    ]


def margin_level_chart(
    data: Mapping[str, Any], result: worked.CalcResult, chart_id: str
) -> RenderedChart | None:
    """Margin level if every asset's price moved by the same factor and the debt did not.

    The calculator has no prices, so the chart treats the total assets as one position
    priced in USDT and the liabilities as USDT: multiplier 1 is today, 0.8 is "all my
    assets lost 20 %".
    """
    kind = formulas.margin_kind_for(data.get("margin_kind") or formulas.DEFAULT_MARGIN_KIND)
    assets = data["total_assets"]
    debt = data["total_liabilities"] + (data.get("outstanding_interest") or _ZERO)
    if debt == 0 or assets == 0:
        return None
    collateral = data.get("collateral_value")

    # The multiplier m on today's asset prices at which m × assets ÷ debt reaches level k
    # is the margin-liquidation price with the assets as "base" and the debt as "quote".
    def multiplier_at(level: Decimal) -> Decimal:
        return formulas.price_at_margin_level(
            base_quantity=assets,
            quote_quantity=_ZERO,
            base_liability=_ZERO,
            quote_liability=debt,
            level=level,
        )

    at_liquidation = multiplier_at(kind.liquidation)
    at_margin_call = multiplier_at(kind.margin_call)
    at_safe = multiplier_at(kind.no_transfer)
    high = min(max(Decimal("1.5"), at_safe * Decimal("1.25")), Decimal(10))
    now_level = result.results["margin_level"]
    top = (
        Decimal(3) if now_level <= Decimal("2.5") else min(now_level * Decimal("1.3"), Decimal(20))
    )

    def level(value: Decimal, multiplier: Decimal) -> Decimal:
        ml = formulas.margin_level_at_price(
            base_quantity=value,
            quote_quantity=_ZERO,
            base_liability=_ZERO,
            quote_liability=debt,
            price=multiplier,
        )
        return ml if ml is not None else _ZERO

    multipliers = sample(_ZERO, high, 40)
    series = [Series(_("Margin level (ML)"), [(m, level(assets, m)) for m in multipliers], INK)]
    if collateral is not None:
        series.append(
            Series(
                _("Collateral margin level (CML)"),
                [(m, level(collateral, m)) for m in multipliers],
                PURPLE,
                "8 4",
            )
        )
    markers = [
        Marker(
            _ONE,
            _("Today"),
            BLUE,
            legend=_("Today (1×): margin level %s") % format_ratio(now_level),
        ),
        Marker(
            at_margin_call,
            _("Margin call"),
            AMBER,
            value=f"{format_decimal(at_margin_call, 2)}×",
            legend=_("Margin call at %s× today's prices") % format_decimal(at_margin_call, 4),
        ),
        Marker(
            at_liquidation,
            _("Liquidation"),
            RED,
            value=f"{format_decimal(at_liquidation, 2)}×",
            legend=_("Liquidation at %s× today's prices") % format_decimal(at_liquidation, 4),
        ),
    ]
    spec = ChartSpec(
        title=_("Margin level if your assets' prices move together"),
        description=_(
            "Margin level against a price multiplier for your assets (1 is today's prices, "
            "debt unchanged). Today it is %(now)s. A margin call comes at %(call)s× today's "
            "prices, liquidation at %(liquidation)s×."
        )
        % {
            "now": format_ratio(now_level),
            "call": format_decimal(at_margin_call, 4),
            "liquidation": format_decimal(at_liquidation, 4),
        },
        x_label=_("Asset prices as a multiple of today's (×)"),
        y_label=_("Margin level"),
        series=series,
        markers=markers,
        bands=_level_bands(kind, liquidation=kind.liquidation, margin_call=kind.margin_call),
        x_range=(_ZERO, high),
        y_range=(_ZERO, top),
    )
    return build_chart(spec, chart_id=chart_id)


def margin_liquidation_chart(
    data: Mapping[str, Any], result: worked.CalcResult, chart_id: str
) -> RenderedChart | None:
    """Margin level against the base asset's price: ``(B×P + Q) ÷ (Lb×P + Lq)``."""
    kind = formulas.MARGIN_KINDS[formulas.DEFAULT_MARGIN_KIND]
    base, quote = data["base_quantity"], data["quote_quantity"]
    base_debt, quote_debt = data["base_liability"], data["quote_liability"]
    liquidation_level = data.get("liquidation_level") or kind.liquidation
    margin_call_level = data.get("margin_call_level") or kind.margin_call
    if base_debt == 0 and quote_debt == 0:
        return None
    liquidation = result.results["liquidation_price"]
    margin_call = result.results["margin_call_price"]
    safe = formulas.price_at_margin_level(
        base_quantity=base,
        quote_quantity=quote,
        base_liability=base_debt,
        quote_liability=quote_debt,
        level=kind.no_transfer,
    )
    known = [p for p in (liquidation, margin_call, safe) if isinstance(p, Decimal) and p > 0]
    if not known:
        return None
    high = max(known) * Decimal("1.5")

    points = []
    for price in sample(high / 200, high, 80):
        level = formulas.margin_level_at_price(
            base_quantity=base,
            quote_quantity=quote,
            base_liability=base_debt,
            quote_liability=quote_debt,
            price=price,
        )
        if level is not None:
            points.append((price, level))
    markers = []
    if isinstance(margin_call, Decimal):
        markers.append(_marker(margin_call, _("Margin call"), AMBER))
    if isinstance(liquidation, Decimal):
        markers.append(_marker(liquidation, _("Liquidation"), RED))
    words = []
    if isinstance(liquidation, Decimal):
        words.append(_("liquidation at %s USDT") % amount(liquidation))
    if isinstance(margin_call, Decimal):
        words.append(_("a margin call at %s USDT") % amount(margin_call))
    spec = ChartSpec(
        title=_("Margin level against the price of the base asset"),
        description=_(
            "Margin level of the account for base-asset prices up to %(high)s USDT, with the "
            "account states as bands: %(where)s."
        )
        % {"high": amount(high), "where": ", ".join(words) or _("no price reaches them")},
        x_label=_("Price of the base asset (USDT)"),
        y_label=_("Margin level"),
        series=[Series(_("Margin level (ML)"), points, INK)],
        markers=markers,
        bands=_level_bands(kind, liquidation=liquidation_level, margin_call=margin_call_level),
        x_range=(_ZERO, high),
        y_range=(_ZERO, max(Decimal(3), margin_call_level * Decimal("1.5"))),
    )
    return build_chart(spec, chart_id=chart_id)
