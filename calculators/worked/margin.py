"""Worked solutions of the Cross Margin calculators: margin level, margin liquidation price,
interest and the most one can borrow."""

from __future__ import annotations

from decimal import Decimal

from calculators.formulas import (
    BNB_INTEREST_FACTOR,
    DEFAULT_MARGIN_KIND,
    MARGIN_KINDS,
    STATE_LIQUIDATION,
    STATE_MARGIN_CALL,
    STATE_NO_TRANSFER,
    STATE_TRADE_ONLY,
    CalculatorInputError,
    MarginKind,
    charged_hours,
    daily_rate_from_hourly,
    exact,
    gettext_noop,
    hourly_interest_charge,
    hourly_rate_from_daily,
    margin_kind_for,
    margin_level_at_price,
    margin_level_value,
    margin_state,
    max_borrow_amount,
    price_at_margin_level,
    quantize8,
    require_non_negative,
    require_positive,
    total_interest,
    yearly_rate_from_daily,
)
from calculators.formulas.rounding import ONE, ZERO
from calculators.worked.base import CalcResult, Step, num, ratio, rounded, step


def _state_reason(*, ml: Decimal | None, cml: Decimal | None, kind: MarginKind, state: str) -> str:
    """The one comparison that decided the state, with the learner's numbers."""
    if ml is None:
        return "ML = ∞"
    cml = ml if cml is None else cml
    if state == STATE_LIQUIDATION:
        return f"ML {ratio(ml)} ≤ {num(kind.liquidation)}"
    if state == STATE_MARGIN_CALL:
        return f"ML {ratio(ml)} ≤ {num(kind.margin_call)}"
    if state == STATE_TRADE_ONLY:
        return f"CML {ratio(cml)} ≤ {num(kind.trade_only)}"
    if state == STATE_NO_TRANSFER:
        return f"CML {ratio(cml)} ≤ {num(kind.no_transfer)}"
    return f"CML {ratio(cml)} > {num(kind.no_transfer)}"


@exact
def margin_level(
    *,
    total_assets: Decimal,
    total_liabilities: Decimal,
    outstanding_interest: Decimal = ZERO,
    collateral_value: Decimal | None = None,
    margin_kind: str = DEFAULT_MARGIN_KIND,
) -> CalcResult:
    """``margin-level``: margin level, collateral margin level and the account state (§6.6)."""
    kind = margin_kind_for(margin_kind)
    require_non_negative("total_assets", total_assets)
    require_non_negative("total_liabilities", total_liabilities)
    require_non_negative("outstanding_interest", outstanding_interest)
    if collateral_value is not None:
        require_non_negative("collateral_value", collateral_value)
    ml = margin_level_value(
        total_assets=total_assets,
        total_liabilities=total_liabilities,
        outstanding_interest=outstanding_interest,
    )
    cml = (
        ml
        if collateral_value is None
        else margin_level_value(
            total_assets=collateral_value,
            total_liabilities=total_liabilities,
            outstanding_interest=outstanding_interest,
        )
    )
    state = margin_state(margin_level=ml, collateral_margin_level=cml, margin_kind=kind.name)
    debt = f"({num(total_liabilities)} + {num(outstanding_interest)})"
    steps = [
        step(
            gettext_noop("Margin level"),
            gettext_noop("ML = total assets ÷ (total liabilities + outstanding interest)"),
            f"{num(total_assets)} ÷ {debt}",
            ml,
        )
    ]
    if collateral_value is not None:
        steps.append(
            step(
                gettext_noop("Collateral margin level"),
                gettext_noop("CML = collateral value ÷ (total liabilities + outstanding interest)"),
                f"{num(collateral_value)} ÷ {debt}",
                cml,
            )
        )
    steps.append(
        step(
            gettext_noop("Account state"),
            gettext_noop(
                "checked bottom-up: ML ≤ liquidation level, ML ≤ margin-call level, "
                "CML ≤ borrow threshold, CML ≤ 2, otherwise safe"
            ),
            _state_reason(ml=ml, cml=cml, kind=kind, state=state),
            None,
        )
    )
    return CalcResult(
        results={
            "margin_level": rounded(ml),
            "collateral_margin_level": rounded(cml),
            "state": state,
        },
        steps=steps,
    )


