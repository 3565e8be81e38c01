"""Cross Margin services: transfer, borrow, repay, and the margin rules orders obey.

Every rule of SPEC §6.5/§6.6 that decides whether a margin action may happen lives here,
once. The order service (``orders.order_place`` with ``wallet="cross"``) and the order
preview (``selectors.order_preview``) call ``margin_order_check`` and
``margin_order_outcome``, so the preview shows what placing the order would do or refuse.

What decides is the account as the engine leaves it at the clock minute
(``locked_operation`` catches up first): its Cross Margin wallet valued at that minute's
index prices (``cross.cross_snapshot``) and the §6.6 state of that snapshot.

- Borrow: only in the states ``safe`` and ``no_transfer``, at most
  ``cross.max_borrow(...)`` (the max-borrow calculator's formula, so borrowing exactly
  that leaves the collateral margin level at the kind's threshold), worth at least
  10 USDT at the index price, never during a cooling-off period.
- Transfer out: with debt, only if the collateral margin level stays above 2 after it;
  without debt, up to the free balance.
- Transfer in: in every state except during a cooling-off period.
- Repay: in every state but ``liquidation``, also during a cooling-off period.
- Nothing in ``liquidation``: the account is locked while the engine liquidates it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.activation import MarginLocked, require_margin_activation
from calculators.formulas import (
    MARGIN_KINDS,
    STATE_ADVICE,
    STATE_LIQUIDATION,
    STATE_NO_TRANSFER,
    STATE_SAFE,
    auto_borrow_amount,
    holding_value,
)
from calculators.instruments import ASSETS, BNB, VALUE_ASSET
from config.formatting import (
    DISPLAY_PLACES,
    format_amount,
    format_decimal,
    format_quantity,
    format_ratio,
)
from sandbox.cross import (
    CrossSnapshot,
    cross_snapshot,
    hourly_rate_percent,
    interest_rates,
    max_borrow,
)
from sandbox.errors import (
    BorrowTooLarge,
    BorrowTooSmall,
    CoolingOffActive,
    InsufficientBalance,
    InvalidMarginRequest,
    MarginNotActivated,
    MarginRuleBroken,
)
from sandbox.ledger import balances_of, insufficient_message
from sandbox.models import (
    Account,
    LedgerTransaction,
    OrderSide,
    SandboxSettings,
    SideEffect,
    TransactionKind,
    Wallet,
)
from sandbox.operations.margin import borrow_charged, interest_charge, repay, repay_split, transfer
from sandbox.operations.trades import FeeChoice, OrderPlan
from sandbox.services.base import Operation, locked_operation

ZERO = Decimal(0)
SATOSHI = Decimal("0.00000001")
# Anything above this is a typo or an attack (it would overflow an amount column).
MAX_INPUT = Decimal("1E15")
MIN_BORROW_VALUE = Decimal(10)
# Borrowing is allowed in these states only (SPEC §6.6).
BORROW_STATES = (STATE_SAFE, STATE_NO_TRANSFER)
TRANSFER_IN = "in"
TRANSFER_OUT = "out"
TRANSFER_DIRECTIONS = (TRANSFER_IN, TRANSFER_OUT)

# The learner-facing messages, as constants the tests assert word for word.
LOCKED = gettext_noop(
    "Your Cross Margin account is being liquidated (margin level {level}): it is locked "
    "until the liquidation is done."
)
BORROW_STATE = gettext_noop(
    "You cannot borrow now: your collateral margin level is {level}, and borrowing needs "
    "it above {threshold}. {advice}"
)
BORROW_TOO_LARGE = gettext_noop(
    "You can borrow at most {amount} {asset} now (your collateral margin level must stay "
    "at or above {threshold} after borrowing)."
)
BORROW_TOO_SMALL = gettext_noop(
    "The minimum loan is worth {minimum} USDT; {amount} {asset} is worth {value} USDT now."
)
TRANSFER_OUT_LIMIT = gettext_noop(
    "You can transfer out at most {amount} {asset} now (your collateral margin level must "
    "stay above {level} after a transfer out while you have a loan)."
)
COOLING_OFF = gettext_noop(
    "Your cooling-off period runs until {until}: until then you cannot {what}."
)
COOLING_OFF_BORROW = gettext_noop("borrow")
COOLING_OFF_TRANSFER_IN = gettext_noop("transfer into Cross Margin")
COOLING_OFF_AUTO_BORROW = gettext_noop("borrow, so an order cannot auto-borrow")
COOLING_OFF_BUY = gettext_noop(
    "open or enlarge a margin position: a Cross Margin buy may only buy back what you owe "
    "({amount} {asset} at most)"
)
NOTHING_OWED = gettext_noop("You owe no {asset} in Cross Margin.")
REPAY_TOO_MUCH = gettext_noop(
    "You owe {owed} {asset} ({interest} interest, {principal} principal); you cannot repay "
    "more than that."
)
NOTHING_TO_REPAY_WITH = gettext_noop(
    "Your Cross Margin wallet holds no free {asset} to repay with: transfer some in or buy "
    "some first."
)


# ---------------------------------------------------------------------------------------
# Checks shared by every margin service
# ---------------------------------------------------------------------------------------


def margin_gate(account: Account) -> None:
    """Every margin service refuses a learner whose margin is not activated (SPEC §4)."""
    try:
        require_margin_activation(account.user)
    except MarginLocked as locked:
        raise MarginNotActivated(locked.message) from None


def check_asset(asset: Any) -> str:
    if asset not in ASSETS:
        raise InvalidMarginRequest(
            _("Choose one of these assets: {assets}.").format(assets=", ".join(ASSETS))
        )
    return asset


def check_amount(amount: Any, asset: str) -> Decimal:
    """A positive Decimal with at most 8 places (what the ledger can book)."""
    # bool is an int, and a float would smuggle binary rounding into the ledger.
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise InvalidMarginRequest(_("The amount must be a number."))
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise InvalidMarginRequest(_("The amount must be more than zero."))
    if amount > MAX_INPUT:
        raise InvalidMarginRequest(_("The amount is too large."))
    if amount != amount.quantize(SATOSHI):
        raise InvalidMarginRequest(
            _("{asset} amounts have at most 8 digits after the decimal point.").format(asset=asset)
        )
    return amount


def format_limit(amount: Decimal, asset: str) -> str:
    """A most-you-can amount: at the asset's display places (USDT 2, coins up to 8) but
    rounded *down*, so the number a message offers is always accepted."""
    places = DISPLAY_PLACES.get(asset)
    if places is None:
        return format_amount(amount, asset)
    return format_decimal(amount, places, rounding=ROUND_FLOOR)


def format_time(moment: datetime) -> str:
    return date_format(moment, "DATETIME_FORMAT", use_l10n=True) + " UTC"


@dataclass
class MarginView:
    """The Cross Margin wallet as a rule sees it at one minute: the settings, the cached
    amounts, the index prices and interest rates, and (computed once) the snapshot."""

    settings: SandboxSettings
    time: datetime  # sandbox time
    minute: int
    amounts: dict[tuple[str, str], Decimal]
    prices: Mapping[str, Decimal]
    rates: Mapping[str, Decimal]
    _snapshot: CrossSnapshot | None = field(default=None, repr=False)

    @classmethod
    def of(cls, op: Operation) -> MarginView:
        """The view of a locked operation's account, at its clock minute."""
        return cls(
            settings=op.session.settings,
            time=op.clock.time,
            minute=op.clock.minute,
            amounts=balances_of(op.account),
            prices=op.session.market.prices_at(op.clock.minute),
            rates=interest_rates(),
        )

    @property
    def snapshot(self) -> CrossSnapshot:
        if self._snapshot is None:
            self._snapshot = self.snapshot_of(self.amounts)
        return self._snapshot

    def snapshot_of(self, amounts: Mapping[tuple[str, str], Decimal]) -> CrossSnapshot:
        return cross_snapshot(amounts, self.prices, margin_kind=self.settings.margin_kind)

    @property
    def kind(self):
        return MARGIN_KINDS[self.settings.margin_kind]

    def free(self, asset: str, wallet: str = Wallet.CROSS) -> Decimal:
        return self.amounts.get((wallet, asset), ZERO)

    def owed(self, asset: str) -> tuple[Decimal, Decimal]:
        """(interest owed, principal owed) of ``asset``."""
        return (
            self.amounts.get((Wallet.CROSS_INTEREST, asset), ZERO),
            self.amounts.get((Wallet.CROSS_DEBT, asset), ZERO),
        )

    @property
    def cooling_off_until(self) -> datetime | None:
        """The end of the cooling-off period running now, or None."""
        until = self.settings.cooling_off_until
        return until if until is not None and until > self.time else None

    def max_borrow_amount(self, asset: str) -> Decimal:
        return max_borrow(self.snapshot, asset, yearly_percent=self.rates[asset]).amount

    def hourly_rate(self, asset: str) -> Decimal:
        return hourly_rate_percent(self.rates[asset])


