"""Cross Margin services: transfer, borrow, repay (SPEC §6.5, §6.6), with exact numbers.

Prices are pinned (``fixed_prices``: BTC 50,000, ETH 2,500, BNB 500, USDC 1) and moved by
editing the fixture's dict; ``now`` stays at ``NOW``, so the engine lives through no minute
between two calls and the state a test prepares is the state the service sees.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.activation import MarginLocked
from calculators.formulas import hourly_interest_charge, hourly_rate_from_yearly
from sandbox import services
from sandbox.cross import max_borrow
from sandbox.errors import (
    BorrowTooLarge,
    BorrowTooSmall,
    InsufficientBalance,
    InvalidMarginRequest,
    MarginNotActivated,
    MarginRuleBroken,
    SandboxError,
)
from sandbox.models import InterestCharge, InterestSource, LedgerTransaction, SandboxSettings
from tests.sandbox.factories import NOW, key
from tests.sandbox.margin_helpers import activate, amounts, deposit, free_of_interest, snapshot

D = Decimal
EIGHT = D("1E-8")
pytestmark = pytest.mark.usefixtures("fixed_prices")


@pytest.fixture
def account(sandbox_account):
    return activate(sandbox_account)


def transfer(account, asset, amount, direction="in", form_key=None):
    return services.margin_transfer(
        account=account,
        asset=asset,
        amount=D(amount),
        direction=direction,
        idempotency_key=form_key or key(),
        now=NOW,
    )


def borrow(account, asset, amount, form_key=None):
    return services.margin_borrow(
        account=account, asset=asset, amount=D(amount), idempotency_key=form_key or key(), now=NOW
    )


def repay(account, asset, amount=None, form_key=None):
    return services.margin_repay(
        account=account,
        asset=asset,
        amount=None if amount is None else D(amount),
        idempotency_key=form_key or key(),
        now=NOW,
    )


def set_kind(account, kind):
    SandboxSettings.objects.filter(account=account).update(margin_kind=kind)


# --- Transfer ------------------------------------------------------------------------


def test_it_transfers_between_spot_and_cross_margin(account):
    tx = transfer(account, "USDT", "1,000".replace(",", ""))
    transfer(account, "USDT", "250", direction="out")

    held = amounts(account)
    assert held[("spot", "USDT")] == D("9250")
    assert held[("cross", "USDT")] == D("750")
    assert tx.memo == "Transfer 1,000.00 USDT into Cross Margin"
    assert services.margin_message(tx, account=account) == (
        "Transferred 1,000.00 USDT into Cross Margin."
    )


def test_a_transfer_in_needs_the_spot_balance(account):
    with pytest.raises(InsufficientBalance) as refused:
        transfer(account, "BTC", "1")

    assert refused.value.message == ("Insufficient BTC in your Spot wallet: 0 available, 1 needed")


def test_without_debt_everything_free_can_leave(account):
    transfer(account, "USDT", "1000")

    transfer(account, "USDT", "1000", direction="out")

    assert amounts(account)[("cross", "USDT")] == 0


def test_with_debt_a_transfer_out_must_leave_cml_above_2(account):
    # 1 BTC (collateral 0.95 × 50,000 = 47,500) + 9,500 USDT borrowed at 0 % (CV 57,000,
    # debt 9,500): a BTC transfer out may take the CML down to just above 2, i.e. leave
    # more than 19,000 of collateral value - less than 0.8 BTC can go.
    free_of_interest("USDT")
    deposit(account, "BTC", "1")
    borrow(account, "USDT", "9500")

    with pytest.raises(MarginRuleBroken) as refused:
        transfer(account, "BTC", "0.8", direction="out")
    assert refused.value.message == (
        "You can transfer out at most 0.79999999 BTC now (your collateral margin level must "
        "stay above 2.00 after a transfer out while you have a loan)."
    )

    transfer(account, "BTC", "0.79999999", direction="out")
    assert snapshot(account).collateral_margin_level > 2


def test_it_refuses_bad_fields_before_touching_the_account(account):
    with pytest.raises(InvalidMarginRequest, match="Choose one of these assets"):
        transfer(account, "DOGE", "1")
    with pytest.raises(InvalidMarginRequest, match="more than zero"):
        transfer(account, "USDT", "0")
    with pytest.raises(InvalidMarginRequest, match="at most 8 digits"):
        transfer(account, "USDT", "0.000000001")
    with pytest.raises(InvalidMarginRequest, match="transfer in or a transfer out"):
        transfer(account, "USDT", "1", direction="sideways")
    with pytest.raises(InvalidMarginRequest, match="must be a number"):
        services.margin_transfer(
            account=account,
            asset="USDT",
            amount=1.5,
            direction="in",
            idempotency_key=key(),
            now=NOW,
        )


# --- Borrow --------------------------------------------------------------------------


def test_borrowing_exactly_the_max_borrow_leaves_cml_at_1_5_for_3x(account):
    transfer(account, "USDT", "1000")
    best = max_borrow(snapshot(account), "USDT", yearly_percent=D(8))
    assert best.amount == D("1999.94520698")  # 1,000 ÷ (1.5 × (1 + h) − 1), rounded down

    borrow(account, "USDT", best.amount)

    after = snapshot(account)
    assert after.collateral_margin_level.quantize(EIGHT) == D("1.50000000")
    assert after.collateral_margin_level >= D("1.5")


def test_borrowing_exactly_the_max_borrow_leaves_cml_at_1_25_for_5x(account):
    set_kind(account, "cross5x")
    transfer(account, "USDT", "1000")
    best = max_borrow(snapshot(account), "USDT", yearly_percent=D(8))
    assert best.amount == D("3999.81735993")

    borrow(account, "USDT", best.amount)

    assert snapshot(account).collateral_margin_level.quantize(EIGHT) == D("1.25000000")


def test_one_satoshi_more_than_the_max_borrow_is_refused(account):
    transfer(account, "USDT", "1000")

    with pytest.raises(BorrowTooLarge) as refused:
        borrow(account, "USDT", "1999.94520699")

    assert refused.value.message == (
        "You can borrow at most 1,999.94 USDT now (your collateral margin level must stay at "
        "or above 1.50 after borrowing)."
    )
    assert amounts(account)[("cross_debt", "USDT")] == 0


def test_the_message_names_a_coins_max_borrow_to_the_satoshi(account):
    transfer(account, "USDT", "1000")

    with pytest.raises(BorrowTooLarge) as refused:
        borrow(account, "BTC", "1")

    # 1,000 ÷ (1.5 × (1 + h_BTC) − 0.95) ÷ 50,000, rounded down to 8 places.
    assert refused.value.message == (
        "You can borrow at most 0.03636352 BTC now (your collateral margin level must stay "
        "at or above 1.50 after borrowing)."
    )
    borrow(account, "BTC", "0.03636352")
    assert snapshot(account).collateral_margin_level >= D("1.5")


def test_bnb_above_50k_counts_at_0_8_when_borrowing_bnb(account):
    # 200 BNB at 500 = 100,000 USDT: collateral 0.9 × 50,000 + 0.8 × 50,000 = 85,000, and
    # every BNB borrowed lands above 50k, at 0.8.
    deposit(account, "BNB", "200")
    h = hourly_rate_from_yearly(yearly_percent=D(3)) / 100
    assert snapshot(account).collateral_value == D(85000)
    best = max_borrow(snapshot(account), "BNB", yearly_percent=D(3))
    assert best.value.quantize(EIGHT) == (D(85000) / (D("1.5") * (1 + h) - D("0.8"))).quantize(
        EIGHT
    )
    assert best.amount == D("242.85536065")  # 121,427.68… ÷ 500, rounded down

    borrow(account, "BNB", best.amount)

    assert snapshot(account).collateral_margin_level.quantize(EIGHT) == D("1.50000000")


def test_a_loan_must_be_worth_at_least_10_usdt(account):
    transfer(account, "USDT", "1000")

    with pytest.raises(BorrowTooSmall) as refused:
        borrow(account, "ETH", "0.0039")  # 9.75 USDT at 2,500

    assert refused.value.message == (
        "The minimum loan is worth 10 USDT; 0.0039 ETH is worth 9.75 USDT now."
    )
    borrow(account, "ETH", "0.004")  # exactly 10 USDT


def test_borrowing_charges_one_hour_of_interest_at_once(account):
    transfer(account, "USDT", "2000")

    tx = borrow(account, "USDT", "1000")

    charge = InterestCharge.objects.get()
    assert charge.source == InterestSource.BORROW
    assert charge.amount == D("0.00913242")  # 1,000 × 8 % ÷ 365 ÷ 24, rounded once
    assert charge.amount == hourly_interest_charge(
        principal=D(1000), hourly_rate_percent=hourly_rate_from_yearly(yearly_percent=D(8))
    )
    held = amounts(account)
    assert held[("cross", "USDT")] == D("3000")
    assert held[("cross_debt", "USDT")] == D("1000")
    assert held[("cross_interest", "USDT")] == D("0.00913242")
    assert services.margin_message(tx, account=account) == (
        "Borrowed 1,000.00 USDT; its first hour of interest is charged."
    )


def test_with_bnb_for_interest_the_hour_is_paid_in_bnb_at_95_percent(account):
    SandboxSettings.objects.filter(account=account).update(use_bnb_for_interest=True)
    transfer(account, "USDT", "2000")
    deposit(account, "BNB", "1")

    borrow(account, "USDT", "1000")

    # 0.00913242 × 0.95 = 0.00867580 USDT → ÷ 500 = 0.0000173516 → 0.00001735 BNB
    held = amounts(account)
    assert held[("cross", "BNB")] == D("1") - D("0.00001735")
    assert held[("cross_interest", "USDT")] == 0


# --- Repay ---------------------------------------------------------------------------


def test_repay_pays_interest_first_then_principal(account):
    transfer(account, "USDT", "2000")
    borrow(account, "USDT", "1000")

    tx = repay(account, "USDT", "0.01")

    held = amounts(account)
    assert held[("cross_interest", "USDT")] == 0
    assert held[("cross_debt", "USDT")] == D("999.99913242")  # 0.01 − 0.00913242 interest
    assert tx.memo == ("Repay 0.01 USDT: 0.01 interest, 0.00 principal; 1,000.00 USDT still owed")
    assert services.margin_message(tx, account=account) == (
        "Repaid 0.01 USDT: 0.01 interest, 0.00 principal. 1,000.00 USDT is still owed."
    )

    repay(account, "USDT")  # all of it

    held = amounts(account)
    assert held[("cross_debt", "USDT")] == 0
    assert held[("cross", "USDT")] == D("3000") - D("0.01") - D("999.99913242")


def test_repay_all_repays_what_the_free_balance_allows(account):
    free_of_interest("BTC")
    transfer(account, "USDT", "1000")
    borrow(account, "BTC", "0.01")
    transfer(account, "USDT", "100", direction="in")
    # Spend some of the borrowed BTC: 0.004 BTC left in the wallet is all that can repay.
    services.order_place(
        account=account,
        wallet="cross",
        symbol="BTCUSDT",
        side="sell",
        order_type="market",
        quantity=D("0.006"),
        idempotency_key=key(),
        now=NOW,
    )

    repay(account, "BTC")

    held = amounts(account)
    assert held[("cross", "BTC")] == 0
    assert held[("cross_debt", "BTC")] == D("0.006")


def test_repay_refuses_more_than_is_owed_or_nothing_owed(account):
    transfer(account, "USDT", "2000")
    with pytest.raises(InvalidMarginRequest) as refused:
        repay(account, "USDT", "1")
    assert refused.value.message == "You owe no USDT in Cross Margin."

    borrow(account, "USDT", "1000")
    with pytest.raises(InvalidMarginRequest) as refused:
        repay(account, "USDT", "1001")
    assert refused.value.message == (
        "You owe 1,000.00913242 USDT (0.00913242 interest, 1,000 principal); you cannot "
        "repay more than that."
    )


def test_repay_needs_the_coins_in_the_cross_wallet(account):
    transfer(account, "USDT", "2000")
    borrow(account, "BTC", "0.01")
    transfer(account, "BTC", "0.01", direction="out")

    with pytest.raises(InsufficientBalance) as refused:
        repay(account, "BTC")
    assert refused.value.message == (
        "Your Cross Margin wallet holds no free BTC to repay with: transfer some in or buy "
        "some first."
    )


# --- Idempotency and activation ------------------------------------------------------


def test_a_double_submitted_form_applies_once(account):
    transfer_key, borrow_key, repay_key = key(), key(), key()
    first = transfer(account, "USDT", "1000", form_key=transfer_key)
    assert transfer(account, "USDT", "1000", form_key=transfer_key) == first
    loan = borrow(account, "USDT", "100", form_key=borrow_key)
    assert borrow(account, "USDT", "100", form_key=borrow_key) == loan
    paid = repay(account, "USDT", "10", form_key=repay_key)
    assert repay(account, "USDT", "10", form_key=repay_key) == paid

    held = amounts(account)
    assert held[("cross", "USDT")] == D("1090")
    assert held[("cross_debt", "USDT")] + held[("cross_interest", "USDT")] == D("100.00091324") - D(
        "10"
    )


def test_a_learner_without_margin_activation_is_refused_by_every_service(sandbox_account):
    calls = [
        lambda: transfer(sandbox_account, "USDT", "10"),
        lambda: borrow(sandbox_account, "USDT", "10"),
        lambda: repay(sandbox_account, "USDT", "10"),
        lambda: services.order_place(
            account=sandbox_account,
            wallet="cross",
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quote_amount=D("100"),
            idempotency_key=key(),
            now=NOW,
        ),
        lambda: services.settings_update(
            account=sandbox_account, margin_kind="cross5x", idempotency_key=key(), now=NOW
        ),
        lambda: services.settings_update(
            account=sandbox_account, auto_topup_enabled=False, idempotency_key=key(), now=NOW
        ),
        lambda: services.cooling_off_start(
            account=sandbox_account, days=1, idempotency_key=key(), now=NOW
        ),
    ]
    before = LedgerTransaction.objects.count()
    for call in calls:
        with pytest.raises(MarginNotActivated) as refused:
            call()
        # What the margin gate raises, and a sandbox error the views already show.
        assert isinstance(refused.value, MarginLocked)
        assert isinstance(refused.value, SandboxError)
        assert refused.value.message.startswith("Margin and futures are locked")
    assert LedgerTransaction.objects.count() == before
    # Spot keeps working without activation.
    services.settings_update(
        account=sandbox_account, use_bnb_for_fees=True, idempotency_key=key(), now=NOW
    )


def test_a_loan_at_hh_00_is_charged_for_that_hour_at_borrowing_only(account):
    # NOW is 12:00:30: the clock minute is 12:00 itself. The engine has already lived
    # through that minute when the loan is taken (the service catches up first), so the
    # hour is charged once - at borrowing - and the engine's next charge is 13:00.
    transfer(account, "USDT", "2000")

    borrow(account, "USDT", "1000")

    account.refresh_from_db()
    charge = InterestCharge.objects.get()
    assert charge.minute % 60 == 0
    assert (charge.hour, charge.source) == (charge.minute // 60, InterestSource.BORROW)
    assert account.evaluated_minute == charge.minute
