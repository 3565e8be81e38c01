"""account_reset: a fresh season with 10,000 USDT; earlier seasons stay readable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox import selectors, services
from sandbox.ledger import balances_of
from sandbox.models import Account, Fill, LedgerTransaction, Order, Posting, TransactionKind
from tests.sandbox.factories import NOW, key

pytestmark = pytest.mark.usefixtures("fixed_prices")


def trade_a_little(account: Account) -> Order:
    services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quantity=Decimal("0.1"),
        idempotency_key=key(),
        now=NOW,
    )
    return services.order_place(
        account=account,
        symbol="ETHUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("1"),
        limit_price=Decimal("2000.00"),
        idempotency_key=key(),
        now=NOW,
    )


def reset(account: Account, form_key: str | None = None) -> Account:
    return services.account_reset(account=account, idempotency_key=form_key or key(), now=NOW)


def test_it_starts_season_2_with_10000_usdt(sandbox_account):
    trade_a_little(sandbox_account)

    account = reset(sandbox_account)

    assert account.season == 2
    balances = {k: v for k, v in balances_of(account).items() if v}
    assert balances == {("spot", "USDT"): Decimal("10000")}


def test_it_keeps_season_1_history_intact(sandbox_account):
    limit_order = trade_a_little(sandbox_account)
    season_1_txs = list(
        LedgerTransaction.objects.filter(account=sandbox_account, season=1).values_list(
            "pk", "memo"
        )
    )

    account = reset(sandbox_account)

    assert Fill.objects.filter(account=account, season=1).count() == 1
    limit_order.refresh_from_db()
    assert limit_order.status == "cancelled"
    history = selectors.history_page(account=account, season=1, per_page=100)
    kinds = [entry.kind for entry in history.entries]
    assert kinds == ["reset", "order_release", "order_hold", "trade", "deposit"]
    # What happened in season 1 is still there, unchanged, under the reset's entries.
    still_there = LedgerTransaction.objects.filter(account=account, season=1).values_list(
        "pk", "memo"
    )
    assert set(season_1_txs) <= set(still_there)
    # Season 1's final balances: everything went back to the treasury.
    assert all(v == 0 for v in balances_of(account, season=1).values())


def test_it_returns_the_old_seasons_money_to_the_treasury(sandbox_account):
    trade_a_little(sandbox_account)

    account = reset(sandbox_account)

    closing = LedgerTransaction.objects.get(account=account, kind=TransactionKind.RESET)
    assert closing.season == 1
    mine = {(p.wallet, p.asset): p.amount for p in closing.postings.filter(account=account)}
    assert mine == {("spot", "USDT"): Decimal("-5000"), ("spot", "BTC"): Decimal("-0.0999")}
    treasury_total = sum(
        p.amount for p in Posting.objects.filter(account__system_code="treasury", asset="USDT")
    )
    # Two deposits out, one season's USDT back.
    assert treasury_total == Decimal("-15000")


def test_it_applies_a_double_submitted_reset_once(sandbox_account):
    form_key = key()
    reset(sandbox_account, form_key)
    account = reset(sandbox_account, form_key)

    assert account.season == 2
    assert LedgerTransaction.objects.filter(kind=TransactionKind.DEPOSIT).count() == 2


def test_it_keeps_the_clock_and_settings(sandbox_account):
    services.clock_fast_forward(account=sandbox_account, hours=24, idempotency_key=key(), now=NOW)
    services.settings_update(
        account=sandbox_account, use_bnb_for_fees=True, idempotency_key=key(), now=NOW
    )

    account = reset(sandbox_account)

    assert account.clock_offset_seconds == 24 * 3600
    assert account.settings.use_bnb_for_fees is True


def test_it_can_reset_again_and_again(sandbox_account):
    account = sandbox_account
    for _ in range(3):
        account = reset(account)

    assert account.season == 4
    assert selectors.history_page(account=account).seasons == [1, 2, 3, 4]
