"""The real bank (learn/content/en/quiz) loads with the curriculum and can fill attempts."""

from __future__ import annotations

import random

from learn.quiz.models import QuizQuestion, QuizTopic
from learn.quiz.services import attempt_start
from tests.learn.quiz_factories import NOW, TOPIC_SLUGS


def test_the_real_bank_has_the_ten_core_topics_with_five_questions_or_more(db):
    topics = {t.slug: t for t in QuizTopic.objects.filter(language="en", retired=False)}
    assert sorted(topics) == sorted(TOPIC_SLUGS)
    for topic in topics.values():
        assert topic.questions.filter(retired=False).count() >= 5, topic.slug
    assert QuizQuestion.objects.filter(language="en", retired=False).count() >= 50


def test_the_real_bank_fills_attempts_covering_every_topic(db, learner):
    attempt = attempt_start(user=learner, now=NOW, rng=random.Random(3))
    slugs = set(attempt.questions.values_list("question__topic__slug", flat=True))
    assert slugs == set(TOPIC_SLUGS)
    assert attempt.questions.count() == 12
