"""The liquidation's money moves (operations.liquidation), on hand-made wallets at pinned
prices: it stops as soon as the level is back above the kind's ``recover_to``, every
trade pays 2 %, and a deficit is written off by the insurance fund."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from calculators.formulas import quantize8
from sandbox.cross import cross_snapshot
from sandbox.ledger import balances_of
from sandbox.models import Liquidation, TransactionKind, Wallet
from sandbox.operations.liquidation import LIQUIDATION_FEE_RATE, liquidate, top_up_plan
from sandbox.operations.margin import borrow, transfer
from tests.sandbox.factories import NOW
from tests.sandbox.margin_setup import act, spot_buy

D = Decimal
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_prices")]


def wallet(account, *, hold: dict[str, str], owe: dict[str, str], fixed_prices):
    """Spot-buy and move ``hold`` into Cross Margin, borrow ``owe`` (no interest hour:
    the tests are about the liquidation's arithmetic)."""
    for asset, amount in hold.items():
        if asset != "USDT":
            symbol = f"{asset}USDT"
            price = fixed_prices[symbol]
            spot_buy(account, symbol, quantize8(D(amount) * price * D("1.002")), now=NOW)

    def body(session, clock):
        for asset, amount in hold.items():
            transfer(
                session,
                clock,
                asset=asset,
                amount=D(amount),
                source_wallet=Wallet.SPOT,
                target_wallet=Wallet.CROSS,
            )
        for asset, amount in owe.items():
            borrow(session, clock, asset=asset, amount=D(amount))
            # What was borrowed left the wallet: sold or spent, as a position would.
            transfer(
                session,
                clock,
                asset=asset,
                amount=D(amount),
                source_wallet=Wallet.CROSS,
                target_wallet=Wallet.SPOT,
            )

    act(account, body, now=NOW)


def run_liquidation(account, fixed_prices, kind="cross3x") -> Liquidation:
    return act(
        account,
        lambda s, c: liquidate(s, c, prices=dict(fixed_prices), margin_kind=kind, path=[]),
        now=NOW,
    )


@pytest.mark.parametrize(
    ("hold", "owe"),
    [
        ({"BTC": "0.05"}, {"USDT": "2300"}),  # a long
        ({"USDT": "3000"}, {"BTC": "0.055"}),  # a short
        ({"BTC": "0.02", "ETH": "0.5", "USDC": "200"}, {"USDT": "1650", "BNB": "1.2"}),
        ({"ETH": "1", "BNB": "1"}, {"BTC": "0.055"}),  # a coin debt, no USDT at all
    ],
)
def test_it_restores_the_level_and_charges_two_percent(sandbox_account, fixed_prices, hold, owe):
    wallet(sandbox_account, hold=hold, owe=owe, fixed_prices=fixed_prices)
    before = cross_snapshot(balances_of(sandbox_account), fixed_prices, margin_kind="cross3x")
    assert D(1) < before.margin_level <= D("1.1")

    liquidation = run_liquidation(sandbox_account, fixed_prices)

    after = cross_snapshot(balances_of(sandbox_account), fixed_prices, margin_kind="cross3x")
    assert after.margin_level is None or after.margin_level > D("1.5")
    assert liquidation.insurance_cover == 0
    sales = list(liquidation.sales.all())
    assert sales
    for sale in sales:
        assert sale.price == fixed_prices[sale.symbol]
        assert sale.fee == quantize8(sale.value * LIQUIDATION_FEE_RATE)
    assert liquidation.fee == sum(s.fee for s in sales)
    # Value only leaves the wallet as repayments and fees: equity falls by the fees.
    assert after.equity == before.equity - liquidation.fee
    assert liquidation.kept_value == after.equity


def test_it_sells_only_what_the_level_needs(sandbox_account, fixed_prices):
    wallet(sandbox_account, hold={"BTC": "0.05"}, owe={"USDT": "2200"}, fixed_prices=fixed_prices)

    liquidation = run_liquidation(sandbox_account, fixed_prices)

    (sale,) = liquidation.sales.all()
    # (1.5 × 2,200 − 2,500) ÷ (0.98 × 1.5 − 1) = 1,702.13 USDT of BTC at 50,000.
    assert sale.quantity == D("0.03404256")
    after = cross_snapshot(balances_of(sandbox_account), fixed_prices, margin_kind="cross3x")
    assert D("1.5") < after.margin_level < D("1.5000001")


def test_a_deficit_is_written_off_by_the_insurance_fund(sandbox_account, fixed_prices):
    wallet(sandbox_account, hold={"ETH": "1"}, owe={"BTC": "0.06"}, fixed_prices=fixed_prices)

    liquidation = run_liquidation(sandbox_account, fixed_prices)

    amounts = balances_of(sandbox_account)
    assert amounts[(Wallet.CROSS_DEBT, "BTC")] == 0
    assert amounts[(Wallet.CROSS, "ETH")] == 0
    assert liquidation.insurance_cover > 0
    assert liquidation.margin_level_after is None
    kinds = set(
        sandbox_account.transactions.filter(minute=liquidation.trigger_minute).values_list(
            "kind", flat=True
        )
    )
    assert {TransactionKind.LIQUIDATION, TransactionKind.INSURANCE_COVER} <= kinds


def test_5x_recovers_to_1_25(sandbox_account, fixed_prices):
    wallet(sandbox_account, hold={"BTC": "0.05"}, owe={"USDT": "2200"}, fixed_prices=fixed_prices)

    run_liquidation(sandbox_account, fixed_prices, kind="cross5x")

    after = cross_snapshot(balances_of(sandbox_account), fixed_prices, margin_kind="cross5x")
    assert D("1.25") < after.margin_level < D("1.2500001")


def test_a_top_up_plan_reaches_the_target_in_priority_order(sandbox_account, fixed_prices):
    wallet(sandbox_account, hold={"BTC": "0.05"}, owe={"USDT": "1900"}, fixed_prices=fixed_prices)
    spot_buy(sandbox_account, "ETHUSDT", D(200), now=NOW)
    amounts = balances_of(sandbox_account)
    eth = amounts[(Wallet.SPOT, "ETH")]

    plan = top_up_plan(
        amounts, fixed_prices, margin_kind="cross3x", assets=["ETH", "USDT"], target=D("1.5")
    )

    # All the ETH first (not enough on its own), then the USDT still needed.
    assert (plan[0].asset, plan[0].amount) == ("ETH", eth)
    assert plan[1].asset == "USDT"
    topped = dict(amounts)
    for p in plan:
        topped[Wallet.CROSS, p.asset] = topped.get((Wallet.CROSS, p.asset), D(0)) + p.amount
    level = cross_snapshot(topped, fixed_prices, margin_kind="cross3x").margin_level
    assert D("1.5") <= level < D("1.50000001")


amounts_st = st.decimals(min_value=D("0"), max_value=D("3"), places=3)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    btc=amounts_st,
    eth=amounts_st,
    usdt=st.integers(min_value=0, max_value=3000),
    debt_usdt=st.integers(min_value=0, max_value=4000),
    debt_eth=amounts_st,
    debt_btc=st.decimals(min_value=D("0"), max_value=D("0.05"), places=4),
)
def test_any_wallet_ends_sound(
    django_db_blocker, learner, fixed_prices, btc, eth, usdt, debt_usdt, debt_eth, debt_btc
):
    """Whatever the wallet: no learner balance below zero, the debt gone or the level back
    above 1.5, and the wallet's net value down by exactly the fees (plus what the
    insurance fund covered, which the learner no longer owes)."""
    from django.db import transaction

    from sandbox import services
    from tests.factories import UserFactory

    hold = {k: v for k, v in {"BTC": btc / 20, "ETH": eth, "USDT": D(usdt)}.items() if v}
    owe = {k: v for k, v in {"USDT": D(debt_usdt), "ETH": debt_eth, "BTC": debt_btc}.items() if v}
    costs = [v * fixed_prices[f"{k}USDT"] for k, v in hold.items() if k != "USDT"]
    # A wallet the Spot account can pay for (10,000 USDT, orders of at least 10 USDT).
    assume(owe and hold and all(c >= 20 for c in costs))
    assume(sum(costs, D(0)) * D("1.01") + hold.get("USDT", 0) < D(9900))
    with transaction.atomic():
        account = services.account_sync(user=UserFactory(), now=NOW)
        wallet(
            account,
            hold={k: str(v) for k, v in hold.items()},
            owe={k: str(v) for k, v in owe.items()},
            fixed_prices=fixed_prices,
        )
        before = cross_snapshot(balances_of(account), fixed_prices, margin_kind="cross3x")
        liquidation = run_liquidation(account, fixed_prices)
        amounts = balances_of(account)
        after = cross_snapshot(amounts, fixed_prices, margin_kind="cross3x")
        assert all(v >= 0 for v in amounts.values())
        assert after.margin_level is None or after.margin_level > D("1.5")
        assert after.equity == before.equity - liquidation.fee + liquidation.insurance_cover
        transaction.set_rollback(True)
