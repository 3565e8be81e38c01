from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import axe_serious_violations

LIQUIDATION = "/calculators/liquidation-price/"
HEADLINE = '[data-result="liquidation_price"] dd.value'


def test_typing_updates_the_result_and_the_chart_without_a_page_load(page, base_url, screenshot):
    page.goto(base_url + LIQUIDATION)
    headline = page.locator(HEADLINE)
    chart = page.locator("#calc-result svg.chart-wide")
    liquidation_label = chart.locator(".marker-label", has_text="Liquidation")
    # The example: 0.5 BTC long at 60,000 with 10x isolated margin.
    expect(headline).to_contain_text("54,216.87 USDT")
    expect(liquidation_label).to_have_text("Liquidation 54,216.87")
    # A full page load would wipe this; an htmx swap leaves it alone.
    page.evaluate("window.__stillHere = 'yes'")

    leverage = page.get_by_label("Leverage (×)")
    leverage.fill("")
    leverage.press_sequentially("20", delay=40)

    # 10x → 20x: WB = 1,500; LP = (1,500 − 30,000) ÷ (0.002 − 0.5) = 57,228.91566265…
    expect(headline).to_contain_text("57,228.92 USDT")
    expect(page).to_have_url(base_url + LIQUIDATION + "?side=long&entry_price=60000&quantity=0.5"
                             "&margin_mode=isolated&symbol=BTCUSDT&leverage=20")  # fmt: skip
    assert page.evaluate("window.__stillHere") == "yes"
    # The chart was swapped with the result: its liquidation mark follows.
    expect(liquidation_label).to_have_text("Liquidation 57,228.92")
    # Focus stays where the learner is typing.
    assert page.evaluate("document.activeElement.name") == "leverage"
    screenshot("calc-liquidation-typed-1280")

    # The pushed URL, opened directly, shows the same result (no JavaScript state involved).
    shared = page.url
    other = page.context.new_page()
    other.goto(shared)
    expect(other.locator(HEADLINE)).to_contain_text("57,228.92 USDT")
    other.close()


def test_back_shows_the_inputs_and_result_of_the_previous_url(page, base_url):
    page.goto(base_url + LIQUIDATION)
    headline = page.locator(HEADLINE)
    leverage = page.get_by_label("Leverage (×)")
    leverage.fill("20")
    expect(headline).to_contain_text("57,228.92 USDT")
    leverage.fill("5")
    # WB = 6,000; LP = (6,000 − 30,000) ÷ (0.002 − 0.5) = 48,192.77108434…
    expect(headline).to_contain_text("48,192.77 USDT")
    page.go_back()
    expect(page).to_have_url(re.compile(r"leverage=20$"))
    expect(headline).to_contain_text("57,228.92 USDT")
    expect(page.get_by_label("Leverage (×)")).to_have_value("20")


def test_a_mistake_is_shown_next_to_the_field_and_goes_away_when_fixed(page, base_url, screenshot):
    page.goto(base_url + LIQUIDATION)
    page.evaluate("window.__stillHere = 'yes'")
    quantity = page.get_by_label("Quantity")
    quantity.fill("-1")
    field_errors = page.locator("#calc-field-quantity .errorlist")
    expect(field_errors).to_have_text("Enter a number greater than zero.")
    # The last good result stays, marked as not updated and dimmed; no "No result" wipe.
    expect(page.locator("#calc-stale")).to_contain_text("Not updated")
    expect(page.locator(HEADLINE)).to_contain_text("54,216.87 USDT")
    expect(page.locator("#calc-result .result")).to_have_css("opacity", "0.5")
    expect(page.locator("#calc-result")).not_to_contain_text("No result yet")
    expect(quantity).to_be_focused()
    # Only the message was swapped in: what the learner typed is still there, still theirs.
    expect(quantity).to_have_value("-1")
    expect(quantity).to_have_css("border-color", "rgb(164, 14, 38)")
    screenshot("calc-liquidation-error-375" if page.viewport_size["width"] < 500 else
               "calc-liquidation-error-1280")  # fmt: skip

    quantity.fill("2")
    expect(field_errors).to_have_count(0)
    expect(page.locator("#calc-stale")).to_be_empty()
    expect(page.locator("#calc-result .result")).to_have_css("opacity", "1")
    expect(quantity).not_to_have_css("border-color", "rgb(164, 14, 38)")
    expect(page.locator(HEADLINE)).to_contain_text("USDT")
    assert page.evaluate("window.__stillHere") == "yes"


def test_it_works_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + LIQUIDATION)
    page.get_by_label("Leverage (×)").fill("20")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator(HEADLINE)).to_contain_text("57,228.92 USDT")
    assert "leverage=20" in page.url
    # A mistake comes back next to its field, in a page the server rendered.
    page.get_by_label("Quantity").fill("-1")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#calc-field-quantity .errorlist")).to_have_text(
        "Enter a number greater than zero."
    )
    expect(page.locator("#calc-result")).to_contain_text("No result yet")
    context.close()


