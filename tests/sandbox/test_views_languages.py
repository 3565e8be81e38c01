"""The sandbox pages in Traditional Chinese and Polish: translated, no English left, and
the order form reading amounts written the Polish way."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from sandbox.models import Balance
from tests.i18n_helpers import TRANSLATED_LANGUAGES, english_leftovers, visible_text
from tests.sandbox.factories import key

pytestmark = pytest.mark.usefixtures("frozen_clock")

PAGES = {
    "dashboard": (reverse("sandbox:dashboard"), {"pl": "Zegar piaskownicy", "zh-hant": "沙盒時鐘"}),
    "history": (reverse("sandbox:history"), {"pl": "Czas w piaskownicy", "zh-hant": "沙盒時間"}),
    "settings": (
        reverse("sandbox:settings"),
        {"pl": "Opłaty transakcyjne", "zh-hant": "交易手續費"},
    ),
    "market": (
        reverse("sandbox:market"),
        {"pl": "Giełdy notujące BTCUSDT", "zh-hant": "報價 BTCUSDT 的交易場所"},
    ),
}


def usdt(account) -> Decimal:
    row = Balance.objects.get(account=account, season=account.season, wallet="spot", asset="USDT")
    return row.amount


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_a_sandbox_page_speaks_the_language_with_no_english_left(
    learner_client, account, name, language
):
    url, expected = PAGES[name]
    page = learner_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected[language] in visible_text(page)
    assert english_leftovers(page, language) == []


def test_the_polish_dashboard_writes_polish_numbers_and_dates(learner_client, account):
    text = visible_text(
        learner_client.get(reverse("sandbox:dashboard"), HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    )
    assert "10\u00a0000,00 USDT" in text
    assert "10,000.00" not in text
    assert "3 marca 2025, 12:00 UTC" in text  # the frozen sandbox clock, in Polish


def test_the_polish_order_form_reads_an_amount_written_the_polish_way(learner_client, account):
    response = learner_client.post(
        reverse("sandbox:order_place"),
        {
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "market",
            "quantity": "",
            "quote_amount": "1 000,5",
            "limit_price": "",
            "idempotency_key": key(),
        },
        HTTP_ACCEPT_LANGUAGE="pl",
        follow=True,
    )
    assert response.status_code == 200
    # 1,000.5 USDT spent (a hair less: the quantity is rounded down to 8 places).
    assert Decimal("8999.5") <= usdt(account) < Decimal("8999.51")
    assert "Kupiono" in visible_text(response.content.decode())
