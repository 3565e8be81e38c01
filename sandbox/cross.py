"""The Cross Margin wallet valued: margin level, collateral margin level, state, and the
risk figures a learner sees (SPEC §6.5, §6.6).

Reads only, like ``portfolio``: ``cross_snapshot`` takes the wallet amounts (as
``ledger.balances_of`` returns them, or the engine's in-memory copy) and index prices,
and applies the shared formulas of ``calculators.formulas`` — the same functions the
margin-level, margin-liquidation-price and max-borrow calculators call, so a page, the
engine and a calculator fed the account's numbers agree to the digit.

Values are in USDT: each holding and each debt is valued at the index price and rounded
to 8 places once (``holding_value``); totals are sums of those. Levels are not rounded
(pages round them down to 2 places, SPEC §7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from calculators.formulas import (
    STATE_SAFE,
    divide,
    floor8,
    holding_value,
    hourly_rate_from_yearly,
    margin_level_value,
    margin_state,
    max_borrow_tiered,
    price_at_margin_level,
    tiered_collateral_value,
)
from calculators.instruments import (
    ASSETS,
    COLLATERAL_TIERS,
    DEFAULT_YEARLY_INTEREST_PERCENT,
    VALUE_ASSET,
)
from sandbox.models import InterestRate, Wallet
from sandbox.portfolio import Amounts, asset_price, held

ZERO = Decimal(0)


@dataclass(frozen=True)
class CrossAsset:
    """One asset of the Cross Margin wallet: what is held, what is owed, and their values."""

    asset: str
    held: Decimal  # free + reserved by open margin orders
    borrowed: Decimal  # principal owed
    interest: Decimal  # outstanding interest owed
    price: Decimal  # index price in USDT (1 for USDT)
    value: Decimal  # held × price, 8 places
    borrowed_value: Decimal  # borrowed × price, 8 places
    interest_value: Decimal  # interest × price, 8 places
    collateral_value: Decimal  # value × collateral ratio (tiered for BNB)

    @property
    def owed(self) -> Decimal:
        """Principal plus interest, in the asset."""
        return self.borrowed + self.interest

    @property
    def owed_value(self) -> Decimal:
        return self.borrowed_value + self.interest_value

    @property
    def net(self) -> Decimal:
        """Held minus owed, in the asset (negative: a short position)."""
        return self.held - self.owed


@dataclass(frozen=True)
class CrossSnapshot:
    """The Cross Margin wallet at one set of prices."""

    margin_kind: str
    assets: tuple[CrossAsset, ...]
    total_assets: Decimal
    total_liabilities: Decimal  # principal owed, valued
    outstanding_interest: Decimal  # interest owed, valued
    collateral_value: Decimal
    margin_level: Decimal | None  # None without debt ("∞")
    collateral_margin_level: Decimal | None
    state: str

    @property
    def has_debt(self) -> bool:
        return self.margin_level is not None

    @property
    def debt_value(self) -> Decimal:
        return self.total_liabilities + self.outstanding_interest

    @property
    def equity(self) -> Decimal:
        """Net asset value: total assets − liabilities − interest (USDT)."""
        return self.total_assets - self.debt_value

    @property
    def is_empty(self) -> bool:
        return not any(a.held or a.owed for a in self.assets)

    def asset(self, name: str) -> CrossAsset:
        for row in self.assets:
            if row.asset == name:
                return row
        raise KeyError(name)


def cross_asset(
    asset: str, *, held_amount: Decimal, borrowed: Decimal, interest: Decimal, price: Decimal
) -> CrossAsset:
    value = holding_value(amount=held_amount, index_price=price)
    return CrossAsset(
        asset=asset,
        held=held_amount,
        borrowed=borrowed,
        interest=interest,
        price=price,
        value=value,
        borrowed_value=holding_value(amount=borrowed, index_price=price),
        interest_value=holding_value(amount=interest, index_price=price),
        collateral_value=tiered_collateral_value(value=value, tiers=COLLATERAL_TIERS[asset]),
    )


def snapshot_of(rows: tuple[CrossAsset, ...], *, margin_kind: str) -> CrossSnapshot:
    """Totals, levels and the §6.6 state of a set of asset rows."""
    total_assets = sum((r.value for r in rows), ZERO)
    liabilities = sum((r.borrowed_value for r in rows), ZERO)
    interest = sum((r.interest_value for r in rows), ZERO)
    collateral = sum((r.collateral_value for r in rows), ZERO)
    has_debt = any(r.owed for r in rows)
    if has_debt and liabilities + interest == 0:
        # Debt too small to be worth a satoshi of USDT still counts as debt.
        level = cml = None
    else:
        level = margin_level_value(
            total_assets=total_assets,
            total_liabilities=liabilities,
            outstanding_interest=interest,
        )
        cml = margin_level_value(
            total_assets=collateral,
            total_liabilities=liabilities,
            outstanding_interest=interest,
        )
    return CrossSnapshot(
        margin_kind=margin_kind,
        assets=rows,
        total_assets=total_assets,
        total_liabilities=liabilities,
        outstanding_interest=interest,
        collateral_value=collateral,
        margin_level=level,
        collateral_margin_level=cml,
        state=margin_state(margin_level=level, collateral_margin_level=cml, margin_kind=margin_kind)
        if level is not None
        else STATE_SAFE,
    )


def cross_snapshot(
    amounts: Amounts, prices: Mapping[str, Decimal], *, margin_kind: str
) -> CrossSnapshot:
    """The Cross Margin wallet of ``amounts`` ((wallet, asset) → amount) at ``prices``
    (index price by symbol)."""
    rows = tuple(
        cross_asset(
            asset,
            held_amount=held(amounts, wallet=Wallet.CROSS, asset=asset),
            borrowed=amounts.get((Wallet.CROSS_DEBT, asset), ZERO),
            interest=amounts.get((Wallet.CROSS_INTEREST, asset), ZERO),
            price=asset_price(asset, prices),
        )
        for asset in ASSETS
    )
    return snapshot_of(rows, margin_kind=margin_kind)


def threshold_price(snapshot: CrossSnapshot, asset: str, level: Decimal) -> Decimal | None:
    """The index price of ``asset`` at which the margin level reaches ``level`` while every
    other price stays where it is: the margin-liquidation-price calculator's formula with
    ``asset`` as the base and everything else, valued, as the quote side. ``None`` when no
    price of this asset gets there (or for USDT, whose price is 1 by definition)."""
    if asset == VALUE_ASSET or not snapshot.has_debt:
        return None
    row = snapshot.asset(asset)
    return price_at_margin_level(
        base_quantity=row.held,
        quote_quantity=snapshot.total_assets - row.value,
        base_liability=row.owed,
        quote_liability=snapshot.debt_value - row.owed_value,
        level=level,
    )


def interest_rates() -> dict[str, Decimal]:
    """Yearly interest rate in percent by asset: the admin's rows, the spec's defaults for
    any asset without one (one query)."""
    rates = dict(DEFAULT_YEARLY_INTEREST_PERCENT)
    rates.update(InterestRate.objects.values_list("asset", "yearly_percent"))
    return rates


def hourly_rate_percent(yearly_percent: Decimal) -> Decimal:
    return hourly_rate_from_yearly(yearly_percent=yearly_percent)


@dataclass(frozen=True)
class MaxBorrow:
    asset: str
    value: Decimal  # USDT, unrounded (the calculator's ``max_borrow``)
    amount: Decimal  # units of the asset, floor8(value ÷ price)


def max_borrow(snapshot: CrossSnapshot, asset: str, *, yearly_percent: Decimal) -> MaxBorrow:
    """The most of ``asset`` that can be borrowed now (SPEC §6.5): the max-borrow
    calculator's formula with the asset's collateral ratio (BNB's tiers solved piecewise)
    and hourly rate, in units rounded down to 8 places."""
    row = snapshot.asset(asset)
    value = max_borrow_tiered(
        collateral_value=snapshot.collateral_value,
        total_liabilities=snapshot.total_liabilities,
        outstanding_interest=snapshot.outstanding_interest,
        margin_kind=snapshot.margin_kind,
        held_value=row.value,
        tiers=COLLATERAL_TIERS[asset],
        hourly_rate_percent=hourly_rate_percent(yearly_percent),
    )
    return MaxBorrow(asset=asset, value=value, amount=floor8(divide(value, row.price)))
