"""What the dashboard says happened: a fill with its fee, a fast-forward's fills and the
orders it left open beside the closest the price came."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from config.formatting import format_price
from sandbox import services
from sandbox.market import load_market
from sandbox.models import Order
from tests.sandbox.factories import key

pytestmark = pytest.mark.usefixtures("frozen_clock")

ORDERS = reverse("sandbox:order_place")
FAST_FORWARD = reverse("sandbox:fast_forward")
HTMX = {"HTTP_HX_REQUEST": "true"}


def order(**fields) -> dict[str, str]:
    data = {"symbol": "BTCUSDT", "side": "buy", "order_type": "market", "idempotency_key": key()}
    return data | fields


def test_it_says_the_fee_and_what_arrived_after_a_market_buy(learner_client, account, fixed_prices):
    response = learner_client.post(ORDERS, order(quantity="0.01"), follow=True)

    assert (
        "Bought 0.01 BTC at 50,000.00 USDT, fee 0.00001 BTC: you received 0.00999 BTC."
        in response.content.decode()
    )


def test_it_says_the_fee_in_the_htmx_answer_too(learner_client, account, fixed_prices):
    response = learner_client.post(ORDERS, order(quantity="0.01"), **HTMX)

    assert "fee 0.00001 BTC: you received 0.00999 BTC" in response.content.decode()


def test_it_says_what_a_sell_paid_out_after_its_fee(learner_client, account, fixed_prices):
    learner_client.post(ORDERS, order(quantity="0.02"))
    response = learner_client.post(ORDERS, order(side="sell", quantity="0.01"), follow=True)

    # 0.01 × 50,000 = 500 USDT received, less the 0.1% fee taken in USDT.
    assert (
        "Sold 0.01 BTC at 50,000.00 USDT, fee 0.50 USDT: you received 499.50 USDT."
        in response.content.decode()
    )


def test_it_says_what_a_fast_forward_filled_and_what_it_left_open(learner_client, account):
    # Prices are a pure function of the minute, so the test can read the coming day.
    start = account.evaluated_minute
    day = load_market().index_prices("BTCUSDT", start + 1, start + 24 * 60 + 1)
    low = min(day)
    now_price = load_market().index_price("BTCUSDT", start)
    assert low < now_price * Decimal("0.999"), "the path must dip within the day"
    fills_at = low + Decimal("0.01")
    stays_at = (low * Decimal("0.9")).quantize(Decimal("0.01"))
    for limit in (fills_at, stays_at):
        services.order_place(
            account=account,
            symbol="BTCUSDT",
            side="buy",
            order_type="limit",
            quote_amount=Decimal("500"),
            limit_price=limit,
            idempotency_key=key(),
        )

    response = learner_client.post(
        FAST_FORWARD, {"hours": "24", "idempotency_key": key()}, follow=True
    )

    html = response.content.decode()
    filled = Order.objects.get(account=account, limit_price=fills_at)
    assert filled.status == "filled"
    assert (
        f"Your limit order filled. Bought {filled.quantity.normalize():f} BTC at "
        f"{format_price('BTCUSDT', fills_at)} USDT" in html
    )
    assert (
        f"Your buy limit at {format_price('BTCUSDT', stays_at)} USDT for " in html
        and f"is still open: the lowest index price in that period was "
        f"{format_price('BTCUSDT', low)} USDT."
        in html
    )
    assert "Anything the prices crossed has run" not in html


def test_it_reports_no_fills_for_a_replayed_fast_forward(learner_client, account):
    sent = {"hours": "1", "idempotency_key": key()}
    learner_client.post(FAST_FORWARD, sent)
    response = learner_client.post(FAST_FORWARD, sent, follow=True)

    html = response.content.decode()
    assert "already used" in html
    assert "still open" not in html and "filled" not in html