def _axe_serious_or_moderate(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response.get("violations", [])
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in violations
        if v.get("impact") in {"moderate", "serious", "critical"}
    ]


def test_calculator_pages_pass_axe_and_fit_a_phone(page, base_url, screenshot):
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    pages = (
        ("/calculators/", "calc-index"),
        (LIQUIDATION, "calc-liquidation"),
        ("/calculators/margin-level/", "calc-margin-level"),
        ("/calculators/open-price/", "calc-open-price"),
        ("/calculators/pnl/", "calc-pnl"),
        ("/calculators/interest/", "calc-interest"),
        ("/calculators/auto-borrow/?wallet_balance=500&order_amount=1500000", "calc-auto-borrow"),
        ("/calculators/max-borrow/?collateral_value=1400&total_liabilities=1000", "calc-max-0"),
        (LIQUIDATION + "?side=long&entry_price=60000&quantity=0&margin_mode=cross", "calc-errors"),
    )
    for width, height in ((1280, 900), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        for path, name in pages:
            page.goto(base_url + path)
            assert axe_serious_violations(page) == [], f"{path} at {width}px"
            assert _axe_serious_or_moderate(page) == [], f"{path} at {width}px"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} overflows by {overflow}px at {width}px"
            screenshot(f"{name}-{width}")
    assert console_errors == []


def test_the_form_is_usable_from_the_keyboard(page, base_url):
    page.goto(base_url + "/calculators/initial-margin/")
    page.get_by_label("Quantity").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "entry_price"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "leverage"
    page.keyboard.press("End")
    page.keyboard.type("0")  # 10 → 100
    page.keyboard.press("Tab")
    # The term explained under the field links to the glossary: one more stop, then the button.
    expect(page.get_by_role("link", name="Leverage in the glossary")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Calculate")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator('[data-result="initial_margin"] dd.value')).to_contain_text("300")


OPEN_PRICE = "/calculators/open-price/"


def _fill_row(page, number):
    return page.locator("tr.fill-row").nth(number - 1)


def test_fills_are_price_and_quantity_rows_and_only_a_bad_row_turns_red(page, base_url):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(base_url + OPEN_PRICE)
    page.evaluate("window.__stillHere = 'yes'")
    headline = page.locator('[data-result="average_price"] dd')
    expect(page.get_by_label("Price of fill 1")).to_have_attribute("inputmode", "decimal")
    expect(page.get_by_label("Quantity of fill 1")).to_have_attribute("inputmode", "decimal")

    page.get_by_label("Quantity of fill 2").fill("abc")
    expect(page.locator("#calc-entry_error")).to_contain_text("Fill 2: enter a price and")
    red = "rgb(164, 14, 38)"
    expect(page.get_by_label("Quantity of fill 2")).to_have_css("border-color", red)
    for other in (1, 3):
        expect(page.get_by_label(f"Price of fill {other}")).not_to_have_css("border-color", red)
        expect(page.get_by_label(f"Quantity of fill {other}")).not_to_have_css("border-color", red)
    page.get_by_label("Quantity of fill 2").fill("0.2")
    expect(page.locator("#calc-entry_error")).to_be_empty()
    expect(page.get_by_label("Quantity of fill 2")).not_to_have_css("border-color", red)

    # "Add a row" with htmx: one more row, the cursor in it, no page load, values kept.
    rows = page.locator("tr.fill-row")
    expect(rows).to_have_count(4)
    page.get_by_label("Price of fill 4").fill("50000")
    page.get_by_label("Quantity of fill 4").fill("0.5")
    # (6,000 + 11,600 + 11,000 + 25,000) ÷ 1 = 53,600
    expect(headline).to_contain_text("53,600")
    page.get_by_role("button", name="Add a row").click()
    expect(rows).to_have_count(5)
    expect(page.get_by_label("Price of fill 5")).to_be_focused()
    expect(page.get_by_label("Price of fill 4")).to_have_value("50000")
    assert page.evaluate("window.__stillHere") == "yes"
    assert "rows=" not in page.url
    assert errors == []


def test_add_a_row_works_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + OPEN_PRICE)
    expect(page.locator("tr.fill-row")).to_have_count(4)
    page.get_by_label("Price of fill 4").fill("50000")
    page.get_by_label("Quantity of fill 4").fill("0.5")
    page.get_by_role("button", name="Add a row").click()
    expect(page.locator("tr.fill-row")).to_have_count(5)
    expect(page.get_by_label("Price of fill 4")).to_have_value("50000")
    expect(page.locator('[data-result="average_price"] dd')).to_contain_text("53,600")
    context.close()
