"""What the margin watch does to the money: auto top-up and liquidation (SPEC §6.6).

The engine (``sandbox/engine/margin_watch.py``) decides *when*; these functions move the
money, under the caller's account lock, at one minute's index prices.

- ``auto_top_up``: Spot → Cross Margin transfers from the learner's chosen assets, in
  priority order, until the margin level reaches the target (or the assets run out),
  each through ``operations.margin.transfer`` with ``kind=AUTO_TOP_UP``.
- ``liquidate``: cancels the open Cross Margin orders (their reservations come back),
  sells collateral at the index price and repays (interest first) until the margin level
  is above the kind's ``recover_to`` (1.5 for 3x, 1.25 for 5x) or nothing is left,
  charging 2 % of each liquidation trade's value to the insurance fund; if debt remains
  with nothing left to sell, the insurance fund writes it off. Records a ``Liquidation``
  and its ``LiquidationSale`` rows for the report.

Decisions (docs/sandbox.md, "Liquidation"):
- The fee is taken from the trade's proceeds before anything is repaid: a sale of value V
  leaves 0.98 V to repay with. Buying back a borrowed coin with USDT is a liquidation
  trade too: it costs its value plus 2 %.
- The order of work: repay each debt from the same asset held first (no trade, no fee);
  then, for the largest debt, sell the largest other holding (a USDT debt) or buy the
  coin with USDT, selling the largest other holding for USDT first when there is none.
  Each step sells only what is needed to bring the level above ``recover_to``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from calculators.formulas import (
    LIQUIDATION_FEE_RATE,
    ceil8,
    divide,
    holding_value,
    liquidation_fee,
    trade_value,
)
from calculators.formulas.margin import MARGIN_KINDS
from calculators.instruments import ASSET_SYMBOL, ASSETS, VALUE_ASSET
from config.formatting import format_amount, format_price, format_value
from sandbox.clock import Clock
from sandbox.cross import CrossSnapshot, cross_snapshot
from sandbox.ledger import Leg, balances_of, exchange, ledger_post, move
from sandbox.models import (
    SYMBOL_ASSETS,
    Liquidation,
    LiquidationSale,
    OrderSide,
    OrderStatus,
    SystemCode,
    TransactionKind,
    Wallet,
)
from sandbox.operations.margin import repay_legs, repay_split, transfer
from sandbox.operations.session import Session
from sandbox.operations.trades import order_release
from sandbox.portfolio import Amounts, asset_price

ZERO = Decimal(0)
ONE = Decimal(1)
SATOSHI = Decimal("1E-8")
# A liquidation converges in a few steps; this only bounds a bug.
MAX_STEPS = 200


# ---------------------------------------------------------------------------------------
# Auto top-up
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopUp:
    asset: str
    amount: Decimal


def top_up_plan(
    amounts: Amounts,
    prices: Mapping[str, Decimal],
    *,
    margin_kind: str,
    assets: Sequence[str],
    target: Decimal,
) -> list[TopUp]:
    """How much of each chosen Spot asset (in priority order) to move into Cross Margin
    so the margin level reaches ``target``: the exact amount at these prices, rounded up
    to 8 places (so the target is reached), capped by the free Spot balance."""
    working = dict(amounts)
    plan: list[TopUp] = []
    for asset in assets:
        snapshot = cross_snapshot(working, prices, margin_kind=margin_kind)
        if not snapshot.has_debt or snapshot.margin_level >= target:
            break
        free = working.get((Wallet.SPOT, asset), ZERO)
        if free <= 0:
            continue
        price = asset_price(asset, prices)
        amount = min(
            free, ceil8(divide(target * snapshot.debt_value - snapshot.total_assets, price))
        )
        # Each holding is valued rounded to 8 places; add satoshis until the rounded
        # valuation reaches the target too (at most a couple of steps).
        while True:
            trial = {**working, (Wallet.CROSS, asset): working.get((Wallet.CROSS, asset), ZERO)}
            trial[Wallet.CROSS, asset] += amount
            level = cross_snapshot(trial, prices, margin_kind=margin_kind).margin_level
            if level is None or level >= target or amount >= free:
                break
            amount = min(free, amount + SATOSHI)
        if amount <= 0:
            continue
        working[Wallet.SPOT, asset] = free - amount
        working[Wallet.CROSS, asset] = working.get((Wallet.CROSS, asset), ZERO) + amount
        plan.append(TopUp(asset, amount))
    return plan


def auto_top_up(session: Session, clock: Clock, plan: Sequence[TopUp]) -> None:
    """Post the top-up: one ``AUTO_TOP_UP`` transfer per asset used (usually one)."""
    for item in plan:
        transfer(
            session,
            clock,
            asset=item.asset,
            amount=item.amount,
            source_wallet=Wallet.SPOT,
            target_wallet=Wallet.CROSS,
            kind=TransactionKind.AUTO_TOP_UP,
            memo=(
                f"Auto top-up: {format_amount(item.amount, item.asset)} {item.asset} "
                "from Spot to Cross Margin"
            ),
        )


# ---------------------------------------------------------------------------------------
# Liquidation
# ---------------------------------------------------------------------------------------


@dataclass
class _Sale:
    symbol: str
    side: str
    quantity: Decimal
    price: Decimal
    value: Decimal
    fee: Decimal


class _Book:
    """The Cross Margin wallet during a liquidation, and the legs that change it."""

    def __init__(self, session: Session, amounts: Amounts, prices: Mapping[str, Decimal]):
        self.session = session
        self.account = session.account
        self.prices = prices
        self.held = {a: amounts.get((Wallet.CROSS, a), ZERO) for a in ASSETS}
        self.principal = {a: amounts.get((Wallet.CROSS_DEBT, a), ZERO) for a in ASSETS}
        self.interest = {a: amounts.get((Wallet.CROSS_INTEREST, a), ZERO) for a in ASSETS}
        self.legs: list[Leg] = []
        self.sales: list[_Sale] = []
        self.repaid: dict[str, Decimal] = {}
        market = session.systems[SystemCode.MARKET]
        self.market = market
        self.fund = session.systems[SystemCode.INSURANCE_FUND]

    def amounts(self) -> dict[tuple[str, str], Decimal]:
        out: dict[tuple[str, str], Decimal] = {}
        for a in ASSETS:
            out[Wallet.CROSS, a] = self.held[a]
            out[Wallet.CROSS_DEBT, a] = self.principal[a]
            out[Wallet.CROSS_INTEREST, a] = self.interest[a]
        return out

    def snapshot(self, margin_kind: str) -> CrossSnapshot:
        return cross_snapshot(self.amounts(), self.prices, margin_kind=margin_kind)

    def price(self, asset: str) -> Decimal:
        return asset_price(asset, self.prices)

    def owed(self, asset: str) -> Decimal:
        return self.principal[asset] + self.interest[asset]

    def _fee(self, fee: Decimal) -> None:
        self.legs += move(
            source=self.account,
            source_wallet=Wallet.CROSS,
            target=self.fund,
            target_wallet=Wallet.SPOT,
            asset=VALUE_ASSET,
            amount=fee,
        )

    def sell(self, asset: str, quantity: Decimal) -> bool:
        """Sell ``quantity`` of ``asset`` for USDT at the index; the fee comes out of the
        proceeds. False when it is worth nothing (dust)."""
        return self._trade(asset, quantity, OrderSide.SELL)

    def buy(self, asset: str, quantity: Decimal) -> bool:
        """Buy ``quantity`` of ``asset`` with USDT at the index, paying its value + 2 %."""
        return self._trade(asset, quantity, OrderSide.BUY)

    def _trade(self, asset: str, quantity: Decimal, side: str) -> bool:
        """One liquidation trade of ``asset`` against USDT at the index, 2 % fee on its
        value to the insurance fund. False when it is worth nothing (dust)."""
        price = self.price(asset)
        value = trade_value(quantity=quantity, price=price)
        if quantity <= 0 or value <= 0:
            return False
        fee = liquidation_fee(value)
        selling = side == OrderSide.SELL
        self.legs += exchange(
            account=self.account,
            pay_wallet=Wallet.CROSS,
            receive_wallet=Wallet.CROSS,
            counterparty=self.market,
            pays_asset=asset if selling else VALUE_ASSET,
            pays_amount=quantity if selling else value,
            receive_asset=VALUE_ASSET if selling else asset,
            receive_amount=value if selling else quantity,
        )
        self._fee(fee)
        sign = -1 if selling else 1
        self.held[asset] += sign * quantity
        self.held[VALUE_ASSET] -= sign * value + fee
        self.sales.append(_Sale(ASSET_SYMBOL[asset], side, quantity, price, value, fee))
        return True

    def affordable(self, asset: str, quantity: Decimal) -> Decimal:
        """The most of ``quantity`` the USDT held can buy, value and fee included."""
        price = self.price(asset)
        usdt = self.held[VALUE_ASSET]
        quantity = min(quantity, ceil8(divide(usdt, price * (ONE + LIQUIDATION_FEE_RATE))))
        while quantity > 0:
            value = trade_value(quantity=quantity, price=price)
            if value + liquidation_fee(value) <= usdt:
                break
            quantity -= SATOSHI
        return max(quantity, ZERO)

    def repay(self, asset: str, amount: Decimal) -> bool:
        if amount <= 0:
            return False
        split = repay_split(
            asset=asset,
            amount=amount,
            interest_owed=self.interest[asset],
            principal_owed=self.principal[asset],
        )
        self.legs += repay_legs(self.session, split)
        self.held[asset] -= amount
        self.interest[asset] -= split.interest
        self.principal[asset] -= split.principal
        self.repaid[asset] = self.repaid.get(asset, ZERO) + amount
        return True


def _need(snapshot: CrossSnapshot, target: Decimal, cost: Decimal) -> Decimal:
    """The debt value to repay so that (A − cost × R) ÷ (D − R) > target:
    R > (target × D − A) ÷ (target − cost), where ``cost`` is the collateral value used
    up per unit of debt value repaid (1 repaying from the same asset, 1 ÷ 0.98 through a
    sale, 1.02 through a purchase, both through both)."""
    return divide(target * snapshot.debt_value - snapshot.total_assets, target - cost)


def _step(book: _Book, snapshot: CrossSnapshot, target: Decimal) -> bool:
    """One step of the liquidation; False when nothing more can be done."""
    keep = ONE - LIQUIDATION_FEE_RATE
    debts = sorted(
        (a for a in ASSETS if book.owed(a) > 0),
        key=lambda a: (-holding_value(amount=book.owed(a), index_price=book.price(a)), a),
    )
    # Repay from the same asset held: no trade, no fee.
    for asset in debts:
        if book.held[asset] > 0:
            need = ceil8(divide(_need(snapshot, target, ONE), book.price(asset)))
            return book.repay(asset, min(book.held[asset], book.owed(asset), max(need, SATOSHI)))
    debt = debts[0]
    others = sorted(
        (a for a in ASSETS if a not in (debt, VALUE_ASSET) and book.held[a] > 0),
        key=lambda a: (-holding_value(amount=book.held[a], index_price=book.price(a)), a),
    )
    if debt == VALUE_ASSET:
        # Sell just enough of the largest holding to repay what brings the level back.
        for asset in others:
            value = divide(_need(snapshot, target, ONE / keep), keep)
            quantity = min(book.held[asset], max(SATOSHI, ceil8(divide(value, book.price(asset)))))
            if book.sell(asset, quantity):
                return True
        return False
    # A borrowed coin: buy it back with USDT (held, or from selling another holding).
    buy_cost = ONE + LIQUIDATION_FEE_RATE
    wanted = min(
        book.owed(debt), ceil8(divide(_need(snapshot, target, buy_cost), book.price(debt)))
    )
    wanted = max(wanted, SATOSHI)
    quantity = book.affordable(debt, wanted)
    if quantity > 0 and book.buy(debt, quantity):
        return True
    for asset in others:
        cost = trade_value(quantity=wanted, price=book.price(debt)) * buy_cost
        value = divide(cost - book.held[VALUE_ASSET], keep)
        quantity = min(book.held[asset], max(SATOSHI, ceil8(divide(value, book.price(asset)))))
        if book.sell(asset, quantity):
            return True
    return False


def _merged(sales: list[_Sale]) -> list[_Sale]:
    """One row per (symbol, side): a liquidation sells each asset at one price."""
    merged: dict[tuple[str, str], _Sale] = {}
    for sale in sales:
        row = merged.get((sale.symbol, sale.side))
        if row is None:
            merged[sale.symbol, sale.side] = _Sale(**vars(sale))
        else:
            row.quantity += sale.quantity
            row.value += sale.value
            row.fee += sale.fee
    return list(merged.values())


def _cover_legs(book: _Book) -> tuple[list[Leg], Decimal]:
    """The insurance fund writes off what is still owed: it pays the lending pool in
    the borrowed asset (buying a coin from the market with its USDT) and the learner's
    debt wallets go to zero against the pool's. Returns the legs and the value covered."""
    pool = book.session.systems[SystemCode.LENDING_POOL]
    legs: list[Leg] = []
    covered = ZERO
    for asset in ASSETS:
        owed = book.owed(asset)
        if owed <= 0:
            continue
        value = holding_value(amount=owed, index_price=book.price(asset))
        covered += value
        if asset == VALUE_ASSET:
            legs += move(
                source=book.fund,
                source_wallet=Wallet.SPOT,
                target=pool,
                target_wallet=Wallet.SPOT,
                asset=asset,
                amount=owed,
            )
        else:
            legs += move(
                source=book.fund,
                source_wallet=Wallet.SPOT,
                target=book.market,
                target_wallet=Wallet.SPOT,
                asset=VALUE_ASSET,
                amount=value,
            )
            legs += move(
                source=book.market,
                source_wallet=Wallet.SPOT,
                target=pool,
                target_wallet=Wallet.SPOT,
                asset=asset,
                amount=owed,
            )
        for wallet, amount in (
            (Wallet.CROSS_INTEREST, book.interest[asset]),
            (Wallet.CROSS_DEBT, book.principal[asset]),
        ):
            legs += move(
                source=book.account,
                source_wallet=wallet,
                target=pool,
                target_wallet=wallet,
                asset=asset,
                amount=amount,
            )
        book.interest[asset] = book.principal[asset] = ZERO
    return legs, covered


