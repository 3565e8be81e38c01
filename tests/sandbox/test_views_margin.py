"""The Cross Margin page: who may see it, the numbers it shows for a prepared account, its
"open in calculator" links, and its query count.

The account is prepared with the money operations under the account lock (the services
that the page's forms call are tested in test_views_margin_actions.py)."""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal
from html import unescape

import pytest
from django.db import transaction
from django.urls import reverse

from calculators.formulas import hourly_rate_from_yearly
from sandbox.models import Balance, LedgerTransaction
from sandbox.operations.margin import interest_charge, interest_post
from sandbox.services.base import locked_operation
from tests.sandbox.factories import VIEW_NOW
from tests.sandbox.margin_page_helpers import BORROW_BTC, activate, prepare

D = Decimal
MARGIN = "/sandbox/margin/"
pytestmark = pytest.mark.usefixtures("frozen_clock", "fixed_prices")


def add_interest(account, *, asset="BTC", principal=BORROW_BTC, yearly=1):
    with transaction.atomic(), locked_operation(account, operation="test", key=None) as op:
        charge = interest_charge(
            asset=asset,
            principal=principal,
            hourly_rate_percent=hourly_rate_from_yearly(yearly_percent=D(yearly)),
            minute=op.clock.minute,
            source="hourly",
            use_bnb=False,
            free_bnb=D(0),
            asset_price=D(50000),
            bnb_price=D(500),
        )
        interest_post(op.session, op.clock, charges=[charge])
    return charge


