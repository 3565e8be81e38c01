"""Reads the sandbox pages share. None of them writes; call ``services.account_sync`` first
so the account is up to its clock. Query counts do not grow with the learner's history:
every list is paginated or bounded in the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import DecimalField, OuterRef, Prefetch, Subquery, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from calculators.formulas import percent_change
from sandbox import pricing
from sandbox.clock import account_clock
from sandbox.cross import interest_rates
from sandbox.errors import SandboxError
from sandbox.ledger import balances_of, insufficient_message
from sandbox.market import Market, load_market
from sandbox.models import (
    SYMBOL_ASSETS,
    Account,
    Asset,
    Balance,
    LedgerTransaction,
    Order,
    OrderStatus,
    Posting,
    SandboxSettings,
    SideEffect,
    TransactionKind,
    Wallet,
)
from sandbox.operations.trades import choose_fee, free_bnb_after
from sandbox.portfolio import BalanceRow, asset_price, average_entries, balance_rows
from sandbox.services.clock import ClockMove
from sandbox.services.margin import (
    MarginOrderCheck,
    MarginView,
    margin_order_check,
    margin_order_outcome,
)
from sandbox.services.orders import minimum_problem, order_plan, order_validate

ZERO = Decimal(0)
MINUTES_PER_DAY = 24 * 60


# ---------------------------------------------------------------------------------------
# Overview
# ---------------------------------------------------------------------------------------


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
    clock = account_clock(account, now)
    market = load_market()
    prices = market.prices_at(clock.minute)
    amounts = balances_of(account)
    rows = balance_rows(amounts, prices)
    open_orders = list(
        Order.objects.filter(
            account=account, season=account.season, status=OrderStatus.OPEN
        ).order_by("-id")
    )
    return AccountOverview(
        account=account,
        sandbox_time=clock.time,
        minute=clock.minute,
        season=account.season,
        balances=rows,
        total_equity_usdt=sum((row.value_usdt for row in rows), ZERO),
        open_orders=open_orders,
        index_prices=prices,
        average_entry=average_entries(account, amounts),
    )


def spot_cash_of(*, user: Any, asset: str = Asset.USDT) -> Decimal | None:
    """The learner's free ``asset`` in the Spot wallet of the current season, as last
    booked; ``None`` before the first sandbox visit opens the account. One query, and no
    catch-up: a page outside the sandbox (home) reads, it never runs the engine."""
    row = (
        Account.objects.filter(user=user)
        .annotate(
            cash=Subquery(
                Balance.objects.filter(
                    account=OuterRef("pk"),
                    season=OuterRef("season"),
                    wallet=Wallet.SPOT,
                    asset=asset,
                ).values("amount")[:1],
                output_field=DecimalField(max_digits=30, decimal_places=8),
            )
        )
        .values_list("pk", "cash")
        .first()
    )
    if row is None:
        return None
    return row[1] if row[1] is not None else ZERO


# ---------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLeg:
    """What one entry did to one wallet's asset: the signed net change and the balance
    of that wallet's asset right after it."""

    wallet: str
    asset: str
    amount: Decimal  # signed: + arrived, − left
    balance_after: Decimal

    @property
    def magnitude(self) -> Decimal:
        return abs(self.amount)

    @property
    def wallet_label(self) -> str:
        return str(Wallet(self.wallet).label)


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
    # Every wallet/asset the entry changed, in the order it booked them.
    legs: tuple[HistoryLeg, ...] = ()


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
    reserved) and cancelled (funds released), fills with their fee, resets; each with
    its signed legs and the balances they left. Three queries whatever the history:
    count, the page, the page's postings (each with its running balance, summed in the
    database by an indexed subquery).
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
                queryset=Posting.objects.filter(account=account)
                .annotate(balance_after=_RUNNING_BALANCE)
                .order_by("id"),
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


# The balance of a posting's (account, season, wallet, asset) right after it: the sum of
# its postings up to and including this one (postings are append-only, ids increase).
_RUNNING_BALANCE = Subquery(
    Posting.objects.filter(
        account=OuterRef("account"),
        season=OuterRef("season"),
        wallet=OuterRef("wallet"),
        asset=OuterRef("asset"),
        id__lte=OuterRef("id"),
    )
    .order_by()
    .values("account")
    .annotate(total=Sum("amount"))
    .values("total"),
    output_field=DecimalField(max_digits=30, decimal_places=8),
)


