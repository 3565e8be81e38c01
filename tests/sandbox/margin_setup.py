"""Helpers that set Cross Margin positions up for engine tests.

The margin services are built on another branch; until they are merged, these helpers
call the operations directly inside ``base.locked_operation`` - the same lock, catch-up
and ledger writes a service makes - so the engine sees exactly what a service would
leave behind (including the hour of interest charged at borrowing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from calculators.formulas import divide, floor8, holding_value, quantize8
from calculators.instruments import ASSET_SYMBOL, ASSETS, VALUE_ASSET
from sandbox import pricing, services
from sandbox.clock import Clock
from sandbox.cross import hourly_rate_percent, interest_rates
from sandbox.ledger import balances_of
from sandbox.market import load_market
from sandbox.models import (
    Account,
    InterestSource,
    Order,
    OrderSide,
    OrderType,
    SandboxSettings,
    Wallet,
)
from sandbox.operations.margin import borrow, interest_charge, interest_post, transfer
from sandbox.operations.session import Session
from sandbox.operations.trades import fill_order, order_reserve
from sandbox.portfolio import held
from sandbox.services.base import locked_operation

D = Decimal
ZERO = D(0)


@transaction.atomic
def act(account: Account, body: Callable[[Session, Clock], object], *, now: datetime):
    """Run ``body(session, clock)`` under the account lock, after the catch-up."""
    with locked_operation(account, operation="test", key=None, now=now) as op:
        return body(op.session, op.clock)


def to_cross(account: Account, asset: str, amount: Decimal, *, now: datetime) -> None:
    act(
        account,
        lambda s, c: transfer(
            s, c, asset=asset, amount=amount, source_wallet=Wallet.SPOT, target_wallet=Wallet.CROSS
        ),
        now=now,
    )


def borrow_now(account: Account, asset: str, amount: Decimal, *, now: datetime) -> None:
    """A loan as the borrow service makes it: the loan, then its hour charged at once."""

    def body(session: Session, clock: Clock) -> None:
        borrow(session, clock, asset=asset, amount=amount)
        rate = hourly_rate_percent(interest_rates()[asset])
        charge = interest_charge(
            asset=asset,
            principal=amount,
            hourly_rate_percent=rate,
            minute=clock.minute,
            source=InterestSource.BORROW,
            use_bnb=session.settings.use_bnb_for_interest,
            free_bnb=balances_of(session.account).get((Wallet.CROSS, "BNB"), ZERO),
            asset_price=session.market.asset_price(asset, clock.minute),
            bnb_price=session.market.asset_price("BNB", clock.minute),
        )
        interest_post(session, clock, charges=[charge])

    act(account, body, now=now)


def cross_market(
    account: Account,
    symbol: str,
    side: str,
    *,
    now: datetime,
    quantity: Decimal | None = None,
    quote_amount: Decimal | None = None,
):
    """A Cross Margin market order, filled at the index like the order service fills
    one (the order service takes Spot orders only on this branch)."""

    def body(session: Session, clock: Clock):
        price = session.market.index_price(symbol, clock.minute)
        size = quantity if quantity is not None else floor8(divide(quote_amount, price))
        order = Order.objects.create(
            account=session.account,
            season=session.account.season,
            wallet=Wallet.CROSS,
            symbol=symbol,
            side=side,
            order_type=OrderType.MARKET,
            quantity=size,
            placed_minute=clock.minute,
            placed_at=clock.time,
        )
        return fill_order(
            session,
            order,
            price=price,
            minute=clock.minute,
            sandbox_time=clock.time,
            from_wallet=Wallet.CROSS,
        )

    return act(account, body, now=now)


def cross_market_buy(account: Account, symbol: str, quote_amount: Decimal, *, now: datetime):
    return cross_market(account, symbol, OrderSide.BUY, now=now, quote_amount=quote_amount)


def cross_limit(
    account: Account, symbol: str, side: str, quantity: Decimal, limit: Decimal, *, now
):
    """A resting Cross Margin limit order with its reservation (as the order service
    will place one)."""

    def body(session: Session, clock: Clock):
        order = Order.objects.create(
            account=session.account,
            season=session.account.season,
            wallet=Wallet.CROSS,
            symbol=symbol,
            side=side,
            order_type=OrderType.LIMIT,
            quantity=quantity,
            limit_price=limit,
            placed_minute=clock.minute,
            placed_at=clock.time,
        )
        if side == OrderSide.BUY:
            asset, amount = "USDT", quantize8(quantity * limit)
        else:
            asset, amount = order.base_asset, quantity
        order_reserve(session, order, clock, asset=asset, amount=amount)
        return order

    return act(account, body, now=now)


def spot_buy(account: Account, symbol: str, quote_amount: Decimal, *, now: datetime) -> None:
    services.order_place(
        account=account,
        symbol=symbol,
        side="buy",
        order_type="market",
        quote_amount=quote_amount,
        idempotency_key=f"spot-buy-{symbol}-{now.isoformat()}-{quote_amount}",
        now=now,
    )


def set_settings(account: Account, **values) -> None:
    SandboxSettings.objects.filter(account=account).update(**values)


def refresh(account: Account, at: datetime) -> Account:
    """Catch the account up to real time ``at`` (its clock has no offset in these tests)."""
    account, _ = services.account_refresh(account=account, now=at)
    return account


def at_minute(minute: int) -> datetime:
    """A real time inside market minute ``minute`` (30 s past its start)."""
    return pricing.datetime_of(minute) + timedelta(seconds=30)


# ---------------------------------------------------------------------------------------
# The reference: a slow, obvious minute-by-minute margin level
# ---------------------------------------------------------------------------------------


class Reference:
    """The Cross Margin wallet as plain numbers, valued minute by minute with
    ``pricing.index_price`` - the slow, obvious way - to check the engine's minutes."""

    def __init__(self, account: Account, *, bnb_interest: bool = False):
        self.bnb_interest = bnb_interest
        amounts = balances_of(Account.objects.get(pk=account.pk))
        self.held = {a: held(amounts, wallet=Wallet.CROSS, asset=a) for a in ASSETS}
        self.principal = {a: amounts.get((Wallet.CROSS_DEBT, a), ZERO) for a in ASSETS}
        self.interest = {a: amounts.get((Wallet.CROSS_INTEREST, a), ZERO) for a in ASSETS}
        self.rates = {a: hourly_rate_percent(r) for a, r in interest_rates().items()}
        self.market = load_market()

    def price(self, asset: str, minute: int) -> Decimal:
        if asset == VALUE_ASSET:
            return D(1)
        return pricing.index_price(
            ASSET_SYMBOL[asset], minute, self.market.events, seed=settings.MARKET_SEED
        )

    def level(self, minute: int) -> Decimal | None:
        assets = debt = ZERO
        for a in ASSETS:
            if not (self.held[a] or self.principal[a] or self.interest[a]):
                continue
            p = self.price(a, minute)
            assets += holding_value(amount=self.held[a], index_price=p)
            debt += holding_value(amount=self.principal[a], index_price=p)
            debt += holding_value(amount=self.interest[a], index_price=p)
        return assets / debt if debt else None

    def charge_hour(self, minute: int | None = None) -> None:
        """One hour on each loan: in BNB at 95 % when that is on and enough BNB is held
        (valued at ``minute``'s index prices), else owed in full."""
        for a in ASSETS:
            if self.principal[a] <= 0:
                continue
            if self.bnb_interest:
                discounted = quantize8(self.principal[a] * self.rates[a] / 100 * D("0.95"))
                in_bnb = (
                    discounted
                    if a == "BNB"
                    else quantize8(discounted * self.price(a, minute) / self.price("BNB", minute))
                )
                if 0 < in_bnb <= self.held["BNB"]:
                    self.held["BNB"] -= in_bnb
                    continue
            self.interest[a] += quantize8(self.principal[a] * self.rates[a] / 100)

    def first_at_or_below(self, level: Decimal, start: int, end: int) -> int | None:
        """First minute in [start, end] at which the level is ≤ ``level``, charging an
        hour of interest at each clock hour on the way (fills → interest → check)."""
        for minute in range(start, end + 1):
            if minute % 60 == 0:
                self.charge_hour(minute)
            value = self.level(minute)
            if value is not None and value <= level:
                return minute
        return None
