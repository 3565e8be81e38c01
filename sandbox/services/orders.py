"""Order services: place and cancel orders. The order rules live here, once.

The order preview (``selectors.order_preview``) runs the same rules - ``order_validate``,
``plan_order``, ``minimum_problem`` and the wallet's balance - so what it shows is what
placing the order would do or refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calculators.instruments import VALUE_ASSET, instrument
from config.formatting import format_amount
from sandbox.errors import InsufficientBalance, InvalidOrder, OrderNotOpen, OrderTooSmall
from sandbox.ledger import balance_of, insufficient_message
from sandbox.models import (
    SYMBOL_ASSETS,
    Account,
    Asset,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    SideEffect,
    Wallet,
)
from sandbox.operations.margin import borrow_charged
from sandbox.operations.trades import (
    OrderPlan,
    fill_order,
    order_release,
    order_reserve,
    plan_order,
)
from sandbox.services.base import locked_operation
from sandbox.services.margin import MarginView, margin_gate, margin_order_check

MIN_ORDER_VALUE = Decimal("10")
# Anything above this is a typo or an attack, not an order: it would also overflow the
# 22 integer digits of an amount column.
MAX_INPUT = Decimal("1E15")
# The wallets orders trade from.
TRADING_WALLETS: tuple[str, ...] = (Wallet.SPOT, Wallet.CROSS)

NOTHING_TRADED = gettext_noop(
    "At this price, {amount} USDT buys less than the smallest quantity of {base} "
    "(0.00000001); raise the amount."
)
TOO_SMALL = gettext_noop("Minimum order value is {minimum} USDT; this order is worth {value} USDT")


@dataclass(frozen=True)
class OrderRequest:
    """An order's fields, checked: known symbol, side and type, sane amounts."""

    wallet: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal | None
    quote_amount: Decimal | None
    limit_price: Decimal | None
    side_effect: str = SideEffect.NONE


def _positive(value: Any, what: str) -> Decimal | None:
    if value is None:
        return None
    # bool is an int, and a float would smuggle binary rounding into the ledger.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidOrder(_("The {what} must be a number.").format(what=what))
    value = Decimal(value)
    if not value.is_finite() or value <= 0:
        raise InvalidOrder(_("The {what} must be more than zero.").format(what=what))
    if value > MAX_INPUT:
        raise InvalidOrder(_("The {what} is too large.").format(what=what))
    return value


def order_validate(
    *,
    wallet: Any = Wallet.SPOT,
    symbol: Any,
    side: Any,
    order_type: Any,
    quantity: Any,
    quote_amount: Any,
    limit_price: Any,
    side_effect: Any = SideEffect.NONE,
) -> OrderRequest:
    """Check an order's own fields (no account needed); ``InvalidOrder`` says what is wrong."""
    if wallet not in TRADING_WALLETS:
        raise InvalidOrder(_("Orders trade from the Spot or the Cross Margin wallet."))
    if side_effect not in SideEffect.values:
        raise InvalidOrder(_("Choose no side effect, auto-borrow or auto-repay."))
    if wallet != Wallet.CROSS and side_effect != SideEffect.NONE:
        raise InvalidOrder(_("Auto-borrow and auto-repay are for Cross Margin orders."))
    if symbol not in SYMBOL_ASSETS:
        raise InvalidOrder(
            _("Choose one of these symbols: {symbols}.").format(symbols=", ".join(SYMBOL_ASSETS))
        )
    if side not in OrderSide.values:
        raise InvalidOrder(_("Choose buy or sell."))
    if order_type not in OrderType.values:
        raise InvalidOrder(_("Choose a market or a limit order."))
    base, quote = SYMBOL_ASSETS[symbol]
    quantity = _positive(quantity, _("{asset} amount").format(asset=base))
    quote_amount = _positive(quote_amount, _("{asset} amount").format(asset=quote))
    limit_price = _positive(limit_price, _("limit price"))
    if quantity is None and quote_amount is None:
        raise InvalidOrder(
            _("Enter an amount in {base} or an amount in {quote}.").format(base=base, quote=quote)
        )
    if quantity is not None and quote_amount is not None:
        raise InvalidOrder(
            _("Enter either an amount in {base} or an amount in {quote}, not both.").format(
                base=base, quote=quote
            )
        )
    if order_type == OrderType.LIMIT:
        if limit_price is None:
            raise InvalidOrder(_("A limit order needs a limit price."))
        tick = instrument(symbol).tick
        if limit_price % tick:
            raise InvalidOrder(
                _("Limit prices for {symbol} go in steps of {tick} {quote}.").format(
                    symbol=symbol, tick=tick, quote=quote
                )
            )
    elif limit_price is not None:
        raise InvalidOrder(
            _("A market order fills at the market price; leave the limit price empty.")
        )
    return OrderRequest(
        wallet, symbol, side, order_type, quantity, quote_amount, limit_price, side_effect
    )


