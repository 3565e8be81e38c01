"""Quiz starts and submissions are rate-limited per learner (cache-backed)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from learn.quiz.models import QuizAttempt
from learn.quiz.services import attempt_start
from tests.learn.quiz_factories import NOW, answers_for, shows


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_submissions_over_the_limit_get_429_and_change_nothing(
    quiz_bank, learner, learner_client, settings, frozen
):
    settings.QUIZ_RATE_LIMIT = 3
    attempt = attempt_start(user=learner, now=NOW)
    url = reverse("learn:quiz_submit", args=[attempt.pk])
    for _ in range(3):
        assert learner_client.post(url, {}).status_code == 400  # refused: answers missing
    response = learner_client.post(url, answers_for(attempt))
    assert response.status_code == 429
    assert shows(response, "Too many quiz requests. Try again in")
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_the_limit_is_per_learner(quiz_bank, learner, other_learner, client, settings, frozen):
    settings.QUIZ_RATE_LIMIT = 1
    client.force_login(learner)
    client.post(reverse("learn:quiz_start"))
    assert client.post(reverse("learn:quiz_start")).status_code == 429
    client.force_login(other_learner)
    assert client.post(reverse("learn:quiz_start")).status_code == 302
    assert QuizAttempt.objects.filter(user=other_learner).count() == 1


def test_the_window_ends(quiz_bank, learner, learner_client, settings, frozen):
    settings.QUIZ_RATE_LIMIT = 1
    settings.QUIZ_RATE_WINDOW_SECONDS = 60
    learner_client.post(reverse("learn:quiz_start"))
    assert learner_client.post(reverse("learn:quiz_start")).status_code == 429
    frozen.shift(61)
    assert learner_client.post(reverse("learn:quiz_start")).status_code == 302
