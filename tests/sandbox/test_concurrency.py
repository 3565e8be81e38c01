"""Concurrent requests on one account (PostgreSQL: real row locks, real threads).

The account row lock serialises every service: threads that together ask for more USDT
than the account holds get exactly what fits, nothing is lost or spent twice, and one
idempotency key applies once however many requests carry it.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from sandbox import services
from sandbox.errors import InsufficientBalance
from sandbox.ledger import balances_of
from sandbox.models import Account, Fill, LedgerTransaction, OperationKey, Order
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.sandbox.factories import NOW, key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


@pytest.fixture
def account(fixed_prices) -> Account:
    return services.account_sync(user=UserFactory(username="racer"), now=NOW)


def test_parallel_buys_never_overspend(account):
    # Ten buys of 1,500 USDT against 10,000: exactly six fit.
    def buy(_: int):
        return services.order_place(
            account=account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quote_amount=Decimal("1500"),
            idempotency_key=key(),
            now=NOW,
        )

    results = run_in_threads(THREADS, buy)

    filled = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert (len(filled), len(refused)) == (6, 4), results
    assert refused[0].message == (
        "Insufficient USDT in your Spot wallet: 1,000.00 available, 1,500.00 needed"
    )
    balances = balances_of(Account.objects.get(pk=account.pk))
    assert balances[("spot", "USDT")] == Decimal("1000")
    assert balances[("spot", "BTC")] == Decimal("0.17982")  # 6 × (0.03 − 0.1% fee)
    assert Fill.objects.count() == 6
    call_command("sandbox_audit", stdout=StringIO())


def test_parallel_limit_orders_and_cancels_keep_reservations_exact(account):
    def place_and_cancel(index: int):
        order = services.order_place(
            account=account,
            symbol="ETHUSDT",
            side="buy",
            order_type="limit",
            quote_amount=Decimal("1200"),
            limit_price=Decimal("2000.00"),
            idempotency_key=key(),
            now=NOW,
        )
        if index % 2:
            services.order_cancel(
                account=account, order_id=order.pk, idempotency_key=key(), now=NOW
            )
        return order

    results = run_in_threads(THREADS, place_and_cancel)

    assert not [
        r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientBalance)
    ]
    open_orders = Order.objects.filter(status="open")
    reserved = sum((o.reserved_amount for o in open_orders), Decimal(0))
    balances = balances_of(Account.objects.get(pk=account.pk))
    assert balances[("spot_locked", "USDT")] == reserved
    assert balances[("spot", "USDT")] + reserved == Decimal("10000")
    call_command("sandbox_audit", stdout=StringIO())


def test_one_idempotency_key_applies_once_across_threads(account):
    form_key = key()

    def submit(_: int):
        return services.order_place(
            account=account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quantity=Decimal("0.01"),
            idempotency_key=form_key,
            now=NOW,
        )

    results = run_in_threads(THREADS, submit)

    assert all(isinstance(r, Order) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Order.objects.count() == 1
    assert OperationKey.objects.filter(key=form_key).count() == 1
    assert balances_of(Account.objects.get(pk=account.pk))[("spot", "USDT")] == Decimal("9500")
    call_command("sandbox_audit", stdout=StringIO())


def test_first_visits_in_parallel_open_one_account():
    user = UserFactory(username="newcomer")

    results = run_in_threads(THREADS, lambda _: services.account_sync(user=user, now=NOW))

    assert all(isinstance(r, Account) for r in results), results
    assert Account.objects.filter(user=user).count() == 1
    assert LedgerTransaction.objects.filter(account__user=user).count() == 1
    call_command("sandbox_audit", stdout=StringIO())
