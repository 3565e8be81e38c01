"""A learner's first steps, once in Polish and once in Traditional Chinese: the browser's
language picks the site's, forms take numbers written the language's way, and every
number comes back written that way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD

NBSP = "\u00a0"
JOURNEYS = {
    "pl": {
        "locale": "pl-PL",
        "sign_up": "Załóż konto",
        "headline": f"54{NBSP}216,87 USDT",
        "leverage_5": f"48{NBSP}192,77 USDT",
        "quantity": "0,5",
        "equity": f"10{NBSP}000,00 USDT",
        "amount": "1 000",
        "estimate": f"1{NBSP}000,00 USDT",
        "buy": "Kup BTC",
        "bought": "Kupiono",
    },
    "zh-hant": {
        "locale": "zh-TW",
        "sign_up": "註冊",
        "headline": "54,216.87 USDT",
        "leverage_5": "48,192.77 USDT",
        "quantity": "0.5",
        "equity": "10,000.00 USDT",
        "amount": "1,000",
        "estimate": "1,000.00 USDT",
        "buy": "買入 BTC",
        "bought": "買入",
    },
}


@pytest.mark.parametrize("language", JOURNEYS)
def test_a_learner_signs_up_calculates_and_trades_in_their_language(
    browser, base_url, language, console_errors
):
    words = JOURNEYS[language]
    context = browser.new_context(locale=words["locale"])
    page = context.new_page()

    # The browser's Accept-Language picks the site's language on the first visit.
    page.goto(base_url + "/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("#id_username").fill(f"learner-{language}")
    page.locator("#id_email").fill(f"{language}@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name=words["sign_up"]).click()
    expect(page.get_by_test_id("username")).to_have_text(f"learner-{language}")

    # A calculator: the worked example, then numbers typed the language's way.
    page.goto(base_url + "/calculators/liquidation-price/")
    headline = page.locator('[data-result="liquidation_price"] dd.value')
    expect(headline).to_contain_text(words["headline"])
    page.locator("#calc-leverage").fill("5")
    expect(headline).to_contain_text(words["leverage_5"])
    page.locator("#calc-quantity").fill(words["quantity"])
    expect(headline).to_contain_text(words["leverage_5"])

    # The sandbox: an amount written the language's way is read as that amount.
    page.goto(base_url + "/sandbox/")
    expect(page.get_by_test_id("total-equity")).to_have_text(words["equity"])
    page.locator("#id_quote_amount").fill(words["amount"])
    expect(page.get_by_test_id("order-estimate")).to_contain_text(words["estimate"])
    page.get_by_role("button", name=words["buy"]).click()
    expect(page.get_by_test_id("order-notice")).to_contain_text(words["bought"])
    expect(page.get_by_test_id("total-equity")).not_to_have_text(words["equity"])
    context.close()
    assert console_errors == []
