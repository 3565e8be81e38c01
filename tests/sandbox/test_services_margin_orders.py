"""Cross Margin orders: trading from the Cross wallet, auto-borrow, auto-repay (SPEC §6.5),
the preview's margin levels, and the reset of a season with loans and open orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from calculators.formulas import auto_borrow_amount
from sandbox import services
from sandbox.errors import BorrowTooLarge, InvalidOrder
from sandbox.models import (
    InterestCharge,
    InterestSource,
    LedgerTransaction,
    Order,
    OrderStatus,
    Posting,
    SystemCode,
    TransactionKind,
)
from tests.sandbox.factories import NOW, key
from tests.sandbox.margin_helpers import activate, amounts, deposit, free_of_interest, snapshot

D = Decimal
pytestmark = pytest.mark.usefixtures("fixed_prices")


@pytest.fixture
def account(sandbox_account):
    return activate(sandbox_account)


def place(account, **fields):
    order = {
        "wallet": "cross",
        "symbol": "BTCUSDT",
        "side": "buy",
        "order_type": "market",
        "idempotency_key": key(),
        "now": NOW,
    } | fields
    return services.order_place(account=account, **order)


def test_the_seed_example_10_usdc_and_a_30_usdc_order_borrow_20_usdc(account):
    deposit(account, "USDT", "100")
    deposit(account, "USDC", "10")

    order = place(
        account, symbol="USDCUSDT", side="sell", quantity=D("30"), side_effect="auto_borrow"
    )

    assert order.auto_borrowed == D("20")
    assert order.auto_borrowed == auto_borrow_amount(wallet_balance=D(10), order_amount=D(30))
    assert order.status == OrderStatus.FILLED
    held = amounts(account)
    assert held[("cross_debt", "USDC")] == D("20")
    # Its hour at borrowing: 20 × 8 % ÷ 365 ÷ 24 = 0.000182648 → 0.00018265 USDC.
    assert held[("cross_interest", "USDC")] == D("0.00018265")
    assert InterestCharge.objects.get().source == InterestSource.BORROW
    assert held[("cross", "USDC")] == 0
    assert held[("cross", "USDT")] == D("100") + D("30") - D("0.03")  # fee 0.1 % of 30 USDT


def test_auto_borrow_borrows_a_shortfall_below_the_10_usdt_minimum_loan(account):
    # No minimum for auto-borrow (docs/decisions.md): it borrows exactly what is missing.
    deposit(account, "USDT", "10")
    deposit(account, "BTC", "0.01")

    order = place(account, quote_amount=D("10.05"), side_effect="auto_borrow")

    # 10.05 USDT at 50,000 buys 0.000201 BTC worth exactly 10.05 USDT: 0.05 is missing.
    assert order.auto_borrowed == D("0.05")
    assert amounts(account)[("cross_debt", "USDT")] == D("0.05")


def test_auto_borrow_borrows_nothing_when_the_wallet_has_enough(account):
    deposit(account, "USDT", "1000")

    order = place(account, quote_amount=D("500"), side_effect="auto_borrow")

    assert order.auto_borrowed == 0
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.BORROW).exists()


def test_auto_borrow_is_held_to_the_max_borrow(account):
    deposit(account, "USDT", "1000")

    with pytest.raises(BorrowTooLarge) as refused:
        place(account, quote_amount=D("4000"), side_effect="auto_borrow")

    assert refused.value.message == (
        "You can borrow at most 1,999.94 USDT now (your collateral margin level must stay at "
        "or above 1.50 after borrowing)."
    )
    assert not Order.objects.exists()


def test_auto_borrow_on_a_limit_order_borrows_the_reservation_shortfall(account):
    deposit(account, "USDT", "1000")

    order = place(
        account,
        order_type="limit",
        quantity=D("0.03"),
        limit_price=D("45000.00"),
        side_effect="auto_borrow",
    )

    # Reserves 0.03 × 45,000 = 1,350 USDT: 350 borrowed.
    assert order.auto_borrowed == D("350")
    held = amounts(account)
    assert held[("cross_locked", "USDT")] == D("1350")
    assert held[("cross", "USDT")] == 0


def test_auto_repay_on_a_market_sell_repays_interest_first_from_the_proceeds(account):
    deposit(account, "USDT", "1000")
    deposit(account, "BTC", "0.1")
    services.margin_borrow(
        account=account, asset="USDT", amount=D("500"), idempotency_key=key(), now=NOW
    )

    place(account, side="sell", quantity=D("0.01"), side_effect="auto_repay")

    # Proceeds 500 − 0.5 fee = 499.5 USDT: 0.00456621 interest, then 499.49543379 principal.
    held = amounts(account)
    assert held[("cross_interest", "USDT")] == 0
    assert held[("cross_debt", "USDT")] == D("500") - D("499.49543379")
    assert held[("cross", "USDT")] == D("1500")
    repaid = LedgerTransaction.objects.get(kind=TransactionKind.REPAY)
    assert repaid.memo == (
        f"Auto-repay 499.50 USDT from order #{repaid.order_id}: 0.00 interest, 499.50 principal"
    )


def test_auto_repay_repays_no_more_than_is_owed(account):
    free_of_interest("USDT")
    deposit(account, "USDT", "1000")
    deposit(account, "BTC", "0.1")
    services.margin_borrow(
        account=account, asset="USDT", amount=D("100"), idempotency_key=key(), now=NOW
    )

    place(account, side="sell", quantity=D("0.01"), side_effect="auto_repay")

    held = amounts(account)
    assert held[("cross_debt", "USDT")] == 0
    assert held[("cross", "USDT")] == D("1000") + D("100") + D("499.5") - D("100")


def test_a_resting_cross_limit_order_fills_later_from_its_reservation_and_auto_repays(
    account, fixed_prices
):
    free_of_interest("USDT")
    deposit(account, "USDT", "1000")
    deposit(account, "BTC", "0.01")
    services.margin_borrow(
        account=account, asset="USDT", amount=D("500"), idempotency_key=key(), now=NOW
    )
    order = place(
        account,
        side="sell",
        order_type="limit",
        quantity=D("0.01"),
        limit_price=D("55000.00"),
        side_effect="auto_repay",
    )
    assert amounts(account)[("cross_locked", "BTC")] == D("0.01")

    fixed_prices["BTCUSDT"] = D("56000")
    services.clock_fast_forward(account=account, hours=1, idempotency_key=key(), now=NOW)

    order.refresh_from_db()
    assert order.status == OrderStatus.FILLED
    assert order.fill_price == D("55000")
    held = amounts(account)
    assert held[("cross_locked", "BTC")] == 0
    assert held[("cross_debt", "USDT")] == 0
    # 550 − 0.55 fee = 549.45 USDT proceeds, 500 of them repaid.
    assert held[("cross", "USDT")] == D("1500") + D("549.45") - D("500")


def test_cancelling_a_cross_limit_order_releases_to_the_cross_wallet(account):
    deposit(account, "USDT", "1000")
    order = place(account, order_type="limit", quantity=D("0.01"), limit_price=D("40000.00"))
    assert amounts(account)[("cross_locked", "USDT")] == D("400")

    services.order_cancel(account=account, order_id=order.pk, idempotency_key=key(), now=NOW)

    held = amounts(account)
    assert held[("cross_locked", "USDT")] == 0
    assert held[("cross", "USDT")] == D("1000")


def test_side_effects_are_for_cross_orders_only(account):
    with pytest.raises(InvalidOrder) as refused:
        place(account, wallet="spot", quote_amount=D("100"), side_effect="auto_borrow")
    assert refused.value.message == "Auto-borrow and auto-repay are for Cross Margin orders."

    with pytest.raises(InvalidOrder) as refused:
        place(account, quote_amount=D("100"), side_effect="auto_lend")
    assert refused.value.message == "Choose no side effect, auto-borrow or auto-repay."

    with pytest.raises(InvalidOrder) as refused:
        place(account, wallet="futures", quote_amount=D("100"))
    assert refused.value.message == "Orders trade from the Spot or the Cross Margin wallet."


def test_a_cross_order_trades_from_the_cross_wallet_only(account):
    with pytest.raises(Exception) as refused:
        place(account, quote_amount=D("100"))
    assert refused.value.message == (
        "Insufficient USDT in your Cross Margin wallet: 0.00 available, 100.00 needed"
    )


# --- Season reset ----------------------------------------------------------------------


def pool_sum(wallet: str, asset: str) -> Decimal:
    rows = Posting.objects.filter(
        account__system_code=SystemCode.LENDING_POOL, wallet=wallet, asset=asset
    )
    return sum((p.amount for p in rows), D(0))


def test_a_reset_settles_open_loans_with_the_pool_and_cancels_cross_orders(account):
    deposit(account, "USDT", "1000")
    services.margin_borrow(
        account=account, asset="BTC", amount=D("0.01"), idempotency_key=key(), now=NOW
    )
    order = place(account, order_type="limit", quantity=D("0.01"), limit_price=D("40000.00"))

    services.account_reset(account=account, idempotency_key=key(), now=NOW)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    old = amounts_of_season(account, 1)
    assert all(amount == 0 for amount in old.values())
    # The pool is owed nothing and has its coins back, with the hour of interest charged
    # at borrowing (0.01 × 1 % ÷ 8,760 = 0.0000000114 → 0.00000001 BTC).
    assert pool_sum("cross_debt", "BTC") == 0
    assert pool_sum("cross_interest", "BTC") == 0
    assert pool_sum("spot", "BTC") == D("0.00000001")
    assert amounts(account)[("spot", "USDT")] == D("10000")


def amounts_of_season(account, season):
    from sandbox.ledger import balances_of

    return balances_of(account, season=season)


# --- Preview -----------------------------------------------------------------------------


def test_the_preview_shows_margin_levels_and_auto_borrow_as_placing_would(account):
    from sandbox import selectors

    free_of_interest("USDT")
    deposit(account, "USDT", "1000")
    overview = selectors.account_overview(account=account, now=NOW)

    preview = selectors.order_preview(
        overview=overview,
        wallet="cross",
        fields={
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "market",
            "quote_amount": D("1500"),
            "side_effect": "auto_borrow",
        },
        use_bnb_for_fees=False,
    )

    assert preview.problems == ()
    assert preview.margin_level_before is None  # no debt: "∞"
    assert preview.auto_borrow.amount == D("500")
    assert preview.auto_borrow.asset == "USDT"
    order = place(account, quote_amount=D("1500"), side_effect="auto_borrow")
    after = snapshot(account)
    assert order.auto_borrowed == preview.auto_borrow.amount
    assert preview.margin_level_after == after.margin_level
    assert preview.collateral_margin_level_after == after.collateral_margin_level
    assert preview.state_after == after.state


def test_the_preview_lists_the_services_refusal_word_for_word(account):
    from sandbox import selectors

    deposit(account, "USDT", "1000")
    overview = selectors.account_overview(account=account, now=NOW)

    preview = selectors.order_preview(
        overview=overview,
        wallet="cross",
        fields={"symbol": "BTCUSDT", "side": "buy", "order_type": "market"}
        | {"quote_amount": D("4000"), "side_effect": "auto_borrow"},
        use_bnb_for_fees=False,
    )

    with pytest.raises(BorrowTooLarge) as refused:
        place(account, quote_amount=D("4000"), side_effect="auto_borrow")
    assert refused.value.message in preview.problems
