"""Trades: how an order is sized, priced and charged, and how it fills.

``plan_order`` and ``choose_fee`` decide what an order does; the order service, the
engine (resting limit orders) and the order preview all call them, so the preview can
never promise a price, fee or reservation that placing the order would not apply.
``fill_order``, ``order_reserve`` and ``order_release`` post to the ledger and assume
the caller holds the account lock.

Nothing here assumes a wallet: an order trades from ``order.wallet`` (Spot or Cross
Margin), reserves into that wallet's locked twin, receives into it and pays its fee
from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from calculators.formulas import (
    SPOT_BNB_FEE_RATE,
    SPOT_FEE_RATE,
    average_entry_after_buy,
    floor8,
    quantity_for_amount,
    quantize8,
    spot_fee,
    spot_fee_in_bnb,
    trade_value,
)
from config.formatting import format_amount, format_decimal, format_price
from sandbox.clock import Clock
from sandbox.ledger import (
    WALLET_NAMES,
    LedgerError,
    balances_of,
    exchange,
    ledger_post,
    move,
)
from sandbox.models import (
    LOCKED_WALLET,
    SYMBOL_ASSETS,
    Asset,
    Fill,
    LedgerTransaction,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    SideEffect,
    SystemCode,
    TransactionKind,
    Wallet,
)
from sandbox.operations.margin import auto_repay
from sandbox.operations.session import Session
from sandbox.portfolio import held, last_average_entry

ZERO = Decimal(0)


def rate_percent(rate: Decimal) -> str:
    """A fee rate as the pages write it: 0.001 → "0.1" (percent, trailing zeros trimmed)."""
    return format_decimal(rate * 100, 4, trim=True)


# The fee rates as pages and messages write them, from the rates the fee formulas use.
FEE_PERCENT = rate_percent(SPOT_FEE_RATE)
BNB_FEE_PERCENT = rate_percent(SPOT_BNB_FEE_RATE)
BNB_DISCOUNT_PERCENT = rate_percent(1 - SPOT_BNB_FEE_RATE / SPOT_FEE_RATE)

BNB_FALLBACK_NOTE = (
    "Not enough BNB in your {wallet} to pay the fee in BNB, so the normal "
    + FEE_PERCENT
    + "% fee was taken in {asset}."
)


# ---------------------------------------------------------------------------------------
# Deciding what an order does
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderPlan:
    """What an order does at a given index price."""

    symbol: str
    base: str
    quote: str
    side: str
    order_type: str
    quantity: Decimal
    limit_price: Decimal | None
    index: Decimal
    # A market order, or a limit the market has already crossed, fills at once at the
    # index price (like a taker on an exchange); any other limit order rests.
    marketable: bool
    price: Decimal
    value: Decimal
    pays_asset: str
    pays_amount: Decimal
    receive_asset: str
    receive_amount: Decimal


def plan_order(
    *,
    symbol: str,
    side: str,
    order_type: str,
    quantity: Decimal | None,
    quote_amount: Decimal | None,
    limit_price: Decimal | None,
    index: Decimal,
) -> OrderPlan:
    """Size and price an order: an amount in USDT becomes a quantity at the index price
    (market) or at the limit price (limit), rounded down to 8 places so the order never
    spends more than asked."""
    base, quote = SYMBOL_ASSETS[symbol]
    is_limit = order_type == OrderType.LIMIT
    sizing_price = limit_price if is_limit and limit_price is not None else index
    if quote_amount is not None:
        quantity = quantity_for_amount(amount=quote_amount, price=sizing_price)
    else:
        quantity = floor8(quantity)
    is_buy = side == OrderSide.BUY
    marketable = not is_limit or (index <= limit_price if is_buy else index >= limit_price)
    price = index if marketable else limit_price
    value = trade_value(quantity=quantity, price=price)
    return OrderPlan(
        symbol=symbol,
        base=base,
        quote=quote,
        side=side,
        order_type=order_type,
        quantity=quantity,
        limit_price=limit_price if is_limit else None,
        index=index,
        marketable=marketable,
        price=price,
        value=value,
        pays_asset=quote if is_buy else base,
        pays_amount=value if is_buy else quantity,
        receive_asset=base if is_buy else quote,
        receive_amount=quantity if is_buy else value,
    )


@dataclass(frozen=True)
class FeeChoice:
    amount: Decimal
    asset: str
    bnb_fallback: bool


def free_bnb_after(plan: OrderPlan, *, free_bnb: Decimal, paid_from_free: bool) -> Decimal:
    """The wallet's free BNB once the trade's own movements are done: BNB bought can pay
    the fee; BNB sold from the free balance cannot. BNB reserved by a resting sell was
    never free."""
    after = free_bnb
    if plan.receive_asset == Asset.BNB:
        after += plan.receive_amount
    if plan.pays_asset == Asset.BNB and paid_from_free:
        after -= plan.pays_amount
    return after


def choose_fee(
    *,
    plan: OrderPlan,
    use_bnb_for_fees: bool,
    bnb_price: Decimal | None,
    free_bnb: Decimal,
) -> FeeChoice:
    """0.1% of what the learner receives, or 0.075% of the trade value paid in BNB at the
    index price when "use BNB for fees" is on and enough free BNB is in the wallet."""
    normal = quantize8(spot_fee(received=plan.receive_amount))
    if not use_bnb_for_fees:
        return FeeChoice(normal, plan.receive_asset, bnb_fallback=False)
    if bnb_price:
        bnb_fee = quantize8(spot_fee_in_bnb(trade_value=plan.value, bnb_price=bnb_price))
        if bnb_fee > 0 and free_bnb >= bnb_fee:
            return FeeChoice(bnb_fee, Asset.BNB, bnb_fallback=False)
    return FeeChoice(normal, plan.receive_asset, bnb_fallback=True)


# ---------------------------------------------------------------------------------------
# Posting trades
# ---------------------------------------------------------------------------------------


def fill_order(
    session: Session,
    order: Order,
    *,
    price: Decimal,
    minute: int,
    sandbox_time: datetime,
    from_wallet: str,
    balances: Mapping[tuple[str, str], Decimal] | None = None,
) -> Fill:
    """Execute the whole of ``order`` at ``price`` against the market account.

    ``balances``: the account's current amounts when the caller already holds them (the
    engine keeps them in memory), saving a query; read from the ledger otherwise.

    The learner pays from ``from_wallet`` - the order's wallet for an immediate fill, its
    locked twin for a resting limit order whose funds were reserved - and receives into
    the order's wallet; the fee is taken from the order's wallet (see ``choose_fee``).
    One balanced transaction, one ``Fill``.
    """
    account = session.account
    wallet = order.wallet
    if from_wallet not in (wallet, LOCKED_WALLET[wallet]):
        raise LedgerError(f"Order #{order.pk} trades from {wallet}, not {from_wallet}.")
    market_account = session.systems[SystemCode.MARKET]
    fee_account = session.systems[SystemCode.FEE_INCOME]
    base, quote = SYMBOL_ASSETS[order.symbol]
    # At fill time every order is a plain trade of its quantity at ``price``.
    plan = plan_order(
        symbol=order.symbol,
        side=order.side,
        order_type=OrderType.MARKET,
        quantity=order.quantity,
        quote_amount=None,
        limit_price=None,
        index=price,
    )
    quantity, value = plan.quantity, plan.value
    # A resting buy reserved quantity × limit price, and fills at the limit price.
    reserved = from_wallet != wallet and order.side == OrderSide.BUY
    if reserved and value != order.reserved_amount:
        raise LedgerError(f"Order #{order.pk}: reserved {order.reserved_amount}, fill {value}.")

    legs = exchange(
        account=account,
        pay_wallet=from_wallet,
        receive_wallet=wallet,
        counterparty=market_account,
        pays_asset=plan.pays_asset,
        pays_amount=plan.pays_amount,
        receive_asset=plan.receive_asset,
        receive_amount=plan.receive_amount,
    )

    if balances is None:
        balances = balances_of(account)
    bnb_price = session.market.asset_price(Asset.BNB, minute)
    fee = choose_fee(
        plan=plan,
        use_bnb_for_fees=session.settings.use_bnb_for_fees,
        bnb_price=bnb_price,
        free_bnb=free_bnb_after(
            plan,
            free_bnb=balances.get((wallet, Asset.BNB), ZERO),
            paid_from_free=from_wallet == wallet,
        ),
    )
    legs += move(
        source=account,
        source_wallet=wallet,
        target=fee_account,
        target_wallet=Wallet.SPOT,
        asset=fee.asset,
        amount=fee.amount,
    )

    average_entry = _average_entry_after(
        session, order, plan, fee, balances=balances, minute=minute
    )
    session.average_entries[order.season, order.symbol] = average_entry
    verb = "Bought" if order.side == OrderSide.BUY else "Sold"
    prefix = "Limit order filled: " if order.order_type == OrderType.LIMIT else ""
    memo = (
        f"{prefix}{verb} {format_amount(quantity, base)} {base} at "
        f"{format_price(order.symbol, price)} {quote} "
        f"(fee {format_amount(fee.amount, fee.asset)} {fee.asset})"
    )
    tx = ledger_post(
        kind=TransactionKind.TRADE,
        legs=legs,
        account=account,
        memo=memo,
        minute=minute,
        sandbox_time=sandbox_time,
        order=order,
    )
    fill = Fill.objects.create(
        order=order,
        transaction=tx,
        account=account,
        season=order.season,
        symbol=order.symbol,
        side=order.side,
        quantity=quantity,
        price=price,
        quote_amount=value,
        fee=fee.amount,
        fee_asset=fee.asset,
        bnb_fee_fallback=fee.bnb_fallback,
        average_entry_after=average_entry,
        minute=minute,
        sandbox_time=sandbox_time,
    )
    order.status = OrderStatus.FILLED
    order.filled_minute = minute
    order.filled_at = sandbox_time
    order.fill_price = price
    order.fee = fee.amount
    order.fee_asset = fee.asset
    if fee.bnb_fallback:
        order.note = BNB_FALLBACK_NOTE.format(wallet=WALLET_NAMES[wallet], asset=fee.asset)
    order.save(
        update_fields=[
            "status",
            "filled_minute",
            "filled_at",
            "fill_price",
            "fee",
            "fee_asset",
            "note",
        ]
    )
    if order.side_effect == SideEffect.AUTO_REPAY:
        # Auto-repay (SPEC §6.5): the proceeds - what arrived, less a fee taken from it -
        # repay the debt of the received asset, interest first. Here, so a market order
        # and a limit order the engine fills later share it.
        proceeds = plan.receive_amount - (fee.amount if fee.asset == plan.receive_asset else ZERO)
        auto_repay(
            session,
            Clock(minute, sandbox_time),
            order,
            asset=plan.receive_asset,
            proceeds=proceeds,
        )
    return fill


def _average_entry_after(
    session: Session,
    order: Order,
    plan: OrderPlan,
    fee: FeeChoice,
    *,
    balances: dict[tuple[str, str], Decimal],
    minute: int,
) -> Decimal | None:
    """Average entry price of the base holding after this fill (average-cost method).

    A buy's cost includes its fee and is spread over the quantity received (see
    ``formulas.average_entry_after_buy``): a fee taken in the asset bought lowers the
    quantity received; a fee paid in another asset (BNB) is added to the cost at its
    index price. A sell or a BNB fee takes units out at the average, so the average
    stays. Holding nothing starts afresh.
    """
    key = (order.season, order.symbol)
    if key in session.average_entries:
        previous = session.average_entries[key]
    else:
        previous = last_average_entry(
            account=session.account, season=order.season, symbol=order.symbol
        )
    if order.side == OrderSide.SELL:
        return previous
    received, cost = plan.receive_amount, plan.value
    if fee.asset == plan.base:
        received -= fee.amount
    elif fee.asset == plan.quote:
        cost += fee.amount
    else:
        cost += fee.amount * session.market.asset_price(fee.asset, minute)
    return average_entry_after_buy(
        previous_average=previous,
        held=held(balances, wallet=order.wallet, asset=plan.base),
        cost=cost,
        received=received,
    )


def order_reserve(session: Session, order: Order, clock: Clock, *, asset: str, amount: Decimal):
    """Reserve what a resting limit order can spend: order's wallet → its locked twin."""
    account = session.account
    base, quote = SYMBOL_ASSETS[order.symbol]
    order.reserved_asset = asset
    order.reserved_amount = amount
    order.save(update_fields=["reserved_asset", "reserved_amount"])
    verb = "buy" if order.side == OrderSide.BUY else "sell"
    return ledger_post(
        kind=TransactionKind.ORDER_HOLD,
        legs=move(
            source=account,
            source_wallet=order.wallet,
            target=account,
            target_wallet=LOCKED_WALLET[order.wallet],
            asset=asset,
            amount=amount,
        ),
        account=account,
        memo=(
            f"Limit {verb} {format_amount(order.quantity, base)} {base} at "
            f"{format_price(order.symbol, order.limit_price)} {quote} placed; reserved "
            f"{format_amount(amount, asset)} {asset}"
        ),
        minute=clock.minute,
        sandbox_time=clock.time,
        order=order,
    )


def order_release(
    session: Session, order: Order, clock: Clock, *, reason: str
) -> LedgerTransaction:
    """Cancel a resting order: its reservation goes back from the locked twin."""
    account = session.account
    tx = ledger_post(
        kind=TransactionKind.ORDER_RELEASE,
        legs=move(
            source=account,
            source_wallet=LOCKED_WALLET[order.wallet],
            target=account,
            target_wallet=order.wallet,
            asset=order.reserved_asset,
            amount=order.reserved_amount,
        ),
        account=account,
        memo=(
            f"{reason}: limit {order.side} {format_amount(order.quantity, order.base_asset)} "
            f"{order.base_asset} at {format_price(order.symbol, order.limit_price)} "
            f"{order.quote_asset}; released "
            f"{format_amount(order.reserved_amount, order.reserved_asset)} {order.reserved_asset}"
        ),
        minute=clock.minute,
        sandbox_time=clock.time,
        order=order,
    )
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = clock.time
    order.save(update_fields=["status", "cancelled_at"])
    return tx
