"""The reward service: learn-and-earn payments (called by learn/)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from calculators.formulas import quantize8
from sandbox.models import Account, Asset, LedgerTransaction
from sandbox.operations.funding import reward_pay
from sandbox.services.base import locked_operation

MAX_REASON_LENGTH = 100


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
    with locked_operation(
        account, operation="reward_credit", key=f"reward:{reason}", now=now
    ) as op:
        if op.replayed:
            return None
        op.tx = reward_pay(
            op.session, op.clock, amount=amount, asset=Asset.USDT, memo=memo or f"Reward: {reason}"
        )
    return op.tx
