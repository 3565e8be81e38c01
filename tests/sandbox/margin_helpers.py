"""Helpers for the Cross Margin service tests: activation, deposits, snapshots."""

from __future__ import annotations

from decimal import Decimal

from accounts.services import margin_activation_record
from sandbox.clock import account_clock
from sandbox.cross import cross_snapshot
from sandbox.ledger import balances_of, ledger_post, move, system_accounts
from sandbox.market import load_market
from sandbox.models import Account, InterestRate, SandboxSettings, SystemCode, TransactionKind
from tests.sandbox.factories import NOW

D = Decimal


def activate(account: Account) -> Account:
    """Pass the learner's margin quiz (the activation the margin services require)."""
    margin_activation_record(user=account.user, attempt_id=1, statement_version="v1", now=NOW)
    return account


def deposit(account: Account, asset: str, amount: str, wallet: str = "cross") -> None:
    """Put ``amount`` of ``asset`` in a wallet straight from the treasury (test set-up)."""
    clock = account_clock(account, NOW)
    ledger_post(
        kind=TransactionKind.DEPOSIT,
        legs=move(
            source=system_accounts()[SystemCode.TREASURY],
            source_wallet="spot",
            target=account,
            target_wallet=wallet,
            asset=asset,
            amount=D(amount),
        ),
        account=account,
        memo=f"Test deposit of {amount} {asset} into {wallet}",
        minute=clock.minute,
        sandbox_time=clock.time,
    )


def free_of_interest(*assets: str) -> None:
    """Set the yearly rate of ``assets`` to 0, so levels are exact ratios of round numbers."""
    for asset in assets:
        InterestRate.objects.update_or_create(asset=asset, defaults={"yearly_percent": D(0)})


def snapshot(account: Account, now=NOW):
    account.refresh_from_db()
    kind = SandboxSettings.objects.get(account=account).margin_kind
    prices = load_market().prices_at(account_clock(account, now).minute)
    return cross_snapshot(balances_of(account), prices, margin_kind=kind)


def amounts(account: Account) -> dict[tuple[str, str], Decimal]:
    account.refresh_from_db()
    return balances_of(account)
