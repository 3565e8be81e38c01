"""What the reward tests read back from the sandbox (one place, if the sandbox moves them)."""

from __future__ import annotations


def spot_usdt(user):
    """The learner's Spot USDT in the sandbox (None: no sandbox account yet)."""
    from sandbox.ledger import balances_of
    from sandbox.models import Account

    account = Account.objects.filter(user=user).first()
    if account is None:
        return None
    return balances_of(account).get(("spot", "USDT"))


def reward_transactions(user):
    from sandbox.models import LedgerTransaction, TransactionKind

    return LedgerTransaction.objects.filter(account__user=user, kind=TransactionKind.REWARD)
