"""A learner's first hour in the sandbox, in a real browser."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from sandbox import pricing
from sandbox.models import Account, Order
from tests.e2e.conftest import axe_violations, sign_up

PAGES = (
    ("/sandbox/", "sandbox-dashboard"),
    ("/sandbox/market/", "sandbox-market"),
    ("/sandbox/history/", "sandbox-history"),
    ("/sandbox/settings/", "sandbox-settings"),
)


def a_limit_that_fills_within_a_day(username: str) -> tuple[str, Decimal]:
    """A buy limit below today's index that the next 24 hours of the path will cross.

    Prices are a pure function of (seed, symbol, minute), so the test can look ahead:
    take the lowest index price of the coming day (leaving a few minutes of slack on
    both ends for the clock ticking while the browser works) and sit one tick above it.
    """
    account = Account.objects.get(user__username=username)
    now = pricing.minute_of(timezone.now() + timedelta(seconds=account.clock_offset_seconds))
    seed = settings.MARKET_SEED
    for symbol in ("BTCUSDT", "ETHUSDT", "BNBUSDT"):
        current = min(pricing.index_prices(symbol, now, now + 5, seed=seed))
        ahead = min(pricing.index_prices(symbol, now + 5, now + 1440 - 5, seed=seed))
        limit = ahead + pricing.tick_size(symbol)
        # It must rest (below the market now) and stay clear of the minimum order value.
        if limit < current * Decimal("0.999"):
            return symbol, limit
    raise AssertionError("no symbol dips within the next day: pick another seed")


def test_a_learner_trades_fast_forwards_and_reads_the_fill_in_history(page, base_url, screenshot):
    sign_up(page, base_url, "mika")
    page.get_by_role("link", name="Sandbox").first.click()
    expect(page.get_by_role("heading", name="Sandbox", exact=True)).to_be_visible()
    expect(page.get_by_test_id("total-equity")).to_have_text("10,000.00 USDT")

    # A market buy over htmx: the page must not reload, only the panels change.
    page.evaluate("window.__stillTheSamePage = true")
    expect(page.get_by_label("Limit price (USDT)")).to_have_count(0)
    # Too much first: the service's message appears next to the form, nothing changes,
    # and the preview still describes what is in the field.
    page.get_by_label("Or amount in USDT").fill("20000")
    page.get_by_role("button", name="Buy BTC").click()
    expect(page.get_by_role("alert")).to_contain_text("Insufficient USDT")
    expect(page.get_by_test_id("order-estimate")).to_contain_text("20,000.00 USDT")
    expect(page.get_by_test_id("total-equity")).to_have_text("10,000.00 USDT")
    screenshot("sandbox-order-error-1280")

    page.get_by_label("Or amount in USDT").fill("1000")
    expect(page.get_by_test_id("order-estimate")).to_contain_text("1,000.00 USDT")
    screenshot("sandbox-order-preview-1280")
    page.get_by_role("button", name="Buy BTC").click()
    notice = page.get_by_test_id("order-notice")
    expect(notice).to_contain_text("Bought")
    expect(notice).to_contain_text("you received")
    # The result takes the focus (htmx focuses the swapped-in [autofocus] message).
    expect(notice).to_be_focused()
    assert page.evaluate("window.__stillTheSamePage") is True
    expect(page.get_by_test_id("balance-BTC")).to_be_visible()
    expect(page.get_by_test_id("total-equity")).not_to_have_text("10,000.00 USDT")

    # A buy limit a little below the market, which the coming day's path crosses.
    symbol, limit = a_limit_that_fills_within_a_day("mika")
    base = symbol.removesuffix("USDT")
    page.get_by_role("link", name=symbol, exact=True).first.click()
    page.evaluate("window.__stillTheSamePage = true")
    page.get_by_role("link", name="Limit", exact=True).click()
    # The tab swaps the panel: wait for the limit form before typing into it.
    expect(page.get_by_label("Limit price (USDT)")).to_be_visible()
    page.get_by_label("Or amount in USDT").fill("500")
    page.get_by_label("Limit price (USDT)").fill(f"{limit:f}")
    expect(page.get_by_test_id("order-estimate")).to_contain_text("Reserved")
    page.get_by_role("button", name=f"Buy {base}").click()
    expect(page.get_by_test_id("order-notice")).to_contain_text("Limit order placed")
    assert page.evaluate("window.__stillTheSamePage") is True
    expect(page.get_by_test_id("open-orders")).to_contain_text(symbol)

    page.get_by_role("button", name="1 day").click()
    expect(page.get_by_text("moved forward 1 day")).to_be_visible()
    expect(page.get_by_text("Your limit order filled.")).to_be_visible()
    expect(page.get_by_test_id("open-orders")).to_have_count(0)

    page.get_by_role("navigation", name="Sandbox sections").get_by_role(
        "link", name="History"
    ).click()
    expect(page.get_by_test_id("history")).to_contain_text("Limit order filled")
    expect(page.get_by_test_id("history")).to_contain_text(base)


def test_enter_in_the_quantity_previews_a_market_order_instead_of_placing_it(page, base_url):
    sign_up(page, base_url, "ines")
    page.goto(base_url + "/sandbox/")
    quantity = page.get_by_label("Quantity in BTC")
    quantity.fill("0.001")
    quantity.press("Enter")

    expect(page.get_by_test_id("order-estimate")).to_contain_text("0.001 BTC")
    expect(quantity).to_be_focused()
    expect(page.get_by_test_id("order-notice")).to_have_count(0)
    assert not Order.objects.exists()


def test_max_fills_the_available_balance_and_switching_tabs_keeps_it(page, base_url):
    sign_up(page, base_url, "otto")
    page.goto(base_url + "/sandbox/")
    expect(page.get_by_test_id("available")).to_contain_text("10,000.00 USDT")
    page.get_by_role("link", name="Max").click()
    expect(page.get_by_label("Or amount in USDT")).to_have_value("10000")
    expect(page.get_by_test_id("order-estimate")).to_contain_text("10,000.00 USDT")

    page.get_by_role("link", name="Limit", exact=True).click()
    expect(page.get_by_label("Limit price (USDT)")).to_be_visible()
    expect(page.get_by_label("Or amount in USDT")).to_have_value("10000")
    page.get_by_role("link", name="Sell", exact=True).click()
    expect(page.get_by_role("button", name="Sell BTC")).to_be_visible()
    # Buy and Sell are told apart by colour as well as by name.
    sell = page.get_by_role("button", name="Sell BTC").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    page.get_by_role("link", name="Buy", exact=True).click()
    buy = page.get_by_role("button", name="Buy BTC").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert buy != sell


def test_the_sandbox_pages_pass_axe_and_fit_a_phone(page, base_url, screenshot):
    sign_up(page, base_url, "noor")
    page.goto(base_url + "/sandbox/")
    page.get_by_label("Or amount in USDT").fill("2500")
    page.get_by_role("button", name="Buy BTC").click()
    expect(page.get_by_test_id("order-notice")).to_contain_text("Bought")
    # A resting limit 2% under the market, so the pictures show an open order and its line.
    minute = pricing.minute_of(timezone.now())
    below = pricing.index_price("BTCUSDT", minute, seed=settings.MARKET_SEED) * Decimal("0.98")
    page.get_by_role("link", name="Limit", exact=True).click()
    expect(page.get_by_label("Limit price (USDT)")).to_be_visible()
    page.get_by_label("Limit price (USDT)").fill(f"{below.quantize(Decimal('0.01')):f}")
    page.get_by_label("Or amount in USDT").fill("1500")
    page.get_by_role("button", name="Buy BTC").click()
    expect(page.get_by_test_id("order-notice")).to_contain_text("Limit order placed")
    for width, height in ((1280, 900), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        for path, name in PAGES:
            page.goto(base_url + path)
            # The picture first, so a failing check leaves something to look at.
            screenshot(f"{name}-{width}")
            violations = axe_violations(page)
            assert violations == [], f"{path} at {width}px: {[v['id'] for v in violations]}"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} overflows by {overflow}px at {width}px"
            # Tables may scroll inside their box, but ours are laid out not to need it.
            cramped = page.evaluate(
                "[...document.querySelectorAll('.table-wrap')]"
                ".filter(e => e.scrollWidth > e.clientWidth)"
                ".map(e => `${e.getAttribute('aria-label')}: ${e.scrollWidth}px`)"
            )
            assert cramped == [], f"{path} at {width}px: tables wider than the screen: {cramped}"


def test_on_a_phone_the_prices_and_the_order_form_come_first(page, base_url, screenshot):
    sign_up(page, base_url, "pia")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(base_url + "/sandbox/")

    def top(locator) -> float:
        return locator.bounding_box()["y"]

    strip = page.get_by_test_id("price-strip")
    form = page.locator("#order-panel")
    balances = page.locator("table.balances")
    for symbol in ("BTCUSDT", "ETHUSDT", "BNBUSDT", "USDCUSDT"):
        expect(strip).to_contain_text(symbol)
    assert top(strip) < top(form) < top(balances) < top(page.locator("#open-orders"))
    assert top(form) < top(page.locator("#price-chart"))
    # The prices and the start of the form are on the first screen.
    assert top(strip) + strip.bounding_box()["height"] < 740
    assert top(form) < 740
    screenshot("sandbox-dashboard-first-screen-375")
