"""The engine charges one hour of interest at each clock hour while a loan is open, exactly
what the interest calculator says (SPEC §5.2 ``interest``, §6.5)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calculators.formulas import (
    charged_hours,
    hourly_interest_charge,
    hourly_rate_from_yearly,
    quantize8,
)
from sandbox import pricing, services
from sandbox.ledger import balances_of
from sandbox.models import (
    InterestCharge,
    InterestRate,
    InterestSource,
    LedgerTransaction,
    TransactionKind,
    Wallet,
)
from sandbox.operations.margin import repay
from tests.sandbox.factories import NOW, key
from tests.sandbox.margin_setup import act, borrow_now, refresh, set_settings, spot_buy, to_cross

D = Decimal
pytestmark = pytest.mark.django_db
START = pricing.minute_of(NOW)  # NOW is 12:00:30, so START is a clock hour (hh:00)
USDT_HOURLY = hourly_rate_from_yearly(yearly_percent=D(8))


def fast_forward(account, hours: int, now=NOW):
    return services.clock_fast_forward(
        account=account, hours=hours, idempotency_key=key(), now=now
    ).account


def charges(account, source=InterestSource.HOURLY):
    return list(InterestCharge.objects.filter(account=account, source=source).order_by("hour"))


def test_it_charges_25_hours_after_a_loan_at_hh00_as_the_calculator_does(sandbox_account):
    assert START % 60 == 0
    to_cross(sandbox_account, "USDT", D(1000), now=NOW)
    borrow_now(sandbox_account, "USDT", D(2000), now=NOW)

    account = fast_forward(sandbox_account, 24)
    account = fast_forward(account, 1)

    hourly = hourly_interest_charge(principal=D(2000), hourly_rate_percent=USDT_HOURLY)
    expected_hours = charged_hours(borrow_minute=0, hours=D(25))
    assert expected_hours == 26
    at_borrowing = charges(account, InterestSource.BORROW)
    on_the_hour = charges(account)
    assert len(at_borrowing) == 1 and at_borrowing[0].hour == START // 60
    # The hour the loan was taken in is charged once, at borrowing - not again at hh:00.
    assert [c.hour for c in on_the_hour] == [START // 60 + h for h in range(1, 26)]
    assert {c.amount for c in on_the_hour} == {hourly}
    assert balances_of(account)[(Wallet.CROSS_INTEREST, "USDT")] == hourly * expected_hours


def test_the_interest_calculator_api_agrees_to_the_digit(sandbox_account, client):
    # 8.76 % a year is exactly 0.001 % an hour, a rate the API accepts as typed.
    InterestRate.objects.update_or_create(asset="USDT", defaults={"yearly_percent": D("8.76")})
    later = NOW + timedelta(minutes=17)
    to_cross(sandbox_account, "USDT", D(500), now=later)
    borrow_now(sandbox_account, "USDT", D("1234.5"), now=later)

    account = fast_forward(sandbox_account, 24, now=later)
    account = fast_forward(account, 1, now=later)

    response = client.get(
        "/api/calculators/interest/",
        {
            "principal": "1234.5",
            "hourly_rate_percent": "0.001",
            "hours": "25",
            "borrow_minute": "17",
        },
    )
    results = response.json()["results"]
    rows = InterestCharge.objects.filter(account=account)
    assert int(results["charged_hours"]) == rows.count() == 26
    assert D(results["hourly_charge"]) == D("0.01234500")
    total = sum((row.amount for row in rows), D(0))
    assert D(results["total_interest"]) == total
    assert balances_of(account)[(Wallet.CROSS_INTEREST, "USDT")] == total


def test_repay_after_25_hours_pays_the_interest_first(sandbox_account):
    to_cross(sandbox_account, "USDT", D(1000), now=NOW)
    borrow_now(sandbox_account, "USDT", D(2000), now=NOW)
    account = fast_forward(fast_forward(sandbox_account, 24), 1)
    owed_interest = balances_of(account)[(Wallet.CROSS_INTEREST, "USDT")]

    # The clock is 25 hours ahead of real time now.
    _, split = act(account, lambda s, c: repay(s, c, asset="USDT", amount=D(100)), now=NOW)

    assert (
        split.interest
        == owed_interest
        == 26 * hourly_interest_charge(principal=D(2000), hourly_rate_percent=USDT_HOURLY)
    )
    assert split.principal == D(100) - owed_interest
    amounts = balances_of(account)
    assert amounts[(Wallet.CROSS_INTEREST, "USDT")] == 0
    assert amounts[(Wallet.CROSS_DEBT, "USDT")] == D(2000) - split.principal


def test_interest_follows_the_principal_owed_at_each_hour(sandbox_account):
    to_cross(sandbox_account, "USDT", D(1000), now=NOW)
    borrow_now(sandbox_account, "USDT", D(2000), now=NOW)
    account = refresh(sandbox_account, NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=1, minutes=30)
    act(account, lambda s, c: repay(s, c, asset="USDT", amount=D(1000)), now=later)

    account = refresh(account, NOW + timedelta(hours=3))

    amounts = [c.principal for c in charges(account)]
    principal_after = D(2000) - (D(1000) - 2 * quantize8(D(2000) * USDT_HOURLY / 100))
    assert amounts == [D(2000), principal_after, principal_after]


def test_a_week_posts_one_interest_transaction_and_one_bulk_insert(sandbox_account):
    to_cross(sandbox_account, "USDT", D(1000), now=NOW)
    borrow_now(sandbox_account, "USDT", D(2000), now=NOW)
    before = LedgerTransaction.objects.filter(kind=TransactionKind.INTEREST).count()

    with CaptureQueriesContext(connection) as week:
        account = fast_forward(sandbox_account, 168)

    interest = LedgerTransaction.objects.filter(kind=TransactionKind.INTEREST).order_by("id")
    assert interest.count() == before + 1
    tx = interest.last()
    assert tx.interest_charges.count() == 168
    assert tx.minute == START + 168 * 60
    # One bulk insert for all 168 rows: a prepared INSERT run once (SQLite), or a COPY
    # (PostgreSQL), which goes to the server outside the query log.
    assert len(charge_inserts(week)) == (0 if connection.vendor == "postgresql" else 1)
    assert balances_of(account)[(Wallet.CROSS_INTEREST, "USDT")] == 169 * hourly_interest_charge(
        principal=D(2000), hourly_rate_percent=USDT_HOURLY
    )


def test_fills_during_the_week_do_not_split_the_interest_posting(sandbox_account):
    """A resting order that fills mid-week does not need the queued interest posted
    first: the week's charges still go to the ledger as one transaction."""
    to_cross(sandbox_account, "USDT", D(1000), now=NOW)
    borrow_now(sandbox_account, "USDT", D(2000), now=NOW)
    index = pricing.index_price("BTCUSDT", START)
    services.order_place(
        account=sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quote_amount=D(100),
        limit_price=(index * D("0.995")).quantize(D("0.01")),
        idempotency_key=key(),
        now=NOW,
    )
    before = LedgerTransaction.objects.filter(kind=TransactionKind.INTEREST).count()

    account = fast_forward(sandbox_account, 168)

    fill = LedgerTransaction.objects.get(account=account, kind=TransactionKind.TRADE)
    assert START < fill.minute < START + 168 * 60  # the order filled during the week
    interest = LedgerTransaction.objects.filter(kind=TransactionKind.INTEREST)
    assert interest.count() == before + 1
    assert interest.order_by("id").last().interest_charges.count() == 168
    assert balances_of(account)[(Wallet.CROSS_INTEREST, "USDT")] == 169 * hourly_interest_charge(
        principal=D(2000), hourly_rate_percent=USDT_HOURLY
    )


