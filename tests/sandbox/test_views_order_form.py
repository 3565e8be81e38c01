"""The order form: what each field asks, the side and type tabs, the available balance and
its "max", the preview kept after a refusal, Enter previewing instead of ordering."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from sandbox.models import Order
from tests.sandbox.factories import key

pytestmark = pytest.mark.usefixtures("frozen_clock")

DASHBOARD = reverse("sandbox:dashboard")
ORDERS = reverse("sandbox:order_place")
PREVIEW = reverse("sandbox:order_preview")
HTMX = {"HTTP_HX_REQUEST": "true"}


def panel(html: str) -> str:
    start = html.index('<section id="order-panel"')
    return html[start : html.index("</section>", start)]


def order_form(html: str) -> str:
    start = html.index(f'action="{ORDERS}"')
    return html[start : html.index("</form>", start)]


def test_no_order_field_calls_itself_optional(learner_client, account):
    for params in ({}, {"order_type": "limit"}):
        html = panel(learner_client.get(DASHBOARD, params).content.decode())
        assert "(optional)" not in html
        assert "Quantity in BTC" in html
        assert "a quantity in BTC or an amount in USDT" in html


def test_a_market_order_form_has_no_limit_price_and_a_limit_form_asks_for_it(
    learner_client, account
):
    market = order_form(learner_client.get(DASHBOARD).content.decode())
    assert 'name="limit_price"' not in market
    assert '<input type="hidden" name="order_type" value="market"' in market

    limit = order_form(learner_client.get(DASHBOARD, {"order_type": "limit"}).content.decode())
    assert re.search(r'<input[^>]*name="limit_price"[^>]*aria-required="true"', limit)
    assert '<input type="hidden" name="order_type" value="limit"' in limit


def test_a_limit_price_carried_to_the_market_form_is_dropped_from_it(learner_client, account):
    html = order_form(
        learner_client.get(
            DASHBOARD, {"order_type": "market", "limit_price": "100", "quantity": "0.01"}
        ).content.decode()
    )
    assert 'name="limit_price"' not in html
    assert 'name="quantity" value="0.01"' in html


def test_the_buttons_say_what_they_do_in_their_own_colour(learner_client, account):
    buy = panel(learner_client.get(DASHBOARD).content.decode())
    assert re.search(r'class="button place-order buy"[^>]*>Buy BTC</button>', buy)
    assert "Place order" not in buy

    sell = panel(
        learner_client.get(DASHBOARD, {"symbol": "ETHUSDT", "side": "sell"}).content.decode()
    )
    assert re.search(r'class="button place-order sell"[^>]*>Sell ETH</button>', sell)
    assert '<input type="hidden" name="side" value="sell"' in sell


def test_the_tabs_are_links_that_keep_the_other_choices(learner_client, account):
    html = panel(
        learner_client.get(DASHBOARD, {"symbol": "ETHUSDT", "side": "sell"}).content.decode()
    )
    assert f'href="{DASHBOARD}?symbol=ETHUSDT&amp;side=buy&amp;order_type=market"' in html
    assert f'href="{DASHBOARD}?symbol=ETHUSDT&amp;side=sell&amp;order_type=limit"' in html


def test_it_shows_the_available_balance_of_the_paying_asset_with_a_max_link(
    learner_client, account
):
    html = panel(learner_client.get(DASHBOARD).content.decode())
    available = re.search(r'data-testid="available">(.*?)</p>', html, re.S).group(1)
    assert "10,000.00 USDT" in available and "Spot wallet" in available
    assert (
        f'href="{DASHBOARD}?symbol=BTCUSDT&amp;side=buy&amp;order_type=market'
        '&amp;quote_amount=10000"' in available
    )


def test_the_max_link_fills_the_amount_and_previews_it_without_javascript(learner_client, account):
    response = learner_client.get(
        DASHBOARD,
        {"symbol": "BTCUSDT", "side": "buy", "order_type": "market", "quote_amount": "10000"},
    )

    html = panel(response.content.decode())
    assert 'name="quote_amount" value="10000"' in html
    assert 'data-testid="order-estimate"' in html
    assert "10,000.00 USDT" in html.split('data-testid="order-estimate"')[1]


def test_a_sell_pays_with_the_base_asset_so_max_fills_the_quantity(
    learner_client, account, fixed_prices
):
    learner_client.post(
        ORDERS,
        {
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "market",
            "quantity": "0.01",
            "idempotency_key": key(),
        },
    )
    html = panel(learner_client.get(DASHBOARD, {"side": "sell"}).content.decode())
    available = re.search(r'data-testid="available">(.*?)</p>', html, re.S).group(1)
    assert "0.00999 BTC" in available
    assert '&amp;quantity=0.00999"' in available


def test_htmx_tabs_and_max_swap_only_the_order_panel(learner_client, account):
    response = learner_client.get(
        DASHBOARD,
        {"side": "sell", "order_type": "limit", "quantity": "0.5"},
        HTTP_HX_TARGET="order-panel",
        **HTMX,
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="order-panel"')
    assert 'id="balances"' not in html
    assert "Sell BTC" in html
    assert 'name="quantity" value="0.5"' in html


def test_after_a_refused_order_the_preview_still_describes_the_fields(learner_client, account):
    response = learner_client.post(
        ORDERS,
        {
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "market",
            "quote_amount": "20000",
            "idempotency_key": key(),
        },
        **HTMX,
    )

    html = panel(response.content.decode())
    assert "Insufficient USDT" in html
    assert 'name="quote_amount" value="20000"' in html
    estimate = html.split('data-testid="order-estimate"')[1]
    assert "20,000.00 USDT" in estimate
    assert not Order.objects.exists()


def test_enter_in_a_field_previews_instead_of_placing_the_order(learner_client, account):
    form = order_form(learner_client.get(DASHBOARD).content.decode())

    # The browser's default button (Enter) is the form's first submit button.
    first_submit = re.search(r'<button type="submit"[^>]*>', form).group(0)
    assert f'formaction="{PREVIEW}"' in first_submit
    assert 'formmethod="get"' in first_submit
    assert f'hx-get="{PREVIEW}"' in first_submit


def test_the_live_preview_does_not_inherit_the_forms_disabled_element(learner_client, account):
    form = order_form(learner_client.get(DASHBOARD).content.decode())

    assert 'hx-disabled-elt="find .place-order" hx-disinherit="hx-disabled-elt"' in form


def test_the_result_of_an_htmx_order_takes_the_focus(learner_client, account):
    response = learner_client.post(
        ORDERS,
        {
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "market",
            "quote_amount": "100",
            "idempotency_key": key(),
        },
        **HTMX,
    )

    html = response.content.decode()
    assert re.search(r'<p class="message" role="status" tabindex="-1" autofocus', html)
    assert Order.objects.get().quantity > Decimal(0)


def test_the_prices_and_the_order_form_come_before_the_chart_and_balances(
    learner_client, account, fixed_prices
):
    html = learner_client.get(DASHBOARD).content.decode()

    strip = html.index('data-testid="price-strip"')
    assert strip < html.index('id="order-panel"') < html.index('id="price-chart"')
    assert html.index('id="order-panel"') < html.index('id="balances"')
    prices = html[strip : html.index("</nav>", strip)]
    for symbol, price in (
        ("BTCUSDT", "50,000.00"),
        ("ETHUSDT", "2,500.00"),
        ("BNBUSDT", "500.00"),
        ("USDCUSDT", "1.0000"),
    ):
        assert re.search(rf"{symbol}</span> <span class=\"strip-price\">{re.escape(price)}", prices)
