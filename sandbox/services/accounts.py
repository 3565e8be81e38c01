"""Account services: open and sync a learner's account, refresh it, reset it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from sandbox import pricing
from sandbox.clock import Clock
from sandbox.ledger import system_accounts
from sandbox.models import Account, Asset, Fill, Order, OrderStatus, SandboxSettings
from sandbox.operations.funding import season_close, season_open
from sandbox.operations.margin import loans_settle
from sandbox.operations.session import Session
from sandbox.operations.trades import order_release
from sandbox.services.base import catch_up, locked_operation

STARTING_BALANCE = Decimal("10000")
STARTING_ASSET = Asset.USDT


@transaction.atomic
def account_sync(*, user: Any, now: datetime | None = None) -> Account:
    """The learner's account, brought up to its clock minute.

    Rule: every learner has exactly one sandbox account, created on first visit with
    10,000 USDT in the Spot wallet (season 1), evaluated from its creation minute.
    """
    now = now or timezone.now()
    # Looked up by user, not by id: this is the lock every service takes first.
    account = Account.objects.select_for_update().filter(user=user).first()
    if account is None:
        account = _account_create(user, now)
        if account is not None:
            return account
        # Another request created it between our look-up and our insert.
        account = Account.objects.select_for_update().get(user=user)
    catch_up(Session(account), now)
    return account


def _account_create(user: Any, now: datetime) -> Account | None:
    """Open the learner's account; None if a concurrent request opened it first."""
    # Loaded (and created on first use) outside the savepoint below.
    systems = system_accounts()
    try:
        # A savepoint: when two first visits race, the loser's insert fails on the
        # unique user and only this block rolls back.
        with transaction.atomic():
            account = Account.objects.create(
                user=user,
                season=1,
                clock_offset_seconds=0,
                evaluated_minute=pricing.minute_of(now),
                created_at=now,
            )
    except IntegrityError:
        return None
    SandboxSettings.objects.create(account=account)
    session = Session(account, systems=systems)
    season_open(
        session,
        Clock(account.evaluated_minute, now),
        amount=STARTING_BALANCE,
        asset=STARTING_ASSET,
    )
    return account


@transaction.atomic
def account_refresh(*, account: Account, now: datetime | None = None) -> tuple[Account, list[Fill]]:
    """Run the risk engine for ``account`` up to its clock minute; returns the fills made.

    What ``sandbox_sweep`` runs for each account, so notifications (margin calls,
    liquidations) do not wait for the learner's next visit.
    """
    with locked_operation(account, operation="account_refresh", key=None, now=now) as op:
        return op.account, op.fills


@transaction.atomic
def account_reset(
    *, account: Account, idempotency_key: str, now: datetime | None = None
) -> Account:
    """Start a fresh season.

    Rule: open orders (Spot and Cross Margin) are cancelled (reservations released), open
    loans are settled with the lending pool by the treasury, every remaining balance of
    the season goes back to the treasury, and the next season starts with 10,000 USDT.
    Earlier seasons' transactions, orders and fills stay as they were, readable in the
    history. The clock does not go back and settings are kept (a reset is no way out
    of a cooling-off period).
    """
    with locked_operation(account, operation="account_reset", key=idempotency_key, now=now) as op:
        if op.replayed:
            return op.account
        account = op.account
        for order in Order.objects.filter(
            account=account, season=account.season, status=OrderStatus.OPEN
        ).order_by("id"):
            order_release(op.session, order, op.clock, reason="Cancelled by the account reset")
        # Open Cross Margin loans are settled with the lending pool by the treasury, so
        # the pool is owed nothing by a closed season (docs/decisions.md).
        loans_settle(op.session, op.clock)
        season_close(op.session, op.clock)
        account.season += 1
        account.save(update_fields=["season"])
        op.tx = season_open(op.session, op.clock, amount=STARTING_BALANCE, asset=STARTING_ASSET)
    return account