def _level_text(level: Decimal | None) -> str:
    return "∞" if level is None else format_ratio(level)


def check_not_liquidating(view: MarginView) -> None:
    snapshot = view.snapshot
    if snapshot.state == STATE_LIQUIDATION:
        raise MarginRuleBroken(_(LOCKED).format(level=_level_text(snapshot.margin_level)))


def cooling_off_error(view: MarginView, what: str, **values: Any) -> CoolingOffActive:
    return CoolingOffActive(
        _(COOLING_OFF).format(
            until=format_time(view.cooling_off_until), what=_(what).format(**values)
        )
    )


def borrow_problem(view: MarginView, asset: str, amount: Decimal) -> Exception | None:
    """Why a loan of ``amount`` ``asset`` is refused now (state, size), or None.
    The cooling-off period and the 10 USDT minimum are the callers' (see their rules)."""
    snapshot = view.snapshot
    threshold = view.kind.borrow_threshold
    if snapshot.state not in BORROW_STATES:
        return MarginRuleBroken(
            _(BORROW_STATE).format(
                level=_level_text(snapshot.collateral_margin_level),
                threshold=format_ratio(threshold),
                advice=_(STATE_ADVICE[snapshot.state]),
            )
        )
    most = view.max_borrow_amount(asset)
    if amount > most:
        return BorrowTooLarge(
            _(BORROW_TOO_LARGE).format(
                amount=format_limit(most, asset), asset=asset, threshold=format_ratio(threshold)
            )
        )
    return None


