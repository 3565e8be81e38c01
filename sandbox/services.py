"""Every state change of the sandbox.

Each service is keyword-only, runs in ``transaction.atomic``, and starts by locking the
learner's ``Account`` row (``select_for_update``). Only then does it read balances,
check the rules and post to the ledger, so two requests for the same account (two tabs,
a double click, two app servers) run one after the other and the second sees what the
first did: no lost update, no double spend. Before acting, a service runs the risk
engine up to the account's clock minute, so it acts on an up-to-date account.

A service that breaks a rule raises a ``SandboxError`` with a message for the learner;
the transaction rolls back and nothing has changed. Forms send an idempotency key (a
fresh UUID per form); the key is stored in the same transaction as the change, so a
repeated key returns the first call's result and changes nothing.

``now`` is real time (default ``timezone.now()``); the account's sandbox time is
``now + clock_offset``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calculators.formulas import quantize8
from config.formatting import format_amount
from sandbox import pricing
from sandbox.engine import Session, account_catch_up, fill_order, plan_order, price_text
from sandbox.errors import (
    DuplicateRequest,
    InsufficientBalance,
    InvalidFastForward,
    InvalidOrder,
    InvalidSettings,
    OrderNotOpen,
    OrderTooSmall,
    SandboxError,
)
from sandbox.ledger import (
    balance_of,
    balances_of,
    insufficient_message,
    ledger_post,
    move,
    open_season,
    system_accounts,
)
from sandbox.models import (
    SYMBOL_ASSETS,
    Account,
    Asset,
    Fill,
    LedgerTransaction,
    OperationKey,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    SandboxSettings,
    SystemCode,
    TransactionKind,
    Wallet,
)
from sandbox.pricing import datetime_of, minute_of

STARTING_BALANCE = Decimal("10000")
STARTING_ASSET = Asset.USDT
MIN_ORDER_VALUE = Decimal("10")
FAST_FORWARD_HOURS = (1, 24, 168)
# Anything above this is a typo or an attack, not an order: it would also overflow the
# 22 integer digits of an amount column.
MAX_INPUT = Decimal("1E15")
MAX_KEY_LENGTH = 100
MAX_REASON_LENGTH = 100

BAD_KEY = gettext_noop("This form has expired. Reload the page and try again.")
TOO_SMALL = gettext_noop("Minimum order value is {minimum} USDT; this order is worth {value} USDT")
NOT_A_STEP = gettext_noop("You can fast-forward by 1 hour, 1 day or 1 week.")


# ---------------------------------------------------------------------------------------
# Clock
# ---------------------------------------------------------------------------------------


def sandbox_now(account: Account, now: datetime | None = None) -> datetime:
    """The account's sandbox time: real time plus its clock offset."""
    return (now or timezone.now()) + timedelta(seconds=account.clock_offset_seconds)


@dataclass(frozen=True)
class Clock:
    minute: int
    time: datetime


def _clock(account: Account, now: datetime) -> Clock:
    """The account's current market minute and sandbox time.

    Never earlier than what the engine already evaluated: if the server clock steps
    back (NTP), the sandbox waits instead of reliving minutes.
    """
    moment = sandbox_now(account, now)
    minute = minute_of(moment)
    if minute < account.evaluated_minute:
        return Clock(account.evaluated_minute, datetime_of(account.evaluated_minute))
    return Clock(minute, moment)


# ---------------------------------------------------------------------------------------
# Shared steps
# ---------------------------------------------------------------------------------------


def _lock(account: Account) -> Account:
    # The row lock every service takes first: it serialises all changes to one
    # learner's balances, so a read-check-write cannot interleave with another one.
    return Account.objects.select_for_update().get(pk=account.pk, user__isnull=False)


def _check_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise SandboxError(_(BAD_KEY))
    return key


def _replay(account: Account, key: str, operation: str) -> OperationKey | None:
    previous = OperationKey.objects.filter(account=account, key=key).select_related("order").first()
    if previous is not None and previous.operation != operation:
        raise DuplicateRequest
    return previous


