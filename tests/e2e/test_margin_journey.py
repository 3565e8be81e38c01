"""The Cross Margin journey of issue 11 in a real browser: an activated learner turns on
auto top-up, transfers into Cross Margin, buys BTC with auto-borrow, fast-forwards into a
scripted crash, sees the margin-call notification and the auto top-up, then opens the
liquidation report.

The crash is scripted with two scenario events starting after "now" (the learner's
clock starts at real time): BTC −28 % over two hours (margin level ≈ 1.2: a margin
call, and auto top-up brings it back to 1.5 from the Spot wallet), then a one-minute
−40 % gap (margin level ≈ 1.0: past 1.1 in one minute, so it liquidates although auto
top-up is on). The simulated path moves BTC by a few per cent a day; the thresholds
keep a margin of several per cent on each side.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import margin_activation_record
from sandbox.models import ScenarioEvent
from tests.e2e.conftest import axe_violations, sign_up


def activate(username: str) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    margin_activation_record(user=user, attempt_id=1, statement_version="v", now=timezone.now())


def script_the_crash() -> None:
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=2)
    ScenarioEvent.objects.create(
        symbol="BTCUSDT",
        start=start,
        duration_minutes=120,
        move_percent=Decimal("-28"),
        note="journey: the slide into a margin call",
    )
    ScenarioEvent.objects.create(
        symbol="BTCUSDT",
        start=start + timedelta(hours=6),
        duration_minutes=1,
        move_percent=Decimal("-40"),
        note="journey: the gap past the liquidation level",
    )


def test_a_learner_borrows_is_topped_up_and_reads_the_liquidation_report(
    page, base_url, screenshot
):
    sign_up(page, base_url, "lena")
    activate("lena")

    # Auto top-up on, from the Spot wallet's USDT.
    page.goto(base_url + "/sandbox/settings/")
    page.get_by_role("checkbox", name="Auto top-up").check()
    page.locator("select[name=auto_topup_asset_1]").select_option("USDT")
    page.get_by_role("button", name="Save Cross Margin settings").click()
    expect(page.get_by_text("Your Cross Margin settings are saved.")).to_be_visible()

    # 1,000 USDT into Cross Margin.
    page.get_by_role("link", name="Cross Margin", exact=True).first.click()
    expect(page.get_by_test_id("margin-level")).to_have_text("∞")
    page.locator("#transfer_direction").select_option("in")
    page.locator("#transfer_asset").select_option("USDT")
    page.locator("#transfer_amount").fill("1,000")
    page.get_by_role("button", name="Transfer", exact=True).click()
    expect(page.get_by_text("Moved 1,000.00 USDT from Spot to Cross Margin.")).to_be_visible()

    # Buy BTC for 2,500 USDT with auto-borrow: the preview shows the 1,500 USDT shortfall
    # and the margin level after, then the order borrows exactly that.
    form = page.locator("#margin-order")
    form.get_by_label("Or amount in USDT").fill("2500")
    form.locator("select[name=side_effect]").select_option("auto_borrow")
    expect(page.get_by_test_id("auto-borrow")).to_contain_text("1,500.00 USDT")
    expect(page.get_by_test_id("ml-after")).not_to_have_text("∞")
    screenshot("margin-journey-preview-1280")
    page.get_by_role("button", name="Place margin order").click()
    expect(page.get_by_text(re.compile("Bought .* BTC"))).to_be_visible()
    expect(page.get_by_test_id("total-liabilities")).to_have_text("1,500.00 USDT")
    expect(page.get_by_test_id("state")).to_be_visible()
    assert axe_violations(page) == []

    # The crash, then a day of sandbox time.
    script_the_crash()
    page.goto(base_url + "/sandbox/")
    page.get_by_role("button", name="1 day").click()

    # The notifications: the margin call, the auto top-up, the liquidation.
    page.goto(base_url + "/notifications/")
    notifications = page.get_by_test_id("notifications")
    expect(notifications).to_contain_text(re.compile("Margin call", re.I))
    expect(notifications).to_contain_text(re.compile("Auto top-up", re.I))
    expect(notifications).to_contain_text(re.compile("liquidated", re.I))
    screenshot("margin-journey-notifications-1280")

    # The auto top-up is in the history as its own kind of entry.
    page.goto(base_url + "/sandbox/history/")
    expect(page.get_by_test_id("history")).to_contain_text("Auto top-up transfer")

    # The liquidation notification opens the report.
    page.goto(base_url + "/notifications/")
    page.get_by_role("button", name=re.compile("Open.*liquidated", re.I)).click()
    expect(page.get_by_role("heading", name="Liquidation report")).to_be_visible()
    expect(page.get_by_test_id("trigger-time")).to_contain_text("UTC")
    expect(page.get_by_test_id("trigger-price-BTCUSDT")).to_contain_text("USDT")
    level = page.get_by_test_id("trigger-level").inner_text()
    assert Decimal(level.split()[0]) <= Decimal("1.1")
    expect(page.get_by_test_id("sales")).to_contain_text("BTCUSDT")
    expect(page.get_by_test_id("total-fee")).to_contain_text("USDT")
    # The margin-level path chart up to the trigger (the engine recorded the path).
    expect(page.locator("figure.chart-wrap svg[role=img]:visible")).to_have_count(1)
    screenshot("margin-journey-report-1280")
    assert axe_violations(page) == []
    # The margin page lists it too.
    page.get_by_role("link", name="Back to Cross Margin").click()
    expect(page.get_by_test_id("liquidations")).to_contain_text("the report")
