"""The cooldown after a failure, and its early lift by opening the missed topics' lessons."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from learn.models import LessonProgress
from learn.quiz.errors import CooldownActive
from learn.quiz.models import QuizAttempt
from learn.quiz.services import attempt_start, attempt_submit
from tests.learn.quiz_factories import NOW, answers_for, service_answers, shows


def fail(user, *, now, wrong: int = 2) -> QuizAttempt:
    attempt = attempt_start(user=user, now=now)
    return attempt_submit(
        user=user,
        attempt_id=attempt.pk,
        answers=service_answers(answers_for(attempt, wrong=wrong)),
        now=now,
    )


def missed_lessons(attempt):
    return {
        item.question.topic.lesson
        for item in attempt.questions.select_related("question__topic__lesson")
        if not item.correct
    }


def open_lesson(user, lesson, *, at):
    LessonProgress.objects.update_or_create(
        user=user, lesson=lesson, defaults={"first_opened_at": at, "last_opened_at": at}
    )


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_a_new_attempt_waits_for_the_cooldown_after_a_failure(quiz_bank, learner):
    fail(learner, now=NOW)
    with pytest.raises(CooldownActive) as refused:
        attempt_start(user=learner, now=NOW + timedelta(minutes=4, seconds=59))
    assert "1 minute" in refused.value.message
    assert QuizAttempt.objects.filter(user=learner).count() == 1
    attempt_start(user=learner, now=NOW + timedelta(minutes=5))
    assert QuizAttempt.objects.filter(user=learner).count() == 2


def test_the_cooldown_is_a_setting(quiz_bank, learner, settings):
    settings.QUIZ_COOLDOWN_MINUTES = 1
    fail(learner, now=NOW)
    attempt_start(user=learner, now=NOW + timedelta(minutes=1))


def test_no_cooldown_after_a_pass_or_an_expired_attempt(quiz_bank, learner):
    attempt_start(user=learner, now=NOW)  # left to expire
    later = NOW + timedelta(minutes=31)
    second = attempt_start(user=learner, now=later)
    assert QuizAttempt.objects.filter(user=learner).count() == 2
    assert second.started_at == later


def test_opening_every_missed_lesson_lifts_the_cooldown_early(quiz_bank, learner):
    failed = fail(learner, now=NOW, wrong=3)
    lessons = sorted(missed_lessons(failed), key=lambda lesson: lesson.key)
    assert lessons
    for lesson in lessons[:-1]:
        open_lesson(learner, lesson, at=NOW + timedelta(minutes=1))
    with pytest.raises(CooldownActive):
        attempt_start(user=learner, now=NOW + timedelta(minutes=2))
    open_lesson(learner, lessons[-1], at=NOW + timedelta(minutes=2))
    attempt_start(user=learner, now=NOW + timedelta(minutes=2))
    assert QuizAttempt.objects.filter(user=learner).count() == 2


def test_lessons_opened_before_the_attempt_do_not_count(quiz_bank, learner):
    before = NOW - timedelta(hours=1)
    for topic in quiz_bank:
        open_lesson(learner, topic.lesson, at=before)
    fail(learner, now=NOW)
    with pytest.raises(CooldownActive):
        attempt_start(user=learner, now=NOW + timedelta(minutes=1))


def test_another_learners_reading_does_not_lift_mine(quiz_bank, learner, other_learner):
    failed = fail(learner, now=NOW)
    for lesson in missed_lessons(failed):
        open_lesson(other_learner, lesson, at=NOW + timedelta(minutes=1))
    with pytest.raises(CooldownActive):
        attempt_start(user=learner, now=NOW + timedelta(minutes=2))


def test_the_quiz_page_lists_the_lessons_with_ticks_and_the_countdown(
    quiz_bank, learner, learner_client, frozen
):
    failed = fail(learner, now=NOW, wrong=2)
    lessons = sorted(missed_lessons(failed), key=lambda lesson: lesson.key)
    frozen.move_to(NOW + timedelta(minutes=1, seconds=30))
    page = learner_client.get(reverse("learn:quiz")).content.decode()
    assert 'data-testid="cooldown"' in page
    assert 'data-countdown-seconds="210"' in page
    assert ">3:30<" in page
    assert "Start a new attempt" not in page
    for lesson in lessons:
        assert lesson.get_absolute_url() in page
    assert page.count("not opened yet") == len(lessons)

    open_lesson(learner, lessons[0], at=NOW + timedelta(minutes=2))
    page = learner_client.get(reverse("learn:quiz")).content.decode()
    assert page.count("not opened yet") == len(lessons) - 1
    assert page.count("opened since your attempt") == 1

    for lesson in lessons[1:]:
        open_lesson(learner, lesson, at=NOW + timedelta(minutes=2))
    page = learner_client.get(reverse("learn:quiz")).content.decode()
    assert 'data-testid="cooldown"' not in page
    assert "Start a new attempt" in page


def test_starting_during_the_cooldown_is_refused_on_the_page(
    quiz_bank, learner, learner_client, frozen
):
    fail(learner, now=NOW)
    response = learner_client.post(reverse("learn:quiz_start"))
    assert response.status_code == 400
    assert shows(response, "Your next attempt opens in 5 minutes")
    assert QuizAttempt.objects.filter(user=learner).count() == 1


def test_the_result_page_lists_the_lessons_that_lift_the_cooldown(
    quiz_bank, learner, learner_client, frozen
):
    failed = fail(learner, now=NOW, wrong=3)
    page = learner_client.get(reverse("learn:quiz_attempt", args=[failed.pk])).content.decode()
    reread = page[page.index('<ul class="reread">') :]
    reread = reread[: reread.index("</ul>")]
    assert reread.count("<li>") == len(missed_lessons(failed))
    for lesson in missed_lessons(failed):
        assert lesson.get_absolute_url() in reread
