"""Reads the sandbox pages share. None of them writes; call ``services.account_sync`` first
so the account is up to its clock. Query counts do not grow with the learner's history:
every list is paginated or bounded in the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.paginator import Paginator
from django.db.models import Max, Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from calculators.formulas import quantize8
from sandbox import pricing
from sandbox.engine import divide
from sandbox.market import Market, load_market
from sandbox.models import (
    ASSET_SYMBOL,
    SYMBOL_ASSETS,
    Account,
    Asset,
    Balance,
    Fill,
    LedgerTransaction,
    Order,
    OrderStatus,
    Posting,
    TransactionKind,
    Wallet,
)
from sandbox.pricing import datetime_of, minute_of
from sandbox.services import sandbox_now

ZERO = Decimal(0)
ONE = Decimal(1)
# Each wallet shown on the pages, with the wallet that holds its reserved funds.
WALLET_PAIRS = ((Wallet.SPOT, Wallet.SPOT_LOCKED), (Wallet.CROSS, Wallet.CROSS_LOCKED))
MINUTES_PER_DAY = 24 * 60


# ---------------------------------------------------------------------------------------
# Overview
# ---------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class AccountOverview:
    account: Account
    sandbox_time: datetime
    minute: int
    season: int
    balances: list[BalanceRow]
    total_equity_usdt: Decimal
    open_orders: list[Order]
    index_prices: dict[str, Decimal]
    average_entry: dict[str, Decimal | None]


def account_overview(*, account: Account, now: datetime | None = None) -> AccountOverview:
    """Balances valued at the index price, open orders and average entry prices.

    Rows: every asset of the Spot wallet (zeros included, so the table never jumps), and
    the Cross Margin wallet's assets that are not zero. Four queries whatever the
    history: scenario events, balances, open orders, last fill per symbol.
    """
    moment = sandbox_now(account, now)
    minute = max(minute_of(moment), account.evaluated_minute)
    market = load_market()
    prices = market.prices_at(minute)
    amounts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for wallet, asset, amount in Balance.objects.filter(
        account=account, season=account.season
    ).values_list("wallet", "asset", "amount"):
        amounts[(wallet, asset)] = amount
    rows: list[BalanceRow] = []
    for wallet, locked_wallet in WALLET_PAIRS:
        for asset in Asset.values:
            available, locked = amounts[(wallet, asset)], amounts[(locked_wallet, asset)]
            if wallet != Wallet.SPOT and not (available or locked):
                continue
            price = ONE if asset == Asset.USDT else prices[ASSET_SYMBOL[asset]]
            rows.append(
                BalanceRow(
                    asset=str(asset),
                    wallet=str(wallet),
                    available=available,
                    locked=locked,
                    index_price=price,
                    value_usdt=quantize8((available + locked) * price),
                )
            )
    open_orders = list(
        Order.objects.filter(
            account=account, season=account.season, status=OrderStatus.OPEN
        ).order_by("-id")
    )
    return AccountOverview(
        account=account,
        sandbox_time=moment,
        minute=minute,
        season=account.season,
        balances=rows,
        total_equity_usdt=sum((row.value_usdt for row in rows), ZERO),
        open_orders=open_orders,
        index_prices=prices,
        average_entry=_average_entries(account, amounts),
    )


def _average_entries(
    account: Account, amounts: dict[tuple[str, str], Decimal]
) -> dict[str, Decimal | None]:
    """Average buy price of each base asset's current holding, from this season's fills.

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
    for symbol, (base, _) in SYMBOL_ASSETS.items():
        held = sum(amounts[(wallet, base)] for pair in WALLET_PAIRS for wallet in pair)
        result[str(base)] = latest.get(symbol) if held > 0 else None
    return result


# ---------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    time: datetime  # sandbox time
    kind: str  # TransactionKind value
    kind_label: str
    description: str
    symbol: str = ""
    side: str = ""
    order_type: str = ""
    quantity: Decimal | None = None
    price: Decimal | None = None
    fee: Decimal | None = None
    fee_asset: str = ""
    amount: Decimal | None = None  # the learner's money moved, for non-trade entries
    asset: str = ""
    order_id: int | None = None
    order_status: str = ""
    note: str = ""


@dataclass(frozen=True)
class HistoryPage:
    season: int
    seasons: list[int]
    entries: list[HistoryEntry]
    page: int
    num_pages: int
    has_next: bool
    has_previous: bool
    total: int = 0


def order_get(*, account: Account, order_id: int) -> Order:
    """One of the learner's own orders. Someone else's id is the same 404 as an id nobody
    has, so probing ids tells nothing about other learners."""
    return get_object_or_404(Order, account=account, pk=order_id)


