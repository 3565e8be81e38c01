"""Every page of SPEC §7 this test can reach without a sandbox account, in each language:
translated text, and none of the catalogue's English left in what the reader sees.
(The sandbox pages: tests/sandbox/test_views_languages.py.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from calculators.definitions import DEFINITIONS
from tests.i18n_helpers import TRANSLATED_LANGUAGES, english_leftovers, visible_text

ANONYMOUS_PAGES = {
    "home": (reverse("home"), {"pl": "Zacznij naukę", "zh-hant": "開始學習"}),
    "calculators": (reverse("calculators:index"), {"pl": "Kalkulatory", "zh-hant": "計算器"}),
    "calculator": (
        reverse("calculators:calculator", args=["liquidation-price"])
        + "?side=long&quantity=1&entry_price=60000&leverage=10&margin_mode=isolated"
        "&symbol=BTCUSDT",
        {"pl": "Cena likwidacji", "zh-hant": "強平價格"},
    ),
    "login": (reverse("accounts:login"), {"pl": "Załóż konto", "zh-hant": "建立帳戶"}),
    "signup": (reverse("accounts:signup"), {"pl": "Masz już konto?", "zh-hant": "已經有帳戶了？"}),
    "not found": ("/no-such-page/", {"pl": "Nie znaleziono strony", "zh-hant": "找不到頁面"}),
}


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_a_page_speaks_the_language_with_no_english_left(client, db, name, language):
    url, expected = ANONYMOUS_PAGES[name]
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected[language] in visible_text(page)
    assert english_leftovers(page, language) == []


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("slug", DEFINITIONS)
def test_every_calculator_and_its_worked_example_speaks_the_language(client, db, slug, language):
    # A first visit opens with the worked example: results, steps, chart, guidance.
    page = client.get(
        reverse("calculators:calculator", args=[slug]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert {"pl": "Krok po kroku", "zh-hant": "逐步計算"}[language] in visible_text(page)
    assert english_leftovers(page, language) == []


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_password_page_speaks_the_language(learner_client, language):
    page = learner_client.get(
        reverse("accounts:password_change"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert {"pl": "Zmień swoje hasło", "zh-hant": "更改你的密碼"}[language] in page
    assert english_leftovers(page, language) == []


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_notifications_page_speaks_the_language(learner_client, language):
    page = learner_client.get(
        reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert {"pl": "Brak jeszcze powiadomień.", "zh-hant": "尚無通知。"}[language] in page
    assert english_leftovers(page, language) == []


def test_the_home_page_writes_the_starting_money_in_the_language(client, db):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert "dostać 10\u00a0000 USDT wirtualnych pieniędzy" in visible_text(page)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert "獲得 10,000 USDT 模擬資金" in visible_text(page)


def test_the_english_page_is_untouched_by_the_check(client, db):
    # The check reads English strings from the catalogue: an English page is full of them,
    # which proves the check looks at the right text.
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Start learning" in english_leftovers(page, "pl")


def test_the_polish_calculator_writes_and_reads_polish_numbers(client, db):
    url = reverse("calculators:calculator", args=["initial-margin"])
    page = client.get(
        url,
        {"quantity": "1", "entry_price": "60 000,5", "leverage": "10"},
        HTTP_ACCEPT_LANGUAGE="pl",
    ).content.decode()
    text = visible_text(page)
    assert "Depozyt początkowy" in text
    assert "6\u00a0000,05 USDT" in text
    assert "60\u00a0000,50 USDT" in text
    # What the learner typed goes back into the box as typed, so it round-trips ...
    assert 'value="60 000,5"' in page
    # ... and the link to the result carries plain numbers, so it means the same number
    # to a reader in any language (in English "60 000,5" would be refused, "0,5" too).
    assert "?quantity=1&amp;entry_price=60000.5&amp;leverage=10" in page
    english = client.get(
        url + "?quantity=1&entry_price=60000.5&leverage=10", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "6,000.05 USDT" in visible_text(english)


def test_the_api_writes_numbers_the_same_way_in_every_language(client, db):
    query = {"quantity": "1", "entry_price": "60000.5", "leverage": "10"}
    polish = client.get("/api/calculators/initial-margin/", query, HTTP_ACCEPT_LANGUAGE="pl")
    english = client.get("/api/calculators/initial-margin/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert polish.status_code == english.status_code == 200

    def numbers(data):
        return (
            data["inputs"],
            data["results"],
            [(step["substituted"], step["value"]) for step in data["steps"]],
        )

    # Plain decimal strings, and the steps' numbers written the same way, for everyone.
    assert numbers(polish.json()) == numbers(english.json())
    assert polish.json()["results"]["initial_margin"] == "6000.05000000"
    assert polish.json()["steps"][0]["substituted"] == "1 × 60,000.5"
    assert "\u00a0" not in polish.content.decode()
    # Only the words follow the client's language (docs/i18n.md).
    assert polish.json()["steps"][0]["label"] == "Wartość nominalna"

    # Polish-written numbers are not the API's business: plain decimals only.
    query["entry_price"] = "60 000,5"
    refused = client.get("/api/calculators/initial-margin/", query, HTTP_ACCEPT_LANGUAGE="pl")
    assert refused.status_code == 400