def _legs(postings) -> tuple[HistoryLeg, ...]:
    """Net change per (wallet, asset): a buy's BTC and its BTC fee are one +0.00999 leg."""
    net: dict[tuple[str, str], Decimal] = {}
    after: dict[tuple[str, str], Decimal] = {}
    for posting in postings:
        group = (posting.wallet, posting.asset)
        net[group] = net.get(group, ZERO) + posting.amount
        after[group] = posting.balance_after
    return tuple(
        HistoryLeg(wallet=wallet, asset=asset, amount=amount, balance_after=after[wallet, asset])
        for (wallet, asset), amount in net.items()
        if amount != 0
    )


def _entry(tx: LedgerTransaction) -> HistoryEntry:
    order = tx.order
    common = {
        "time": tx.sandbox_time,
        "kind": tx.kind,
        "kind_label": tx.get_kind_display(),
        "description": tx.memo,
        "legs": _legs(tx.own_postings),
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
            minute = account_clock(account).minute
        else:
            minute = pricing.minute_of(timezone.now())
    market = market or load_market()
    snapshots = []
    for symbol, (base, quote) in SYMBOL_ASSETS.items():
        price = market.index_price(symbol, minute)
        before = market.index_price(symbol, minute - MINUTES_PER_DAY)
        change = percent_change(before=before, after=price)
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
    return [(pricing.datetime_of(minute), price) for minute, price in points]


@dataclass(frozen=True)
class StillOpen:
    """An order a fast-forward did not fill, with the index price that came closest:
    the lowest of the period for a buy, the highest for a sell."""

    order: Order
    extreme_price: Decimal


def still_open_after(
    *, account: Account, move: ClockMove, market: Market | None = None
) -> list[StillOpen]:
    """The account's open orders after ``move``, each with the closest the index price
    came to its limit during the minutes the move lived through. One query for the orders
    (and one for the scenario events); nothing when the move lived through no minute."""
    if move.first_minute is None or move.last_minute is None:
        return []
    if move.last_minute < move.first_minute:
        return []
    orders = list(
        Order.objects.filter(
            account=account, season=account.season, status=OrderStatus.OPEN
        ).order_by("placed_minute", "id")
    )
    if not orders:
        return []
    market = market or load_market()
    lows_highs: dict[str, tuple[Decimal, Decimal]] = {}
    lines = []
    for order in orders:
        if order.symbol not in lows_highs:
            prices = market.index_prices(order.symbol, move.first_minute, move.last_minute + 1)
            lows_highs[order.symbol] = (min(prices), max(prices))
        low, high = lows_highs[order.symbol]
        lines.append(StillOpen(order=order, extreme_price=low if order.side == "buy" else high))
    return lines


# ---------------------------------------------------------------------------------------
# Order preview
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderEstimate:
    """What an order would do at the current index price, for the preview panel."""

    symbol: str
    base_asset: str
    side: str
    order_type: str
    wallet: str
    price: Decimal
    quantity: Decimal
    value: Decimal
    fee: Decimal
    fee_asset: str
    reserved: Decimal | None
    reserved_asset: str | None
    pays_asset: str
    available: Decimal  # free balance of ``pays_asset`` in the order's wallet
    needed: Decimal
    limit_price: Decimal | None
    fills_now: bool


@dataclass(frozen=True)
class AutoBorrow:
    """What auto-borrow would borrow at placement."""

    amount: Decimal
    asset: str


@dataclass(frozen=True)
class OrderPreview:
    """The estimate (None when the order's own fields are refused) and, word for word,
    what ``order_place`` would refuse it with.

    Cross Margin orders also carry the wallet's margin level and collateral margin level
    before and right after placing the order (None: no debt, "∞"), the §6.6 state after,
    and what auto-borrow would borrow (None: nothing).
    """

    estimate: OrderEstimate | None
    problems: tuple[str, ...] = ()
    margin_level_before: Decimal | None = None
    margin_level_after: Decimal | None = None
    collateral_margin_level_before: Decimal | None = None
    collateral_margin_level_after: Decimal | None = None
    state_before: str | None = None
    state_after: str | None = None
    auto_borrow: AutoBorrow | None = None


def order_preview(
    *,
    overview: AccountOverview,
    wallet: str,
    fields: Mapping[str, Any],
    use_bnb_for_fees: bool,
    side_effect: str | None = None,
    settings: SandboxSettings | None = None,
) -> OrderPreview:
    """What placing the order from ``wallet`` would do now, changing nothing.

    It runs the order service's own rules (``order_validate``, ``order_plan``,
    ``minimum_problem``, the wallet's free balance) and the fee the fill would take
    (``choose_fee``), on the overview's balances of ``wallet`` only, so it shows the
    price, fee and reservation the service would apply, and every refusal with the
    service's message. A Cross Margin order also runs the margin rules the service runs
    (``margin_order_check``: state, cooling-off, auto-borrow within the max borrow) and
    values the wallet after it (``margin_order_outcome``). ``side_effect`` defaults to the
    form's ``side_effect`` field; ``settings`` (the account's, loaded when not given)
    matter for Cross orders only.
    """
    if side_effect is None:
        side_effect = fields.get("side_effect") or SideEffect.NONE
    try:
        request = order_validate(
            wallet=wallet,
            symbol=fields.get("symbol"),
            side=fields.get("side"),
            order_type=fields.get("order_type"),
            quantity=fields.get("quantity"),
            quote_amount=fields.get("quote_amount"),
            limit_price=fields.get("limit_price"),
            side_effect=side_effect,
        )
    except SandboxError as error:
        return OrderPreview(estimate=None, problems=(error.message,))
    plan = order_plan(request, index=overview.index_prices[request.symbol])
    free = {row.asset: row.available for row in overview.balances if row.wallet == wallet}
    fee = choose_fee(
        plan=plan,
        use_bnb_for_fees=use_bnb_for_fees,
        bnb_price=asset_price(Asset.BNB, overview.index_prices),
        free_bnb=free_bnb_after(
            plan, free_bnb=free.get(Asset.BNB, ZERO), paid_from_free=plan.marketable
        ),
    )
    available = free.get(plan.pays_asset, ZERO)
    problems = []
    if minimum := minimum_problem(plan, request):
        problems.append(minimum)
    margin: dict[str, Any] = {}
    borrow = ZERO
    if wallet == Wallet.CROSS:
        view = MarginView(
            settings=settings or SandboxSettings.objects.get(account=overview.account),
            time=overview.sandbox_time,
            minute=overview.minute,
            amounts=balances_of(overview.account),
            prices=overview.index_prices,
            rates=interest_rates(),
        )
        try:
            check = margin_order_check(view, plan, side_effect=request.side_effect)
        except SandboxError as error:
            problems.append(error.message)
            check = MarginOrderCheck(borrow=ZERO, borrow_asset=plan.pays_asset)
        borrow = check.borrow
        before = view.snapshot
        after = margin_order_outcome(view, plan, check, fee, side_effect=request.side_effect)
        margin = {
            "margin_level_before": before.margin_level,
            "margin_level_after": after.margin_level,
            "collateral_margin_level_before": before.collateral_margin_level,
            "collateral_margin_level_after": after.collateral_margin_level,
            "state_before": before.state,
            "state_after": after.state,
            "auto_borrow": AutoBorrow(borrow, check.borrow_asset) if borrow > 0 else None,
        }
    if available + borrow < plan.pays_amount:
        problems.append(
            insufficient_message(
                asset=plan.pays_asset,
                wallet=wallet,
                available=available + borrow,
                needed=plan.pays_amount,
            )
        )
    resting = not plan.marketable
    estimate = OrderEstimate(
        symbol=plan.symbol,
        base_asset=plan.base,
        side=plan.side,
        order_type=plan.order_type,
        wallet=wallet,
        price=plan.price,
        quantity=plan.quantity,
        value=plan.value,
        fee=fee.amount,
        fee_asset=fee.asset,
        reserved=plan.pays_amount if resting else None,
        reserved_asset=plan.pays_asset if resting else None,
        pays_asset=plan.pays_asset,
        available=available,
        needed=plan.pays_amount,
        limit_price=plan.limit_price,
        fills_now=plan.marketable,
    )
    return OrderPreview(estimate=estimate, problems=tuple(problems), **margin)