def order_plan(request: OrderRequest, *, index: Decimal) -> OrderPlan:
    return plan_order(
        symbol=request.symbol,
        side=request.side,
        order_type=request.order_type,
        quantity=request.quantity,
        quote_amount=request.quote_amount,
        limit_price=request.limit_price,
        index=index,
    )


def minimum_problem(plan: OrderPlan, request: OrderRequest) -> str | None:
    """Why the order is below the minimum order value, or None when it is not.

    What counts (SPEC §6.5): for an order sized in USDT, the amount asked for - its
    quantity is rounded down to 8 places, so 10 USDT may buy 9.9996 USDT worth, and it is
    still a 10 USDT order; otherwise the value at the price it executes at.
    """
    if plan.quantity <= 0:
        # Only possible when sized in USDT at an absurd price: nothing would be traded.
        return _(NOTHING_TRADED).format(
            amount=format_amount(request.quote_amount, VALUE_ASSET), base=plan.base
        )
    counted = request.quote_amount if request.quote_amount is not None else plan.value
    if counted >= MIN_ORDER_VALUE:
        return None
    return _(TOO_SMALL).format(
        minimum=format_amount(MIN_ORDER_VALUE, VALUE_ASSET).removesuffix(".00"),
        value=format_amount(counted, VALUE_ASSET),
    )


def _check_available(account: Account, *, wallet: str, asset: str, needed: Decimal) -> None:
    available = balance_of(account, wallet, asset)
    if available < needed:
        raise InsufficientBalance(
            insufficient_message(asset=asset, wallet=wallet, available=available, needed=needed)
        )


