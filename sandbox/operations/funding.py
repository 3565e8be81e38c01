"""Money in and out of an account: a season's starting deposit, rewards, a season's close.

Like every operation, these assume the caller holds the account lock.
"""

from __future__ import annotations

from decimal import Decimal

from config.formatting import format_amount
from sandbox.clock import Clock
from sandbox.ledger import balances_of, ledger_post, move, open_season
from sandbox.models import LedgerTransaction, SystemCode, TransactionKind, Wallet
from sandbox.operations.session import Session


def season_open(
    session: Session, clock: Clock, *, amount: Decimal, asset: str
) -> LedgerTransaction:
    """Open the account's current season: its balance rows, and ``amount`` of ``asset``
    from the treasury into the Spot wallet."""
    account = session.account
    open_season(account, account.season)
    return _credit_spot(
        session,
        clock,
        kind=TransactionKind.DEPOSIT,
        source=SystemCode.TREASURY,
        amount=amount,
        asset=asset,
        memo=f"Season {account.season} starting balance: {format_amount(amount, asset)} {asset}",
    )


def season_close(session: Session, clock: Clock) -> LedgerTransaction | None:
    """Hand every balance of the current season (every wallet) back to the treasury.

    Open orders must have been released first. None when nothing was left.
    """
    account = session.account
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
    if not legs:
        return None
    return ledger_post(
        kind=TransactionKind.RESET,
        legs=legs,
        account=account,
        memo=f"Season {account.season} closed: balances returned to the treasury",
        minute=clock.minute,
        sandbox_time=clock.time,
    )


def reward_pay(
    session: Session, clock: Clock, *, amount: Decimal, asset: str, memo: str
) -> LedgerTransaction:
    """Pay ``amount`` of ``asset`` from the rewards account into the Spot wallet."""
    return _credit_spot(
        session,
        clock,
        kind=TransactionKind.REWARD,
        source=SystemCode.REWARDS,
        amount=amount,
        asset=asset,
        memo=memo,
    )


def _credit_spot(
    session: Session,
    clock: Clock,
    *,
    kind: str,
    source: str,
    amount: Decimal,
    asset: str,
    memo: str,
) -> LedgerTransaction:
    """``amount`` of ``asset`` from the system account ``source`` into the Spot wallet."""
    return ledger_post(
        kind=kind,
        legs=move(
            source=session.systems[source],
            source_wallet=Wallet.SPOT,
            target=session.account,
            target_wallet=Wallet.SPOT,
            asset=asset,
            amount=amount,
        ),
        account=session.account,
        memo=memo,
        minute=clock.minute,
        sandbox_time=clock.time,
    )
