"""The order preview: the service's own rules, for the wallet the order trades from.

The preview runs what ``order_place`` runs (validation, sizing, minimum, fee, the
wallet's balance) without changing anything, so it can neither promise what placing the
order would refuse nor refuse what it would accept.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import pricing
from sandbox.clock import account_clock
from sandbox.ledger import ledger_post, move, system_accounts
from sandbox.models import LedgerTransaction, OperationKey, Order, SystemCode, TransactionKind

pytestmark = pytest.mark.usefixtures("frozen_clock")

PREVIEW = reverse("sandbox:order_preview")
HTMX = {"HTTP_HX_REQUEST": "true"}


def fund_cross_margin(account, amount: str) -> None:
    """Put USDT in the Cross Margin wallet (no transfer service yet: a treasury deposit)."""
    clock = account_clock(account)
    ledger_post(
        kind=TransactionKind.DEPOSIT,
        legs=move(
            source=system_accounts()[SystemCode.TREASURY],
            source_wallet="spot",
            target=account,
            target_wallet="cross",
            asset="USDT",
            amount=Decimal(amount),
        ),
        account=account,
        memo="Test deposit into Cross Margin",
        minute=clock.minute,
        sandbox_time=clock.time,
    )


def preview(client, **fields):
    data = {"symbol": "BTCUSDT", "side": "buy", "order_type": "market"} | fields
    return client.get(PREVIEW, data, **HTMX).content.decode()


def test_it_counts_only_the_spot_wallet_for_a_spot_order(learner_client, account):
    # Written first for issue 7 §2: balances were keyed by asset across wallets, so the
    # 5 USDT of Cross Margin hid the 10,000 USDT of Spot ("available 5, insufficient").
    fund_cross_margin(account, "5")

    html = preview(learner_client, quote_amount="100")

    assert "10,000.00 USDT" in html  # available in the Spot wallet
    assert "Insufficient" not in html
    assert "5.00 USDT available" not in html


def test_it_says_what_the_order_service_would_refuse(learner_client, account):
    html = preview(learner_client, quote_amount="20000")

    assert "Insufficient USDT in your Spot wallet: 10,000.00 available, 20,000.00 needed" in html


def test_it_refuses_a_limit_price_on_a_market_order_as_the_service_does(learner_client, account):
    html = preview(learner_client, quantity="0.01", limit_price="30000")

    assert "A market order fills at the market price; leave the limit price empty." in html
    assert 'data-testid="order-estimate"' not in html


@pytest.mark.parametrize("htmx", [True, False])
def test_it_answers_huge_amounts_with_a_message_not_a_server_error(learner_client, account, htmx):
    extra = HTMX if htmx else {}
    data = {
        "symbol": "BTCUSDT",
        "side": "buy",
        "order_type": "limit",
        "quantity": "1000000000000000",
        "limit_price": "1000000000000000",
    }
    response = learner_client.get(PREVIEW, data, **extra)

    assert response.status_code == 200
    assert "Insufficient USDT in your Spot wallet" in response.content.decode()


amounts = st.decimals(
    min_value=Decimal("0.00000001"), max_value=Decimal("1E15"), places=8, allow_nan=False
).map(lambda d: format(d, "f"))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    symbol=st.sampled_from(pricing.SYMBOLS),
    side=st.sampled_from(["buy", "sell"]),
    order_type=st.sampled_from(["market", "limit"]),
    sized_in_usdt=st.booleans(),
    amount=amounts,
    limit_price=st.one_of(st.just(""), amounts),
    htmx=st.booleans(),
)
def test_it_previews_any_amount_the_form_accepts_without_a_server_error(
    learner_client, account, symbol, side, order_type, sized_in_usdt, amount, limit_price, htmx
):
    before = (LedgerTransaction.objects.count(), Order.objects.count())
    data = {
        "symbol": symbol,
        "side": side,
        "order_type": order_type,
        "quantity": "" if sized_in_usdt else amount,
        "quote_amount": amount if sized_in_usdt else "",
        "limit_price": limit_price,
    }
    response = learner_client.get(PREVIEW, data, **(HTMX if htmx else {}))

    assert response.status_code == 200
    assert (LedgerTransaction.objects.count(), Order.objects.count()) == before
    assert not OperationKey.objects.exists()