@exact
def margin_liquidation_price(
    *,
    base_quantity: Decimal,
    quote_quantity: Decimal,
    base_liability: Decimal,
    quote_liability: Decimal,
    liquidation_level: Decimal = MARGIN_KINDS[DEFAULT_MARGIN_KIND].liquidation,
    margin_call_level: Decimal = MARGIN_KINDS[DEFAULT_MARGIN_KIND].margin_call,
) -> CalcResult:
    """``margin-liquidation-price``: base-asset prices at which the margin level reaches the
    liquidation and the margin-call level (``None`` where no positive price does)."""
    for field, value in (
        ("base_quantity", base_quantity),
        ("quote_quantity", quote_quantity),
        ("base_liability", base_liability),
        ("quote_liability", quote_liability),
    ):
        require_non_negative(field, value)
    require_positive("liquidation_level", liquidation_level)
    require_positive("margin_call_level", margin_call_level)
    if margin_call_level <= liquidation_level:
        raise CalculatorInputError(
            "margin_call_level",
            gettext_noop("The margin-call level must be above the liquidation level."),
        )
    steps: list[Step] = []
    prices: dict[str, Decimal | None] = {}
    for key, label, level in (
        ("liquidation_price", gettext_noop("Liquidation price"), liquidation_level),
        ("margin_call_price", gettext_noop("Margin-call price"), margin_call_level),
    ):
        price = price_at_margin_level(
            base_quantity=base_quantity,
            quote_quantity=quote_quantity,
            base_liability=base_liability,
            quote_liability=quote_liability,
            level=level,
        )
        prices[key] = price
        steps.append(
            step(
                label,
                gettext_noop("P = (k × Lq − Q) ÷ (B − k × Lb), null when not positive"),
                f"({num(level)} × {num(quote_liability)} − {num(quote_quantity)}) ÷ "
                f"({num(base_quantity)} − {num(level)} × {num(base_liability)})",
                price,
            )
        )
    check = prices["liquidation_price"]
    if check is not None:
        steps.append(
            step(
                gettext_noop("Check: margin level at the liquidation price"),
                gettext_noop("ML = (B × P + Q) ÷ (Lb × P + Lq)"),
                f"({num(base_quantity)} × {num(check)} + {num(quote_quantity)}) ÷ "
                f"({num(base_liability)} × {num(check)} + {num(quote_liability)})",
                margin_level_at_price(
                    base_quantity=base_quantity,
                    quote_quantity=quote_quantity,
                    base_liability=base_liability,
                    quote_liability=quote_liability,
                    price=check,
                ),
            )
        )
    return CalcResult(results={k: rounded(v) for k, v in prices.items()}, steps=steps)


