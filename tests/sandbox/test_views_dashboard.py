"""The sandbox dashboard: clock, balances, chart, the order form (plain and htmx), cancel."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import services
from sandbox.models import Balance, LedgerTransaction, OperationKey, Order
from tests.sandbox.factories import key

pytestmark = pytest.mark.usefixtures("frozen_clock")

DASHBOARD = reverse("sandbox:dashboard")
ORDERS = reverse("sandbox:order_place")
PREVIEW = reverse("sandbox:order_preview")
FAST_FORWARD = reverse("sandbox:fast_forward")
HTMX = {"HTTP_HX_REQUEST": "true"}


def spot(account, asset: str, wallet: str = "spot") -> Decimal:
    row = Balance.objects.filter(
        account=account, season=account.season, wallet=wallet, asset=asset
    ).first()
    return row.amount if row else Decimal(0)


def counts() -> tuple[int, int, int]:
    return (LedgerTransaction.objects.count(), Order.objects.count(), OperationKey.objects.count())


def order(**fields) -> dict[str, str]:
    data = {
        "symbol": "BTCUSDT",
        "side": "buy",
        "order_type": "market",
        "quantity": "",
        "quote_amount": "",
        "limit_price": "",
        "idempotency_key": key(),
    }
    data.update(fields)
    return data


def hidden_key(html: str, form_action: str) -> str:
    """The idempotency key rendered in the form that posts to ``form_action``."""
    start = html.index(f'action="{form_action}"')
    match = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html[start:])
    assert match, f"no idempotency key in the form posting to {form_action}"
    return match.group(1)


def test_it_redirects_anonymous_visitors_to_log_in(client):
    for url in (DASHBOARD, PREVIEW):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_it_creates_the_account_on_the_first_visit_with_10000_usdt(learner_client, learner):
    response = learner_client.get(DASHBOARD)

    assert response.status_code == 200
    html = response.content.decode()
    assert "10,000.00 USDT" in html
    assert learner.sandbox_account.season == 1
    # The clock, the three fast-forward buttons, the chart and the order form are there.
    assert 'data-testid="sandbox-time"' in html
    for hours in ("1", "24", "168"):
        assert f'name="hours" value="{hours}"' in html
    assert "<svg" in html
    assert f'action="{ORDERS}"' in html
    assert 'aria-current="page"' in html


def test_it_renders_a_fresh_idempotency_key_on_every_form(learner_client):
    html = learner_client.get(DASHBOARD).content.decode()
    again = learner_client.get(DASHBOARD).content.decode()
    assert hidden_key(html, ORDERS) != hidden_key(again, ORDERS)
    assert hidden_key(html, ORDERS) != hidden_key(html, FAST_FORWARD)


def test_it_refuses_get_on_post_only_urls(learner_client, account):
    for url in (ORDERS, FAST_FORWARD, reverse("sandbox:order_cancel", args=[1])):
        assert learner_client.get(url).status_code == 405


def test_it_requires_a_csrf_token_on_every_post(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    before = counts()
    response = client.post(ORDERS, order(quote_amount="100"))
    assert response.status_code == 403
    assert client.post(FAST_FORWARD, {"hours": "1", "idempotency_key": key()}).status_code == 403
    assert counts() == before


# --- Placing orders ------------------------------------------------------------------


def test_it_places_a_market_buy_with_a_plain_post_and_redirects_with_a_message(
    learner_client, account
):
    response = learner_client.post(ORDERS, order(quote_amount="1000"), follow=True)

    assert response.redirect_chain[0][1] == 302
    assert response.redirect_chain[0][0].startswith(DASHBOARD)
    assert "Bought" in response.content.decode()
    # The quantity is rounded down to 8 places, so a hair less than 1,000 USDT is spent.
    assert Decimal("9000") <= spot(account, "USDT") < Decimal("9000.01")
    assert spot(account, "BTC") > 0
    filled = Order.objects.get(account=account)
    assert filled.status == "filled"


def test_it_reads_an_amount_typed_the_way_the_page_writes_it(learner_client, account):
    # The page prints "10,000.00 USDT"; "1,000" typed into the form means one thousand.
    learner_client.post(ORDERS, order(quote_amount="1,000"), follow=True)
    assert Decimal("9000") <= spot(account, "USDT") < Decimal("9000.01")

    # A grouping no page prints is refused with the field's message, and nothing moves.
    before = spot(account, "USDT")
    response = learner_client.post(ORDERS, order(quote_amount="1,00"), follow=True)
    assert "Enter a plain number" in response.content.decode()
    assert spot(account, "USDT") == before


def test_it_places_a_market_buy_over_htmx_and_answers_with_the_panels(learner_client, account):
    response = learner_client.post(ORDERS, order(quantity="0.01"), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    # The order panel comes back as the main part, the rest out of band.
    assert html.lstrip().startswith('<section id="order-panel"')
    assert (
        'id="balances" class="panel" aria-labelledby="balances-heading" hx-swap-oob="true"' in html
    )
    assert 'id="open-orders"' in html
    assert 'data-testid="order-notice"' in html
    assert "<html" not in html
    assert spot(account, "BTC") == Decimal("0.01") - Decimal("0.00001")  # 0.1% fee in BTC
    assert spot(account, "USDT") < Decimal("10000")


def test_it_renders_a_fresh_key_after_a_successful_htmx_submit(learner_client, account):
    sent = order(quote_amount="50")
    html = learner_client.post(ORDERS, sent, **HTMX).content.decode()
    assert hidden_key(html, ORDERS) != sent["idempotency_key"]


def test_it_applies_a_double_submitted_order_once(learner_client, account):
    sent = order(quote_amount="500")
    learner_client.post(ORDERS, sent)
    after_first = (spot(account, "USDT"), spot(account, "BTC"), counts())
    second = learner_client.post(ORDERS, sent, **HTMX)

    assert second.status_code == 200
    assert (spot(account, "USDT"), spot(account, "BTC"), counts()) == after_first
    assert Order.objects.filter(account=account).count() == 1


def test_it_places_a_limit_buy_that_reserves_usdt(learner_client, account):
    response = learner_client.post(
        ORDERS,
        order(order_type="limit", quantity="0.1", limit_price="30000"),
        follow=True,
    )

    assert "Limit order placed" in response.content.decode()
    assert spot(account, "USDT") == Decimal("7000")
    assert spot(account, "USDT", wallet="spot_locked") == Decimal("3000")
    open_order = Order.objects.get(account=account)
    assert open_order.status == "open"
    html = learner_client.get(DASHBOARD).content.decode()
    assert 'data-testid="open-orders"' in html
    assert reverse("sandbox:order_cancel", args=[open_order.pk]) in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quantity": "abc"}, "Enter a plain number"),
        ({"quantity": "NaN"}, "Enter a plain number"),
        ({"quantity": "1e3"}, "Enter a plain number"),
        ({"quantity": "-1"}, "greater than zero"),
        ({"quantity": "0"}, "greater than zero"),
        ({"quantity": "1000000000000000.1"}, "no larger than"),
        ({"quantity": "0.000000001"}, "at most 8 digits"),
        ({}, "Enter an amount in BTC or an amount in USDT."),
        ({"quantity": "1", "quote_amount": "10"}, "not both"),
        ({"quantity": "1", "order_type": "limit"}, "A limit order needs a limit price."),
        # The form passes the price on; the order service refuses it (one rule, one place).
        (
            {"quantity": "0.01", "limit_price": "30000"},
            "A market order fills at the market price; leave the limit price empty.",
        ),
        ({"quantity": "1", "symbol": "DOGEUSDT"}, "Select a valid choice"),
        ({"quantity": "1", "side": "short"}, "Select a valid choice"),
        ({"quantity": "1", "idempotency_key": "not-a-uuid"}, "This form has expired."),
        ({"quantity": "1", "idempotency_key": ""}, "This form has expired."),
    ],
)
def test_it_shows_form_errors_and_changes_nothing(learner_client, account, fields, message):
    before = counts()
    response = learner_client.post(ORDERS, order(**fields))

    assert response.status_code == 422
    assert message in response.content.decode()
    assert counts() == before

    htmx = learner_client.post(ORDERS, order(**fields), **HTMX)
    # htmx swaps only 2xx answers, so its error fragment is a 200.
    assert htmx.status_code == 200
    assert message in htmx.content.decode()
    assert counts() == before


def test_it_shows_a_sandbox_error_next_to_the_form_and_changes_nothing(learner_client, account):
    before = counts()
    response = learner_client.post(ORDERS, order(quote_amount="20000"), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Insufficient USDT" in html
    assert counts() == before
    assert spot(account, "USDT") == Decimal("10000")


def test_it_refuses_an_order_below_10_usdt(learner_client, account):
    before = counts()
    response = learner_client.post(ORDERS, order(quote_amount="5"))
    assert response.status_code == 422
    assert "10" in response.content.decode()
    assert counts() == before


garbage = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["NaN", "Infinity", "-0", "1e999", "0x10", "１２", "1_000", " ", "+.", "."]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    symbol=st.one_of(st.sampled_from(["BTCUSDT", "ETHUSDT"]), st.text(max_size=12)),
    side=st.one_of(st.sampled_from(["buy", "sell"]), st.text(max_size=6)),
    order_type=st.one_of(st.sampled_from(["market", "limit"]), st.text(max_size=6)),
    quantity=garbage,
    quote_amount=garbage,
    limit_price=garbage,
    htmx=st.booleans(),
)
def test_it_never_fails_with_a_server_error_on_garbage(
    learner_client, account, symbol, side, order_type, quantity, quote_amount, limit_price, htmx
):
    data = order(
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=quantity,
        quote_amount=quote_amount,
        limit_price=limit_price,
    )
    # The test client cannot send NUL bytes in form data; a browser would not either.
    data = {name: value.replace("\x00", "") for name, value in data.items()}
    extra = HTMX if htmx else {}
    response = learner_client.post(ORDERS, data, **extra)
    assert response.status_code < 500
    preview = learner_client.get(PREVIEW, data, **extra)
    assert preview.status_code < 500


# --- Preview -----------------------------------------------------------------------


def test_it_previews_an_order_over_htmx_without_changing_anything(learner_client, account):
    before = counts()
    response = learner_client.get(
        PREVIEW,
        {
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "limit",
            "quantity": "0.5",
            "limit_price": "2000",
        },
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "1,000.00 USDT" in html  # value = 0.5 × 2,000
    assert "0.0005 BTC" in html  # fee: 0.1% of the BTC received
    assert "Reserved" in html
    assert "<html" not in html
    assert counts() == before


def test_it_warns_in_the_preview_below_the_minimum(learner_client, account):
    response = learner_client.get(
        PREVIEW,
        {"symbol": "BTCUSDT", "side": "buy", "order_type": "market", "quote_amount": "5"},
        **HTMX,
    )
    # The order service's own message, word for word.
    assert (
        "Minimum order value is 10 USDT; this order is worth 5.00 USDT" in response.content.decode()
    )


def test_it_shows_the_preview_on_the_full_page_without_javascript(learner_client, account):
    response = learner_client.get(
        PREVIEW,
        {"symbol": "ETHUSDT", "side": "buy", "order_type": "market", "quote_amount": "100"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert 'data-testid="order-estimate"' in html
    assert 'value="100"' in html  # what the learner typed is kept
    uuid.UUID(hidden_key(html, ORDERS))  # and the form can be sent as it is


# --- Cancel and fast-forward -------------------------------------------------------------


def place_limit(account, price: str = "30000") -> Order:
    return services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.1"),
        limit_price=Decimal(price),
        idempotency_key=key(),
    )


def test_it_cancels_an_open_order_with_a_plain_post(learner_client, account):
    placed = place_limit(account)
    url = reverse("sandbox:order_cancel", args=[placed.pk])

    response = learner_client.post(url, {"idempotency_key": key()}, follow=True)

    assert "Order cancelled" in response.content.decode()
    placed.refresh_from_db()
    assert placed.status == "cancelled"
    assert spot(account, "USDT") == Decimal("10000")


def test_it_cancels_over_htmx_and_reports_an_order_that_is_no_longer_open(learner_client, account):
    placed = place_limit(account)
    url = reverse("sandbox:order_cancel", args=[placed.pk])

    first = learner_client.post(url, {"idempotency_key": key()}, **HTMX)
    assert first.status_code == 200
    assert first.content.decode().lstrip().startswith('<section id="open-orders"')
    assert "Order cancelled" in first.content.decode()

    before = counts()
    second = learner_client.post(url, {"idempotency_key": key()}, **HTMX)
    assert "no longer open" in second.content.decode()
    assert 'role="alert"' in second.content.decode()
    assert counts() == before


def test_it_returns_404_for_an_order_id_that_does_not_exist(learner_client, account):
    url = reverse("sandbox:order_cancel", args=[999999])
    assert learner_client.post(url, {"idempotency_key": key()}).status_code == 404


def test_it_fast_forwards_the_clock_by_a_day(learner_client, account):
    response = learner_client.post(
        FAST_FORWARD, {"hours": "24", "idempotency_key": key()}, follow=True
    )

    assert response.status_code == 200
    assert "moved forward 1 day" in response.content.decode()
    account.refresh_from_db()
    assert account.clock_offset_seconds == 24 * 3600
    assert "4 Mar 2025, 12:00 UTC" in response.content.decode()


def test_it_refuses_a_fast_forward_it_does_not_offer(learner_client, account):
    response = learner_client.post(
        FAST_FORWARD, {"hours": "5", "idempotency_key": key()}, follow=True
    )
    assert "Choose 1 hour, 1 day or 1 week." in response.content.decode()
    account.refresh_from_db()
    assert account.clock_offset_seconds == 0


def test_it_reports_what_really_happened_when_a_fast_forward_key_is_replayed(
    learner_client, account
):
    form_key = key()
    learner_client.post(FAST_FORWARD, {"hours": "1", "idempotency_key": form_key})

    response = learner_client.post(
        FAST_FORWARD, {"hours": "168", "idempotency_key": form_key}, follow=True
    )

    html = response.content.decode()
    assert "already used" in html
    assert "moved forward 1 hour" in html
    assert "moved forward 1 week" not in html
    account.refresh_from_db()
    assert account.clock_offset_seconds == 3600


def test_it_fast_forwards_once_for_a_double_submit(learner_client, account):
    sent = {"hours": "1", "idempotency_key": key()}
    learner_client.post(FAST_FORWARD, sent)
    learner_client.post(FAST_FORWARD, sent)
    account.refresh_from_db()
    assert account.clock_offset_seconds == 3600


# --- Query counts ------------------------------------------------------------------------


def test_it_reads_the_dashboard_in_a_fixed_number_of_queries(
    learner_client, account, django_assert_num_queries
):
    learner_client.get(DASHBOARD)  # warm up: session, caught-up account
    with django_assert_num_queries(DASHBOARD_QUERIES):
        learner_client.get(DASHBOARD)
    for price in ("30000", "31000", "32000"):
        place_limit(account, price)
    services.order_place(
        account=account,
        symbol="ETHUSDT",
        side="buy",
        order_type="market",
        quote_amount=Decimal("100"),
        idempotency_key=key(),
    )
    with django_assert_num_queries(DASHBOARD_QUERIES):
        learner_client.get(DASHBOARD)


DASHBOARD_QUERIES = (
    12  # session, user, account lock (+ savepoint), overview (4), chart prices, settings, unread
)


# --- Rules shown come from the code that enforces them ------------------------------------


def test_it_offers_exactly_the_fast_forward_steps_the_service_accepts(learner_client, account):
    html = learner_client.get(DASHBOARD).content.decode()

    offered = re.findall(r'name="hours" value="(\d+)"', html)
    assert [int(hours) for hours in offered] == list(services.FAST_FORWARD_HOURS)


def test_it_states_the_fee_rate_the_fee_formula_uses(learner_client, account, monkeypatch):
    from sandbox import views

    monkeypatch.setattr(views, "FEE_PERCENT", "0.2")
    html = learner_client.get(
        PREVIEW, {"symbol": "BTCUSDT", "side": "buy", "order_type": "market", "quantity": "0.01"}
    ).content.decode()

    assert "0.2% of what you receive" in html
