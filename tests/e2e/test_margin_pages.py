"""The Cross Margin pages in a real browser: axe, a phone's width, pictures to look at.

The learner's margin is activated and the wallet prepared in the database (the journey
through the forms is test_margin_journey.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.services import margin_activation_record
from sandbox import services
from sandbox.models import Account
from tests.e2e.conftest import axe_violations, sign_up
from tests.sandbox.margin_page_helpers import liquidate, prepare

PAGES = (
    ("/sandbox/margin/", "margin"),
    ("/sandbox/settings/", "margin-settings"),
    ("/insurance-fund/", "insurance-fund"),
)


def margin_learner(page, base_url, username: str) -> Account:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    sign_up(page, base_url, username)
    user = get_user_model().objects.get(username=username)
    margin_activation_record(user=user, attempt_id=1, statement_version="v", now=timezone.now())
    account = services.account_sync(user=user)
    return prepare(account)


def check_page(page, path: str, width: int) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{path} at {width}px: {[v['id'] for v in violations]}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".slice(0, 5).map(e => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 40)}`)"
    )
    assert overflow <= 0, f"{path} overflows by {overflow}px at {width}px: {wide}"
    cramped = page.evaluate(
        "[...document.querySelectorAll('.table-wrap')]"
        ".filter(e => e.scrollWidth > e.clientWidth)"
        ".map(e => `${e.getAttribute('aria-label')}: ${e.scrollWidth}px`)"
    )
    assert cramped == [], f"{path} at {width}px: tables wider than the screen: {cramped}"


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 740)])
def test_the_margin_pages_pass_axe_and_fit_the_screen(page, base_url, screenshot, width, height):
    account = margin_learner(page, base_url, f"maya{width}")
    liquidation = liquidate(account)
    page.set_viewport_size({"width": width, "height": height})
    pages = (*PAGES, (f"/sandbox/margin/liquidations/{liquidation.pk}/", "liquidation-report"))
    for path, name in pages:
        page.goto(base_url + path)
        screenshot(f"{name}-{width}")
        check_page(page, path, width)


def test_the_margin_page_shows_the_wallet_and_links_the_calculators(page, base_url):
    margin_learner(page, base_url, "ines")
    page.goto(base_url + "/sandbox/")
    page.get_by_role("link", name="Cross Margin").first.click()
    expect(page.get_by_role("heading", name="Cross Margin", exact=True)).to_be_visible()
    expect(page.get_by_test_id("state")).to_be_visible()
    expect(page.get_by_test_id("gauge")).to_be_visible()
    # Every field of every margin form has its label.
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('form input:not([type=hidden]), form select')]"
        ".filter(e => !e.labels || !e.labels.length).map(e => e.name)"
    )
    assert unlabelled == []
    expect(page.get_by_label("Direction")).to_be_visible()
    page.get_by_role("link", name="Open in calculator (margin level)").click()
    expect(page.get_by_role("heading", name="Margin level", exact=True).first).to_be_visible()
    assert "/calculators/margin-level/?total_assets=" in page.url