def _level(level: Decimal | None) -> Decimal | None:
    return None if level is None else level.quantize(Decimal("1E-20"))


def liquidate(
    session: Session,
    clock: Clock,
    *,
    prices: Mapping[str, Decimal],
    margin_kind: str,
    path: list[list[str | int]],
    cancelled: set[int] | None = None,
) -> Liquidation:
    """Liquidate the Cross Margin wallet at ``clock.minute`` at ``prices`` (index prices
    by symbol). See the module docstring for the rules and the order of work. The ids of
    the orders it cancels are added to ``cancelled``."""
    account = session.account
    for order in account.orders.filter(
        season=account.season, wallet=Wallet.CROSS, status=OrderStatus.OPEN
    ).order_by("id"):
        order_release(session, order, clock, reason="Cancelled by the liquidation")
        if cancelled is not None:
            cancelled.add(order.pk)
    amounts = balances_of(account)
    book = _Book(session, amounts, prices)
    before = book.snapshot(margin_kind)
    target = MARGIN_KINDS[margin_kind].recover_to
    for _ in range(MAX_STEPS):
        snapshot = book.snapshot(margin_kind)
        if not snapshot.has_debt or snapshot.margin_level > target:
            break
        if not _step(book, snapshot, target):
            break
    sales = _merged(book.sales)
    sold_value = sum((s.value for s in sales), ZERO)
    fee = sum((s.fee for s in sales), ZERO)
    tx = None
    if book.legs:
        memo = "Liquidation at the index price: " + (
            "; ".join(
                f"{'sold' if s.side == OrderSide.SELL else 'bought'} "
                f"{format_amount(s.quantity, _base(s.symbol))} {_base(s.symbol)} at "
                f"{format_price(s.symbol, s.price)} USDT"
                for s in sales
            )
            or "repaid from the wallet"
        )
        if fee:
            memo += f"; fee {format_value(fee, VALUE_ASSET)} USDT to the insurance fund"
        tx = ledger_post(
            kind=TransactionKind.LIQUIDATION,
            legs=book.legs,
            account=account,
            memo=memo,
            minute=clock.minute,
            sandbox_time=clock.time,
        )
    covered = ZERO
    after = book.snapshot(margin_kind)
    if after.has_debt and after.margin_level <= target:
        # Nothing left to sell: the insurance fund absorbs the deficit.
        legs, covered = _cover_legs(book)
        ledger_post(
            kind=TransactionKind.INSURANCE_COVER,
            legs=legs,
            account=account,
            memo=(
                f"Insurance fund covered {format_value(covered, VALUE_ASSET)} USDT of debt "
                "left after the liquidation"
            ),
            minute=clock.minute,
            sandbox_time=clock.time,
        )
        after = book.snapshot(margin_kind)
    liquidation = Liquidation.objects.create(
        account=account,
        season=account.season,
        margin_kind=margin_kind,
        trigger_minute=clock.minute,
        trigger_time=clock.time,
        margin_level=_level(before.margin_level),
        margin_level_after=_level(after.margin_level),
        prices={symbol: f"{price:f}" for symbol, price in sorted(prices.items())},
        path=path,
        total_assets_before=before.total_assets,
        debt_before=before.debt_value,
        sold_value=sold_value,
        fee=fee,
        insurance_cover=covered,
        kept_value=max(after.equity, ZERO),
    )
    if sales:
        LiquidationSale.objects.bulk_create(
            LiquidationSale(
                liquidation=liquidation,
                transaction=tx,
                symbol=s.symbol,
                side=s.side,
                quantity=s.quantity,
                price=s.price,
                value=s.value,
                fee=s.fee,
            )
            for s in sales
        )
    return liquidation


def _base(symbol: str) -> str:
    return SYMBOL_ASSETS[symbol][0]


__all__ = [
    "LIQUIDATION_FEE_RATE",
    "TopUp",
    "auto_top_up",
    "ceil8",
    "liquidate",
    "liquidation_fee",
    "top_up_plan",
]