def _remember(
    account: Account,
    key: str,
    operation: str,
    *,
    order: Order | None = None,
    tx: LedgerTransaction | None = None,
) -> None:
    OperationKey.objects.create(
        account=account, key=key, operation=operation, order=order, transaction=tx
    )


def _catch_up(session: Session, now: datetime) -> Clock:
    clock = _clock(session.account, now)
    account_catch_up(session.account, to_minute=clock.minute, session=session)
    return clock


def _deposit_starting_balance(session: Session, clock: Clock) -> LedgerTransaction:
    account = session.account
    open_season(account, account.season)
    return ledger_post(
        kind=TransactionKind.DEPOSIT,
        legs=move(
            source=session.systems[SystemCode.TREASURY],
            source_wallet=Wallet.SPOT,
            target=account,
            target_wallet=Wallet.SPOT,
            asset=STARTING_ASSET,
            amount=STARTING_BALANCE,
        ),
        account=account,
        memo=(
            f"Season {account.season} starting balance: "
            f"{format_amount(STARTING_BALANCE, STARTING_ASSET)} {STARTING_ASSET}"
        ),
        minute=clock.minute,
        sandbox_time=clock.time,
    )


# ---------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------


@transaction.atomic
def account_sync(*, user: Any, now: datetime | None = None) -> Account:
    """The learner's account, brought up to its clock minute.

    Rule: every learner has exactly one sandbox account, created on first visit with
    10,000 USDT in the Spot wallet (season 1), evaluated from its creation minute.
    """
    now = now or timezone.now()
    account = Account.objects.select_for_update().filter(user=user).first()
    if account is None:
        account = _account_create(user, now)
        if account is not None:
            return account
        # Another request created it between our look-up and our insert.
        account = Account.objects.select_for_update().get(user=user)
    _catch_up(Session(account), now)
    return account


def _account_create(user: Any, now: datetime) -> Account | None:
    """Open the learner's account; None if a concurrent request opened it first."""
    systems = system_accounts()
    try:
        # A savepoint: when two first visits race, the loser's insert fails on the
        # unique user and only this block rolls back.
        with transaction.atomic():
            account = Account.objects.create(
                user=user,
                season=1,
                clock_offset_seconds=0,
                evaluated_minute=minute_of(now),
                created_at=now,
            )
    except IntegrityError:
        return None
    SandboxSettings.objects.create(account=account)
    session = Session(account, systems=systems)
    _deposit_starting_balance(session, Clock(account.evaluated_minute, now))
    return account


@transaction.atomic
def account_refresh(*, account: Account, now: datetime | None = None) -> tuple[Account, list[Fill]]:
    """Run the risk engine for ``account`` up to its clock minute; returns the fills made.

    What ``sandbox_sweep`` runs for each account, so notifications (margin calls,
    liquidations) do not wait for the learner's next visit.
    """
    account = _lock(account)
    session = Session(account)
    clock = _clock(account, now or timezone.now())
    fills = account_catch_up(account, to_minute=clock.minute, session=session)
    return account, fills


@transaction.atomic
def account_reset(
    *, account: Account, idempotency_key: str, now: datetime | None = None
) -> Account:
    """Start a fresh season.

    Rule: open orders are cancelled (reservations released), every remaining balance of
    the season goes back to the treasury, and the next season starts with 10,000 USDT.
    Earlier seasons' transactions, orders and fills stay as they were, readable in the
    history. The clock does not go back and settings are kept (a reset is no way out
    of a cooling-off period).
    """
    key = _check_key(idempotency_key)
    now = now or timezone.now()
    account = _lock(account)
    if _replay(account, key, "account_reset"):
        return account
    session = Session(account)
    clock = _catch_up(session, now)
    for order in Order.objects.filter(
        account=account, season=account.season, status=OrderStatus.OPEN
    ).order_by("id"):
        _release(session, order, clock, reason="Cancelled by the account reset")
    treasury = session.systems[SystemCode.TREASURY]
    legs = []
    for (wallet, asset), amount in sorted(balances_of(account).items()):
        if amount:
            legs += move(
                source=account,
                source_wallet=wallet,
                target=treasury,
                target_wallet=Wallet.SPOT,
                asset=asset,
                amount=amount,
            )
    if legs:
        ledger_post(
            kind=TransactionKind.RESET,
            legs=legs,
            account=account,
            memo=f"Season {account.season} closed: balances returned to the treasury",
            minute=clock.minute,
            sandbox_time=clock.time,
        )
    account.season += 1
    account.save(update_fields=["season"])
    tx = _deposit_starting_balance(session, clock)
    _remember(account, key, "account_reset", tx=tx)
    return account


