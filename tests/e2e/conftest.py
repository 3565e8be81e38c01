"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright cannot download its own browsers here, so we launch the system
Chromium. Without it the tests are skipped with a reason; REQUIRE_BROWSER=1
(CI sets it) turns that skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM
# calls from the test body unless told that this thread is fine to use synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        message = "Chromium not found (install Debian's `chromium`, or `make chromium`)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(f"browser tests skipped: {message}")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture(autouse=True)
def _e2e_db(transactional_db):
    """The live server runs in another thread, so tests need real commits."""


@pytest.fixture
def screenshot(page):
    """Save a full-page PNG under var/screenshots/ for a human to look at."""

    def take(name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return take


# Moderate counts too: "landmark-unique" (two regions with one name) is moderate, and a
# screen-reader user lost between two identically named regions is lost all the same.
AXE_FAILING_IMPACTS = frozenset({"moderate", "serious", "critical"})


def axe_violations(page) -> list[dict]:
    """Run axe-core (shipped inside the axe-playwright-python wheel) on the page; the
    violations of moderate impact or worse."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    return [v for v in violations if v.get("impact") in AXE_FAILING_IMPACTS]


# The name the browser tests of every area import; it now fails on moderate too.
axe_serious_violations = axe_violations


@pytest.fixture
def console_errors() -> list[str]:
    """Everything the browser reported as an error while the test ran: console.error
    (htmx's own complaints among them), uncaught exceptions, and Content-Security-Policy
    violations, which Chromium reports as console errors."""
    return []


@pytest.fixture
def context(context, console_errors):
    """pytest-playwright's context, listening to every page opened in it; the test fails
    when any page logged an error."""

    def watch(page) -> None:
        def on_console(message) -> None:
            # A page without <link rel="icon"> (a test-only view) makes the browser ask
            # for /favicon.ico, which we do not serve; every page of ours names its icon.
            if message.location.get("url", "").endswith("/favicon.ico"):
                return
            if message.type == "error":
                where = message.location.get("url", "")
                console_errors.append(f"{page.url}: console error ({where}): {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: console_errors.append(f"{page.url}: {error}"))

    context.on("page", watch)
    yield context
    assert console_errors == [], "the browser logged errors:\n" + "\n".join(console_errors)


PASSWORD = "a-long-unusual-passphrase-42"


def sign_up(page, base_url: str, username: str) -> None:
    """Sign up through the site's form, as a learner would, and wait to be logged in."""
    page.goto(base_url + "/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_test_id("username")).to_have_text(username)
