"""The whole activation flow in a browser: sign up, locked, fail, reread, pass, unlock."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from learn.quiz.models import QuizAttempt
from tests.e2e.conftest import axe_serious_violations, sign_up

# The gate's test views (tests/accounts/gate_urls.py) stand in for the sandbox's margin
# pages; the rest of the site is routed as usual.
pytestmark = pytest.mark.urls("tests.accounts.gate_urls")


def answer(page, attempt: QuizAttempt, *, wrong: int) -> None:
    """Tick answers through the page: the first ``wrong`` questions wrongly."""
    items = attempt.questions.select_related("question").order_by("position")
    for number, item in enumerate(items):
        right = item.question.answer_index
        wanted = (right + 1) % len(item.option_order) if number < wrong else right
        token = item.option_tokens[item.option_order.index(wanted)]
        page.locator(f"#o-{token}").check()


def check_page(page, name: str, screenshot) -> None:
    for width, height in ((1280, 900), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        assert axe_serious_violations(page) == [], f"{name} at {width}px"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} overflows by {overflow}px at {width}px"
        screenshot(f"quiz-{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_new_learner_unlocks_margin_through_the_quiz(page, base_url, screenshot):
    call_command("learn_load", stdout=io.StringIO())

    sign_up(page, base_url, "mika")

    # Locked: the header says so, and a margin page shows the locked panel.
    expect(page.get_by_test_id("margin-state")).to_have_text("Margin: locked")
    page.goto(base_url + "/test-margin/")
    expect(page.get_by_test_id("margin-locked")).to_be_visible()
    check_page(page, "locked-panel", screenshot)
    page.get_by_role("link", name="Take the margin quiz").click()

    expect(page.get_by_test_id("activation-status")).to_contain_text("Not activated")
    check_page(page, "home-new", screenshot)
    page.get_by_role("button", name="Start the quiz").click()

    # First attempt: one answer wrong.
    first = QuizAttempt.objects.get(user__username="mika")
    expect(page.locator("fieldset")).to_have_count(12)
    answer(page, first, wrong=1)
    check_page(page, "attempt", screenshot)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_test_id("quiz-score")).to_contain_text("11 of 12 correct")
    expect(page.get_by_test_id("quiz-score")).to_contain_text("Failed")
    check_page(page, "result-failed", screenshot)

    # The quiz page: the countdown and the lessons to reread, unticked.
    page.get_by_role("link", name="Back to the quiz page").click()
    expect(page.get_by_test_id("cooldown")).to_be_visible()
    expect(page.get_by_role("button", name="Start a new attempt")).to_have_count(0)
    reread = page.get_by_test_id("reread-lessons").get_by_role("link")
    lesson_urls = [reread.nth(i).get_attribute("href") for i in range(reread.count())]
    assert lesson_urls
    check_page(page, "cooldown", screenshot)

    for url in lesson_urls:
        page.goto(base_url + url)
        expect(page.locator("h1")).to_be_visible()
    page.goto(base_url + "/learn/quiz/")
    expect(page.get_by_test_id("reread-lessons").locator("li.done")).to_have_count(len(lesson_urls))
    expect(page.get_by_test_id("cooldown")).to_have_count(0)

    # Second attempt: all correct.
    page.get_by_role("button", name="Start a new attempt").click()
    second = QuizAttempt.objects.filter(user__username="mika").latest("started_at")
    assert second.pk != first.pk
    answer(page, second, wrong=0)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_test_id("quiz-score")).to_contain_text("12 of 12 correct")
    check_page(page, "result-passed", screenshot)

    # Passing alone unlocks nothing: the risk statement first.
    page.get_by_role("link", name="Go to the risk statement").click()
    expect(page.get_by_test_id("margin-state")).to_have_text("Margin: locked")
    check_page(page, "statement", screenshot)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Unlock margin").click()

    expect(page.get_by_test_id("activation-status")).to_contain_text("Margin activated on")
    expect(page.get_by_test_id("margin-state")).to_have_text("Margin: active")
    check_page(page, "home-activated", screenshot)
    page.goto(base_url + "/test-margin/")
    expect(page.locator("body")).to_have_text("the margin page")
