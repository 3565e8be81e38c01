"""Spot trading: what a quantity is worth, average entry, fees, auto-borrow (SPEC §6.5)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from calculators.formulas.rounding import ZERO, exact

# The exchange's spot fee: 0.1% of what you receive, or 0.075% of the trade value paid in
# BNB (a 25% discount) with "use BNB for fees" (SPEC §6.5).
SPOT_FEE_RATE = Decimal("0.001")
SPOT_BNB_FEE_RATE = Decimal("0.00075")


@exact
def notional(*, quantity: Decimal, price: Decimal) -> Decimal:
    """What ``quantity`` is worth at ``price``, in the quote asset: ``quantity × price``."""
    return quantity * price


@exact
def average_price_value(*, entries: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Quantity-weighted average of ``(price, quantity)`` fills: ``Σ(p × q) ÷ Σq``."""
    total_notional = sum((notional(quantity=q, price=p) for p, q in entries), ZERO)
    return total_notional / sum((q for _, q in entries), ZERO)


@exact
def spot_fee(*, received: Decimal) -> Decimal:
    """The normal spot fee, taken from what the trade delivers: ``received × 0.1%``."""
    return received * SPOT_FEE_RATE


@exact
def spot_fee_in_bnb(*, trade_value: Decimal, bnb_price: Decimal) -> Decimal:
    """The discounted fee paid in BNB: ``trade value × 0.075% ÷ BNB index price``."""
    return trade_value * SPOT_BNB_FEE_RATE / bnb_price


@exact
def auto_borrow_amount(*, wallet_balance: Decimal, order_amount: Decimal) -> Decimal:
    """What auto-borrow lends for a margin order: exactly the shortfall, never less than 0."""
    return max(ZERO, order_amount - wallet_balance)
