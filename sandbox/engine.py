"""The risk engine: brings one account up to its clock, minute by minute.

``account_catch_up(account, to_minute=...)`` replays the market from the minute after
``account.evaluated_minute`` through ``to_minute`` and applies every rule that fires on
the way, in minute order, then records ``evaluated_minute``. Services call it with the
account row locked, before they read balances, so a learner who was offline for a week
finds their limit orders filled at the minute the price got there - as on an exchange
that never sleeps.

How the loop stays fast
-----------------------
Between two things happening, an account's holdings do not change, so the engine does
not visit every minute. Each rule (``Rule``) says when it next needs to act
(``next_minute``); the loop jumps to the earliest of those minutes, lets every rule due
then act (``apply``) in the order of ``RULES``, and asks again. Prices come from the
shared cache: ``CatchUp.first_minute`` rules hours out with their lowest/highest index
(``Market.hour_extremes``) and prices minute by minute only the hours that reach the
level. An account with nothing open costs no price work.

Extension points (next issue: Cross Margin)
-------------------------------------------
Add a ``Rule`` to ``RULES``, in the order rules should act within one minute:

- ``HourlyInterest``: ``next_minute`` = the next hour boundary while a loan is open
  (``minute % 60 == 0``); ``apply`` posts one hour of interest (SPEC §6.5).
- ``MarginWatch``: with debt, compute the first minute in the window at which the
  margin level (hour extremes, then ``market.index_ticks``) reaches the alert /
  margin-call / liquidation level for the *current* holdings; ``apply`` raises the
  margin call, runs auto top-up, or liquidates at that minute's index price. Any rule
  that changes holdings calls ``run.holdings_changed(minute)`` so such rules recompute
  from the next minute.
- Liquidation must come after fills and interest of the same minute.

Every rule runs inside the caller's transaction with the account lock held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import cached_property
from typing import Protocol

from calculators.formulas import (
    average_price_value,
    floor8,
    quantize8,
    spot_fee,
    spot_fee_in_bnb,
)
from config.formatting import format_amount
from config.formatting import format_money as money
from sandbox import pricing
from sandbox.ledger import LedgerError, balances_of, ledger_post, move, system_accounts
from sandbox.market import Market, load_market
from sandbox.models import (
    SYMBOL_ASSETS,
    Account,
    Asset,
    Fill,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    SandboxSettings,
    SystemCode,
    TransactionKind,
    Wallet,
)
from sandbox.pricing import datetime_of

EIGHT_PLACES = Decimal("1E-8")
# Enough digits that a division is exact to well past the 8 places we keep.
DIVISION = Context(prec=50, rounding=ROUND_HALF_EVEN)
# Prices for a catch-up are computed a week at a time, so a learner back after months
# does not hold a year of prices in memory.
CHUNK_MINUTES = 7 * 24 * 60
HOUR = pricing.MINUTES_PER_HOUR

BNB_FALLBACK_NOTE = (
    "Not enough BNB in your Spot wallet to pay the fee in BNB, so the normal 0.1% fee "
    "was taken in {asset}."
)


def divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    return DIVISION.divide(numerator, denominator)


def price_text(symbol: str, price: Decimal) -> str:
    """A price with the symbol's tick places (2 for USDT pairs, 4 for USDC/USDT)."""
    places = -pricing.tick_size(symbol).as_tuple().exponent
    return money(price, places)


class Session:
    """What one locked operation on an account needs, each loaded at most once."""

    def __init__(
        self,
        account: Account,
        *,
        market: Market | None = None,
        systems: dict[str, Account] | None = None,
    ) -> None:
        self.account = account
        # Pre-loaded values fill the cached properties below.
        if market is not None:
            self.__dict__["market"] = market
        if systems is not None:
            self.__dict__["systems"] = systems

    @cached_property
    def market(self) -> Market:
        return load_market()

    @cached_property
    def systems(self) -> dict[str, Account]:
        return system_accounts()

    @cached_property
    def settings(self) -> SandboxSettings:
        settings, _ = SandboxSettings.objects.get_or_create(account=self.account)
        return settings