# ---------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _OrderRequest:
    symbol: str
    side: str
    order_type: str
    quantity: Decimal | None
    quote_amount: Decimal | None
    limit_price: Decimal | None


def _positive(value: Any, what: str) -> Decimal | None:
    if value is None:
        return None
    # bool is an int, and a float would smuggle binary rounding into the ledger.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidOrder(_("The {what} must be a number.").format(what=what))
    value = Decimal(value)
    if not value.is_finite() or value <= 0:
        raise InvalidOrder(_("The {what} must be more than zero.").format(what=what))
    if value > MAX_INPUT:
        raise InvalidOrder(_("The {what} is too large.").format(what=what))
    return value


def _validate_order(
    *,
    symbol: Any,
    side: Any,
    order_type: Any,
    quantity: Any,
    quote_amount: Any,
    limit_price: Any,
) -> _OrderRequest:
    if symbol not in SYMBOL_ASSETS:
        raise InvalidOrder(
            _("Choose one of these symbols: {symbols}.").format(symbols=", ".join(SYMBOL_ASSETS))
        )
    if side not in OrderSide.values:
        raise InvalidOrder(_("Choose buy or sell."))
    if order_type not in OrderType.values:
        raise InvalidOrder(_("Choose a market or a limit order."))
    base, quote = SYMBOL_ASSETS[symbol]
    quantity = _positive(quantity, _("{asset} amount").format(asset=base))
    quote_amount = _positive(quote_amount, _("{asset} amount").format(asset=quote))
    limit_price = _positive(limit_price, _("limit price"))
    if (quantity is None) == (quote_amount is None):
        raise InvalidOrder(
            _("Enter either an amount in {base} or an amount in {quote}, not both.").format(
                base=base, quote=quote
            )
        )
    if order_type == OrderType.LIMIT:
        if limit_price is None:
            raise InvalidOrder(_("A limit order needs a limit price."))
        tick = pricing.tick_size(symbol)
        if limit_price % tick:
            raise InvalidOrder(
                _("Limit prices for {symbol} go in steps of {tick} {quote}.").format(
                    symbol=symbol, tick=tick, quote=quote
                )
            )
    elif limit_price is not None:
        raise InvalidOrder(
            _("A market order fills at the market price; leave the limit price empty.")
        )
    return _OrderRequest(symbol, side, order_type, quantity, quote_amount, limit_price)


def _check_minimum(value: Decimal) -> None:
    if value < MIN_ORDER_VALUE:
        raise OrderTooSmall(
            _(TOO_SMALL).format(
                minimum=format_amount(MIN_ORDER_VALUE, Asset.USDT).removesuffix(".00"),
                value=format_amount(value, Asset.USDT),
            )
        )


def _check_available(account: Account, *, asset: str, needed: Decimal) -> None:
    available = balance_of(account, Wallet.SPOT, asset)
    if available < needed:
        raise InsufficientBalance(
            insufficient_message(
                asset=asset, wallet=Wallet.SPOT, available=available, needed=needed
            )
        )


