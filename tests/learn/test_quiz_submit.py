"""Submitting an attempt: pass and fail, and every kind of tampering refused with no change."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from learn.quiz.errors import (
    AnswerMissing,
    AttemptAlreadySubmitted,
    AttemptExpired,
    QuestionNotDrawn,
    UnknownOption,
)
from learn.quiz.models import QuizAttempt, QuizAttemptQuestion
from learn.quiz.services import attempt_start
from tests.learn.quiz_factories import NOW, answers_for, shows


def snapshot(attempt: QuizAttempt):
    attempt.refresh_from_db()
    rows = list(
        QuizAttemptQuestion.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("chosen_index", "correct")
    )
    return (attempt.submitted_at, attempt.score, attempt.passed, rows)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def attempt(quiz_bank, learner, frozen):
    return attempt_start(user=learner, now=NOW)


def submit(client, attempt, data):
    return client.post(reverse("learn:quiz_submit", args=[attempt.pk]), data)


def test_it_passes_with_every_answer_correct(learner_client, attempt):
    response = submit(learner_client, attempt, answers_for(attempt))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed, attempt.submitted_at) == (12, True, NOW)
    page = learner_client.get(response.url).content.decode()
    assert "12 of 12 correct" in page
    assert "Passed" in page


def test_it_fails_with_one_wrong_answer_and_explains_each_question(learner_client, attempt):
    response = submit(learner_client, attempt, answers_for(attempt, wrong=1))
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (11, False)
    page = learner_client.get(response.url).content.decode()
    assert "11 of 12 correct" in page
    assert page.count('data-testid="result-question"') == 12
    assert page.count('badge state-liquidation">Wrong') == 1
    for item in attempt.questions.select_related("question__lesson__course"):
        assert item.question.explanation in page
        assert item.question.lesson.get_absolute_url() in page
    missed = attempt.questions.get(correct=False)
    assert missed.position == 1


def test_the_pass_mark_is_a_setting(learner_client, attempt, settings):
    # The mark is fixed when the attempt starts; this one was started with 12.
    submit(learner_client, attempt, answers_for(attempt, wrong=1))
    attempt.refresh_from_db()
    assert attempt.passed is False


def test_a_lower_pass_mark_lets_one_mistake_pass(
    learner_client, quiz_bank, learner, frozen, settings
):
    settings.QUIZ_PASS_MARK = 11
    attempt = attempt_start(user=learner, now=NOW)
    submit(learner_client, attempt, answers_for(attempt, wrong=1))
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (11, True)


def test_it_refuses_a_second_submission(learner_client, attempt):
    submit(learner_client, attempt, answers_for(attempt, wrong=3))
    before = snapshot(attempt)
    response = submit(learner_client, attempt, answers_for(attempt))
    assert response.status_code == 400
    assert shows(response, AttemptAlreadySubmitted.message)
    assert snapshot(attempt) == before


def test_it_refuses_an_expired_attempt(learner_client, attempt, frozen):
    before = snapshot(attempt)
    frozen.move_to(NOW + timedelta(minutes=30))
    response = submit(learner_client, attempt, answers_for(attempt))
    assert response.status_code == 400
    assert shows(response, AttemptExpired.message)
    assert snapshot(attempt) == before


def test_it_accepts_a_submission_just_inside_the_time_limit(learner_client, attempt, frozen):
    frozen.move_to(NOW + timedelta(minutes=29, seconds=59))
    assert submit(learner_client, attempt, answers_for(attempt)).status_code == 302


def test_it_refuses_an_answer_to_a_question_that_was_not_drawn(
    learner_client, learner, attempt, quiz_bank
):
    before = snapshot(attempt)
    drawn = set(attempt.questions.values_list("question__key", flat=True))
    not_drawn = next(q.key for t in quiz_bank for q in t.questions.all() if q.key not in drawn)
    for extra in (f"q-{not_drawn}", "q-0", "q-13", "q-not-a-token"):
        data = {**answers_for(attempt), extra: "x"}
        response = submit(learner_client, attempt, data)
        assert response.status_code == 400
        assert shows(response, QuestionNotDrawn.message)
    assert snapshot(attempt) == before


def test_it_refuses_a_question_token_of_another_attempt(
    learner_client, attempt, other_learner, quiz_bank
):
    before = snapshot(attempt)
    others = attempt_start(user=other_learner, now=NOW)
    # The other attempt's answers: valid tokens, but of questions not in this attempt.
    data = {**answers_for(attempt), **answers_for(others)}
    response = submit(learner_client, attempt, data)
    assert response.status_code == 400
    assert snapshot(attempt) == before
    assert snapshot(others)[0] is None


def test_it_refuses_a_forged_option_id(learner_client, attempt):
    before = snapshot(attempt)
    data = answers_for(attempt)
    first = attempt.questions.get(position=1)
    second = attempt.questions.get(position=2)
    forgeries = ["0", "1", "3", "", "x" * 500, second.option_tokens[0]]
    for forged in forgeries:
        response = submit(learner_client, attempt, {**data, f"q-{first.token}": forged})
        assert response.status_code == 400
        message = AnswerMissing.message if forged == "" else UnknownOption.message
        assert shows(response, message)
    assert snapshot(attempt) == before


def test_it_refuses_two_options_for_one_question(learner_client, attempt):
    before = snapshot(attempt)
    data = answers_for(attempt)
    first = attempt.questions.get(position=1)
    data[f"q-{first.token}"] = first.option_tokens[:2]
    response = submit(learner_client, attempt, data)
    assert response.status_code == 400
    assert shows(response, UnknownOption.message)
    assert snapshot(attempt) == before


def test_it_refuses_a_missing_answer_and_keeps_the_others_ticked(learner_client, attempt):
    before = snapshot(attempt)
    data = answers_for(attempt)
    first = attempt.questions.get(position=1)
    kept = data.pop(f"q-{first.token}")
    second = attempt.questions.get(position=2)
    response = submit(learner_client, attempt, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert str(AnswerMissing.message) in page
    assert f'value="{data[f"q-{second.token}"]}" checked' in page
    assert f'value="{kept}" checked' not in page
    assert snapshot(attempt) == before


def test_an_empty_submission_is_refused(learner_client, attempt):
    before = snapshot(attempt)
    response = submit(learner_client, attempt, {})
    assert response.status_code == 400
    assert snapshot(attempt) == before


def test_another_learners_attempt_is_not_found(other_client, attempt):
    before = snapshot(attempt)
    assert other_client.get(reverse("learn:quiz_attempt", args=[attempt.pk])).status_code == 404
    assert submit(other_client, attempt, answers_for(attempt)).status_code == 404
    assert snapshot(attempt) == before


def test_anonymous_visitors_are_sent_to_log_in(client, attempt):
    response = submit(client, attempt, answers_for(attempt))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert snapshot(attempt)[0] is None


def test_submission_needs_post(learner_client, attempt):
    response = learner_client.get(reverse("learn:quiz_submit", args=[attempt.pk]))
    assert response.status_code == 405