def borrow_minimum_problem(view: MarginView, asset: str, amount: Decimal) -> Exception | None:
    value = holding_value(amount=amount, index_price=_price(view, asset))
    if value >= MIN_BORROW_VALUE:
        return None
    return BorrowTooSmall(
        _(BORROW_TOO_SMALL).format(
            minimum=format_amount(MIN_BORROW_VALUE, VALUE_ASSET).removesuffix(".00"),
            amount=format_amount(amount, asset),
            asset=asset,
            value=format_amount(value, VALUE_ASSET),
        )
    )


def _price(view: MarginView, asset: str) -> Decimal:
    return view.snapshot.asset(asset).price


def transfer_out_limit(view: MarginView, asset: str) -> Decimal:
    """The most of ``asset`` that can leave the Cross Margin wallet now (SPEC §6.6):
    all of the free balance without debt; with debt, the most that keeps the collateral
    margin level above 2 after it (the largest satoshi amount, found by bisection on the
    snapshot itself, so BNB's tiers and the 8-place valuation count exactly)."""
    free = view.free(asset)
    if not view.snapshot.has_debt or free <= 0:
        return max(free, ZERO)
    level = view.kind.no_transfer

    def stays_above(units: int) -> bool:
        amounts = dict(view.amounts)
        amounts[(Wallet.CROSS, asset)] = free - units * SATOSHI
        cml = view.snapshot_of(amounts).collateral_margin_level
        return cml is None or cml > level

    low, high = 0, int(free / SATOSHI)
    if not stays_above(0):
        return ZERO
    if stays_above(high):
        return free
    while high - low > 1:  # stays_above(low) and not stays_above(high)
        middle = (low + high) // 2
        if stays_above(middle):
            low = middle
        else:
            high = middle
    return low * SATOSHI


# ---------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------