def test_a_week_of_interest_costs_a_constant_number_of_queries(
    sandbox_account, other_sandbox_account
):
    for account in (sandbox_account, other_sandbox_account):
        to_cross(account, "USDT", D(1000), now=NOW)
        borrow_now(account, "USDT", D(2000), now=NOW)

    with CaptureQueriesContext(connection) as day:
        fast_forward(sandbox_account, 24)
    with CaptureQueriesContext(connection) as week:
        fast_forward(other_sandbox_account, 168)

    assert len(week.captured_queries) == len(day.captured_queries)


def charge_inserts(captured) -> list:
    """The INSERTs of interest charge rows (an ``executemany`` is logged once, as
    "N times: INSERT ...")."""
    return [
        q
        for q in captured.captured_queries
        if "INSERT" in q["sql"] and "sandbox_interestcharge" in q["sql"]
    ]


def test_with_use_bnb_for_interest_it_pays_95_percent_in_bnb(sandbox_account):
    spot_buy(sandbox_account, "BNBUSDT", D(500), now=NOW)
    bnb = balances_of(sandbox_account)[(Wallet.SPOT, "BNB")]
    to_cross(sandbox_account, "BNB", bnb, now=NOW)
    to_cross(sandbox_account, "USDT", D(1000), now=NOW)
    set_settings(sandbox_account, use_bnb_for_interest=True)
    borrow_now(sandbox_account, "USDT", D(2000), now=NOW)

    account = fast_forward(sandbox_account, 24)

    discounted = hourly_interest_charge(
        principal=D(2000), hourly_rate_percent=USDT_HOURLY, bnb_discount=True
    )
    rows = charges(account)
    assert len(rows) == 24
    paid = D(0)
    for row in rows:
        bnb_price = pricing.index_price("BNBUSDT", row.minute, seed=_seed())
        assert row.amount == discounted
        assert (row.paid_asset, row.paid_amount) == ("BNB", quantize8(discounted / bnb_price))
        paid += row.paid_amount
    amounts = balances_of(account)
    assert amounts[(Wallet.CROSS_INTEREST, "USDT")] == 0
    borrow_paid = InterestCharge.objects.get(source=InterestSource.BORROW).paid_amount
    assert amounts[(Wallet.CROSS, "BNB")] == bnb - paid - borrow_paid


def test_without_enough_bnb_the_full_charge_is_owed(sandbox_account):
    to_cross(sandbox_account, "USDT", D(1000), now=NOW)
    set_settings(sandbox_account, use_bnb_for_interest=True)
    borrow_now(sandbox_account, "USDT", D(2000), now=NOW)

    account = fast_forward(sandbox_account, 1)

    (row,) = charges(account)
    assert row.paid_asset == "USDT" and row.paid_amount == 0
    assert row.amount == hourly_interest_charge(principal=D(2000), hourly_rate_percent=USDT_HOURLY)


def test_catching_up_again_charges_nothing_more(sandbox_account):
    to_cross(sandbox_account, "USDT", D(1000), now=NOW)
    borrow_now(sandbox_account, "USDT", D(2000), now=NOW)
    account = fast_forward(sandbox_account, 24)
    owed = balances_of(account)[(Wallet.CROSS_INTEREST, "USDT")]

    services.account_sync(user=account.user, now=NOW)
    account = refresh(account, NOW)

    assert balances_of(account)[(Wallet.CROSS_INTEREST, "USDT")] == owed
    assert InterestCharge.objects.filter(source=InterestSource.HOURLY).count() == 24


def _seed() -> int:
    from django.conf import settings

    return settings.MARKET_SEED
