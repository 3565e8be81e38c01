"""The liquidation report: the owner sees every number of it; nobody else does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.sandbox.margin_page_helpers import activate, liquidate, prepare
from tests.sandbox.test_views_margin import text_of

pytestmark = pytest.mark.usefixtures("frozen_clock", "fixed_prices")


@pytest.fixture
def liquidation(learner, account):
    activate(learner)
    prepare(account)
    return liquidate(account)


def url(liquidation) -> str:
    return reverse("sandbox:liquidation", args=[liquidation.pk])


def test_it_shows_the_report_numbers(learner_client, liquidation):
    response = learner_client.get(url(liquidation))
    assert response.status_code == 200
    assert text_of(response, "trigger-time") == "3 Mar 2025, 12:00 UTC"
    assert text_of(response, "trigger-level").startswith("1.09 ")
    assert text_of(response, "trigger-price-BTCUSDT") == "35,000.00 USDT"
    assert text_of(response, "level-after") == "1.62"
    assert text_of(response, "sold-value") == "1,000.00 USDT"
    assert text_of(response, "total-fee") == "20.00 USDT"
    assert text_of(response, "insurance-cover") == "0.00 USDT"
    assert text_of(response, "kept") == "78.77 USDT"
    assert text_of(response, "sale") == (
        "Sold BTCUSDT at 35,000.00 USDT 0.02857142 35,000.00 1,000.00 20.00"
    )
    assert text_of(response, "sales-fee-total") == "20.00"


def test_it_draws_the_margin_level_path_with_the_thresholds(learner_client, liquidation):
    html = learner_client.get(url(liquidation)).content.decode()
    assert "Margin level up to the liquidation" in html
    assert "it started at 1.60 and reached 1.09 at the trigger minute" in html
    assert "Liquidation level" in html and "Margin-call level" in html


def test_it_shows_what_the_insurance_fund_covered(learner_client, learner, account):
    activate(learner)
    prepare(account)
    liquidation = liquidate(account, cover=Decimal("12.34"))
    response = learner_client.get(url(liquidation))
    assert text_of(response, "insurance-cover") == "12.34 USDT"


def test_it_is_a_404_for_another_learner(client, liquidation, other_learner):
    activate(other_learner)
    client.force_login(other_learner)
    response = client.get(url(liquidation))
    assert response.status_code == 404
    assert b"35,000.00" not in response.content


def test_it_is_the_locked_panel_without_activation(client, liquidation, other_learner):
    client.force_login(other_learner)
    response = client.get(url(liquidation))
    assert b'data-testid="margin-locked"' in response.content
    assert b"35,000.00" not in response.content


def test_it_sends_anonymous_visitors_to_log_in(client, liquidation):
    response = client.get(url(liquidation))
    assert response.status_code == 302


def test_the_margin_page_and_the_history_link_to_the_report(learner_client, liquidation):
    link = f'href="{url(liquidation)}"'
    assert link in learner_client.get("/sandbox/margin/").content.decode()
    assert link in learner_client.get("/sandbox/history/").content.decode()


def test_it_reads_the_report_in_a_fixed_number_of_queries(
    learner_client, liquidation, django_assert_num_queries
):
    learner_client.get(url(liquidation))
    # session, user, activation, account lock (savepoint, select, release), unread;
    # the liquidation, its sales, the settings.
    with django_assert_num_queries(10):
        learner_client.get(url(liquidation))