def text_of(response, testid: str) -> str:
    """The text of the element with ``data-testid`` (tags stripped, spaces collapsed)."""
    html = response.content.decode()
    match = re.search(rf'<(\w+)[^>]*data-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no {testid}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match[2])).split())


def result_text(response, key: str) -> str:
    html = response.content.decode()
    match = re.search(rf'data-result="{key}">.*?<dd[^>]*>(.*?)</dd>', html, re.S)
    assert match, f"no result {key}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match[1])).split())


def link_of(response, label_part: str) -> str:
    """The href of the calculator link whose hidden label contains ``label_part``."""
    html = response.content.decode()
    for href, inner in re.findall(r'<a href="([^"]+)" class="calc-link">(.*?)</a>', html, re.S):
        if label_part in inner:
            return unescape(href)
    raise AssertionError(f"no calculator link for {label_part}")


@pytest.fixture
def margin_learner(learner):
    activate(learner)
    return learner


@pytest.fixture
def prepared(margin_learner, account):
    return prepare(account)


# --- Who may see it ------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(MARGIN)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_it_shows_the_locked_panel_to_a_learner_without_margin(learner_client, account):
    response = learner_client.get(MARGIN)
    assert response.status_code == 200
    assert b'data-testid="margin-locked"' in response.content
    assert b'data-testid="levels"' not in response.content


def test_it_shows_only_the_learners_own_cross_wallet(client, prepared, other_learner):
    activate(other_learner)
    client.force_login(other_learner)
    response = client.get(MARGIN)
    assert response.status_code == 200
    # Bob has no debt: infinite margin level, nothing of Alice's 2,000 USDT.
    assert text_of(response, "margin-level") == "∞"
    assert text_of(response, "total-assets") == "0.00 USDT"


# --- The numbers ---------------------------------------------------------------------


def test_it_shows_the_levels_and_state_of_a_prepared_account(learner_client, prepared):
    response = learner_client.get(MARGIN)
    assert response.status_code == 200
    # ML = 2,000 ÷ 1,000; CML = (1,000 + 1,000 × 0.95) ÷ 1,000 = 1.95 → "no transfer out".
    assert text_of(response, "margin-level").startswith("2.00")
    assert text_of(response, "collateral-margin-level") == "1.95"
    assert text_of(response, "state") == "No transfer out"
    assert text_of(response, "state-advice") == (
        "No transfer out: you can still trade and borrow, but keep your assets in the account."
    )
    assert text_of(response, "total-assets") == "2,000.00 USDT"
    assert text_of(response, "total-liabilities") == "1,000.00 USDT"
    assert text_of(response, "equity") == "1,000.00 USDT"
    row = text_of(response, "cross-BTC")
    assert row == "BTC @ 50,000.00 USDT 0.02 0.02 0 0 1,000.00"


def test_it_rounds_levels_down_to_two_places(learner_client, prepared):
    add_interest(prepared)  # 0.00000002 BTC = 0.001 USDT of interest
    response = learner_client.get(MARGIN)
    # 2,000 ÷ 1,000.001 = 1.999998…: shown 1.99, never 2.00.
    assert text_of(response, "margin-level").startswith("1.99")
    assert text_of(response, "collateral-margin-level") == "1.94"
    assert text_of(response, "next-interest-BTC").startswith("0.00000002 BTC")


def test_it_shows_the_btc_prices_of_a_margin_call_and_a_liquidation(learner_client, prepared):
    response = learner_client.get(MARGIN)
    # The BTC held cancels the BTC owed; the 1,000 USDT carries the loan. ML falls as BTC
    # rises: P = (k × Lq − Q) ÷ (B − k × Lb) = −1,000 ÷ (0.02 − k × 0.02).
    assert text_of(response, "margin-call-price-BTC") == "166,666.67 USDT"
    assert text_of(response, "liquidation-price-BTC").startswith("500,000.00 USDT")
    # No exposure to ETH: no threshold shown for it.
    assert b'data-testid="margin-call-price-ETH"' not in response.content


def test_it_shows_max_borrow_per_asset(learner_client, prepared):
    response = learner_client.get(MARGIN)
    # USDT: (CV − I × L) ÷ (I × (1 + h) − r), CV 1,950, L 1,000, I 1.5, r 1, h = 8 % ÷ 8,760 ÷ 100.
    h = D(8) / D(365) / D(24) / D(100)
    usdt = (D(1950) - D("1.5") * D(1000)) / (D("1.5") * (1 + h) - 1)
    expected = f"{usdt.quantize(D('0.00000001'), rounding=ROUND_FLOOR):,f}".rstrip("0").rstrip(".")
    text = text_of(response, "max-borrow-USDT")
    assert text.startswith(f"{usdt.quantize(D('0.01'), rounding=ROUND_FLOOR):,.2f} USDT")
    assert f"({usdt.quantize(D('0.01'), rounding=ROUND_FLOOR):,.2f} USDT)" in text
    assert expected.startswith("899.97")


def test_it_shows_kind_and_rates(learner_client, prepared):
    response = learner_client.get(MARGIN)
    html = unescape(response.content.decode())
    assert "Account kind: Cross 3x" in html
    # BTC: 1 % a year = 0.00011416 % an hour (up to 8 places).
    assert "1 % a year, 0.00011416 % an hour" in html


def test_it_shows_the_cooling_off_end_while_one_runs(learner_client, prepared):
    from datetime import timedelta

    from sandbox.selectors import settings_of

    settings = settings_of(prepared)
    settings.cooling_off_until = VIEW_NOW + timedelta(days=3)
    settings.save()
    response = learner_client.get(MARGIN)
    assert "Cooling-off period until 6 Mar 2025, 12:00 UTC" in text_of(response, "cooling-off")


# --- Calculator links agree with the page -----------------------------------------------


def test_the_margin_level_link_opens_a_calculator_with_the_same_level(learner_client, prepared):
    add_interest(prepared)
    page = learner_client.get(MARGIN)
    url = link_of(page, "(margin level)")
    assert url.startswith("/calculators/margin-level/?")
    calculator = learner_client.get(url)
    assert calculator.status_code == 200
    assert result_text(calculator, "margin_level") == "1.99"
    assert result_text(calculator, "collateral_margin_level") == "1.94"
    assert text_of(page, "margin-level").startswith("1.99")


def test_the_liquidation_price_link_opens_a_calculator_with_the_same_prices(
    learner_client, prepared
):
    page = learner_client.get(MARGIN)
    calculator = learner_client.get(link_of(page, "(margin liquidation price of BTC)"))
    assert calculator.status_code == 200
    assert result_text(calculator, "margin_call_price").startswith("166,666.67")
    assert result_text(calculator, "liquidation_price").startswith("500,000.00")


def test_the_max_borrow_link_opens_a_calculator_with_the_same_maximum(learner_client, prepared):
    page = learner_client.get(MARGIN)
    shown = re.search(r"\(([\d,.]+) USDT\)", text_of(page, "max-borrow-USDT"))[1]
    calculator = learner_client.get(link_of(page, "(max borrow of USDT)"))
    assert result_text(calculator, "max_borrow").startswith(shown)
    shown_btc = re.search(r"\(([\d,.]+) USDT\)", text_of(page, "max-borrow-BTC"))[1]
    calculator = learner_client.get(link_of(page, "(max borrow of BTC)"))
    assert result_text(calculator, "max_borrow").startswith(shown_btc)


def test_the_interest_link_opens_a_calculator_with_the_same_hourly_charge(learner_client, prepared):
    page = learner_client.get(MARGIN)
    shown = text_of(page, "next-interest-BTC").split(" BTC")[0]
    calculator = learner_client.get(link_of(page, "(interest on the BTC loan)"))
    assert calculator.status_code == 200
    assert result_text(calculator, "hourly_charge").startswith(f"{shown} ")
    assert shown == "0.00000002"


# --- Queries and refusals -------------------------------------------------------------


MARGIN_QUERIES = 12


def test_it_reads_the_margin_page_in_a_constant_number_of_queries(
    learner_client, prepared, django_assert_num_queries
):
    learner_client.get(MARGIN)
    with django_assert_num_queries(MARGIN_QUERIES):
        learner_client.get(MARGIN)
    for _ in range(5):
        prepare(prepared, cross_usdt=D(10), borrow_btc=D("0.0001"))
    add_interest(prepared)
    with django_assert_num_queries(MARGIN_QUERIES):
        learner_client.get(MARGIN)


@pytest.mark.parametrize(
    "name", ["margin_transfer", "margin_borrow", "margin_repay", "margin_order_place"]
)
def test_it_refuses_every_margin_post_without_activation_and_changes_nothing(
    learner_client, account, name
):
    before = (
        list(Balance.objects.filter(account=account).values_list("wallet", "asset", "amount")),
        LedgerTransaction.objects.count(),
    )
    response = learner_client.post(
        reverse(f"sandbox:{name}"),
        {
            "idempotency_key": "8d3c1c1e-0000-4000-8000-000000000000",
            "asset": "USDT",
            "amount": "100",
        },
    )
    assert response.status_code == 403
    assert b"locked until you pass the margin quiz" in response.content
    after = (
        list(Balance.objects.filter(account=account).values_list("wallet", "asset", "amount")),
        LedgerTransaction.objects.count(),
    )
    assert after == before


@pytest.mark.parametrize("name", ["margin_settings", "cooling_off"])
def test_it_refuses_margin_settings_without_activation(learner_client, account, name):
    response = learner_client.post(reverse(f"sandbox:{name}"), {"days": "7", "confirm": "on"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "margin",
        "margin_transfer",
        "margin_borrow",
        "margin_repay",
        "margin_order_place",
        "margin_order_preview",
        "margin_settings",
        "cooling_off",
    ],
)
def test_it_sends_anonymous_visitors_to_log_in_from_every_margin_url(client, name):
    for method in ("get", "post"):
        response = getattr(client, method)(reverse(f"sandbox:{name}"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "name", ["margin_transfer", "margin_borrow", "margin_repay", "margin_order_place"]
)
def test_it_shows_form_errors_next_to_the_field_without_calling_a_service(
    learner_client, prepared, name
):
    response = learner_client.post(
        reverse(f"sandbox:{name}"),
        {
            "idempotency_key": "8d3c1c1e-0000-4000-8000-000000000000",
            "asset": "DOGE",
            "amount": "NaN",
            "symbol": "x",
        },
    )
    assert response.status_code == 422
    assert b"errorlist" in response.content or b"form-errors" in response.content


def test_the_dashboard_shows_the_cross_summary(learner_client, prepared):
    response = learner_client.get("/sandbox/")
    assert text_of(response, "cross-margin-level") == "2.00"
    assert b'href="/sandbox/margin/"' in response.content


def test_the_dashboard_has_no_cross_summary_without_a_cross_wallet(learner_client, account):
    response = learner_client.get("/sandbox/")
    assert b'data-testid="cross-summary"' not in response.content
