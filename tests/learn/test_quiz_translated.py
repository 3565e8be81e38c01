"""The margin quiz in another language: translated text, the same grading, an attempt
started in one language and finished in another."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from learn.quiz.models import QuizAttempt, QuizQuestion, QuizTopic
from learn.quiz.services import attempt_start, attempt_submit
from tests.learn.quiz_factories import (
    NOW,
    QuizQuestionFactory,
    QuizTopicFactory,
    answers_for,
    service_answers,
)
from tests.learn.translation_fixtures import THREE_LANGUAGES, language_cookie


@pytest.fixture(autouse=True)
def three_languages(settings):
    settings.LANGUAGES = THREE_LANGUAGES


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def chinese(text: str) -> str:
    return f"【中】{text}"


@pytest.fixture
def chinese_bank(quiz_bank):
    """A zh-Hant row for every English question: same id, answer and option count."""
    for topic in QuizTopic.objects.filter(language="en"):
        twin = QuizTopicFactory(
            language="zh-hant", slug=topic.slug, title=chinese(topic.title), lesson=topic.lesson
        )
        for question in QuizQuestion.objects.filter(topic=topic):
            QuizQuestionFactory(
                language="zh-hant",
                topic=twin,
                key=question.key,
                text=chinese(question.text),
                # A translation keeps the options' order (grading works on indices).
                options=[chinese(option) for option in question.options],
                answer_index=question.answer_index,
                explanation=chinese(question.explanation),
                lesson=question.lesson,
            )
    return quiz_bank


def test_an_attempt_draws_the_english_bank_whatever_the_language(chinese_bank, learner):
    attempt = attempt_start(user=learner, now=NOW, language="zh-hant")
    assert attempt.language == "zh-hant"
    assert {item.question.language for item in attempt.questions.all()} == {"en"}


def test_the_attempt_page_in_chinese_shows_the_translated_questions_in_the_drawn_order(
    chinese_bank, learner, learner_client, frozen
):
    attempt = attempt_start(user=learner, now=NOW, language="zh-hant")
    language_cookie(learner_client, "zh-hant")
    html = learner_client.get(reverse("learn:quiz_attempt", args=[attempt.pk])).content.decode()
    for item in attempt.questions.select_related("question"):
        assert chinese(item.question.text) in html
        assert f"> {item.question.text}</span>" not in html
        # Each option's translation sits next to the token the English option has.
        for token, index in zip(item.option_tokens, item.option_order, strict=True):
            option = chinese(item.question.options[index])
            assert f'<label for="o-{token}">{option}</label>' in html
        assert chinese(item.question.explanation) not in html
    assert 'data-testid="fallback-note"' not in html


def test_grading_in_chinese_is_the_grading_in_english(
    chinese_bank, learner, learner_client, frozen
):
    attempt = attempt_start(user=learner, now=NOW, language="zh-hant")
    language_cookie(learner_client, "zh-hant")
    data = answers_for(attempt, wrong=2)
    response = learner_client.post(reverse("learn:quiz_submit", args=[attempt.pk]), data)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (10, False)
    html = learner_client.get(reverse("learn:quiz_attempt", args=[attempt.pk])).content.decode()
    missed = [item for item in attempt.questions.select_related("question") if not item.correct]
    assert len(missed) == 2
    for item in missed:
        assert chinese(item.question.explanation) in html
        assert chinese(item.question.topic.title) in html


def test_an_attempt_started_in_polish_is_finished_in_english(chinese_bank, learner, client, frozen):
    client.force_login(learner)
    language_cookie(client, "pl")
    response = client.post(reverse("learn:quiz_start"))
    attempt = QuizAttempt.objects.get(user=learner)
    assert response.url == reverse("learn:quiz_attempt", args=[attempt.pk])
    # No Polish bank yet: the questions are in English, and the page says so.
    html = client.get(response.url).content.decode()
    assert (
        "Niektórych pytań nie ma jeszcze w wersji językowej „Polski”; pokazujemy je po angielsku."
        in html
    )
    language_cookie(client, "en")
    client.post(reverse("learn:quiz_submit", args=[attempt.pk]), answers_for(attempt))
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (12, True)


def test_the_same_answers_score_the_same_in_every_language(chinese_bank, learner, other_learner):
    scores = []
    for user, language in ((learner, "en"), (other_learner, "zh-hant")):
        attempt = attempt_start(user=user, now=NOW, language=language)
        done = attempt_submit(
            user=user,
            attempt_id=attempt.pk,
            answers=service_answers(answers_for(attempt, wrong=3)),
            now=NOW,
        )
        scores.append((done.score, done.passed))
    assert scores == [(9, False), (9, False)]


def test_the_quiz_page_in_chinese_names_the_topics_in_chinese(chinese_bank, learner_client):
    language_cookie(learner_client, "zh-hant")
    html = learner_client.get(reverse("learn:quiz")).content.decode()
    assert chinese("Topic leverage") in html
    assert "<li>Topic leverage —" not in html


def test_the_attempt_page_in_chinese_takes_one_query_more(
    chinese_bank, learner, learner_client, django_assert_num_queries, frozen
):
    attempt = attempt_start(user=learner, now=NOW)
    url = reverse("learn:quiz_attempt", args=[attempt.pk])
    with django_assert_num_queries(5):
        assert learner_client.get(url).status_code == 200
    language_cookie(learner_client, "zh-hant")
    # + the translated rows of the drawn questions (one query, whatever the count).
    with django_assert_num_queries(6):
        assert learner_client.get(url).status_code == 200


def test_after_a_failure_the_lessons_to_reread_are_named_in_chinese(
    chinese_bank, learner, learner_client, frozen
):
    attempt = attempt_start(user=learner, now=NOW)
    attempt_submit(
        user=learner,
        attempt_id=attempt.pk,
        answers=service_answers(answers_for(attempt, wrong=1)),
        now=NOW,
    )
    missed = attempt.questions.select_related("question__topic").get(correct=False)
    language_cookie(learner_client, "zh-hant")
    html = learner_client.get(reverse("learn:quiz")).content.decode()
    reread = html[html.index('data-testid="reread-lessons"') :]
    reread = reread[: reread.index("</ul>")]
    assert f"({chinese(missed.question.topic.title)})" in reread


def test_the_quiz_page_in_chinese_takes_as_many_queries_as_in_english(
    chinese_bank, learner, learner_client, django_assert_num_queries, frozen
):
    attempt = attempt_start(user=learner, now=NOW)
    attempt_submit(
        user=learner,
        attempt_id=attempt.pk,
        answers=service_answers(answers_for(attempt, wrong=1)),
        now=NOW,
    )
    # As in English (test_quiz_pages.py): the translated topic titles and lesson titles
    # come in the topics' own query.
    for language in ("en", "zh-hant"):
        language_cookie(learner_client, language)
        with django_assert_num_queries(8):
            assert learner_client.get(reverse("learn:quiz")).status_code == 200
