"""sandbox_audit: passes on a healthy ledger, fails loudly on any break."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sandbox import services
from sandbox.models import Balance, Posting
from tests.sandbox.factories import NOW, key


def audit() -> str:
    out = StringIO()
    call_command("sandbox_audit", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def busy_ledger(sandbox_account, other_sandbox_account, fixed_prices):
    for account in (sandbox_account, other_sandbox_account):
        services.order_place(
            account=account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quantity=Decimal("0.1"),
            idempotency_key=key(),
            now=NOW,
        )
        services.order_place(
            account=account,
            symbol="ETHUSDT",
            side="buy",
            order_type="limit",
            quantity=Decimal("1"),
            limit_price=Decimal("2000.00"),
            idempotency_key=key(),
            now=NOW,
        )
        services.reward_credit(account=account, amount=Decimal("100"), reason="r", now=NOW)
    services.account_reset(account=sandbox_account, idempotency_key=key(), now=NOW)
    return sandbox_account


def test_it_passes_on_a_healthy_ledger(busy_ledger):
    output = audit()

    assert "Ledger OK" in output
    assert "Checked 11 transactions" in output


def test_it_passes_on_an_empty_ledger(db):
    assert "Ledger OK" in audit()


def raw_sql(sql: str, params: list) -> None:
    """Change rows behind the ORM's back (table names come from model metadata)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.breaks_ledger
def test_it_fails_when_a_cached_balance_was_changed_behind_the_ledger(busy_ledger):
    row = Balance.objects.get(account=busy_ledger, season=2, wallet="spot", asset="USDT")
    table = Balance._meta.db_table
    raw_sql(f"UPDATE {table} SET amount = %s WHERE id = %s", ["10000.5", row.pk])  # noqa: S608

    with pytest.raises(CommandError) as error:
        audit()

    assert "1 balances not equal to their postings" in str(error.value)


@pytest.mark.breaks_ledger
def test_it_fails_when_a_posting_was_changed(busy_ledger):
    posting = Posting.objects.filter(asset="BTC").first()
    table = Posting._meta.db_table
    raw_sql(f"UPDATE {table} SET amount = %s WHERE id = %s", ["1", posting.pk])  # noqa: S608

    with pytest.raises(CommandError) as error:
        audit()

    assert "unbalanced transaction/asset pairs" in str(error.value)


@pytest.mark.breaks_ledger
def test_it_fails_on_a_negative_learner_balance(busy_ledger):
    # The CHECK constraint normally stops this; switch it off inside the test's
    # transaction to see the audit catch it on its own (PostgreSQL DDL rolls back too).
    table = Balance._meta.db_table
    if connection.vendor == "sqlite":
        raw_sql("PRAGMA ignore_check_constraints = ON", [])
    else:
        # Django's foreign keys are deferred; settle them so the table can be altered.
        raw_sql("SET CONSTRAINTS ALL IMMEDIATE", [])
        raw_sql(f"ALTER TABLE {table} DROP CONSTRAINT sandbox_balance_not_negative", [])
    try:
        row = Balance.objects.get(account=busy_ledger, season=2, wallet="spot", asset="BTC")
        raw_sql(f"UPDATE {table} SET amount = %s WHERE id = %s", ["-0.5", row.pk])  # noqa: S608

        with pytest.raises(CommandError) as error:
            audit()
    finally:
        if connection.vendor == "sqlite":
            raw_sql("PRAGMA ignore_check_constraints = OFF", [])

    assert "1 negative learner balances" in str(error.value)
