"""Reads the sandbox pages share. None of them writes; call ``services.account_sync`` first
so the account is up to its clock. Query counts do not grow with the learner's history:
every list is paginated or bounded in the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from calculators.formulas import MARGIN_KINDS, MarginKind, hourly_interest_charge, percent_change
from config.formatting import format_amount, format_price
from sandbox import pricing
from sandbox.clock import account_clock
from sandbox.cross import (
    CrossAsset,
    CrossSnapshot,
    MaxBorrow,
    cross_snapshot,
    hourly_rate_percent,
    interest_rates,
    max_borrow,
    threshold_price,
)
from sandbox.errors import SandboxError
from sandbox.ledger import balances_of, insufficient_message
from sandbox.market import Market, load_market
from sandbox.models import (
    ASSET_SYMBOL,
    DEBT_WALLETS,
    SYMBOL_ASSETS,
    Account,
    Asset,
    Balance,
    InterestCharge,
    LedgerTransaction,
    Liquidation,
    LiquidationSale,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Posting,
    SandboxSettings,
    SettingsChange,
    SideEffect,
    SystemCode,
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
    # Every (wallet, asset) amount the balances were read from (debt wallets included).
    amounts: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)


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
        amounts=amounts,
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
    # A liquidation's report, to link to.
    liquidation_id: int | None = None
    # A settings change: which setting, from what, to what (as the learner saw them).
    setting: str = ""
    old_value: str = ""
    new_value: str = ""


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
    """The account's ledger and its settings changes, newest first, one page at a time
    (merged and paginated in the database).

    One entry per ledger transaction: deposits, rewards, limit orders placed (funds
    reserved) and cancelled (funds released), fills with their fee, resets, transfers,
    borrows, repays, interest (with its hours), liquidations; each with its signed legs
    and the balances they left. One entry per settings change, with the old and new
    value. Seven queries whatever the history: count, the page's keys (a UNION of both
    tables in sandbox-time order), the page's transactions, their postings (each with its
    running balance, summed in the database by an indexed subquery), their interest
    charges, their liquidation sales, the page's settings changes.
    """
    seasons = list(range(1, account.season + 1))
    if season not in seasons:
        season = account.season
    per_page = max(1, min(int(per_page), 100))
    # Sandbox time never goes back, so it orders both tables the way the learner lived
    # them; within one minute, settings changes are listed above the ledger entries.
    keys = (
        LedgerTransaction.objects.filter(account=account, season=season)
        .order_by()
        .annotate(source=Value(_LEDGER, output_field=CharField()))
        .values_list("sandbox_time", "id", "source")
        .union(
            SettingsChange.objects.filter(account=account, season=season)
            .order_by()
            .annotate(source=Value(_SETTING, output_field=CharField()))
            .values_list("sandbox_time", "id", "source"),
            all=True,
        )
        .order_by("-sandbox_time", "-source", "-id")
    )
    paginator = Paginator(keys, per_page)
    page_obj = paginator.get_page(page)
    page_keys = list(page_obj.object_list)
    tx_ids = [pk for _time, pk, source in page_keys if source == _LEDGER]
    change_ids = [pk for _time, pk, source in page_keys if source == _SETTING]
    transactions = {
        tx.pk: tx
        for tx in LedgerTransaction.objects.filter(pk__in=tx_ids)
        .select_related("order", "fill")
        .prefetch_related(
            Prefetch(
                "postings",
                queryset=Posting.objects.filter(account=account)
                .annotate(balance_after=_RUNNING_BALANCE)
                .order_by("id"),
                to_attr="own_postings",
            ),
            Prefetch(
                "interest_charges",
                queryset=InterestCharge.objects.order_by("hour", "id"),
                to_attr="charges",
            ),
            Prefetch(
                "liquidation_sales",
                queryset=LiquidationSale.objects.order_by("id"),
                to_attr="sales",
            ),
        )
    }
    changes = {change.pk: change for change in SettingsChange.objects.filter(pk__in=change_ids)}
    entries = [
        _entry(transactions[pk]) if source == _LEDGER else _settings_entry(changes[pk])
        for _time, pk, source in page_keys
    ]
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


_LEDGER = "ledger"
_SETTING = "setting"


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


# Each kind of entry in words (translated; the model's labels are for the admin).
KIND_LABELS = {
    TransactionKind.DEPOSIT: gettext_lazy("Deposit"),
    TransactionKind.TRADE: gettext_lazy("Trade"),
    TransactionKind.ORDER_HOLD: gettext_lazy("Funds reserved for an order"),
    TransactionKind.ORDER_RELEASE: gettext_lazy("Reserved funds released"),
    TransactionKind.REWARD: gettext_lazy("Reward"),
    TransactionKind.RESET: gettext_lazy("Account reset"),
    TransactionKind.TRANSFER: gettext_lazy("Transfer"),
    TransactionKind.AUTO_TOP_UP: gettext_lazy("Auto top-up transfer"),
    TransactionKind.BORROW: gettext_lazy("Borrow"),
    TransactionKind.REPAY: gettext_lazy("Repay"),
    TransactionKind.INTEREST: gettext_lazy("Interest"),
    TransactionKind.LIQUIDATION: gettext_lazy("Liquidation"),
    TransactionKind.INSURANCE_COVER: gettext_lazy("Insurance fund cover"),
}
SETTING_LABELS = {
    "margin_kind": gettext_lazy("Cross Margin kind"),
    "margin_call_alert_level": gettext_lazy("Margin-call alert level"),
    "auto_topup_enabled": gettext_lazy("Auto top-up"),
    "auto_topup_assets": gettext_lazy("Auto top-up assets"),
    "auto_topup_target": gettext_lazy("Top-up target margin level"),
    "use_bnb_for_interest": gettext_lazy("Use BNB for interest"),
    "use_bnb_for_fees": gettext_lazy("Use BNB for fees"),
    "cooling_off_until": gettext_lazy("Cooling-off period"),
}


def _margin_description(tx: LedgerTransaction, legs: tuple[HistoryLeg, ...]) -> str:
    """The Cross Margin kinds in words, from what the entry did (the memo is the
    operation's English note; these are written for the learner, translated)."""
    own = [leg for leg in legs if leg.wallet in (Wallet.SPOT, Wallet.CROSS)]
    if tx.kind in (TransactionKind.TRANSFER, TransactionKind.AUTO_TOP_UP):
        left = next((leg for leg in own if leg.amount < 0), None)
        arrived = next((leg for leg in own if leg.amount > 0), None)
        if left and arrived:
            template = (
                gettext(
                    "Moved automatically at a margin call: %(amount)s %(asset)s, %(src)s → %(dst)s."
                )
                if tx.kind == TransactionKind.AUTO_TOP_UP
                else gettext("Moved %(amount)s %(asset)s: %(src)s → %(dst)s.")
            )
            return template % {
                "amount": format_amount(arrived.amount, arrived.asset),
                "asset": arrived.asset,
                "src": left.wallet_label,
                "dst": arrived.wallet_label,
            }
    if tx.kind == TransactionKind.BORROW:
        debt = next((leg for leg in legs if leg.wallet == Wallet.CROSS_DEBT), None)
        if debt:
            return gettext("Borrowed %(amount)s %(asset)s into Cross Margin.") % {
                "amount": format_amount(debt.magnitude, debt.asset),
                "asset": debt.asset,
            }
    if tx.kind == TransactionKind.REPAY:
        parts = [
            (leg.wallet, format_amount(leg.magnitude, leg.asset), leg.asset)
            for leg in legs
            if leg.wallet in (Wallet.CROSS_DEBT, Wallet.CROSS_INTEREST) and leg.amount < 0
        ]
        interest = next((p for p in parts if p[0] == Wallet.CROSS_INTEREST), None)
        principal = next((p for p in parts if p[0] == Wallet.CROSS_DEBT), None)
        words = []
        if interest:
            words.append(
                gettext("%(amount)s %(asset)s of interest")
                % {"amount": interest[1], "asset": interest[2]}
            )
        if principal:
            words.append(
                gettext("%(amount)s %(asset)s of the loan")
                % {"amount": principal[1], "asset": principal[2]}
            )
        if words:
            return gettext("Repaid %(what)s (interest first).") % {
                "what": gettext(" and ").join(words)
            }
    if tx.kind == TransactionKind.INTEREST:
        charges = getattr(tx, "charges", [])
        if charges:
            hours = len({(c.hour, c.source) for c in charges})
            assets = ", ".join(sorted({c.asset for c in charges}))
            first, last = min(c.minute for c in charges), max(c.minute for c in charges)
            return ngettext(
                "Interest for %(hours)s hour on your %(assets)s loan (%(first)s).",
                "Interest for %(hours)s hours on your %(assets)s loans (%(first)s – %(last)s).",
                hours,
            ) % {
                "hours": hours,
                "assets": assets,
                "first": _hour_text(first),
                "last": _hour_text(last),
            }
    if tx.kind == TransactionKind.LIQUIDATION:
        # "%%" is a python-format msgid's percent sign: the % {} makes it "%" again.
        return (
            gettext(
                "Liquidation: collateral sold at the trigger minute's index price to repay the "
                "loans, with a 2 %% fee to the insurance fund."
            )
            % {}
        )
    if tx.kind == TransactionKind.INSURANCE_COVER:
        return gettext("The insurance fund wrote off the debt the liquidation could not repay.")
    return tx.memo


def _hour_text(minute: int) -> str:
    # Django's date format names the month in the page's language.
    return date_format(pricing.datetime_of(minute - minute % 60), "j M H:i")


def _description(tx: LedgerTransaction, legs: tuple[HistoryLeg, ...]) -> str:
    """What an entry did, in the page's language, from the entry's own data (the stored
    memo is the operation's English note, kept for staff and the admin). Rewards keep
    their memo: it names what was rewarded."""
    if tx.kind in MARGIN_KINDS_IN_HISTORY:
        return _margin_description(tx, legs)
    order = tx.order
    fill = getattr(tx, "fill", None) if tx.kind == TransactionKind.TRADE else None
    if fill is not None and order is not None:
        base, quote = SYMBOL_ASSETS[fill.symbol]
        values = {
            "quantity": format_amount(fill.quantity, base),
            "base": base,
            "price": format_price(fill.symbol, fill.price),
            "quote": quote,
            "fee": format_amount(fill.fee, fill.fee_asset),
            "fee_asset": fill.fee_asset,
        }
        if fill.side == OrderSide.BUY:
            text = gettext(
                "Bought %(quantity)s %(base)s at %(price)s %(quote)s (fee %(fee)s %(fee_asset)s)."
            )
        else:
            text = gettext(
                "Sold %(quantity)s %(base)s at %(price)s %(quote)s (fee %(fee)s %(fee_asset)s)."
            )
        if order.order_type == OrderType.LIMIT:
            return gettext("Limit order filled: %(what)s") % {"what": text % values}
        return text % values
    if tx.kind in (TransactionKind.ORDER_HOLD, TransactionKind.ORDER_RELEASE) and order:
        moved = next((leg for leg in legs if leg.amount > 0), None)
        values = {
            "quantity": format_amount(order.quantity, order.base_asset),
            "base": order.base_asset,
            "price": format_price(order.symbol, order.limit_price)
            if order.limit_price is not None
            else "",
            "quote": order.quote_asset,
            "amount": format_amount(moved.amount, moved.asset) if moved else "",
            "asset": moved.asset if moved else "",
        }
        buy = order.side == OrderSide.BUY
        if tx.kind == TransactionKind.ORDER_HOLD:
            text = (
                gettext(
                    "Limit buy of %(quantity)s %(base)s at %(price)s %(quote)s placed; "
                    "%(amount)s %(asset)s reserved."
                )
                if buy
                else gettext(
                    "Limit sell of %(quantity)s %(base)s at %(price)s %(quote)s placed; "
                    "%(amount)s %(asset)s reserved."
                )
            )
        else:
            text = (
                gettext(
                    "Limit buy of %(quantity)s %(base)s at %(price)s %(quote)s closed; "
                    "%(amount)s %(asset)s released."
                )
                if buy
                else gettext(
                    "Limit sell of %(quantity)s %(base)s at %(price)s %(quote)s closed; "
                    "%(amount)s %(asset)s released."
                )
            )
        return text % values
    if tx.kind == TransactionKind.DEPOSIT:
        arrived = next((leg for leg in legs if leg.amount > 0), None)
        if arrived:
            return gettext("Season %(season)s starting balance: %(amount)s %(asset)s.") % {
                "season": tx.season,
                "amount": format_amount(arrived.amount, arrived.asset),
                "asset": arrived.asset,
            }
    if tx.kind == TransactionKind.RESET:
        return gettext("Season %(season)s closed: balances returned to the treasury.") % {
            "season": tx.season
        }
    return tx.memo


MARGIN_KINDS_IN_HISTORY = frozenset(
    {
        TransactionKind.TRANSFER,
        TransactionKind.AUTO_TOP_UP,
        TransactionKind.BORROW,
        TransactionKind.REPAY,
        TransactionKind.INTEREST,
        TransactionKind.LIQUIDATION,
        TransactionKind.INSURANCE_COVER,
    }
)


def _settings_entry(change: SettingsChange) -> HistoryEntry:
    label = SETTING_LABELS.get(change.setting, change.setting)
    return HistoryEntry(
        time=change.sandbox_time,
        kind="settings_change",
        kind_label=gettext("Settings change"),
        description=gettext("%(setting)s: %(old)s → %(new)s")
        % {
            "setting": label,
            "old": change.old_value or "—",
            "new": change.new_value or "—",
        },
        setting=str(label),
        old_value=change.old_value,
        new_value=change.new_value,
    )


def _entry(tx: LedgerTransaction) -> HistoryEntry:
    order = tx.order
    legs = _legs(tx.own_postings)
    sales = getattr(tx, "sales", [])
    common = {
        "time": tx.sandbox_time,
        "kind": tx.kind,
        "kind_label": str(KIND_LABELS.get(tx.kind, tx.get_kind_display())),
        "description": _description(tx, legs),
        "legs": legs,
        "liquidation_id": sales[0].liquidation_id if sales else None,
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


# ---------------------------------------------------------------------------------------
# Cross Margin page (issue 11)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarginAssetView:
    """One asset of the Cross Margin wallet with its risk figures."""

    row: CrossAsset
    symbol: str | None  # the USDT pair pricing it; None for USDT
    yearly_percent: Decimal
    hourly_percent: Decimal
    max_borrow: MaxBorrow
    free: Decimal  # free in Cross Margin (not reserved by an open margin order)
    spot_free: Decimal  # free in Spot (what a transfer in can move)
    # Index price of this asset at which ML reaches the margin-call / liquidation level,
    # every other price fixed (None: no price gets there, or no exposure).
    margin_call_price: Decimal | None
    liquidation_price: Decimal | None
    # The next hourly charge on the principal owed (the interest calculator's figure).
    next_hour_interest: Decimal

    @property
    def has_exposure(self) -> bool:
        return bool(self.row.held or self.row.owed)


@dataclass(frozen=True)
class MarginOverview:
    account: Account
    sandbox_time: datetime
    minute: int
    snapshot: CrossSnapshot
    kind: MarginKind
    assets: list[MarginAssetView]
    settings: SandboxSettings
    cooling_off_until: datetime | None  # only while it runs
    liquidations: list[Liquidation]  # newest first, at most LATEST_LIQUIDATIONS
    index_prices: dict[str, Decimal]

    @property
    def state(self) -> str:
        return self.snapshot.state

    def asset(self, name: str) -> MarginAssetView:
        return next(view for view in self.assets if view.row.asset == name)


LATEST_LIQUIDATIONS = 5


def settings_of(account: Account) -> SandboxSettings:
    """The account's settings row, or the defaults (unsaved) before the first change.
    A read never creates it (the settings service does)."""
    try:
        return account.settings
    except SandboxSettings.DoesNotExist:
        return SandboxSettings(account=account)


def cooling_off_end(settings: SandboxSettings, sandbox_time: datetime) -> datetime | None:
    """When the learner's cooling-off period ends, while one runs (sandbox time)."""
    until = settings.cooling_off_until
    return until if until is not None and until > sandbox_time else None


def margin_overview(*, account: Account, now: datetime | None = None) -> MarginOverview:
    """The Cross Margin wallet valued at the account's clock minute (``sandbox.cross``),
    with per asset: max borrow, the index prices of a margin call and of liquidation,
    the interest rates and the next hour's charge; plus the settings, the cooling-off end
    and the latest liquidations. Five queries whatever the history: scenario events,
    balances, settings, interest rates, liquidations.
    """
    clock = account_clock(account, now)
    market = load_market()
    prices = market.prices_at(clock.minute)
    amounts = balances_of(account)
    settings = settings_of(account)
    snapshot = cross_snapshot(amounts, prices, margin_kind=settings.margin_kind)
    kind = MARGIN_KINDS[settings.margin_kind]
    rates = interest_rates()
    views = []
    for row in snapshot.assets:
        yearly = rates[row.asset]
        hourly = hourly_rate_percent(yearly)
        exposed = bool(row.held or row.owed) and snapshot.has_debt
        views.append(
            MarginAssetView(
                row=row,
                symbol=ASSET_SYMBOL.get(row.asset),
                yearly_percent=yearly,
                hourly_percent=hourly,
                max_borrow=max_borrow(snapshot, row.asset, yearly_percent=yearly),
                free=amounts.get((Wallet.CROSS, row.asset), ZERO),
                spot_free=amounts.get((Wallet.SPOT, row.asset), ZERO),
                margin_call_price=threshold_price(snapshot, row.asset, kind.margin_call)
                if exposed
                else None,
                liquidation_price=threshold_price(snapshot, row.asset, kind.liquidation)
                if exposed
                else None,
                next_hour_interest=hourly_interest_charge(
                    principal=row.borrowed,
                    hourly_rate_percent=hourly,
                    bnb_discount=settings.use_bnb_for_interest,
                ),
            )
        )
    liquidations = list(
        Liquidation.objects.filter(account=account, season=account.season).order_by(
            "-trigger_minute", "-id"
        )[:LATEST_LIQUIDATIONS]
    )
    return MarginOverview(
        account=account,
        sandbox_time=clock.time,
        minute=clock.minute,
        snapshot=snapshot,
        kind=kind,
        assets=views,
        settings=settings,
        cooling_off_until=cooling_off_end(settings, clock.time),
        liquidations=liquidations,
        index_prices=prices,
    )


def cross_summary(*, overview: AccountOverview) -> CrossSnapshot | None:
    """The dashboard's Cross Margin summary (margin level, state) from the overview's
    amounts and prices; None when the Cross Margin wallet is empty. No query of its own
    beyond the settings row (which the dashboard has already read for its fee setting)."""
    cross_wallets = (Wallet.CROSS, Wallet.CROSS_LOCKED, *DEBT_WALLETS)
    if not any(
        amount for (wallet, _a), amount in overview.amounts.items() if wallet in cross_wallets
    ):
        return None
    settings = settings_of(overview.account)
    return cross_snapshot(overview.amounts, overview.index_prices, margin_kind=settings.margin_kind)


# ---------------------------------------------------------------------------------------
# Liquidation report
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiquidationReport:
    liquidation: Liquidation
    sales: list[LiquidationSale]
    kind: MarginKind
    prices: dict[str, Decimal]  # symbol → index price at the trigger minute
    path: list[tuple[int, Decimal]]  # (minute, margin level) up to the trigger
    total_fee: Decimal
    cooling_off_until: datetime | None
    sandbox_time: datetime


def liquidation_report(*, account: Account, liquidation_id: int) -> LiquidationReport:
    """One of the learner's own liquidations with its sales. Someone else's id is the same
    404 as an id nobody has. Three queries: the liquidation, its sales, the settings."""
    liquidation = get_object_or_404(Liquidation, account=account, pk=liquidation_id)
    sales = list(liquidation.sales.order_by("id"))
    prices = {
        symbol: Decimal(str(price))
        for symbol, price in (liquidation.prices or {}).items()
        if symbol in SYMBOL_ASSETS
    }
    path = [(int(minute), Decimal(str(level))) for minute, level in (liquidation.path or [])]
    settings = settings_of(account)
    clock = account_clock(account)
    return LiquidationReport(
        liquidation=liquidation,
        sales=sales,
        kind=MARGIN_KINDS[liquidation.margin_kind],
        prices=prices,
        path=path,
        total_fee=sum((sale.fee for sale in sales), ZERO),
        cooling_off_until=cooling_off_end(settings, clock.time),
        sandbox_time=clock.time,
    )


# ---------------------------------------------------------------------------------------
# Insurance fund (public)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundDay:
    day: date
    inflow: Decimal  # liquidation fees, USDT
    outflow: Decimal  # deficits covered, USDT
    balance: Decimal  # fund balance at the end of the day (of these flows), USDT


@dataclass(frozen=True)
class InsuranceFundOverview:
    balance: Decimal  # USDT: the sum of the fund's postings
    other_balances: dict[str, Decimal]  # any other asset it holds
    total_inflow: Decimal
    total_outflow: Decimal
    liquidations: int
    days: list[FundDay]  # oldest first, at most FUND_DAYS


FUND_DAYS = 90


def insurance_fund_overview() -> InsuranceFundOverview:
    """The insurance fund's balance (sum of its postings, per asset) and its daily inflows
    (liquidation fees) and outflows (deficits written off) from the liquidation records,
    by the real date they happened (every learner's sandbox clock is different). Two
    queries, whatever the number of liquidations."""
    balances = dict(
        Posting.objects.filter(account__system_code=SystemCode.INSURANCE_FUND)
        .order_by()
        .values_list("asset")
        .annotate(total=Sum("amount"))
        .values_list("asset", "total")
    )
    daily = list(
        Liquidation.objects.order_by()
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(inflow=Sum("fee"), outflow=Sum("insurance_cover"), count=Count("id"))
        .order_by("day")
    )
    total_in = sum((row["inflow"] or ZERO for row in daily), ZERO)
    total_out = sum((row["outflow"] or ZERO for row in daily), ZERO)
    balance = balances.pop(Asset.USDT, ZERO) or ZERO
    # The days' running balance ends at today's balance (postings can predate the
    # records, e.g. a fund seeded by staff): walk back from it.
    days: list[FundDay] = []
    running = balance
    for row in reversed(daily[-FUND_DAYS:]):
        inflow, outflow = row["inflow"] or ZERO, row["outflow"] or ZERO
        days.append(FundDay(day=row["day"], inflow=inflow, outflow=outflow, balance=running))
        running -= inflow - outflow
    days.reverse()
    return InsuranceFundOverview(
        balance=balance,
        other_balances={asset: total for asset, total in balances.items() if total},
        total_inflow=total_in,
        total_outflow=total_out,
        liquidations=sum(row["count"] for row in daily),
        days=days,
    )
