"""What each §6.6 state allows, for Cross 3x and 5x, at the exact thresholds.

The account: 1 BTC and 9,500 USDT borrowed at 0 % interest (so levels are exact ratios)
in the Cross Margin wallet. With BTC at P: total assets P + 9,500, collateral
0.95 × P + 9,500, debt 9,500. Moving P puts the account exactly on each threshold:

| P      | ML      | CML   | 3x           | 5x           |
|--------|---------|-------|--------------|--------------|
| 50,000 | 6.26    | 6     | safe         | safe         |
| 10,000 | 2.05    | 2     | no_transfer  | no_transfer  |
|  5,000 | 1.526   | 1.5   | trade_only   | no_transfer  |
|  2,850 | 1.3     | 1.285 | margin_call  | no_transfer  |
|  2,500 | 1.263   | 1.25  | margin_call  | trade_only   |
|  1,520 | 1.16    | 1.152 | margin_call  | margin_call  |
|    950 | 1.1     | 1.095 | liquidation  | liquidation  |
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from sandbox import services
from sandbox.errors import MarginRuleBroken, SandboxError
from sandbox.models import SandboxSettings
from tests.sandbox.factories import NOW, key
from tests.sandbox.margin_helpers import activate, deposit, free_of_interest, snapshot

D = Decimal
ACTIONS = ("borrow", "transfer_in", "transfer_out", "repay", "trade", "spot_trade")
ALLOWS = {
    "safe": {"borrow", "transfer_in", "transfer_out", "repay", "trade", "spot_trade"},
    "no_transfer": {"borrow", "transfer_in", "repay", "trade", "spot_trade"},
    "trade_only": {"transfer_in", "repay", "trade", "spot_trade"},
    "margin_call": {"transfer_in", "repay", "trade", "spot_trade"},
    "liquidation": {"spot_trade"},
}


@pytest.fixture
def leveraged(sandbox_account, fixed_prices, request):
    kind = request.param
    account = activate(sandbox_account)
    SandboxSettings.objects.filter(account=account).update(margin_kind=kind)
    free_of_interest("USDT")
    deposit(account, "BTC", "1")
    services.margin_borrow(
        account=account, asset="USDT", amount=D("9500"), idempotency_key=key(), now=NOW
    )
    return account, fixed_prices


class Undo(Exception):
    """Raised after an allowed action, to roll it back and try the next one."""


def attempt(action: str, account) -> bool | SandboxError:
    calls = {
        "borrow": lambda: services.margin_borrow(
            account=account, asset="USDT", amount=D("100"), idempotency_key=key(), now=NOW
        ),
        "transfer_in": lambda: services.margin_transfer(
            account=account,
            asset="USDT",
            amount=D("10"),
            direction="in",
            idempotency_key=key(),
            now=NOW,
        ),
        "transfer_out": lambda: services.margin_transfer(
            account=account,
            asset="USDT",
            amount=D("10"),
            direction="out",
            idempotency_key=key(),
            now=NOW,
        ),
        "repay": lambda: services.margin_repay(
            account=account, asset="USDT", amount=D("10"), idempotency_key=key(), now=NOW
        ),
        "trade": lambda: services.order_place(
            account=account,
            wallet="cross",
            symbol="ETHUSDT",
            side="buy",
            order_type="market",
            quote_amount=D("20"),
            idempotency_key=key(),
            now=NOW,
        ),
        "spot_trade": lambda: services.order_place(
            account=account,
            wallet="spot",
            symbol="ETHUSDT",
            side="buy",
            order_type="market",
            quote_amount=D("20"),
            idempotency_key=key(),
            now=NOW,
        ),
    }
    try:
        with transaction.atomic():
            calls[action]()
            raise Undo
    except Undo:
        return True
    except SandboxError as error:
        return error


CASES = [
    ("cross3x", "50000", "safe"),
    ("cross3x", "10000", "no_transfer"),
    ("cross3x", "5000", "trade_only"),
    ("cross3x", "2850", "margin_call"),
    ("cross3x", "950", "liquidation"),
    ("cross5x", "50000", "safe"),
    ("cross5x", "10000", "no_transfer"),
    ("cross5x", "5000", "no_transfer"),
    ("cross5x", "2850", "no_transfer"),
    ("cross5x", "2500", "trade_only"),
    ("cross5x", "1520", "margin_call"),
    ("cross5x", "950", "liquidation"),
]


@pytest.mark.parametrize(
    ("leveraged", "price", "state"),
    CASES,
    indirect=["leveraged"],
    ids=[f"{kind}-{price}-{state}" for kind, price, state in CASES],
)
def test_each_state_allows_exactly_what_the_table_says(leveraged, price, state):
    account, prices = leveraged
    prices["BTCUSDT"] = D(price)
    assert snapshot(account).state == state

    allowed = {action for action in ACTIONS if attempt(action, account) is True}

    assert allowed == ALLOWS[state]


@pytest.mark.parametrize("leveraged", ["cross3x"], indirect=True)
def test_the_levels_sit_exactly_on_the_thresholds(leveraged):
    account, prices = leveraged
    prices["BTCUSDT"] = D("10000")
    assert snapshot(account).collateral_margin_level == D(2)
    prices["BTCUSDT"] = D("5000")
    assert snapshot(account).collateral_margin_level == D("1.5")
    prices["BTCUSDT"] = D("2500")
    assert snapshot(account).collateral_margin_level == D("1.25")
    prices["BTCUSDT"] = D("2850")
    assert snapshot(account).margin_level == D("1.3")
    prices["BTCUSDT"] = D("1520")
    assert snapshot(account).margin_level == D("1.16")
    prices["BTCUSDT"] = D("950")
    assert snapshot(account).margin_level == D("1.1")


@pytest.mark.parametrize("leveraged", ["cross3x"], indirect=True)
def test_the_refusals_say_why(leveraged):
    account, prices = leveraged

    prices["BTCUSDT"] = D("10000")
    refused = attempt("transfer_out", account)
    assert isinstance(refused, MarginRuleBroken)
    assert refused.message == (
        "You can transfer out at most 0.00 USDT now (your collateral margin level must stay "
        "above 2.00 after a transfer out while you have a loan)."
    )

    prices["BTCUSDT"] = D("5000")
    refused = attempt("borrow", account)
    assert isinstance(refused, MarginRuleBroken)
    assert refused.message == (
        "You cannot borrow now: your collateral margin level is 1.50, and borrowing needs it "
        "above 1.50. Trade only: repay or add collateral before you borrow or transfer out "
        "again."
    )

    prices["BTCUSDT"] = D("950")
    for action in ("borrow", "transfer_in", "transfer_out", "repay", "trade"):
        refused = attempt(action, account)
        assert isinstance(refused, MarginRuleBroken), action
        assert refused.message == (
            "Your Cross Margin account is being liquidated (margin level 1.10): it is locked "
            "until the liquidation is done."
        )


@pytest.mark.parametrize("leveraged", ["cross3x"], indirect=True)
def test_no_transfer_still_borrows_up_to_the_max(leveraged):
    account, prices = leveraged
    prices["BTCUSDT"] = D("10000")
    # Room at CML 2 with 0 % interest: (19,000 − 1.5 × 9,500) ÷ (1.5 − 1) = 9,500 USDT.
    services.margin_borrow(
        account=account, asset="USDT", amount=D("9500"), idempotency_key=key(), now=NOW
    )

    assert snapshot(account).collateral_margin_level == D("1.5")
    assert snapshot(account).state == "trade_only"
