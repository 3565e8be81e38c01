"""Learn-and-earn (SPEC §3.2): finishing a course pays 100 USDT into the sandbox, once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from learn.models import Course, CourseCompletion, LessonProgress
from learn.services import check_submit, course_complete_if_done
from sandbox.services import account_sync, reward_credit
from tests.learn.conftest import (
    complete,
    correct_answers,
    course_lessons,
    reward_transactions,
    spot_usdt,
)

COURSE = "cross-vs-isolated"


def _answers(lesson) -> dict[int, int]:
    return {q.pk: q.answer_index for q in lesson.questions.all()}


def _url(lesson) -> str:
    return f"/learn/{lesson.course.slug}/{lesson.slug}/"


@pytest.fixture
def almost_done(learner):
    """Every lesson of the course complete but the last; returns the last one."""
    lessons = course_lessons(COURSE)
    for lesson in lessons[:-1]:
        complete(learner, lesson)
    return lessons[-1]


def test_finishing_the_last_lesson_records_the_course_and_pays_100_usdt(
    learner_client, learner, almost_done
):
    account_sync(user=learner)
    assert spot_usdt(learner) == Decimal("10000")

    response = learner_client.post(_url(almost_done), correct_answers(almost_done))

    html = response.content.decode()
    assert "the whole course" in html
    assert "100.00 USDT of play money is now in your sandbox Spot wallet" in html
    completion = CourseCompletion.objects.get(user=learner)
    assert completion.course.slug == COURSE
    assert completion.reward_amount == Decimal("100")
    assert completion.reward_paid_at is not None
    assert spot_usdt(learner) == Decimal("10100")
    (tx,) = reward_transactions(learner)
    assert completion.reward_transaction_id == tx.pk


def test_a_learner_without_a_sandbox_account_gets_one_with_the_reward(
    learner_client, learner, almost_done
):
    assert spot_usdt(learner) is None
    learner_client.post(_url(almost_done), correct_answers(almost_done))
    # The account opens with its 10,000 USDT, and the reward lands on top.
    assert spot_usdt(learner) == Decimal("10100")


def test_a_course_finished_before_the_account_existed_is_paid_when_checked(learner):
    # Progress recorded by other means (e.g. before rewards existed): nothing paid yet.
    for lesson in course_lessons(COURSE):
        complete(learner, lesson)
    course = Course.objects.get(language="en", slug=COURSE)
    assert spot_usdt(learner) is None

    completion, created = course_complete_if_done(user=learner, course=course)

    assert created and completion.reward_paid
    assert spot_usdt(learner) == Decimal("10100")


def test_a_double_submit_pays_once(learner_client, learner, almost_done):
    for _ in range(3):
        learner_client.post(_url(almost_done), correct_answers(almost_done))
    assert CourseCompletion.objects.filter(user=learner).count() == 1
    assert reward_transactions(learner).count() == 1
    assert spot_usdt(learner) == Decimal("10100")


def test_answering_the_lessons_again_pays_nothing_more(learner, almost_done):
    check_submit(user=learner, lesson=almost_done, answers=_answers(almost_done))
    for lesson in course_lessons(COURSE):
        result = check_submit(user=learner, lesson=lesson, answers=_answers(lesson))
        assert result.all_correct
        assert not result.course_completed_now
    assert reward_transactions(learner).count() == 1


def test_a_reason_the_sandbox_already_paid_is_not_paid_again(learner, almost_done):
    # E.g. a completion row removed by staff: the sandbox remembers the reason.
    account = account_sync(user=learner)
    reward_credit(account=account, amount=Decimal("100"), reason=f"course:{COURSE}")

    result = check_submit(user=learner, lesson=almost_done, answers=_answers(almost_done))

    assert result.course_completed_now
    assert result.course_completion.reward_paid
    assert result.course_completion.reward_transaction_id is None
    assert spot_usdt(learner) == Decimal("10100")


def test_nothing_is_paid_while_a_lesson_is_missing(learner, almost_done):
    lessons = course_lessons(COURSE)
    LessonProgress.objects.filter(user=learner, lesson=lessons[0]).delete()
    result = check_submit(user=learner, lesson=almost_done, answers=_answers(almost_done))
    assert result.lesson_completed_now
    assert result.course_completion is None
    assert not CourseCompletion.objects.exists()
    assert spot_usdt(learner) is None


def test_the_reward_is_a_setting(settings, learner, almost_done):
    settings.LEARN_COURSE_REWARD = Decimal("25.5")
    check_submit(user=learner, lesson=almost_done, answers=_answers(almost_done))
    assert CourseCompletion.objects.get(user=learner).reward_amount == Decimal("25.5")
    assert spot_usdt(learner) == Decimal("10025.5")


def test_each_course_pays_once_for_each_learner(learner, other_learner):
    for user in (learner, other_learner):
        for slug in (COURSE, "leverage-basics"):
            lessons = course_lessons(slug)
            for lesson in lessons[:-1]:
                complete(user, lesson)
            check_submit(user=user, lesson=lessons[-1], answers=_answers(lessons[-1]))
    for user in (learner, other_learner):
        assert spot_usdt(user) == Decimal("10200")
        assert sorted(
            CourseCompletion.objects.filter(user=user).values_list("course__slug", flat=True)
        ) == sorted([COURSE, "leverage-basics"])


def test_the_course_page_says_the_reward_was_paid(learner_client, learner, almost_done):
    before = learner_client.get(f"/learn/{COURSE}/").content.decode()
    assert 'data-testid="reward-paid"' not in before
    assert "goes into your sandbox Spot wallet, once" in before

    learner_client.post(_url(almost_done), correct_answers(almost_done))

    html = learner_client.get(f"/learn/{COURSE}/").content.decode()
    assert "Reward paid: 100.00 USDT" in html
    assert f"was paid into your sandbox Spot wallet on {timezone.now():%-d %b %Y}" in html
    index = learner_client.get("/learn/").content.decode()
    assert "Reward paid: 100.00 USDT" in index
