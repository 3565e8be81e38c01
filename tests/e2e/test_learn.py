"""A learner's first course, in a real browser: read, answer, complete, get paid."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learn.loader import load_content
from learn.models import Lesson
from tests.e2e.conftest import SCREENSHOT_DIR, axe_serious_violations, sign_up

COURSE = "cross-vs-isolated"


@pytest.fixture(autouse=True)
def curriculum(_e2e_db):
    # Transactional tests start from empty tables; the live server reads committed rows.
    load_content()


def lessons_of(course: str) -> list[Lesson]:
    return list(
        Lesson.objects.filter(language="en", course__slug=course)
        .prefetch_related("questions")
        .order_by("order")
    )


def answer(page, lesson: Lesson, *, wrong_first: bool = False) -> None:
    for index, question in enumerate(lesson.questions.all()):
        choice = question.answer_index
        if wrong_first and index == 0:
            choice = (choice + 1) % len(question.options)
        page.locator(f"#answer-{question.pk}-{choice}").check()
    page.get_by_role("button", name="Check my answers").click()


def test_a_learner_finishes_a_course_and_finds_the_reward_in_the_sandbox(
    page, base_url, screenshot
):
    sign_up(page, base_url, "lena")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learn").click()
    expect(page.get_by_role("heading", name="Learn", exact=True)).to_be_visible()
    page.get_by_role("link", name="Cross vs isolated margin").click()
    expect(page.get_by_test_id("course-progress")).to_contain_text("0 of 3 lessons complete")

    lessons = lessons_of(COURSE)
    page.get_by_role("link", name=lessons[0].title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lessons[0].title)
    # The worked example's calculator is on the page, with a result.
    expect(page.locator(".calc-widget .result-row").first).to_be_visible()

    # A wrong answer: feedback per question, nothing completed. Over htmx: no reload.
    page.evaluate("window.__stillTheSamePage = true")
    answer(page, lessons[0], wrong_first=True)
    expect(page.get_by_test_id("check-summary")).to_contain_text("correct. Read the explanations")
    expect(page.get_by_text("Not quite.")).to_be_visible()
    expect(page.get_by_test_id("lesson-complete")).to_have_count(0)
    page.locator("#knowledge-check").screenshot(path=str(SCREENSHOT_DIR / "learn-check-wrong.png"))

    answer(page, lessons[0])
    expect(page.get_by_test_id("check-summary")).to_contain_text("This lesson is complete.")
    # The status line above the lesson was swapped out of band: the tick and the progress.
    expect(page.get_by_test_id("lesson-complete")).to_be_visible()
    expect(page.get_by_test_id("lesson-status")).to_contain_text("1 of 3 lessons complete")
    assert page.evaluate("window.__stillTheSamePage") is True
    page.locator("main").screenshot(path=str(SCREENSHOT_DIR / "learn-check-complete.png"))

    for lesson in lessons[1:]:
        page.get_by_role("link", name=f"{lesson.title} →").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
        answer(page, lesson)
    expect(page.get_by_test_id("check-summary")).to_contain_text(
        "100.00 USDT of play money is now in your sandbox Spot wallet"
    )
    expect(page.get_by_test_id("lesson-status")).to_contain_text("Reward paid: 100.00 USDT")

    page.goto(f"{base_url}/learn/{COURSE}/")
    expect(page.get_by_test_id("reward-note")).to_contain_text(
        "Your reward of 100.00 USDT was paid"
    )
    page.get_by_role("link", name="Open the sandbox").click()
    expect(page.get_by_test_id("total-equity")).to_have_text("10,100.00 USDT")


def test_a_lesson_reads_well_at_1280_and_375_px_and_passes_axe(page, base_url, screenshot):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base_url + "/learn/margin-level-and-liquidation/threshold-table/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert axe_serious_violations(page) == []
    screenshot("learn-lesson-1280")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    # Nothing wider than the phone: tables and the widget scroll inside their own boxes.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("learn-lesson-375")

    page.goto(base_url + "/learn/")
    assert axe_serious_violations(page) == []
    screenshot("learn-index-375")
    page.goto(base_url + "/learn/glossary/")
    assert axe_serious_violations(page) == []


def test_the_check_works_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    lesson = lessons_of("leverage-basics")[0]
    page.goto(f"{base_url}/learn/leverage-basics/{lesson.slug}/")
    answer(page, lesson)
    expect(page.get_by_test_id("check-summary")).to_contain_text("All correct.")
    expect(page.get_by_test_id("signup-invite").last).to_be_visible()
    context.close()
