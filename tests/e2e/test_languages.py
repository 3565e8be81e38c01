"""The header's language switcher in a real browser: it works with and without
JavaScript, the choice is remembered, and the pages hold together in Chinese and Polish
at desktop and phone width (screenshots under var/screenshots/ for a human to check)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_serious_violations
from tests.factories import DEFAULT_PASSWORD, UserFactory

WIDTHS = ((1280, 900), (375, 740))
LANGUAGES = {
    "pl": {"button": "Polski", "home": "Naucz się handlu margin", "log_in": "Zaloguj się"},
    "zh-hant": {"button": "繁體中文", "home": "先學會它", "log_in": "登入"},
}


def switch_to(page, language: str) -> None:
    page.get_by_test_id("language-switcher").get_by_role(
        "button", name=LANGUAGES[language]["button"]
    ).click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def check_layout(page, name: str, screenshot) -> None:
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} overflows by {overflow}px at {width}px"
        assert axe_serious_violations(page) == [], f"{name} at {width}px"
        screenshot(f"{name}-{width}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_switcher_changes_the_language_and_stays_on_the_page(
    page, base_url, screenshot, language
):
    page.goto(base_url + "/calculators/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch_to(page, language)
    assert page.url == base_url + "/calculators/"
    # Remembered: the next page speaks it too.
    page.goto(base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(LANGUAGES[language]["home"])
    expect(page.get_by_role("link", name=LANGUAGES[language]["log_in"])).to_be_visible()
    check_layout(page, f"home-{language}", screenshot)


def test_the_switcher_works_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/")
    switch_to(page, "pl")
    expect(page.get_by_role("heading", level=1)).to_contain_text(LANGUAGES["pl"]["home"])
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_learners_language_follows_them_and_the_pages_fit(
    page, browser, base_url, screenshot, language
):
    UserFactory(username="hana")
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Username").fill("hana")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("username")).to_have_text("hana")
    switch_to(page, language)

    for path, name in (
        ("/calculators/initial-margin/?quantity=0.5&entry_price=60000&leverage=10", "calculator"),
        ("/sandbox/", "sandbox"),
    ):
        page.goto(base_url + path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        check_layout(page, f"{name}-{language}", screenshot)

    # Another browser (English by default) logs in: the stored language wins.
    other = browser.new_context(locale="en-US")
    second = other.new_page()
    second.goto(base_url + "/accounts/login/")
    second.get_by_label("Username").fill("hana")
    second.get_by_label("Password").fill(DEFAULT_PASSWORD)
    second.get_by_role("button", name="Log in").click()
    expect(second.locator("html")).to_have_attribute("lang", language)
    other.close()