def history_page(
    *, account: Account, season: int | None = None, page: int = 1, per_page: int = 25
) -> HistoryPage:
    """The account's ledger, newest first, one page at a time (paginated in the database).

    One entry per ledger transaction: deposits, rewards, limit orders placed (funds
    reserved) and cancelled (funds released), fills with their fee, resets. Three
    queries whatever the history: count, the page, the page's postings.
    """
    seasons = list(range(1, account.season + 1))
    if season not in seasons:
        season = account.season
    per_page = max(1, min(int(per_page), 100))
    transactions = (
        LedgerTransaction.objects.filter(account=account, season=season)
        .select_related("order", "fill")
        .prefetch_related(
            Prefetch(
                "postings",
                queryset=Posting.objects.filter(account=account).order_by("id"),
                to_attr="own_postings",
            )
        )
        .order_by("-id")
    )
    paginator = Paginator(transactions, per_page)
    page_obj = paginator.get_page(page)
    entries = [_entry(tx) for tx in page_obj.object_list]
    return HistoryPage(
        season=season,
        seasons=seasons,
        entries=entries,
        page=page_obj.number,
        num_pages=paginator.num_pages,
        has_next=page_obj.has_next(),
        has_previous=page_obj.has_previous(),
        total=paginator.count,
    )


def _entry(tx: LedgerTransaction) -> HistoryEntry:
    order = tx.order
    common = {
        "time": tx.sandbox_time,
        "kind": tx.kind,
        "kind_label": tx.get_kind_display(),
        "description": tx.memo,
    }
    if order is not None:
        common |= {
            "symbol": order.symbol,
            "side": order.side,
            "order_type": order.order_type,
            "quantity": order.quantity,
            "order_id": order.pk,
            "order_status": order.status,
        }
    fill = getattr(tx, "fill", None) if tx.kind == TransactionKind.TRADE else None
    if fill is not None:
        return HistoryEntry(
            **common,
            price=fill.price,
            fee=fill.fee,
            fee_asset=fill.fee_asset,
            amount=fill.quote_amount,
            asset=SYMBOL_ASSETS[fill.symbol][1],
            note=order.note if order is not None else "",
        )
    own = tx.own_postings
    if tx.kind in (TransactionKind.ORDER_HOLD, TransactionKind.ORDER_RELEASE):
        # The move between Spot and Spot (in orders): show the amount reserved/released.
        moved = next((p for p in own if p.amount > 0), None)
        return HistoryEntry(
            **common,
            price=order.limit_price if order is not None else None,
            amount=moved.amount if moved else None,
            asset=moved.asset if moved else "",
        )
    # Deposits, rewards, resets: the learner's net change when it is one asset.
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for posting in own:
        totals[posting.asset] += posting.amount
    if len(totals) == 1:
        ((asset, amount),) = totals.items()
        return HistoryEntry(**common, amount=amount, asset=asset)
    return HistoryEntry(**common)


# ---------------------------------------------------------------------------------------
# Market
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SymbolSnapshot:
    symbol: str
    base_asset: str
    quote_asset: str
    index_price: Decimal
    venues: list[pricing.VenueQuote]
    change_24h_percent: Decimal  # 2 places


def market_snapshot(
    *, account: Account | None = None, minute: int | None = None, market: Market | None = None
) -> list[SymbolSnapshot]:
    """Every symbol's index price, venues (with weights) and 24-hour change at ``minute``.

    ``minute`` defaults to the account's clock minute, or the real current minute.
    """
    if minute is None:
        if account is not None:
            minute = max(minute_of(sandbox_now(account)), account.evaluated_minute)
        else:
            minute = minute_of(timezone.now())
    market = market or load_market()
    snapshots = []
    for symbol, (base, quote) in SYMBOL_ASSETS.items():
        price = market.index_price(symbol, minute)
        before = market.index_price(symbol, minute - MINUTES_PER_DAY)
        change = divide((price - before) * 100, before).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_EVEN
        )
        snapshots.append(
            SymbolSnapshot(
                symbol=symbol,
                base_asset=base,
                quote_asset=quote,
                index_price=price,
                venues=market.venue_quotes(symbol, minute),
                change_24h_percent=change,
            )
        )
    return snapshots


def price_series(
    *,
    symbol: str,
    end_minute: int,
    hours: int = 24,
    step_minutes: int = 15,
    market: Market | None = None,
) -> list[tuple[datetime, Decimal]]:
    """(time, index price) every ``step_minutes`` over the ``hours`` up to ``end_minute``.

    The last point is ``end_minute`` itself, so the chart ends at the price the learner
    trades at.
    """
    if symbol not in SYMBOL_ASSETS:
        raise ValueError(f"Unknown symbol {symbol!r}.")
    if hours < 1 or step_minutes < 1:
        raise ValueError("hours and step_minutes must be positive.")
    market = market or load_market()
    span = hours * 60
    start = end_minute - span + (span % step_minutes)
    points = market.series(symbol, start, end_minute + 1, step_minutes)
    return [(datetime_of(minute), price) for minute, price in points]
