"""The history page: every ledger entry of a season, paginated, earlier seasons readable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from sandbox import services
from tests.sandbox.factories import key

pytestmark = pytest.mark.usefixtures("frozen_clock")

HISTORY = reverse("sandbox:history")


def buy(account, usdt: str = "100", symbol: str = "BTCUSDT"):
    return services.order_place(
        account=account,
        symbol=symbol,
        side="buy",
        order_type="market",
        quote_amount=Decimal(usdt),
        idempotency_key=key(),
    )


def test_it_redirects_anonymous_visitors_to_log_in(client):
    response = client.get(HISTORY)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_it_shows_the_starting_deposit_on_the_first_visit(learner_client, learner):
    response = learner_client.get(HISTORY)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Season 1 starting balance" in html
    assert "10,000.00 USDT" in html
    assert learner.sandbox_account.season == 1


def test_it_lists_fills_with_their_fee_placed_and_cancelled_orders(learner_client, account):
    buy(account, "250", symbol="ETHUSDT")
    resting = services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.01"),
        limit_price=Decimal("1000"),
        idempotency_key=key(),
    )
    services.order_cancel(account=account, order_id=resting.pk, idempotency_key=key())

    html = learner_client.get(HISTORY).content.decode()

    assert "Bought" in html and "ETH" in html
    assert "Funds reserved for an order" in html
    assert "Reserved funds released" in html
    assert "Season 1: 4 entries" in html


def test_it_paginates_and_keeps_earlier_seasons_readable(learner_client, account):
    for _ in range(30):
        buy(account)
    services.account_reset(account=account, idempotency_key=key())

    current = learner_client.get(HISTORY).content.decode()
    assert "Season 2: 1 entry" in current
    assert '<option value="1"' in current

    first = learner_client.get(HISTORY, {"season": "1"}).content.decode()
    assert "Season 1: 32 entries" in first  # deposit, 30 fills, the reset
    assert "Page 1 of 2" in first
    assert "?season=1&amp;page=2" in first
    second = learner_client.get(HISTORY, {"season": "1", "page": "2"}).content.decode()
    assert "Page 2 of 2" in second
    assert "Season 1 starting balance" in second


@pytest.mark.parametrize(
    "params",
    [
        {"season": "abc"},
        {"season": "-1"},
        {"season": "99"},
        {"page": "0"},
        {"page": "9999"},
        {"page": "1e3"},
        {"season": "1", "page": "NaN"},
    ],
)
def test_it_falls_back_to_sensible_pages_for_bad_parameters(learner_client, account, params):
    response = learner_client.get(HISTORY, params)
    assert response.status_code == 200
    assert "Season 1 starting balance" in response.content.decode()


def test_it_reads_history_in_the_same_number_of_queries_for_3_or_30_orders(
    learner_client, account, django_assert_num_queries
):
    for _ in range(3):
        buy(account)
    learner_client.get(HISTORY)
    with django_assert_num_queries(HISTORY_QUERIES):
        learner_client.get(HISTORY)
    for _ in range(27):
        buy(account)
    with django_assert_num_queries(HISTORY_QUERIES):
        learner_client.get(HISTORY)
    with django_assert_num_queries(HISTORY_QUERIES):
        learner_client.get(HISTORY, {"page": "2"})


# session, user, account lock (+ savepoint), unread; count, the page's keys (ledger and
# settings changes merged), its transactions, their postings, interest charges and
# liquidation sales (a page without settings changes asks nothing for them).
HISTORY_QUERIES = 12


def _legs(html: str) -> list[str]:
    """The change column's legs as text, one per wallet/asset, newest entry first."""
    import re

    cells = re.findall(r'<span class="leg" data-testid="leg">(.*?)</span></span>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_it_shows_signed_legs_and_the_balance_after_so_each_kind_looks_different(
    learner_client, account, fixed_prices
):
    services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quantity=Decimal("0.01"),
        idempotency_key=key(),
    )
    services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.01"),
        limit_price=Decimal("40000"),
        idempotency_key=key(),
    )

    legs = _legs(learner_client.get(HISTORY).content.decode())

    assert legs == [
        # The reservation: USDT moves from available into "in orders".
        "−400.00 USDT Spot: 9,100.00 USDT",
        "+400.00 USDT Spot (in orders): 400.00 USDT",
        # The market buy: both legs, the BTC one net of its 0.00001 BTC fee.
        "−500.00 USDT Spot: 9,500.00 USDT",
        "+0.00999 BTC Spot: 0.00999 BTC",
        # The deposit only adds.
        "+10,000.00 USDT Spot: 10,000.00 USDT",
    ]


@pytest.mark.parametrize(
    ("language", "written"),
    [
        (
            "pl",
            [
                "Kupiono",
                "Saldo początkowe sezonu 1: 10\N{NO-BREAK SPACE}000,00 USDT.",
                "Złożono zlecenie kupna",
            ],
        ),
        ("zh-hant", ["買入", "第 1 季起始餘額：10,000.00 USDT。", "已下限價買單"]),
    ],
)
def test_entries_are_described_in_the_pages_language(learner_client, account, language, written):
    """What each entry did is written from its data in the reader's language, not the
    English note stored with it."""
    buy(account, "250", symbol="ETHUSDT")
    services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.01"),
        limit_price=Decimal("1000"),
        idempotency_key=key(),
    )

    html = learner_client.get(HISTORY, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    for text in written:
        assert text in html
    assert "Bought" not in html
    assert "starting balance" not in html