@transaction.atomic
def order_place(
    *,
    account: Account,
    wallet: str = Wallet.SPOT,
    symbol: str,
    side: str,
    order_type: str,
    quantity: Decimal | None = None,
    quote_amount: Decimal | None = None,
    limit_price: Decimal | None = None,
    side_effect: str = SideEffect.NONE,
    idempotency_key: str,
    now: datetime | None = None,
) -> Order:
    """Place an order from ``wallet``: ``"spot"`` or ``"cross"`` (Cross Margin).

    Rules: size it in the base asset (``quantity``) or in USDT (``quote_amount``, turned
    into a quantity at the index price for a market order, at the limit price for a
    limit order); quantities are rounded down to 8 places, so an order never spends more
    than asked. The order must be worth at least 10 USDT (sized in USDT: the amount asked
    for counts, before its quantity is rounded down). A market order takes no limit
    price.

    - Market order: fills at once, whole, at the index price of the clock minute.
    - Limit order the market has already crossed (buy limit ≥ index, sell limit ≤
      index): fills at once at the index price, like a taker on an exchange - the
      learner gets the better price.
    - Other limit orders rest: the funds they can spend are reserved (wallet → its
      "in orders" twin; a buy reserves quantity × limit price in USDT, a sell the base
      asset), and the risk engine fills them at the limit price at the first minute the
      index crosses it.

    The fee (0.1% of what is received, or 0.075% of the value in BNB) is in
    ``operations.trades.fill_order``.

    Cross Margin orders (margin activation needed) trade from the Cross Margin wallet and
    reserve into its "in orders" twin; they are refused while the account is being
    liquidated and obey the cooling-off period (``margin.margin_order_check``).
    ``side_effect="auto_borrow"`` borrows exactly what the wallet lacks to pay for the
    order, at placement, with its hour of interest; ``"auto_repay"`` repays the debt of
    the asset received from the proceeds when the order fills (now, or later for a
    resting limit order), interest first.
    """
    request = order_validate(
        wallet=wallet,
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=quantity,
        quote_amount=quote_amount,
        limit_price=limit_price,
        side_effect=side_effect,
    )
    if request.wallet == Wallet.CROSS:
        margin_gate(account)
    with locked_operation(account, operation="order_place", key=idempotency_key, now=now) as op:
        if op.replayed:
            return op.replayed.order
        account, clock = op.account, op.clock
        index = op.session.market.index_price(request.symbol, clock.minute)
        plan = order_plan(request, index=index)
        problem = minimum_problem(plan, request)
        if problem:
            raise OrderTooSmall(problem)
        borrowed = Decimal(0)
        if request.wallet == Wallet.CROSS:
            view = MarginView.of(op)
            check = margin_order_check(view, plan, side_effect=request.side_effect)
            if check.borrow > 0:
                borrow_charged(
                    op.session,
                    clock,
                    asset=check.borrow_asset,
                    amount=check.borrow,
                    hourly_rate_percent=view.hourly_rate(check.borrow_asset),
                    bnb_kept=plan.pays_amount if plan.pays_asset == Asset.BNB else Decimal(0),
                    memo=(
                        f"Auto-borrow {format_amount(check.borrow, check.borrow_asset)} "
                        f"{check.borrow_asset} for a {request.symbol} {request.side} order"
                    ),
                )
                borrowed = check.borrow
        _check_available(
            account, wallet=request.wallet, asset=plan.pays_asset, needed=plan.pays_amount
        )
        order = op.order = Order.objects.create(
            account=account,
            season=account.season,
            wallet=request.wallet,
            symbol=request.symbol,
            side=request.side,
            order_type=request.order_type,
            quantity=plan.quantity,
            quote_amount=request.quote_amount,
            limit_price=request.limit_price,
            placed_minute=clock.minute,
            placed_at=clock.time,
            side_effect=request.side_effect,
            auto_borrowed=borrowed,
        )
        if plan.marketable:
            fill_order(
                op.session,
                order,
                price=index,
                minute=clock.minute,
                sandbox_time=clock.time,
                from_wallet=request.wallet,
            )
        else:
            order_reserve(op.session, order, clock, asset=plan.pays_asset, amount=plan.pays_amount)
    return order


@transaction.atomic
def order_cancel(
    *, account: Account, order_id: int, idempotency_key: str, now: datetime | None = None
) -> Order:
    """Cancel an open limit order of the learner and release its reservation.

    Rule: only the learner's own open orders of the current season can be cancelled. The
    engine runs first, so an order the market filled a moment ago is reported as no
    longer open instead of being cancelled after the fact.
    """
    if isinstance(order_id, bool) or not isinstance(order_id, int):
        raise OrderNotOpen
    with locked_operation(account, operation="order_cancel", key=idempotency_key, now=now) as op:
        if op.replayed:
            return op.replayed.order
        # The account lock covers its orders: the engine only fills them under that lock.
        order = Order.objects.filter(
            pk=order_id, account=op.account, season=op.account.season, status=OrderStatus.OPEN
        ).first()
        if order is None:
            raise OrderNotOpen
        order_release(op.session, order, op.clock, reason="Cancelled")
        op.order = order
    return order