@transaction.atomic
def order_place(
    *,
    account: Account,
    symbol: str,
    side: str,
    order_type: str,
    quantity: Decimal | None = None,
    quote_amount: Decimal | None = None,
    limit_price: Decimal | None = None,
    idempotency_key: str,
    now: datetime | None = None,
) -> Order:
    """Place a spot order.

    Rules: size it in the base asset (``quantity``) or in USDT (``quote_amount``, turned
    into a quantity at the index price for a market order, at the limit price for a
    limit order); quantities are rounded down to 8 places, so an order never spends more
    than asked. The order must be worth at least 10 USDT.

    - Market order: fills at once, whole, at the index price of the clock minute.
    - Limit order the market has already crossed (buy limit ≥ index, sell limit ≤
      index): fills at once at the index price, like a taker on an exchange - the
      learner gets the better price.
    - Other limit orders rest: the funds they can spend are reserved (Spot → Spot in
      orders; a buy reserves quantity × limit price in USDT, a sell the base asset), and
      the risk engine fills them at the limit price at the first minute the index
      crosses it.

    The fee (0.1% of what is received, or 0.075% of the value in BNB) is in
    ``engine.fill_order``.
    """
    key = _check_key(idempotency_key)
    request = _validate_order(
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=quantity,
        quote_amount=quote_amount,
        limit_price=limit_price,
    )
    now = now or timezone.now()
    account = _lock(account)
    previous = _replay(account, key, "order_place")
    if previous is not None:
        return previous.order
    session = Session(account)
    clock = _catch_up(session, now)
    base, quote = SYMBOL_ASSETS[request.symbol]
    index = session.market.index_price(request.symbol, clock.minute)

    plan = plan_order(
        symbol=request.symbol,
        side=request.side,
        order_type=request.order_type,
        quantity=request.quantity,
        quote_amount=request.quote_amount,
        limit_price=request.limit_price,
        index=index,
    )
    order_quantity, marketable = plan.quantity, plan.marketable
    _check_minimum(plan.value)
    reserve_asset, reserve_amount = plan.pays_asset, plan.pays_amount
    _check_available(account, asset=reserve_asset, needed=reserve_amount)

    order = Order.objects.create(
        account=account,
        season=account.season,
        wallet=Wallet.SPOT,
        symbol=request.symbol,
        side=request.side,
        order_type=request.order_type,
        quantity=order_quantity,
        quote_amount=request.quote_amount,
        limit_price=request.limit_price,
        placed_minute=clock.minute,
        placed_at=clock.time,
    )
    if marketable:
        fill_order(
            session,
            order,
            price=index,
            minute=clock.minute,
            sandbox_time=clock.time,
            from_wallet=Wallet.SPOT,
        )
    else:
        order.reserved_asset = reserve_asset
        order.reserved_amount = reserve_amount
        order.save(update_fields=["reserved_asset", "reserved_amount"])
        verb = "buy" if request.side == OrderSide.BUY else "sell"
        ledger_post(
            kind=TransactionKind.ORDER_HOLD,
            legs=move(
                source=account,
                source_wallet=Wallet.SPOT,
                target=account,
                target_wallet=Wallet.SPOT_LOCKED,
                asset=reserve_asset,
                amount=reserve_amount,
            ),
            account=account,
            memo=(
                f"Limit {verb} {format_amount(order_quantity, base)} {base} at "
                f"{price_text(request.symbol, request.limit_price)} {quote} placed; reserved "
                f"{format_amount(reserve_amount, reserve_asset)} {reserve_asset}"
            ),
            minute=clock.minute,
            sandbox_time=clock.time,
            order=order,
        )
    _remember(account, key, "order_place", order=order)
    return order


