"""Activation: only a pass followed by accepting the risk statement unlocks margin."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from accounts.activation import is_margin_activated
from accounts.models import MarginActivation
from learn.quiz.errors import AlreadyPassed, NotPassed, StatementNotAccepted
from learn.quiz.models import QuizAttempt
from learn.quiz.services import attempt_start, attempt_submit, quiz_statement_accept
from learn.quiz.statement import RISK_STATEMENT, RISK_STATEMENT_VERSION
from tests.learn.quiz_factories import NOW, answers_for, service_answers, shows


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def take(user, *, wrong: int) -> QuizAttempt:
    attempt = attempt_start(user=user, now=NOW)
    return attempt_submit(
        user=user,
        attempt_id=attempt.pk,
        answers=service_answers(answers_for(attempt, wrong=wrong)),
        now=NOW,
    )


def test_passing_alone_does_not_activate(quiz_bank, learner, learner_client, frozen):
    take(learner, wrong=0)
    assert not is_margin_activated(learner)
    page = learner_client.get(reverse("learn:quiz")).content.decode()
    assert 'data-testid="risk-statement"' in page
    for paragraph in RISK_STATEMENT:
        assert str(paragraph).split(",")[0] in page
    assert "Margin: locked" in page


def test_pass_and_statement_activate_margin(quiz_bank, learner, learner_client, frozen):
    passed = take(learner, wrong=0)
    response = learner_client.post(reverse("learn:quiz_statement"), {"understood": "on"})
    assert response.status_code == 302
    activation = MarginActivation.objects.get(user=learner)
    assert (activation.activated_at, activation.attempt_id) == (NOW, passed.pk)
    assert activation.statement_version == RISK_STATEMENT_VERSION
    page = learner_client.get(reverse("learn:quiz")).content.decode()
    assert "Margin activated on 2 Mar 2026, 09:00 UTC." in page
    assert "Margin: active" in page
    assert 'data-testid="risk-statement"' not in page
    assert "Start the quiz" not in page
    assert "Start a new attempt" not in page


def test_the_statement_must_be_ticked(quiz_bank, learner, learner_client, frozen):
    take(learner, wrong=0)
    response = learner_client.post(reverse("learn:quiz_statement"), {})
    assert response.status_code == 400
    assert shows(response, StatementNotAccepted.message)
    assert not MarginActivation.objects.exists()


def test_the_statement_after_a_failure_activates_nothing(
    quiz_bank, learner, learner_client, frozen
):
    take(learner, wrong=1)
    response = learner_client.post(reverse("learn:quiz_statement"), {"understood": "on"})
    assert response.status_code == 400
    assert shows(response, NotPassed.message)
    assert not MarginActivation.objects.exists()


def test_the_statement_without_any_attempt_activates_nothing(learner):
    with pytest.raises(NotPassed):
        quiz_statement_accept(user=learner, accepted=True, now=NOW)
    assert not MarginActivation.objects.exists()


def test_another_learners_pass_does_not_count(
    quiz_bank, learner, other_learner, other_client, frozen
):
    take(learner, wrong=0)
    response = other_client.post(reverse("learn:quiz_statement"), {"understood": "on"})
    assert response.status_code == 400
    assert not MarginActivation.objects.exists()


def test_after_a_pass_no_new_attempt_starts(quiz_bank, learner, frozen):
    take(learner, wrong=0)
    with pytest.raises(AlreadyPassed):
        attempt_start(user=learner, now=NOW)
    quiz_statement_accept(user=learner, accepted=True, now=NOW)
    with pytest.raises(AlreadyPassed):
        attempt_start(user=learner, now=NOW)
    assert QuizAttempt.objects.filter(user=learner).count() == 1
