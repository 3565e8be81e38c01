"""The sandbox pages in Traditional Chinese and Polish: translated, no English left, and
the order form reading amounts written the Polish way. The Cross Margin pages are read
as an activated learner with a loan (and, for the report, the fund and the history, a
recorded liquidation)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from sandbox.models import Balance
from sandbox.selectors import settings_of
from tests.i18n_helpers import TRANSLATED_LANGUAGES, english_leftovers, visible_text
from tests.sandbox.factories import VIEW_NOW, key
from tests.sandbox.margin_page_helpers import activate, liquidate, prepare

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


# A margin order being previewed: the preview's margin level before and after.
MARGIN_PREVIEW = "?symbol=BTCUSDT&side=buy&order_type=market&quantity=0.001&side_effect=auto_borrow"
MARGIN_PAGES = {
    "margin": (
        reverse("sandbox:margin"),
        ["Poziom depozytu zabezpieczenia (CML)", "Salda Cross Margin", "Rodzaj konta: Cross 3x"],
        ["抵押品風險率（CML）", "全倉槓桿餘額", "帳戶類型：全倉 3x"],
    ),
    "margin with an order preview": (
        reverse("sandbox:margin") + MARGIN_PREVIEW,
        ["Poziom depozytu przed", "Poziom depozytu po"],
        ["之前的風險率", "之後的風險率"],
    ),
    "dashboard with the Cross Margin summary": (
        reverse("sandbox:dashboard"),
        ["Otwórz Cross Margin"],
        ["開啟全倉槓桿"],
    ),
    "settings": (
        reverse("sandbox:settings"),
        ["Zapisz ustawienia Cross Margin", "Rozpocznij okres cooling-off"],
        ["儲存全倉槓桿設定", "開始冷靜期"],
    ),
    "history": (
        reverse("sandbox:history"),
        ["Pożyczono 0,02 BTC na konto Cross Margin.", "Raport z likwidacji"],
        ["已借入 0.02 BTC 到全倉槓桿帳戶。", "強制平倉報告"],
    ),
    "insurance fund": (
        reverse("insurance_fund"),
        ["Fundusz ubezpieczeniowy w czasie", "Otrzymane opłaty (wpływy)"],
        ["保險基金的變化", "收取的手續費（流入）"],
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


@pytest.fixture
def liquidated(learner, account, fixed_prices):
    """An activated learner with a loan in Cross Margin and one recorded liquidation."""
    activate(learner)
    prepare(account)
    return liquidate(account)


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("name", MARGIN_PAGES)
def test_a_cross_margin_page_speaks_the_language_with_no_english_left(
    learner_client, liquidated, name, language
):
    url, polish, chinese = MARGIN_PAGES[name]
    response = learner_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    for expected in {"pl": polish, "zh-hant": chinese}[language]:
        assert expected in text
    assert english_leftovers(response.content.decode(), language) == []


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_liquidation_report_speaks_the_language_with_no_english_left(
    learner_client, liquidated, language
):
    page = learner_client.get(
        reverse("sandbox:liquidation", args=[liquidated.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    text = visible_text(page)
    expected = {
        "pl": ["Raport z likwidacji", "Twój portfel Cross Margin (Cross 3x) został zlikwidowany"],
        "zh-hant": ["強制平倉報告", "你的全倉槓桿錢包（全倉 3x）"],
    }[language]
    for words in expected:
        assert words in text
    assert english_leftovers(page, language) == []


def test_the_polish_margin_page_writes_polish_numbers_and_dates(learner_client, liquidated):
    text = visible_text(
        learner_client.get(reverse("sandbox:margin"), HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    )
    assert "1\u00a0000,00 USDT" in text
    assert "1,000.00" not in text
    assert "cen indeksowych z 3 marca 2025, 12:00 UTC" in text
    assert "Likwidacja z 3 marca 2025, 12:00 UTC przy poziomie depozytu 1,09" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pl", "Okres cooling-off do 6 marca 2025, 12:00 UTC (czas piaskownicy)"),
        ("zh-hant", "冷靜期持續到 2025年3月6日 12:00 UTC（沙盒時間）"),
    ],
)
def test_a_running_cooling_off_period_is_told_in_the_language(
    learner_client, liquidated, account, language, expected
):
    settings = settings_of(account)
    settings.cooling_off_until = VIEW_NOW + timedelta(days=3)
    settings.save()
    for url in (reverse("sandbox:margin"), reverse("sandbox:settings")):
        page = learner_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert expected in visible_text(page)
        assert english_leftovers(page, language) == []
