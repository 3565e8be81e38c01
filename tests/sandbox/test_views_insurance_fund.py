"""The public insurance fund page: balance, inflows and outflows, the chart, the lesson."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandbox.margin_page_helpers import activate, liquidate, prepare
from tests.sandbox.test_views_margin import text_of

FUND = "/insurance-fund/"
pytestmark = pytest.mark.usefixtures("frozen_clock", "fixed_prices")


def test_it_is_public_and_empty_before_any_liquidation(client, db):
    response = client.get(FUND)
    assert response.status_code == 200
    assert text_of(response, "fund-usdt") == "0.00 USDT"
    assert b"No liquidation has happened yet" in response.content


def test_it_links_the_lesson_on_the_insurance_fund(client, db):
    from learn.loader import load_content

    load_content()
    html = client.get(FUND).content.decode()
    lesson = "/learn/margin-level-and-liquidation/margin-call-and-liquidation/"
    assert f'href="{lesson}"' in html
    assert client.get(lesson).status_code == 200


def test_it_shows_the_balance_and_the_flows(client, learner, other_learner):
    from sandbox import services

    for user, cover in ((learner, Decimal(0)), (other_learner, Decimal("5.5"))):
        activate(user)
        account = services.account_sync(user=user)
        prepare(account)
        liquidate(account, cover=cover)
    response = client.get(FUND)
    # Two fees of 19.999994 in, 5.50 out.
    assert text_of(response, "fund-usdt") == "34.50 USDT"
    assert text_of(response, "fund-inflow") == "40.00 USDT"
    assert text_of(response, "fund-outflow") == "5.50 USDT"
    assert text_of(response, "fund-liquidations") == "2"
    html = response.content.decode()
    assert "Insurance fund over time" in html
    assert 'data-testid="fund-days"' in html
    # Nobody's account or name is on the public page.
    assert "alice" not in html and "bob" not in html


def test_it_reads_in_a_constant_number_of_queries(
    client, learner, other_learner, django_assert_num_queries
):
    from sandbox import services

    activate(learner)
    account = services.account_sync(user=learner)
    prepare(account)
    liquidate(account)
    with django_assert_num_queries(2):
        client.get(FUND)
    for _ in range(3):
        liquidate(account)
    with django_assert_num_queries(2):
        client.get(FUND)