def _release(session: Session, order: Order, clock: Clock, *, reason: str) -> LedgerTransaction:
    account = session.account
    tx = ledger_post(
        kind=TransactionKind.ORDER_RELEASE,
        legs=move(
            source=account,
            source_wallet=Wallet.SPOT_LOCKED,
            target=account,
            target_wallet=Wallet.SPOT,
            asset=order.reserved_asset,
            amount=order.reserved_amount,
        ),
        account=account,
        memo=(
            f"{reason}: limit {order.side} {format_amount(order.quantity, order.base_asset)} "
            f"{order.base_asset} at {price_text(order.symbol, order.limit_price)} "
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


@transaction.atomic
def order_cancel(
    *, account: Account, order_id: int, idempotency_key: str, now: datetime | None = None
) -> Order:
    """Cancel an open limit order of the learner and release its reservation.

    Rule: only the learner's own open orders of the current season can be cancelled. The
    engine runs first, so an order the market filled a moment ago is reported as no
    longer open instead of being cancelled after the fact.
    """
    key = _check_key(idempotency_key)
    if isinstance(order_id, bool) or not isinstance(order_id, int):
        raise OrderNotOpen
    now = now or timezone.now()
    account = _lock(account)
    previous = _replay(account, key, "order_cancel")
    if previous is not None:
        return previous.order
    session = Session(account)
    clock = _catch_up(session, now)
    # The account lock covers its orders: the engine only fills them under that lock.
    order = Order.objects.filter(
        pk=order_id, account=account, season=account.season, status=OrderStatus.OPEN
    ).first()
    if order is None:
        raise OrderNotOpen
    _release(session, order, clock, reason="Cancelled")
    _remember(account, key, "order_cancel", order=order)
    return order


# ---------------------------------------------------------------------------------------
# Clock, rewards, settings
# ---------------------------------------------------------------------------------------


@transaction.atomic
def clock_fast_forward(
    *, account: Account, hours: int, idempotency_key: str, now: datetime | None = None
) -> Account:
    """Move the account's clock forward by 1, 24 or 168 hours and run the engine.

    Rule: time only goes forward; everything the market would have done in between
    (limit fills now, interest and liquidations later) happens at the minute it would
    have happened.
    """
    key = _check_key(idempotency_key)
    if type(hours) is not int or hours not in FAST_FORWARD_HOURS:
        raise InvalidFastForward(_(NOT_A_STEP))
    now = now or timezone.now()
    account = _lock(account)
    if _replay(account, key, "clock_fast_forward"):
        return account
    account.clock_offset_seconds += hours * 3600
    account.save(update_fields=["clock_offset_seconds"])
    _catch_up(Session(account), now)
    _remember(account, key, "clock_fast_forward")
    return account


@transaction.atomic
def reward_credit(
    *,
    account: Account,
    amount: Decimal,
    reason: str,
    now: datetime | None = None,
    memo: str = "",
) -> LedgerTransaction | None:
    """Pay a learn-and-earn reward in USDT to the Spot wallet, from the rewards account.

    Rule: a reason is paid once per account, ever - also after a reset - because the
    payment stores the operation key ``reward:<reason>``. Returns None when it was
    already paid.
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError("A reward is a finite Decimal.")
    if amount <= 0 or quantize8(amount) != amount:
        raise ValueError("A reward is positive, with at most 8 decimal places.")
    if not isinstance(reason, str) or not reason or len(reason) > MAX_REASON_LENGTH:
        raise ValueError(f"A reward reason is 1-{MAX_REASON_LENGTH} characters.")
    key = f"reward:{reason}"
    now = now or timezone.now()
    account = _lock(account)
    if _replay(account, key, "reward_credit"):
        return None
    session = Session(account)
    clock = _catch_up(session, now)
    tx = ledger_post(
        kind=TransactionKind.REWARD,
        legs=move(
            source=session.systems[SystemCode.REWARDS],
            source_wallet=Wallet.SPOT,
            target=account,
            target_wallet=Wallet.SPOT,
            asset=Asset.USDT,
            amount=amount,
        ),
        account=account,
        memo=memo or f"Reward: {reason}",
        minute=clock.minute,
        sandbox_time=clock.time,
    )
    _remember(account, key, "reward_credit", tx=tx)
    return tx


@transaction.atomic
def settings_update(
    *,
    account: Account,
    use_bnb_for_fees: bool,
    idempotency_key: str,
    now: datetime | None = None,
) -> SandboxSettings:
    """Change the settings this release acts on: "use BNB for fees".

    Rule: the choice applies to fills from now on, including resting limit orders.
    """
    key = _check_key(idempotency_key)
    if not isinstance(use_bnb_for_fees, bool):
        raise InvalidSettings(_("Choose whether to pay fees in BNB."))
    now = now or timezone.now()
    account = _lock(account)
    session = Session(account)
    if _replay(account, key, "settings_update"):
        return session.settings
    _catch_up(session, now)
    settings = session.settings
    settings.use_bnb_for_fees = use_bnb_for_fees
    settings.full_clean()
    settings.save()
    _remember(account, key, "settings_update")
    return settings
