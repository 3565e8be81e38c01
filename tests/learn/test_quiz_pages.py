"""The quiz pages: what they show, what they never show, and their query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from learn.quiz.models import QuizAttempt
from learn.quiz.services import attempt_start, attempt_submit
from tests.learn.quiz_factories import NOW, answers_for, service_answers


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_it_starts_an_attempt_and_shows_twelve_questions(quiz_bank, learner, learner_client):
    response = learner_client.post(reverse("learn:quiz_start"))
    attempt = QuizAttempt.objects.get(user=learner)
    assert response.url == reverse("learn:quiz_attempt", args=[attempt.pk])
    page = learner_client.get(response.url).content.decode()
    assert page.count('type="radio"') == 4 * 12
    assert page.count("<fieldset>") == 12


def test_the_attempt_page_never_carries_the_answer_key(quiz_bank, learner, learner_client, frozen):
    attempt = attempt_start(user=learner, now=NOW)
    page = learner_client.get(reverse("learn:quiz_attempt", args=[attempt.pk])).content.decode()
    lowered = page.lower()
    for forbidden in ("answer_index", "is_answer", "correct answer", "data-answer", "data-correct"):
        assert forbidden not in lowered
    values = re.findall(r'type="radio" name="q-([^"]+)" id="o-[^"]+" value="([^"]+)"', page)
    assert len(values) == 48
    items = {item.token: item for item in attempt.questions.select_related("question")}
    for question_token, option_token in values:
        item = items[question_token]
        # Opaque ids: random tokens, not indices, and not the question's own key.
        assert not option_token.isdigit()
        assert item.question.key not in option_token
        assert option_token in item.option_tokens
        assert item.question.explanation not in page
    # Options appear in the shuffled order stored for the attempt, not the file's order.
    for item in items.values():
        shown = [page.index(f'value="{t}"') for t in item.option_tokens]
        assert shown == sorted(shown)


def test_the_quiz_page_states_the_rules_from_the_settings(quiz_bank, learner_client, settings):
    settings.QUIZ_QUESTIONS_PER_ATTEMPT = 14
    settings.QUIZ_PASS_MARK = 13
    settings.QUIZ_ATTEMPT_MINUTES = 25
    settings.QUIZ_COOLDOWN_MINUTES = 7
    page = learner_client.get(reverse("learn:quiz")).content.decode()
    assert "draws 14 questions at random, at least one from each of the 10 topics" in page
    assert "at least 13 of the 14 answers must be correct" in page
    assert "You have 25 minutes to submit" in page
    assert "opens 7 minutes later" in page


def test_the_default_rules_ask_for_every_answer(quiz_bank, learner_client):
    page = learner_client.get(reverse("learn:quiz")).content.decode()
    assert "draws 12 questions" in page
    assert "every answer must be correct" in page
    assert "You have 30 minutes" in page
    assert "opens 5 minutes later" in page
    assert "Not activated" in page
    assert "Start the quiz" in page


def test_the_quiz_page_without_a_bank_says_so(empty_quiz_bank, learner_client):
    page = learner_client.get(reverse("learn:quiz")).content.decode()
    assert "question bank is not loaded" in page
    response = learner_client.post(reverse("learn:quiz_start"))
    assert response.status_code == 400
    assert QuizAttempt.objects.count() == 0


def test_the_history_lists_each_attempt_with_its_result(quiz_bank, learner, learner_client, frozen):
    failed = attempt_start(user=learner, now=NOW - timedelta(hours=2))
    attempt_submit(
        user=learner,
        attempt_id=failed.pk,
        answers=service_answers(answers_for(failed, wrong=4)),
        now=NOW - timedelta(hours=2),
    )
    attempt_start(user=learner, now=NOW - timedelta(hours=1))  # expired
    attempt_start(user=learner, now=NOW)  # open
    page = learner_client.get(reverse("learn:quiz")).content.decode()
    history = page[page.index('data-testid="attempt-history"') :]
    assert "8 / 12" in history
    assert "Failed" in history
    assert "Expired" in history
    assert "In progress" in history
    assert "Continue the attempt" in page


def test_a_learner_sees_only_their_own_attempts(quiz_bank, learner, other_client):
    attempt = attempt_start(user=learner, now=NOW)
    page = other_client.get(reverse("learn:quiz")).content.decode()
    assert reverse("learn:quiz_attempt", args=[attempt.pk]) not in page
    assert "No attempts yet." in page


def test_the_quiz_page_needs_log_in(client):
    response = client.get(reverse("learn:quiz"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def _history(learner, count):
    for number in range(count):
        at = NOW - timedelta(hours=count - number)
        attempt = attempt_start(user=learner, now=at)
        attempt_submit(
            user=learner,
            attempt_id=attempt.pk,
            answers=service_answers(answers_for(attempt, wrong=1 + number % 3)),
            now=at,
        )


@pytest.mark.parametrize("attempts", [1, 6])
def test_the_quiz_page_query_count_does_not_grow_with_history(
    quiz_bank, learner, learner_client, django_assert_num_queries, frozen, attempts
):
    _history(learner, attempts)
    # session, user, activation, topics, attempts, missed lessons, lesson visits,
    # the header's unread-notifications count
    with django_assert_num_queries(8):
        assert learner_client.get(reverse("learn:quiz")).status_code == 200


@pytest.mark.parametrize("attempts", [1, 6])
def test_the_result_page_query_count_does_not_grow_with_history(
    quiz_bank, learner, learner_client, django_assert_num_queries, frozen, attempts
):
    _history(learner, attempts)
    last = QuizAttempt.objects.filter(user=learner).latest("started_at")
    # session, user, attempt, its questions with their topics and lessons, the header's
    # unread-notifications count
    with django_assert_num_queries(5):
        assert learner_client.get(reverse("learn:quiz_attempt", args=[last.pk])).status_code == 200


def test_the_open_attempt_page_query_count(
    quiz_bank, learner, learner_client, django_assert_num_queries, frozen
):
    _history(learner, 3)
    frozen.move_to(NOW + timedelta(hours=1))
    attempt = attempt_start(user=learner, now=NOW + timedelta(hours=1))
    with django_assert_num_queries(5):
        assert (
            learner_client.get(reverse("learn:quiz_attempt", args=[attempt.pk])).status_code == 200
        )