# ---------------------------------------------------------------------------------------
# Executing a fill (shared by market orders in services and limit fills here)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderPlan:
    """What an order does at a given index price.

    One function decides it for both placing an order (``services.order_place``) and
    previewing it on the order form, so the preview can never promise something the
    service would not do.
    """

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
        quantity = floor8(divide(quote_amount, sizing_price))
    else:
        quantity = floor8(quantity)
    is_buy = side == OrderSide.BUY
    marketable = not is_limit or (index <= limit_price if is_buy else index >= limit_price)
    price = index if marketable else limit_price
    value = quantize8(quantity * price)
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


def spot_bnb_after(plan: OrderPlan, *, spot_bnb: Decimal, paid_from_spot: bool) -> Decimal:
    """Free Spot BNB once the trade's own movements are done: BNB bought can pay the
    fee; BNB sold from Spot cannot. BNB reserved by a resting sell was never free."""
    after = spot_bnb
    if plan.receive_asset == Asset.BNB:
        after += plan.receive_amount
    if plan.pays_asset == Asset.BNB and paid_from_spot:
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
    index price when "use BNB for fees" is on and enough free Spot BNB is there."""
    normal = quantize8(spot_fee(received=plan.receive_amount))
    if not use_bnb_for_fees:
        return FeeChoice(normal, plan.receive_asset, bnb_fallback=False)
    if bnb_price:
        bnb_fee = quantize8(spot_fee_in_bnb(trade_value=plan.value, bnb_price=bnb_price))
        if bnb_fee > 0 and free_bnb >= bnb_fee:
            return FeeChoice(bnb_fee, Asset.BNB, bnb_fallback=False)
    return FeeChoice(normal, plan.receive_asset, bnb_fallback=True)


def fill_order(
    session: Session,
    order: Order,
    *,
    price: Decimal,
    minute: int,
    sandbox_time: datetime,
    from_wallet: str,
) -> Fill:
    """Execute the whole of ``order`` at ``price`` against the market account.

    The learner pays from ``from_wallet`` (spot for an immediate fill, spot_locked for a
    resting limit order whose funds were reserved) and receives into spot; the fee is
    taken from spot (see ``choose_fee``). One balanced transaction, one ``Fill``.
    """
    account = session.account
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
    reserved = from_wallet == Wallet.SPOT_LOCKED and order.side == OrderSide.BUY
    if reserved and value != order.reserved_amount:
        raise LedgerError(f"Order #{order.pk}: reserved {order.reserved_amount}, fill {value}.")

    legs = move(
        source=account,
        source_wallet=from_wallet,
        target=market_account,
        target_wallet=Wallet.SPOT,
        asset=plan.pays_asset,
        amount=plan.pays_amount,
    ) + move(
        source=market_account,
        source_wallet=Wallet.SPOT,
        target=account,
        target_wallet=Wallet.SPOT,
        asset=plan.receive_asset,
        amount=plan.receive_amount,
    )

    balances = balances_of(account)
    fee = choose_fee(
        plan=plan,
        use_bnb_for_fees=session.settings.use_bnb_for_fees,
        bnb_price=session.market.asset_price(Asset.BNB, minute),
        free_bnb=spot_bnb_after(
            plan,
            spot_bnb=balances.get((Wallet.SPOT, Asset.BNB), Decimal(0)),
            paid_from_spot=from_wallet == Wallet.SPOT,
        ),
    )
    legs += move(
        source=account,
        source_wallet=Wallet.SPOT,
        target=fee_account,
        target_wallet=Wallet.SPOT,
        asset=fee.asset,
        amount=fee.amount,
    )

    average_entry = _average_entry_after(account, order, price=price, balances=balances, base=base)
    verb = "Bought" if order.side == OrderSide.BUY else "Sold"
    prefix = "Limit order filled: " if order.order_type == OrderType.LIMIT else ""
    memo = (
        f"{prefix}{verb} {format_amount(quantity, base)} {base} at "
        f"{price_text(order.symbol, price)} {quote} "
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
        order.note = BNB_FALLBACK_NOTE.format(asset=fee.asset)
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
    return fill


def _average_entry_after(
    account: Account,
    order: Order,
    *,
    price: Decimal,
    balances: dict[tuple[str, str], Decimal],
    base: str,
) -> Decimal | None:
    """Average buy price of the base holding after this fill (average-cost method).

    A buy blends its price into the average, weighted by quantity; a sell or a BNB fee
    takes units out at the average, so the average stays. Holding nothing resets it.
    """
    previous = (
        Fill.objects.filter(account=account, season=order.season, symbol=order.symbol)
        .order_by("-id")
        .values_list("average_entry_after", flat=True)
        .first()
    )
    held = balances.get((Wallet.SPOT, base), Decimal(0)) + balances.get(
        (Wallet.SPOT_LOCKED, base), Decimal(0)
    )
    if order.side == OrderSide.SELL:
        return previous
    if previous is None or held <= 0:
        return price
    return quantize8(average_price_value(entries=[(previous, held), (price, order.quantity)]))


# ---------------------------------------------------------------------------------------
# The catch-up loop
# ---------------------------------------------------------------------------------------


@dataclass
class CatchUp:
    """One engine run over minutes [start, end] (inclusive) for one locked account."""

    session: Session
    start: int
    end: int
    fills: list[Fill] = field(default_factory=list)
    # Per symbol: (lowest, highest) index ticks of each hour the run touches, from the
    # shared cache; and the minute-by-minute ticks of hours a scan had to look into.
    _extremes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    _ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    _hour_ticks: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    @property
    def account(self) -> Account:
        return self.session.account

    def price(self, symbol: str, minute: int) -> Decimal:
        return self.session.market.index_price(symbol, minute)

    def first_minute(
        self,
        symbol: str,
        *,
        after: int,
        at_most: Decimal | None = None,
        at_least: Decimal | None = None,
    ) -> int | None:
        """The first minute in (after, end] whose index is ≤ ``at_most`` or ≥ ``at_least``.

        Only hours whose lowest/highest index reaches the level are priced minute by
        minute; every other hour is ruled out by two numbers from the shared cache.
        """
        first = max(self.start, after + 1)
        if first > self.end:
            return None
        below = pricing.ticks_at_most(symbol, at_most) if at_most is not None else None
        above = pricing.ticks_at_least(symbol, at_least) if at_least is not None else None
        run_hour = self.start // HOUR
        extremes = self._extremes.get(symbol)
        if extremes is None:
            extremes = self._extremes[symbol] = self.session.market.hour_extremes(
                symbol, run_hour, self.end // HOUR + 1
            )
            self._ranges[symbol] = (min(low for low, _ in extremes), max(h for _, h in extremes))
        lowest, highest = self._ranges[symbol]
        # Most resting orders sit away from the market: the whole run's range rules them
        # out without visiting an hour.
        if (below is None or lowest > below) and (above is None or highest < above):
            return None
        for hour in range(first // HOUR, self.end // HOUR + 1):
            low, high = extremes[hour - run_hour]
            if not ((below is not None and low <= below) or (above is not None and high >= above)):
                continue
            ticks = self._hour_ticks.get((symbol, hour))
            if ticks is None:
                ticks = self._hour_ticks[symbol, hour] = self.session.market.index_ticks(
                    symbol, hour * HOUR, (hour + 1) * HOUR
                )
            for minute in range(max(first, hour * HOUR), min(self.end, hour * HOUR + HOUR - 1) + 1):
                tick = ticks[minute - hour * HOUR]
                if (below is not None and tick <= below) or (above is not None and tick >= above):
                    return minute
        return None

    def holdings_changed(self, minute: int) -> None:
        """Hook for rules that depend on holdings (margin level); nothing needs it yet."""


class Rule(Protocol):
    def prepare(self, run: CatchUp) -> None:
        """Load what the rule needs for the run (one or two queries, never per minute)."""

    def next_minute(self, run: CatchUp, after: int) -> int | None:
        """The earliest minute ≥ ``after`` (within the run) the rule must act at, or None."""

    def apply(self, run: CatchUp, minute: int) -> None:
        """Act at ``minute``."""


class LimitOrderFills:
    """Fill resting limit orders at the first minute the index price crossed the limit.

    A buy fills when the index is at or below its limit, a sell when it is at or above,
    at the limit price (the price the learner asked for). Minutes are checked from the
    one after the order was placed. Each order fills once: it leaves ``pending`` and
    turns ``filled`` in the same step (and ``Fill.order`` is unique in the database).
    """

    def __init__(self) -> None:
        self.pending: list[tuple[int, int, Order]] = []

    def prepare(self, run: CatchUp) -> None:
        orders = Order.objects.filter(
            account=run.account,
            season=run.account.season,
            status=OrderStatus.OPEN,
            order_type=OrderType.LIMIT,
            wallet=Wallet.SPOT,
        ).order_by("id")
        pending = []
        for order in orders:
            is_buy = order.side == OrderSide.BUY
            hit = run.first_minute(
                order.symbol,
                after=order.placed_minute,
                at_most=order.limit_price if is_buy else None,
                at_least=None if is_buy else order.limit_price,
            )
            if hit is not None:
                pending.append((hit, order.pk, order))
        # Minute order; within a minute, the order placed first fills first.
        self.pending = sorted(pending, key=lambda item: (item[0], item[1]))

    def next_minute(self, run: CatchUp, after: int) -> int | None:
        for minute, _, _ in self.pending:
            if minute >= after:
                return minute
        return None

    def apply(self, run: CatchUp, minute: int) -> None:
        due = [item for item in self.pending if item[0] == minute]
        self.pending = [item for item in self.pending if item[0] != minute]
        for _, _, order in due:
            run.fills.append(
                fill_order(
                    run.session,
                    order,
                    price=order.limit_price,
                    minute=minute,
                    sandbox_time=datetime_of(minute),
                    from_wallet=Wallet.SPOT_LOCKED,
                )
            )
        if due:
            run.holdings_changed(minute)


# The rules, in the order they act within one minute.
RULES: tuple[type[Rule], ...] = (LimitOrderFills,)


def account_catch_up(
    account: Account, *, to_minute: int, session: Session | None = None
) -> list[Fill]:
    """Run the engine from ``account.evaluated_minute + 1`` through ``to_minute``.

    The caller holds the account row lock (``select_for_update``) and passes the locked
    instance. Time never goes back: a ``to_minute`` at or before the evaluated minute
    does nothing. Returns the fills made on the way.
    """
    if account.is_system:
        raise ValueError("System accounts have no clock.")
    session = session or Session(account)
    fills: list[Fill] = []
    start = account.evaluated_minute + 1
    while start <= to_minute:
        end = min(to_minute, start + CHUNK_MINUTES - 1)
        run = CatchUp(session=session, start=start, end=end)
        _run_rules(run)
        fills.extend(run.fills)
        start = end + 1
    if to_minute > account.evaluated_minute:
        account.evaluated_minute = to_minute
        account.save(update_fields=["evaluated_minute"])
    return fills


def _run_rules(run: CatchUp) -> None:
    rules = [rule_class() for rule_class in RULES]
    for rule in rules:
        rule.prepare(run)
    minute = run.start
    while minute <= run.end:
        due_minutes = [m for rule in rules if (m := rule.next_minute(run, minute)) is not None]
        if not due_minutes:
            return
        due = min(due_minutes)
        if due > run.end:
            return
        for rule in rules:
            if rule.next_minute(run, due) == due:
                rule.apply(run, due)
        minute = due + 1
