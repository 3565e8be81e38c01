from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import axe_serious_violations


def test_a_visitor_signs_up_sees_their_name_logs_out_and_back_in(page, base_url, screenshot):
    page.goto(base_url + "/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Username").fill("hana")
    page.get_by_label("Email").fill("hana@example.com")
    page.get_by_label("Password", exact=True).fill("a-long-unusual-passphrase-42")
    page.get_by_label("Password confirmation").fill("a-long-unusual-passphrase-42")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_test_id("username")).to_have_text("hana")
    screenshot("home-logged-in")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_test_id("username")).to_have_count(0)

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("hana")
    page.get_by_label("Password").fill("a-long-unusual-passphrase-42")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("username")).to_have_text("hana")


def test_the_home_and_account_pages_pass_axe_at_desktop_and_phone_width(page, base_url, screenshot):
    for width, height in ((1280, 900), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        for path, name in (
            ("/", "home"),
            ("/accounts/signup/", "signup"),
            ("/accounts/login/", "login"),
        ):
            page.goto(base_url + path)
            assert axe_serious_violations(page) == [], f"{path} at {width}px"
            # Nothing may force sideways scrolling on a phone.
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} overflows by {overflow}px at {width}px"
            screenshot(f"{name}-{width}")


def test_the_keyboard_reaches_the_skip_link_first(page, base_url):
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to content" in focused
