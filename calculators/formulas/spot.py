"""Spot trading: what a quantity is worth, average entry, fees, auto-borrow (SPEC §6.5)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from calculators.formulas.rounding import ZERO, exact, floor8, quantize8

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


@exact
def quantity_for_notional(*, notional: Decimal, price: Decimal) -> Decimal:
    """How much of the base asset ``notional`` buys at ``price``: ``notional ÷ price``."""
    return notional / price


def quantity_for_amount(*, amount: Decimal, price: Decimal) -> Decimal:
    """How much of the base asset ``amount`` of the quote asset buys at ``price``, rounded
    **down** to 8 places: an order sized in money never spends more than was asked."""
    return floor8(quantity_for_notional(notional=amount, price=price))


def trade_value(*, quantity: Decimal, price: Decimal) -> Decimal:
    """What a trade is worth in the quote asset, as the ledger books it: ``quantity × price``
    rounded half-even to 8 places (a resting buy reserves exactly this at its limit)."""
    return quantize8(notional(quantity=quantity, price=price))


def holding_value(*, amount: Decimal, index_price: Decimal) -> Decimal:
    """The value of a holding in USDT at the index price, 8 places."""
    return quantize8(notional(quantity=amount, price=index_price))


_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


@exact
def percent_change(*, before: Decimal, after: Decimal) -> Decimal:
    """``(after − before) ÷ before × 100``, half-even to 2 places (the 24-hour change)."""
    return ((after - before) * _HUNDRED / before).quantize(_CENT, rounding=ROUND_HALF_EVEN)


@exact
def average_entry_after_buy(
    *,
    previous_average: Decimal | None,
    held: Decimal,
    cost: Decimal,
    received: Decimal,
) -> Decimal:
    """The average entry price of a holding after a buy, 8 places (average-cost method).

    One convention throughout: a buy's cost includes its fee, and it is spread over the
    quantity actually received. ``cost`` = what the buy paid in the quote asset plus a fee
    paid in another asset (valued in the quote asset); ``received`` = the quantity that
    reached the wallet (after a fee taken in the asset bought). The ``held`` units already
    there count at ``previous_average``; holding nothing starts afresh.
    """
    if previous_average is None or held <= 0:
        return quantize8(cost / received)
    return quantize8((previous_average * held + cost) / (held + received))