@exact
def interest(
    *,
    principal: Decimal,
    hours: Decimal,
    daily_rate_percent: Decimal | None = None,
    hourly_rate_percent: Decimal | None = None,
    borrow_minute: int = 0,
    bnb_discount: bool = False,
) -> CalcResult:
    """``interest``: hourly interest of a margin loan held ``hours`` (fractions allowed).

    Exactly one of ``daily_rate_percent`` and ``hourly_rate_percent``. ``hourly_charge`` is
    ``principal × hourly rate ÷ 100`` (× 0.95 with BNB) rounded half-even to 8 places, once
    per charge, and ``total_interest`` is that charge × the charged hours: exactly what the
    sandbox posts, hour by hour (SPEC §5.2).
    """
    require_non_negative("principal", principal)
    require_non_negative("hours", hours)
    if (daily_rate_percent is None) == (hourly_rate_percent is None):
        raise CalculatorInputError(
            "daily_rate_percent", gettext_noop("Enter the daily rate or the hourly rate.")
        )
    if isinstance(borrow_minute, bool) or not 0 <= borrow_minute <= 59:
        raise CalculatorInputError("borrow_minute", gettext_noop("Enter a minute from 0 to 59."))
    steps: list[Step] = []
    if daily_rate_percent is not None:
        require_non_negative("daily_rate_percent", daily_rate_percent)
        daily: Decimal = daily_rate_percent
        hourly = hourly_rate_from_daily(daily_percent=daily)
        steps.append(
            step(
                gettext_noop("Hourly rate (%)"),
                gettext_noop("hourly rate = daily rate ÷ 24"),
                f"{num(daily)} ÷ 24",
                hourly,
            )
        )
    elif hourly_rate_percent is not None:
        require_non_negative("hourly_rate_percent", hourly_rate_percent)
        hourly = hourly_rate_percent
        daily = daily_rate_from_hourly(hourly_percent=hourly)
        steps.append(
            step(
                gettext_noop("Daily rate (%)"),
                gettext_noop("daily rate = hourly rate × 24"),
                f"{num(hourly)} × 24",
                daily,
            )
        )
    yearly = yearly_rate_from_daily(daily_percent=daily)
    hours_charged = charged_hours(borrow_minute=borrow_minute, hours=hours)
    per_hour = hourly_interest_charge(
        principal=principal, hourly_rate_percent=hourly, bnb_discount=bnb_discount
    )
    total = total_interest(hourly_charge=per_hour, charged_hours=hours_charged)
    steps += [
        step(
            gettext_noop("Yearly rate (%)"),
            gettext_noop("yearly rate = daily rate × 365"),
            f"{num(daily)} × 365",
            yearly,
        ),
        step(
            gettext_noop("Charged hours"),
            gettext_noop("charged hours = 1 + ⌊(borrow minute + 60 × hours) ÷ 60⌋"),
            f"1 + ⌊({borrow_minute} + 60 × {num(hours)}) ÷ 60⌋",
            hours_charged,
        ),
        step(
            gettext_noop("Interest per hour"),
            gettext_noop(
                "interest per hour = principal × hourly rate ÷ 100 × 0.95 (BNB), "
                "rounded to 8 places as each charge is posted"
            )
            if bnb_discount
            else gettext_noop(
                "interest per hour = principal × hourly rate ÷ 100, "
                "rounded to 8 places as each charge is posted"
            ),
            f"{num(principal)} × {num(hourly)} ÷ 100"
            + (f" × {num(BNB_INTEREST_FACTOR)}" if bnb_discount else ""),
            per_hour,
        ),
        step(
            gettext_noop("Total interest"),
            gettext_noop("total interest = interest per hour × charged hours"),
            f"{num(per_hour)} × {hours_charged}",
            total,
        ),
    ]
    return CalcResult(
        results={
            "hourly_rate_percent": quantize8(hourly),
            "daily_rate_percent": quantize8(daily),
            "charged_hours": hours_charged,
            "hourly_charge": per_hour,
            "total_interest": quantize8(total),
            "yearly_rate_percent": quantize8(yearly),
        },
        steps=steps,
    )


@exact
def max_borrow(
    *,
    collateral_value: Decimal,
    total_liabilities: Decimal = ZERO,
    outstanding_interest: Decimal = ZERO,
    margin_kind: str = DEFAULT_MARGIN_KIND,
    collateral_ratio: Decimal = ONE,
    hourly_rate_percent: Decimal = ZERO,
) -> CalcResult:
    """``max-borrow``: the most one can borrow and keep CML ≥ ``I`` (the kind's borrow
    threshold) after borrowing and after the hour of interest charged at borrowing."""
    kind = margin_kind_for(margin_kind)
    require_non_negative("collateral_value", collateral_value)
    require_non_negative("total_liabilities", total_liabilities)
    require_non_negative("outstanding_interest", outstanding_interest)
    require_non_negative("collateral_ratio", collateral_ratio)
    require_non_negative("hourly_rate_percent", hourly_rate_percent)
    amount = max_borrow_amount(
        collateral_value=collateral_value,
        total_liabilities=total_liabilities,
        outstanding_interest=outstanding_interest,
        margin_kind=kind.name,
        collateral_ratio=collateral_ratio,
        hourly_rate_percent=hourly_rate_percent,
    )
    threshold = kind.borrow_threshold
    return CalcResult(
        results={"max_borrow": quantize8(amount)},
        steps=[
            step(
                gettext_noop("Maximum borrow"),
                gettext_noop(
                    "max borrow = max(0, (CV − I × (L + interest)) ÷ (I × (1 + h) − r)), "
                    "h = hourly rate ÷ 100"
                ),
                f"max(0, ({num(collateral_value)} − {num(threshold)} × "
                f"({num(total_liabilities)} + {num(outstanding_interest)})) ÷ "
                f"({num(threshold)} × (1 + {num(hourly_rate_percent)} ÷ 100) − "
                f"{num(collateral_ratio)}))",
                amount,
            )
        ],
    )
