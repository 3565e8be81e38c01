"""Concurrent margin requests on one account (PostgreSQL: real row locks, real threads).

The account lock serialises them: parallel borrows together never exceed the max borrow,
parallel transfers out never take the collateral margin level to 2 or below, and no
update is lost.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from sandbox import services
from sandbox.errors import BorrowTooLarge, MarginRuleBroken
from sandbox.models import Account, LedgerTransaction, TransactionKind
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.sandbox.factories import NOW, key
from tests.sandbox.margin_helpers import activate, amounts, snapshot

D = Decimal
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


@pytest.fixture
def account(fixed_prices) -> Account:
    account = activate(services.account_sync(user=UserFactory(username="racer"), now=NOW))
    services.margin_transfer(
        account=account,
        asset="USDT",
        amount=D("1000"),
        direction="in",
        idempotency_key=key(),
        now=NOW,
    )
    return account


def test_parallel_borrows_never_exceed_the_max_borrow(account):
    # Max borrow from 1,000 USDT (3x) is 1,999.94 USDT: three loans of 500 fit, a
    # fourth would leave the collateral margin level under 1.5.
    def borrow(_: int):
        return services.margin_borrow(
            account=account, asset="USDT", amount=D("500"), idempotency_key=key(), now=NOW
        )

    results = run_in_threads(THREADS, borrow)

    done = [r for r in results if isinstance(r, LedgerTransaction)]
    refused = [r for r in results if isinstance(r, BorrowTooLarge)]
    assert (len(done), len(refused)) == (3, 7), results
    held = amounts(account)
    assert held[("cross_debt", "USDT")] == D("1500")
    assert held[("cross", "USDT")] == D("2500")
    assert snapshot(account).collateral_margin_level >= D("1.5")
    call_command("sandbox_audit", stdout=StringIO())


def test_parallel_transfers_out_never_break_cml_above_2(account):
    services.margin_transfer(
        account=account,
        asset="USDT",
        amount=D("2000"),
        direction="in",
        idempotency_key=key(),
        now=NOW,
    )
    services.margin_borrow(
        account=account, asset="USDT", amount=D("1000"), idempotency_key=key(), now=NOW
    )

    # 4,000 USDT held, 1,000.00913242 owed: less than 1,999.98 can leave.
    def transfer_out(_: int):
        return services.margin_transfer(
            account=account,
            asset="USDT",
            amount=D("500"),
            direction="out",
            idempotency_key=key(),
            now=NOW,
        )

    results = run_in_threads(THREADS, transfer_out)

    done = [r for r in results if isinstance(r, LedgerTransaction)]
    refused = [r for r in results if isinstance(r, MarginRuleBroken)]
    assert (len(done), len(refused)) == (3, 7), results
    assert amounts(account)[("cross", "USDT")] == D("2500")
    assert snapshot(account).collateral_margin_level > 2
    call_command("sandbox_audit", stdout=StringIO())


def test_parallel_transfers_borrows_and_repays_lose_no_update(account):
    def act(index: int):
        if index % 3 == 0:
            return services.margin_transfer(
                account=account,
                asset="USDT",
                amount=D("10"),
                direction="in",
                idempotency_key=key(),
                now=NOW,
            )
        if index % 3 == 1:
            return services.margin_borrow(
                account=account, asset="USDT", amount=D("20"), idempotency_key=key(), now=NOW
            )
        return services.order_place(
            account=account,
            wallet="cross",
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quote_amount=D("50"),
            idempotency_key=key(),
            now=NOW,
        )

    results = run_in_threads(12, act)

    assert not [r for r in results if isinstance(r, Exception)], results
    held = amounts(account)
    # 4 transfers of 10 in, 4 loans of 20, 4 buys of 50 USDT (0.001 BTC each, less fee).
    assert held[("cross", "USDT")] == D("1000") + 4 * D("10") + 4 * D("20") - 4 * D("50")
    assert held[("cross_debt", "USDT")] == 4 * D("20")
    assert held[("cross", "BTC")] == 4 * D("0.000999")
    assert LedgerTransaction.objects.filter(kind=TransactionKind.BORROW).count() == 4
    call_command("sandbox_audit", stdout=StringIO())


def test_one_borrow_form_applies_once_across_threads(account):
    form_key = key()

    def borrow(_: int):
        return services.margin_borrow(
            account=account, asset="USDT", amount=D("100"), idempotency_key=form_key, now=NOW
        )

    results = run_in_threads(THREADS, borrow)

    assert all(isinstance(r, LedgerTransaction) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert amounts(account)[("cross_debt", "USDT")] == D("100")