@transaction.atomic
def margin_transfer(
    *,
    account: Account,
    asset: str,
    amount: Decimal,
    direction: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Move ``amount`` of ``asset`` between the Spot and Cross Margin wallets.

    Rules (SPEC §6.6): ``direction="in"`` (Spot → Cross) in every state but liquidation,
    never during a cooling-off period; ``direction="out"`` (Cross → Spot) with debt only
    if the collateral margin level stays above 2 after it, without debt up to the free
    balance - also during a cooling-off period. Only free balances move (funds reserved
    by open orders stay).
    """
    margin_gate(account)
    asset = check_asset(asset)
    amount = check_amount(amount, asset)
    if direction not in TRANSFER_DIRECTIONS:
        raise InvalidMarginRequest(_("Choose a transfer in or a transfer out."))
    with locked_operation(account, operation="margin_transfer", key=idempotency_key, now=now) as op:
        if op.replayed:
            return op.replayed.transaction
        view = MarginView.of(op)
        check_not_liquidating(view)
        if direction == TRANSFER_IN:
            if view.cooling_off_until:
                raise cooling_off_error(view, COOLING_OFF_TRANSFER_IN)
            source, target = Wallet.SPOT, Wallet.CROSS
            available = view.free(asset, Wallet.SPOT)
        else:
            source, target = Wallet.CROSS, Wallet.SPOT
            available = view.free(asset)
        if amount > available:
            raise InsufficientBalance(
                insufficient_message(asset=asset, wallet=source, available=available, needed=amount)
            )
        if direction == TRANSFER_OUT:
            most = transfer_out_limit(view, asset)
            if amount > most:
                raise MarginRuleBroken(
                    _(TRANSFER_OUT_LIMIT).format(
                        amount=format_limit(most, asset),
                        asset=asset,
                        level=format_ratio(view.kind.no_transfer),
                    )
                )
        op.tx = transfer(
            op.session,
            op.clock,
            asset=asset,
            amount=amount,
            source_wallet=source,
            target_wallet=target,
            memo=(
                f"Transfer {format_amount(amount, asset)} {asset} "
                + ("into Cross Margin" if direction == TRANSFER_IN else "out of Cross Margin")
            ),
        )
    return op.tx


@transaction.atomic
def margin_borrow(
    *,
    account: Account,
    asset: str,
    amount: Decimal,
    idempotency_key: str,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Borrow ``amount`` of ``asset`` into the Cross Margin wallet (SPEC §6.5).

    Rules: only in the states safe and no_transfer; at most the max-borrow calculator's
    amount (the collateral margin level stays at or above 1.5 for 3x / 1.25 for 5x after
    the loan and its hour of interest); worth at least 10 USDT at the index price; never
    during a cooling-off period. The hour of interest charged at borrowing is posted right
    after the loan; the engine charges each following clock hour.
    """
    margin_gate(account)
    asset = check_asset(asset)
    amount = check_amount(amount, asset)
    with locked_operation(account, operation="margin_borrow", key=idempotency_key, now=now) as op:
        if op.replayed:
            return op.replayed.transaction
        view = MarginView.of(op)
        check_not_liquidating(view)
        if view.cooling_off_until:
            raise cooling_off_error(view, COOLING_OFF_BORROW)
        problem = borrow_problem(view, asset, amount) or borrow_minimum_problem(view, asset, amount)
        if problem:
            raise problem
        op.tx, _charge = borrow_charged(
            op.session,
            op.clock,
            asset=asset,
            amount=amount,
            hourly_rate_percent=view.hourly_rate(asset),
        )
    return op.tx


@transaction.atomic
def margin_repay(
    *,
    account: Account,
    asset: str,
    amount: Decimal | None,
    idempotency_key: str,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Repay ``amount`` of ``asset`` from the free Cross Margin balance: interest first, then
    principal, in the borrowed asset (SPEC §6.5). ``amount=None`` repays all that is owed,
    as far as the free balance allows (the transaction's memo says what is still owed).

    Rules: allowed in every state but liquidation, also during a cooling-off period; not
    more than is owed.
    """
    margin_gate(account)
    asset = check_asset(asset)
    if amount is not None:
        amount = check_amount(amount, asset)
    with locked_operation(account, operation="margin_repay", key=idempotency_key, now=now) as op:
        if op.replayed:
            return op.replayed.transaction
        view = MarginView.of(op)
        check_not_liquidating(view)
        interest, principal = view.owed(asset)
        owed = interest + principal
        if owed <= 0:
            raise InvalidMarginRequest(_(NOTHING_OWED).format(asset=asset))
        free = view.free(asset)
        if amount is None:
            if free <= 0:
                raise InsufficientBalance(_(NOTHING_TO_REPAY_WITH).format(asset=asset))
            amount = min(owed, free)
        elif amount > owed:
            raise InvalidMarginRequest(
                # Exact to the satoshi: the learner may type what is owed.
                _(REPAY_TOO_MUCH).format(
                    owed=format_quantity(owed),
                    asset=asset,
                    interest=format_quantity(interest),
                    principal=format_quantity(principal),
                )
            )
        elif amount > free:
            raise InsufficientBalance(
                insufficient_message(
                    asset=asset, wallet=Wallet.CROSS, available=free, needed=amount
                )
            )
        split = repay_split(
            asset=asset, amount=amount, interest_owed=interest, principal_owed=principal
        )
        left = owed - amount
        memo = (
            f"Repay {format_amount(amount, asset)} {asset}: "
            f"{format_amount(split.interest, asset)} interest, "
            f"{format_amount(split.principal, asset)} principal"
        )
        if left:
            memo += f"; {format_amount(left, asset)} {asset} still owed"
        op.tx, _split = repay(op.session, op.clock, asset=asset, amount=amount, memo=memo)
    return op.tx


def margin_message(tx: LedgerTransaction, *, account: Account) -> str:
    """What a margin service did, in words for the learner (the success message of a
    transfer, borrow or repay), read from the transaction's own postings."""
    moved: dict[tuple[str, str], Decimal] = {}
    for posting in tx.postings.filter(account=account):
        moved[(posting.wallet, posting.asset)] = (
            moved.get((posting.wallet, posting.asset), ZERO) + posting.amount
        )
    if tx.kind == TransactionKind.TRANSFER:
        for (wallet, asset), amount in moved.items():
            if amount > 0:
                text = (
                    _("Transferred {amount} {asset} into Cross Margin.")
                    if wallet == Wallet.CROSS
                    else _("Transferred {amount} {asset} out of Cross Margin.")
                )
                return text.format(amount=format_amount(amount, asset), asset=asset)
    if tx.kind == TransactionKind.BORROW:
        for (wallet, asset), amount in moved.items():
            if wallet == Wallet.CROSS_DEBT:
                text = _("Borrowed {amount} {asset}; its first hour of interest is charged.")
                return text.format(amount=format_amount(amount, asset), asset=asset)
    if tx.kind == TransactionKind.REPAY:
        for (wallet, asset), amount in moved.items():
            if wallet == Wallet.CROSS:
                interest = -moved.get((Wallet.CROSS_INTEREST, asset), ZERO)
                principal = -moved.get((Wallet.CROSS_DEBT, asset), ZERO)
                text = _("Repaid {amount} {asset}: {interest} interest, {principal} principal.")
                text = text.format(
                    amount=format_amount(-amount, asset),
                    asset=asset,
                    interest=format_amount(interest, asset),
                    principal=format_amount(principal, asset),
                )
                amounts = balances_of(account)
                left = amounts.get((Wallet.CROSS_INTEREST, asset), ZERO) + amounts.get(
                    (Wallet.CROSS_DEBT, asset), ZERO
                )
                if left:
                    text += " " + _("{left} {asset} is still owed.").format(
                        left=format_amount(left, asset), asset=asset
                    )
                return text
    return tx.memo


# ---------------------------------------------------------------------------------------
# Cross Margin orders
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarginOrderCheck:
    """What a Cross Margin order needs beyond trading: the amount auto-borrow borrows
    (0: none) of ``borrow_asset``."""

    borrow: Decimal
    borrow_asset: str


def cooling_off_buy_room(view: MarginView, plan: OrderPlan) -> Decimal:
    """During a cooling-off period, how much of its base asset a Cross buy may buy: what is
    owed of it and not already held (buying back a short closes a position; buying more
    would open or enlarge one)."""
    interest, principal = view.owed(plan.base)
    held = view.free(plan.base) + view.free(plan.base, Wallet.CROSS_LOCKED)
    return max(ZERO, interest + principal - held)


def margin_order_check(view: MarginView, plan: OrderPlan, *, side_effect: str) -> MarginOrderCheck:
    """The §6.5/§6.6 rules a Cross Margin order obeys at placement; raises the refusal.

    - Refused in the liquidation state; allowed in every other state (trading is).
    - Auto-borrow borrows exactly the shortfall of the asset the order pays with (what
      the free balance lacks), subject to the borrow state and the max borrow; no 10 USDT
      minimum (docs/decisions.md: it borrows exactly what the order lacks).
    - During a cooling-off period: no borrowing, and no new or bigger position - a sell
      (of what the wallet holds) is allowed, a buy only up to what is owed of the asset
      bought and not already held (docs/decisions.md).
    """
    check_not_liquidating(view)
    shortfall = ZERO
    if side_effect == SideEffect.AUTO_BORROW:
        # The auto-borrow calculator's formula: exactly what the wallet lacks.
        shortfall = auto_borrow_amount(
            wallet_balance=view.free(plan.pays_asset), order_amount=plan.pays_amount
        )
    cooling = view.cooling_off_until
    if cooling and shortfall > 0:
        raise cooling_off_error(view, COOLING_OFF_AUTO_BORROW)
    if cooling and plan.side == OrderSide.BUY:
        room = cooling_off_buy_room(view, plan)
        if plan.quantity > room:
            raise cooling_off_error(
                view, COOLING_OFF_BUY, amount=format_limit(room, plan.base), asset=plan.base
            )
    if shortfall > 0:
        problem = borrow_problem(view, plan.pays_asset, shortfall)
        if problem:
            raise problem
    return MarginOrderCheck(borrow=shortfall, borrow_asset=plan.pays_asset)


def margin_order_outcome(
    view: MarginView,
    plan: OrderPlan,
    check: MarginOrderCheck,
    fee: FeeChoice,
    *,
    side_effect: str,
) -> CrossSnapshot:
    """The Cross Margin wallet right after placing the order, at the same prices: the
    auto-borrow and its hour of interest, then (if it fills now) the trade and its fee,
    then an auto-repay from the proceeds - the same operations, applied to a copy of the
    amounts (for the preview's "margin level after")."""
    amounts = dict(view.amounts)

    def add(wallet: str, asset: str, amount: Decimal) -> None:
        amounts[(wallet, asset)] = amounts.get((wallet, asset), ZERO) + amount

    if check.borrow > 0:
        asset = check.borrow_asset
        add(Wallet.CROSS, asset, check.borrow)
        add(Wallet.CROSS_DEBT, asset, check.borrow)
        bnb_kept = plan.pays_amount if plan.pays_asset == BNB else ZERO
        charge = interest_charge(
            asset=asset,
            principal=check.borrow,
            hourly_rate_percent=view.hourly_rate(asset),
            minute=view.minute,
            source="borrow",
            use_bnb=view.settings.use_bnb_for_interest,
            free_bnb=max(ZERO, amounts.get((Wallet.CROSS, BNB), ZERO) - bnb_kept),
            asset_price=_price(view, asset),
            bnb_price=_price(view, BNB),
        )
        if charge.paid_in_bnb:
            add(Wallet.CROSS, BNB, -charge.paid_in_bnb)
        else:
            add(Wallet.CROSS_INTEREST, asset, charge.amount)
    if plan.marketable:
        add(Wallet.CROSS, plan.pays_asset, -plan.pays_amount)
        add(Wallet.CROSS, plan.receive_asset, plan.receive_amount)
        add(Wallet.CROSS, fee.asset, -fee.amount)
        if side_effect == SideEffect.AUTO_REPAY:
            asset = plan.receive_asset
            proceeds = plan.receive_amount - (fee.amount if fee.asset == asset else ZERO)
            interest = amounts.get((Wallet.CROSS_INTEREST, asset), ZERO)
            principal = amounts.get((Wallet.CROSS_DEBT, asset), ZERO)
            paid = min(proceeds, interest + principal)
            if paid > 0:
                split = repay_split(
                    asset=asset, amount=paid, interest_owed=interest, principal_owed=principal
                )
                add(Wallet.CROSS, asset, -paid)
                add(Wallet.CROSS_INTEREST, asset, -split.interest)
                add(Wallet.CROSS_DEBT, asset, -split.principal)
    else:
        # A resting order only reserves: what the wallet holds does not change.
        add(Wallet.CROSS, plan.pays_asset, -plan.pays_amount)
        add(Wallet.CROSS_LOCKED, plan.pays_asset, plan.pays_amount)
    return view.snapshot_of(amounts)


__all__ = [
    "MIN_BORROW_VALUE",
    "TRANSFER_DIRECTIONS",
    "MarginOrderCheck",
    "MarginView",
    "margin_borrow",
    "margin_gate",
    "margin_message",
    "margin_order_check",
    "margin_order_outcome",
    "margin_repay",
    "margin_transfer",
    "transfer_out_limit",
]
