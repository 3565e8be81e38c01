"""A learner reads a margin call from the header, opens it, and clears the rest."""

from __future__ import annotations

from playwright.sync_api import expect

from notifications.models import Kind
from notifications.services import notification_send
from tests.e2e.conftest import axe_serious_violations
from tests.factories import DEFAULT_PASSWORD, UserFactory


def test_a_learner_opens_a_margin_call_and_marks_the_rest_read(page, base_url, screenshot):
    learner = UserFactory(username="nora")
    notification_send(
        user=learner,
        kind=Kind.COOLING_OFF_STARTED,
        title="Cooling-off started",
        body="Borrowing is blocked for 1 day of sandbox time.",
        key="cooling_off_started:e2e",
    )
    notification_send(
        user=learner,
        kind=Kind.MARGIN_CALL,
        title="Margin call: margin level 1.29",
        body="Your margin level fell to 1.29.",
        link="/sandbox/",
        key="margin_call:e2e",
    )
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    header_link = page.get_by_test_id("notifications-link")
    expect(header_link).to_have_text("Notifications (2) unread")
    header_link.click()

    for width, height in ((1280, 900), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        assert axe_serious_violations(page) == [], f"/notifications/ at {width}px"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"/notifications/ overflows by {overflow}px at {width}px"
        screenshot(f"notifications-{width}")

    # The button's name carries the title (visually hidden), so each "Open" is distinct.
    page.get_by_role("button", name="Margin call: margin level 1.29").click()
    expect(page).to_have_url(base_url + "/sandbox/")
    expect(page.get_by_test_id("notifications-link")).to_have_text("Notifications (1) unread")

    page.get_by_test_id("notifications-link").click()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("Marked 1 notification as read.")).to_be_visible()
    expect(page.get_by_test_id("notifications-link")).to_have_text("Notifications")
