"""reward_credit: learn-and-earn money, paid once per reason, ever."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox import services
from sandbox.ledger import balances_of
from sandbox.models import LedgerTransaction, Posting, SystemCode, TransactionKind
from tests.sandbox.factories import NOW, key


def test_it_credits_the_reward_to_spot_usdt_from_the_rewards_account(sandbox_account):
    tx = services.reward_credit(
        account=sandbox_account, amount=Decimal("100"), reason="course:leverage-basics", now=NOW
    )

    assert tx.kind == TransactionKind.REWARD
    assert tx.memo == "Reward: course:leverage-basics"
    assert balances_of(sandbox_account)[("spot", "USDT")] == Decimal("10100")
    rewards = Posting.objects.get(transaction=tx, account__system_code=SystemCode.REWARDS)
    assert rewards.amount == Decimal("-100")


def test_it_pays_a_reason_only_once(sandbox_account):
    services.reward_credit(
        account=sandbox_account, amount=Decimal("100"), reason="course:a", now=NOW
    )

    again = services.reward_credit(
        account=sandbox_account, amount=Decimal("100"), reason="course:a", now=NOW
    )

    assert again is None
    assert balances_of(sandbox_account)[("spot", "USDT")] == Decimal("10100")


def test_it_pays_a_reason_only_once_even_after_a_reset(sandbox_account):
    services.reward_credit(
        account=sandbox_account, amount=Decimal("100"), reason="course:a", now=NOW
    )
    account = services.account_reset(account=sandbox_account, idempotency_key=key(), now=NOW)

    again = services.reward_credit(
        account=account, amount=Decimal("100"), reason="course:a", now=NOW
    )

    assert again is None
    assert balances_of(account)[("spot", "USDT")] == Decimal("10000")


def test_it_pays_different_reasons_and_different_learners(sandbox_account, other_sandbox_account):
    services.reward_credit(
        account=sandbox_account, amount=Decimal("100"), reason="course:a", now=NOW
    )
    services.reward_credit(
        account=sandbox_account, amount=Decimal("50"), reason="course:b", now=NOW
    )
    services.reward_credit(
        account=other_sandbox_account, amount=Decimal("100"), reason="course:a", now=NOW
    )

    assert balances_of(sandbox_account)[("spot", "USDT")] == Decimal("10150")
    assert balances_of(other_sandbox_account)[("spot", "USDT")] == Decimal("10100")
    assert LedgerTransaction.objects.filter(kind=TransactionKind.REWARD).count() == 3


def test_it_uses_a_memo_when_given(sandbox_account):
    tx = services.reward_credit(
        account=sandbox_account,
        amount=Decimal("100"),
        reason="course:a",
        memo="Completed Leverage basics",
        now=NOW,
    )

    assert tx.memo == "Completed Leverage basics"


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (Decimal("0"), "x"),
        (Decimal("-5"), "x"),
        (Decimal("0.000000001"), "x"),
        (100, "x"),
        (Decimal("Infinity"), "x"),
        (Decimal("100"), ""),
        (Decimal("100"), "x" * 101),
    ],
)
def test_it_refuses_bad_rewards(sandbox_account, amount, reason):
    with pytest.raises(ValueError):
        services.reward_credit(account=sandbox_account, amount=amount, reason=reason, now=NOW)

    assert not LedgerTransaction.objects.filter(kind=TransactionKind.REWARD).exists()
