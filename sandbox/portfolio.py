"""What an account holds and what it is worth: valuation at the index price.

Reads only. The formulas (a holding's value, the average entry) are in
``calculators.formulas``; this module applies them to the wallets of an account, so the
dashboard, the order preview and (next) the margin level all value a holding the same
way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from calculators.formulas import holding_value
from calculators.instruments import ASSET_SYMBOL, VALUE_ASSET
from sandbox.models import LOCKED_WALLET, SYMBOL_ASSETS, Account, Asset, Fill, Wallet

ZERO = Decimal(0)
ONE = Decimal(1)

# (wallet, asset) → amount, as ``ledger.balances_of`` returns it.
Amounts = Mapping[tuple[str, str], Decimal]


def asset_price(asset: str, prices: Mapping[str, Decimal]) -> Decimal:
    """USDT per unit of ``asset``, from the index prices by symbol (1 for USDT)."""
    if asset == VALUE_ASSET:
        return ONE
    return prices[ASSET_SYMBOL[asset]]


def held(amounts: Amounts, *, wallet: str, asset: str) -> Decimal:
    """What ``wallet`` holds of ``asset``, free plus reserved by its open orders."""
    return amounts.get((wallet, asset), ZERO) + amounts.get((LOCKED_WALLET[wallet], asset), ZERO)


@dataclass(frozen=True)
class BalanceRow:
    asset: str
    wallet: str  # "spot" or "cross"
    available: Decimal
    locked: Decimal  # reserved by open orders
    index_price: Decimal  # USDT per unit; 1 for USDT
    value_usdt: Decimal  # (available + locked) × index price, 8 places

    @property
    def total(self) -> Decimal:
        return self.available + self.locked


def balance_rows(amounts: Amounts, prices: Mapping[str, Decimal]) -> list[BalanceRow]:
    """One row per asset of each wallet, valued at the index price.

    Every asset of the Spot wallet (zeros included, so the table never jumps), then the
    other wallets' assets that are not zero.
    """
    rows: list[BalanceRow] = []
    for wallet, locked_wallet in LOCKED_WALLET.items():
        for asset in Asset.values:
            available = amounts.get((wallet, asset), ZERO)
            locked = amounts.get((locked_wallet, asset), ZERO)
            if wallet != Wallet.SPOT and not (available or locked):
                continue
            price = asset_price(asset, prices)
            rows.append(
                BalanceRow(
                    asset=str(asset),
                    wallet=str(wallet),
                    available=available,
                    locked=locked,
                    index_price=price,
                    value_usdt=holding_value(amount=available + locked, index_price=price),
                )
            )
    return rows


def last_average_entry(*, account: Account, season: int, symbol: str) -> Decimal | None:
    """The average entry stored by the latest fill of ``symbol`` this season."""
    return (
        Fill.objects.filter(account=account, season=season, symbol=symbol)
        .order_by("-id")
        .values_list("average_entry_after", flat=True)
        .first()
    )


def average_entries(account: Account, amounts: Amounts) -> dict[str, Decimal | None]:
    """Average entry price of each base asset's current holding (``None``: none held).

    Each fill stores the average after it (``Fill.average_entry_after``), so this is one
    query for the latest fill per symbol, not a replay of the season.
    """
    latest_ids = (
        Fill.objects.filter(account=account, season=account.season)
        .values("symbol")
        .annotate(last_id=Max("id"))
        .values("last_id")
    )
    latest = dict(
        Fill.objects.filter(id__in=latest_ids).values_list("symbol", "average_entry_after")
    )
    result: dict[str, Decimal | None] = {}
    for symbol, (base, _quote) in SYMBOL_ASSETS.items():
        holding = sum((held(amounts, wallet=w, asset=base) for w in LOCKED_WALLET), ZERO)
        result[str(base)] = latest.get(symbol) if holding > 0 else None
    return result
