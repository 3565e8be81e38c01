"""The market page: index prices, venues with their weights, 24 h change, a chart."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sandbox import pricing, services
from sandbox.clock import sandbox_now
from tests.sandbox.factories import VIEW_NOW as NOW

pytestmark = pytest.mark.usefixtures("frozen_clock")

MARKET = reverse("sandbox:market")
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_it_redirects_anonymous_visitors_to_log_in(client):
    response = client.get(MARKET)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_it_shows_every_symbol_with_its_venues_and_explains_the_index(learner_client, learner):
    response = learner_client.get(MARKET)

    assert response.status_code == 200
    html = response.content.decode()
    assert learner.sandbox_account.season == 1  # created on the first visit
    for symbol in pricing.SYMBOLS:
        assert f'data-testid="market-{symbol}"' in html
    for venue in pricing.VENUES:
        assert venue in html
    assert "volume-weighted average" in html
    assert "index price" in html
    assert "in 24 h" in html
    assert "<svg" in html


def test_it_shows_the_index_price_at_the_sandbox_minute(learner_client, learner):
    account = services.account_sync(user=learner)
    minute = pricing.minute_of(sandbox_now(account))
    html = learner_client.get(MARKET).content.decode()
    index = pricing.index_price("ETHUSDT", minute, seed=pricing.DEFAULT_SEED)
    assert f"{index:,.2f}" in html


def test_it_marks_a_venue_more_than_5_percent_from_the_median(
    learner_client, settings, time_machine
):
    # Find a minute near now where a venue glitched, and move the clock there.
    minute = pricing.minute_of(NOW)
    found = None
    for offset in range(0, 60 * 24 * 30):
        quotes = pricing.venue_quotes("BTCUSDT", minute + offset, seed=settings.MARKET_SEED)
        if any(quote.excluded for quote in quotes):
            found = minute + offset
            break
    assert found is not None, "no glitch within 30 days of market time"
    # The account has no clock offset, so moving real time there moves the sandbox too.
    time_machine.move_to(pricing.datetime_of(found), tick=False)
    html = learner_client.get(MARKET).content.decode()
    assert "excluded (more than 5% from the median)" in html


def test_it_swaps_only_the_chart_when_htmx_asks_for_another_symbol(learner_client):
    response = learner_client.get(
        MARKET, {"symbol": "ETHUSDT"}, HTTP_HX_TARGET="price-chart", **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="price-chart"')
    assert "ETHUSDT index price" in html
    assert "<html" not in html


def test_it_ignores_an_unknown_symbol(learner_client):
    response = learner_client.get(MARKET, {"symbol": "<script>"})
    assert response.status_code == 200
    assert "BTCUSDT index price" in response.content.decode()


def test_it_reads_the_market_in_a_fixed_number_of_queries(
    learner_client, learner, django_assert_num_queries
):
    learner_client.get(MARKET)
    with django_assert_num_queries(MARKET_QUERIES):
        learner_client.get(MARKET)


MARKET_QUERIES = 7  # session, user, account lock (+ savepoint), scenario events (once), unread


def test_it_writes_a_fall_with_a_true_minus_sign_and_a_rise_with_a_plus(learner_client, account):
    from sandbox.selectors import market_snapshot

    html = learner_client.get(MARKET).content.decode()

    for snap in market_snapshot(account=account):
        change = snap.change_24h_percent
        size = f"{abs(change):,.2f}"
        if change < 0:
            assert f"−{size}%" in html
        elif change > 0:
            assert f"+{size}%" in html
    assert not re.search(r"-\d[\d,.]*%", html)
