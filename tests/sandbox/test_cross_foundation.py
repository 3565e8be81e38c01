"""The Cross Margin money layer: loans as debt wallets, repay order, interest posting,
and the valuation the pages, the engine and the calculators share."""

from __future__ import annotations

from decimal import Decimal

import pytest

from calculators.formulas import (
    hourly_interest_charge,
    hourly_rate_from_yearly,
    margin_level_value,
    max_borrow_amount,
)
from calculators.instruments import COLLATERAL_TIERS
from sandbox.clock import account_clock
from sandbox.cross import cross_snapshot, interest_rates, max_borrow, threshold_price
from sandbox.ledger import balances_of
from sandbox.models import InterestCharge, InterestSource, SystemCode, Wallet
from sandbox.operations.margin import (
    borrow,
    interest_charge,
    interest_post,
    repay,
    transfer,
)
from sandbox.operations.session import Session
from tests.sandbox.factories import FIXED_PRICES, NOW

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def session(sandbox_account, fixed_prices):
    return Session(sandbox_account)


@pytest.fixture
def clock(sandbox_account):
    return account_clock(sandbox_account, NOW)


def pool_balance(wallet: str, asset: str) -> Decimal:
    from sandbox.models import Posting

    pool = Posting.objects.filter(
        account__system_code=SystemCode.LENDING_POOL, wallet=wallet, asset=asset
    )
    return sum((p.amount for p in pool), D(0))


def test_borrow_records_debt_balanced_against_the_pool(session, clock):
    transfer(
        session,
        clock,
        asset="USDT",
        amount=D(1000),
        source_wallet=Wallet.SPOT,
        target_wallet=Wallet.CROSS,
    )
    borrow(session, clock, asset="USDT", amount=D(500))
    amounts = balances_of(session.account)
    assert amounts[(Wallet.CROSS, "USDT")] == D(1500)
    assert amounts[(Wallet.CROSS_DEBT, "USDT")] == D(500)
    assert pool_balance(Wallet.CROSS_DEBT, "USDT") == D(-500)
    assert pool_balance(Wallet.SPOT, "USDT") == D(-500)


def test_repay_pays_interest_first(session, clock):
    transfer(
        session,
        clock,
        asset="USDT",
        amount=D(1000),
        source_wallet=Wallet.SPOT,
        target_wallet=Wallet.CROSS,
    )
    borrow(session, clock, asset="USDT", amount=D(500))
    rate = D(8) / 365 / 24
    charge = interest_charge(
        asset="USDT",
        principal=D(500),
        hourly_rate_percent=rate,
        minute=clock.minute,
        source=InterestSource.BORROW,
        use_bnb=False,
        free_bnb=D(0),
        asset_price=D(1),
        bnb_price=D(500),
    )
    assert charge.amount == hourly_interest_charge(principal=D(500), hourly_rate_percent=rate)
    interest_post(session, clock, charges=[charge])
    _, split = repay(session, clock, asset="USDT", amount=D(100))
    assert split.interest == charge.amount
    assert split.principal == D(100) - charge.amount
    amounts = balances_of(session.account)
    assert amounts[(Wallet.CROSS_INTEREST, "USDT")] == 0
    assert amounts[(Wallet.CROSS_DEBT, "USDT")] == D(400) + charge.amount
    assert InterestCharge.objects.get().paid_asset == "USDT"


def test_interest_in_bnb_is_paid_at_once_at_95_percent(session, clock):
    transfer(
        session,
        clock,
        asset="USDT",
        amount=D(5000),
        source_wallet=Wallet.SPOT,
        target_wallet=Wallet.CROSS,
    )
    borrow(session, clock, asset="BNB", amount=D(1))
    rate = D(8) / 365 / 24
    charge = interest_charge(
        asset="USDT",
        principal=D(5000),
        hourly_rate_percent=rate,
        minute=clock.minute,
        source=InterestSource.HOURLY,
        use_bnb=True,
        free_bnb=D(1),
        asset_price=D(1),
        bnb_price=D(500),
    )
    assert charge.amount == D("0.04337900")  # the quiz's "about 0.04338 USDT"
    assert charge.paid_in_bnb == D("0.00008676")  # 0.043379 ÷ 500, half-even
    interest_post(session, clock, charges=[charge])
    assert balances_of(session.account)[(Wallet.CROSS, "BNB")] == D(1) - D("0.00008676")


def test_snapshot_levels_match_the_margin_level_calculator(session, clock):
    transfer(
        session,
        clock,
        asset="USDT",
        amount=D(1000),
        source_wallet=Wallet.SPOT,
        target_wallet=Wallet.CROSS,
    )
    borrow(session, clock, asset="BTC", amount=D("0.02"))
    snap = cross_snapshot(balances_of(session.account), FIXED_PRICES, margin_kind="cross3x")
    assert snap.total_assets == D(2000)
    assert snap.total_liabilities == D(1000)
    assert snap.margin_level == margin_level_value(total_assets=D(2000), total_liabilities=D(1000))
    assert snap.collateral_value == D(1000) + D(1000) * D("0.95")
    assert snap.state == "no_transfer"  # CML 1.95
    # BTC at which ML = 1.1: (0.02 P + 1000) / (0.02 P) = 1.1 → P = 500,000
    assert threshold_price(snap, "BTC", D("1.1")) == D(500000)


def test_max_borrow_is_the_calculators_and_leaves_cml_at_the_threshold(session, clock):
    transfer(
        session,
        clock,
        asset="USDT",
        amount=D(1000),
        source_wallet=Wallet.SPOT,
        target_wallet=Wallet.CROSS,
    )
    snap = cross_snapshot(balances_of(session.account), FIXED_PRICES, margin_kind="cross3x")
    yearly = interest_rates()["USDT"]
    best = max_borrow(snap, "USDT", yearly_percent=yearly)
    h = hourly_rate_from_yearly(yearly_percent=yearly)
    assert best.value == max_borrow_amount(
        collateral_value=D(1000),
        margin_kind="cross3x",
        collateral_ratio=D(1),
        hourly_rate_percent=h,
    )
    borrow(session, clock, asset="USDT", amount=best.amount)
    interest_post(
        session,
        clock,
        charges=[
            interest_charge(
                asset="USDT",
                principal=best.amount,
                hourly_rate_percent=h,
                minute=clock.minute,
                source=InterestSource.BORROW,
                use_bnb=False,
                free_bnb=D(0),
                asset_price=D(1),
                bnb_price=D(500),
            )
        ],
    )
    after = cross_snapshot(balances_of(session.account), FIXED_PRICES, margin_kind="cross3x")
    assert after.collateral_margin_level.quantize(D("1E-8")) == D("1.50000000")


def test_bnb_tiers_count_the_part_above_50k_at_0_8():
    from calculators.formulas import tiered_collateral_value

    tiers = COLLATERAL_TIERS["BNB"]
    assert tiered_collateral_value(value=D(60000), tiers=tiers) == D(53000)
    assert tiered_collateral_value(value=D(100), tiers=tiers) == D(90)
