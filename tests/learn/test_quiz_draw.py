"""The draw: every core topic, no duplicates, shuffled options, stored server-side."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest

from learn.quiz.draw import DrawImpossible, draw_questions
from learn.quiz.models import QuizAttempt
from learn.quiz.services import attempt_start
from tests.factories import UserFactory
from tests.learn.quiz_factories import NOW, TOPIC_SLUGS

BANK = {topic: [f"{topic}-{n}" for n in range(5)] for topic in TOPIC_SLUGS}


def test_it_covers_every_topic_without_duplicates_over_many_draws():
    rng = random.Random(20261201)
    seen = Counter()
    for _ in range(2000):
        drawn = draw_questions(rng=rng, questions_by_topic=BANK, count=12)
        assert len(drawn) == 12
        assert len(set(drawn)) == 12
        assert {q.rsplit("-", 1)[0] for q in drawn} == set(TOPIC_SLUGS)
        seen.update(drawn)
    # Random, not fixed: every one of the 50 questions turns up.
    assert set(seen) == {q for qs in BANK.values() for q in qs}


def test_it_varies_the_order_of_questions():
    rng = random.Random(7)
    firsts = {draw_questions(rng=rng, questions_by_topic=BANK, count=12)[0] for _ in range(200)}
    assert len(firsts) > 10


def test_it_refuses_more_topics_than_questions_per_attempt():
    with pytest.raises(DrawImpossible):
        draw_questions(rng=random.Random(1), questions_by_topic=BANK, count=9)


def test_it_refuses_a_topic_without_questions():
    with pytest.raises(DrawImpossible):
        draw_questions(rng=random.Random(1), questions_by_topic={**BANK, "empty": []}, count=12)


def test_it_refuses_a_bank_too_small_for_an_attempt():
    small = {topic: [f"{topic}-0"] for topic in TOPIC_SLUGS}
    with pytest.raises(DrawImpossible):
        draw_questions(rng=random.Random(1), questions_by_topic=small, count=12)


def test_it_stores_the_draw_and_shuffled_options_server_side(quiz_bank):
    rng = random.Random(99)
    orders = Counter()
    for number in range(40):
        user = UserFactory(username=f"drawer{number}")
        attempt = attempt_start(user=user, now=NOW, rng=rng)
        items = list(attempt.questions.select_related("question__topic"))
        assert len(items) == 12
        assert sorted(i.position for i in items) == list(range(1, 13))
        assert len({i.question_id for i in items}) == 12
        assert {i.question.topic.slug for i in items} == set(TOPIC_SLUGS)
        for item in items:
            assert sorted(item.option_order) == list(range(len(item.question.options)))
            assert len(set(item.option_tokens)) == len(item.option_order)
            orders[tuple(item.option_order)] += 1
    # Options are shuffled: many different orders, the file's order not dominant.
    assert len(orders) > 15
    assert orders[(0, 1, 2, 3)] < sum(orders.values()) / 5


def test_it_records_the_rules_of_the_day_on_the_attempt(quiz_bank, learner, settings):
    settings.QUIZ_ATTEMPT_MINUTES = 20
    settings.QUIZ_PASS_MARK = 11
    attempt = attempt_start(user=learner, now=NOW)
    assert attempt.expires_at - attempt.started_at == timedelta(minutes=20)
    assert (attempt.question_count, attempt.pass_mark) == (12, 11)


def test_it_returns_the_open_attempt_instead_of_a_second_one(quiz_bank, learner):
    first = attempt_start(user=learner, now=NOW)
    again = attempt_start(user=learner, now=NOW)
    assert again.pk == first.pk
    assert QuizAttempt.objects.filter(user=learner).count() == 1
