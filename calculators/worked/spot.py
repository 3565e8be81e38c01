"""Worked solutions of the spot calculators: average open price and auto-borrow."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from calculators.formulas import (
    CalculatorInputError,
    auto_borrow_amount,
    average_price_value,
    exact,
    gettext_noop,
    notional,
    quantize8,
    require_non_negative,
    require_positive,
)
from calculators.formulas.rounding import ZERO
from calculators.worked.base import CalcResult, num, step

# How many fills the average-open-price calculator takes.
MIN_ENTRIES = 2
MAX_ENTRIES = 20


@exact
def open_price(*, entries: Sequence[tuple[Decimal, Decimal]]) -> CalcResult:
    """``open-price``: average entry of 2–20 fills given as ``(price, quantity)`` pairs."""
    if not MIN_ENTRIES <= len(entries) <= MAX_ENTRIES:
        raise CalculatorInputError(
            "entry",
            gettext_noop("Enter between %(min)s and %(max)s entries."),
            {"min": str(MIN_ENTRIES), "max": str(MAX_ENTRIES)},
        )
    for price, quantity in entries:
        require_positive("entry", price)
        require_positive("entry", quantity)
    total_notional = sum((notional(quantity=q, price=p) for p, q in entries), ZERO)
    total_quantity = sum((q for _, q in entries), ZERO)
    average = average_price_value(entries=entries)
    return CalcResult(
        results={
            "average_price": quantize8(average),
            "total_quantity": quantize8(total_quantity),
            "total_notional": quantize8(total_notional),
        },
        steps=[
            step(
                gettext_noop("Total notional"),
                gettext_noop("total notional = Σ price × quantity"),
                " + ".join(f"{num(p)} × {num(q)}" for p, q in entries),
                total_notional,
            ),
            step(
                gettext_noop("Total quantity"),
                gettext_noop("total quantity = Σ quantity"),
                " + ".join(num(q) for _, q in entries),
                total_quantity,
            ),
            step(
                gettext_noop("Average open price"),
                gettext_noop("average price = total notional ÷ total quantity"),
                f"{num(total_notional)} ÷ {num(total_quantity)}",
                average,
            ),
        ],
    )


@exact
def auto_borrow(*, wallet_balance: Decimal, order_amount: Decimal) -> CalcResult:
    """``auto-borrow``: what a margin order with auto-borrow borrows (the exact shortfall)."""
    require_non_negative("wallet_balance", wallet_balance)
    require_non_negative("order_amount", order_amount)
    amount = auto_borrow_amount(wallet_balance=wallet_balance, order_amount=order_amount)
    return CalcResult(
        results={"borrow_amount": quantize8(amount)},
        steps=[
            step(
                gettext_noop("Amount borrowed"),
                gettext_noop("borrow amount = max(0, order amount − wallet balance)"),
                f"max(0, {num(order_amount)} − {num(wallet_balance)})",
                amount,
            )
        ],
    )
