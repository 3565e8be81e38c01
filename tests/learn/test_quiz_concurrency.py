"""Simultaneous quiz requests (PostgreSQL: real row locks, real threads)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.models import MarginActivation
from learn.quiz.errors import AttemptAlreadySubmitted
from learn.quiz.models import QuizAttempt
from learn.quiz.services import attempt_start, attempt_submit, quiz_statement_accept
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.learn.quiz_factories import NOW, answers_for, service_answers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


@pytest.fixture
def racer():
    call_command("learn_load", stdout=io.StringIO())
    return UserFactory(username="quizracer")


def test_parallel_starts_open_one_attempt(racer):
    results = run_in_threads(THREADS, lambda _: attempt_start(user=racer, now=NOW).pk)
    assert len(set(results)) == 1
    assert QuizAttempt.objects.filter(user=racer).count() == 1


def test_parallel_submissions_mark_the_attempt_once(racer):
    attempt = attempt_start(user=racer, now=NOW)
    answers = service_answers(answers_for(attempt, wrong=1))

    def submit(_: int):
        return attempt_submit(user=racer, attempt_id=attempt.pk, answers=answers, now=NOW).pk

    results = run_in_threads(THREADS, submit)
    assert sum(1 for r in results if r == attempt.pk) == 1
    assert all(isinstance(r, AttemptAlreadySubmitted) for r in results if r != attempt.pk)
    attempt.refresh_from_db()
    assert attempt.score == 11


def test_parallel_statements_record_one_activation(racer):
    attempt = attempt_start(user=racer, now=NOW)
    attempt_submit(
        user=racer,
        attempt_id=attempt.pk,
        answers=service_answers(answers_for(attempt)),
        now=NOW,
    )
    results = run_in_threads(
        THREADS, lambda _: quiz_statement_accept(user=racer, accepted=True, now=NOW).pk
    )
    assert len(set(results)) == 1
    assert MarginActivation.objects.filter(user=racer).count() == 1
