"""The ledger: balanced transactions only, append-only rows, no negative learner balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError

from sandbox import services
from sandbox.errors import InsufficientBalance
from sandbox.ledger import LedgerError, Leg, balances_of, ledger_post, move, system_accounts
from sandbox.models import (
    Account,
    AppendOnlyError,
    Balance,
    Fill,
    LedgerTransaction,
    Posting,
    TransactionKind,
)
from sandbox.pricing import datetime_of
from tests.sandbox.factories import NOW, key

MINUTE = 29_000_000


def post(account: Account, legs: list[Leg]) -> LedgerTransaction:
    return ledger_post(
        kind=TransactionKind.REWARD,
        legs=legs,
        account=account,
        memo="test",
        minute=MINUTE,
        sandbox_time=datetime_of(MINUTE),
    )


def reward_legs(account: Account, amount: Decimal) -> list[Leg]:
    return move(
        source=system_accounts()["rewards"],
        source_wallet="spot",
        target=account,
        target_wallet="spot",
        asset="USDT",
        amount=amount,
    )


def test_it_records_a_balanced_transaction_and_updates_the_cache(sandbox_account):
    tx = post(sandbox_account, reward_legs(sandbox_account, Decimal("12.5")))

    assert tx.postings.count() == 2
    assert balances_of(sandbox_account)[("spot", "USDT")] == Decimal("10012.5")


def test_it_refuses_an_unbalanced_transaction(sandbox_account):
    legs = [
        *reward_legs(sandbox_account, Decimal("1")),
        Leg(sandbox_account, "spot", "USDT", Decimal("1")),
    ]

    with pytest.raises(LedgerError, match="Unbalanced"):
        post(sandbox_account, legs)

    assert LedgerTransaction.objects.filter(memo="test").count() == 0


def test_it_refuses_more_than_8_decimal_places(sandbox_account):
    with pytest.raises(LedgerError, match="8 decimal places"):
        post(sandbox_account, reward_legs(sandbox_account, Decimal("0.000000001")))


def test_it_refuses_an_empty_transaction(sandbox_account):
    with pytest.raises(LedgerError):
        post(sandbox_account, reward_legs(sandbox_account, Decimal(0)))


def test_it_refuses_to_take_a_learner_balance_below_zero(sandbox_account):
    legs = move(
        source=sandbox_account,
        source_wallet="spot",
        target=system_accounts()["market"],
        target_wallet="spot",
        asset="USDT",
        amount=Decimal("10000.01"),
    )

    with pytest.raises(InsufficientBalance) as error:
        post(sandbox_account, legs)

    assert error.value.message == (
        "Insufficient USDT in your Spot wallet: 10,000.00 available, 10,000.01 needed"
    )
    assert balances_of(sandbox_account)[("spot", "USDT")] == Decimal("10000")


def test_it_lets_system_accounts_go_negative_without_caching_them(sandbox_account):
    treasury = Account.objects.get(system_code="treasury")

    assert not Balance.objects.filter(account=treasury).exists()
    assert sum(p.amount for p in Posting.objects.filter(account=treasury)) == Decimal("-10000")


def test_the_database_refuses_a_negative_balance(sandbox_account):
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(account=sandbox_account, wallet="spot", asset="USDT").update(
            amount=Decimal("-1")
        )


# --- append-only ---------------------------------------------------------------------


@pytest.fixture
def ledger_rows(sandbox_account, fixed_prices):
    services.order_place(
        account=sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quantity=Decimal("0.1"),
        idempotency_key=key(),
        now=NOW,
    )
    return {
        "transaction": LedgerTransaction.objects.first(),
        "posting": Posting.objects.first(),
        "fill": Fill.objects.first(),
    }


@pytest.mark.parametrize("name", ["transaction", "posting", "fill"])
def test_it_refuses_to_update_a_saved_row(ledger_rows, name):
    row = ledger_rows[name]

    with pytest.raises(AppendOnlyError):
        row.save()


@pytest.mark.parametrize("name", ["transaction", "posting", "fill"])
def test_it_refuses_to_delete_a_row(ledger_rows, name):
    with pytest.raises(AppendOnlyError):
        ledger_rows[name].delete()


@pytest.mark.parametrize("model", [LedgerTransaction, Posting, Fill])
def test_it_refuses_queryset_update_and_delete(ledger_rows, model):
    with pytest.raises(AppendOnlyError):
        model.objects.all().update(id=F("id"))
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()

    assert model.objects.exists()


def test_it_refuses_to_delete_a_learner_with_sandbox_history(sandbox_account):
    with pytest.raises(ProtectedError), transaction.atomic():
        sandbox_account.user.delete()
