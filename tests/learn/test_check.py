"""The knowledge check: right, wrong and tampered answers; htmx and plain POST."""

from __future__ import annotations

import pytest
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learn.models import CourseCompletion, KnowledgeCheckQuestion, Lesson, LessonProgress
from learn.services import ANSWER_EVERY_QUESTION, NOT_AN_OPTION, NOT_THIS_LESSON
from tests.learn.conftest import correct_answers, wrong_answers

URL = "/learn/leverage-basics/what-is-leverage/"


def test_it_completes_the_lesson_when_every_answer_is_right(learner_client, learner, lesson):
    learner_client.get(URL)
    response = learner_client.post(URL, correct_answers(lesson))
    assert response.status_code == 200
    html = response.content.decode()
    assert "All correct." in html
    assert "This lesson is complete." in html
    assert 'data-testid="lesson-complete"' in html
    assert html.count('data-testid="feedback"') == lesson.questions.count()
    progress = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert progress.completed_at is not None


def test_it_records_completion_once(learner_client, learner, lesson):
    learner_client.post(URL, correct_answers(lesson))
    first = LessonProgress.objects.get(user=learner, lesson=lesson).completed_at
    learner_client.post(URL, wrong_answers(lesson))
    learner_client.post(URL, correct_answers(lesson))
    progress = LessonProgress.objects.filter(user=learner, lesson=lesson)
    assert progress.count() == 1
    # Completion is a moment, not re-stamped, and a later wrong answer does not undo it.
    assert progress.get().completed_at == first


def test_a_wrong_answer_gets_feedback_and_records_nothing(learner_client, learner, lesson):
    learner_client.get(URL)
    response = learner_client.post(URL, wrong_answers(lesson))
    html = response.content.decode()
    total = lesson.questions.count()
    assert f"{total - 1} of {total} correct" in html
    assert "Not quite." in html
    assert html.count("Right.") == total - 1
    # The explanation of the missed question is shown.
    first = lesson.questions.all()[0]
    assert first.explanation.split(":")[0] in html
    assert LessonProgress.objects.get(user=learner, lesson=lesson).completed_at is None
    # The learner's choices stay selected.
    assert html.count(" checked") == total


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("missing", ANSWER_EVERY_QUESTION),
        ("other_lesson", NOT_THIS_LESSON),
        ("forged_index", NOT_AN_OPTION),
        ("negative_index", NOT_AN_OPTION),
        ("not_a_number", NOT_AN_OPTION),
        ("bad_question_name", NOT_THIS_LESSON),
        ("two_values", NOT_AN_OPTION),
    ],
)
def test_it_refuses_tampered_answers_with_a_message_and_no_progress(
    learner_client, learner, lesson, tamper, message
):
    answers = correct_answers(lesson)
    first = lesson.questions.all()[0]
    field = f"answer-{first.pk}"
    if tamper == "missing":
        del answers[field]
    elif tamper == "other_lesson":
        other = KnowledgeCheckQuestion.objects.exclude(lesson=lesson).first()
        answers[f"answer-{other.pk}"] = str(other.answer_index)
    elif tamper == "forged_index":
        answers[field] = str(len(first.options))
    elif tamper == "negative_index":
        answers[field] = "-1"
    elif tamper == "not_a_number":
        answers[field] = "1.0"
    elif tamper == "bad_question_name":
        answers["answer-x1"] = "0"
    elif tamper == "two_values":
        answers[field] = [str(first.answer_index), "0"]

    response = learner_client.post(URL, answers)

    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="check-error"' in html
    assert escape(str(message)) in html
    assert "All correct." not in html
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()


def test_answers_from_the_right_questions_of_another_lesson_do_not_complete_this_one(
    learner_client, learner, lesson
):
    # Another lesson in the same language: a translation of this lesson holds the same
    # questions in other words (answers from it are moved to this lesson's questions).
    other = (
        Lesson.objects.filter(language=lesson.language)
        .exclude(key=lesson.key)
        .prefetch_related("questions")
        .first()
    )
    response = learner_client.post(URL, correct_answers(other))
    assert escape(str(NOT_THIS_LESSON)) in response.content.decode()
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()


def test_htmx_gets_only_the_check_and_the_status_line(learner_client, lesson):
    response = learner_client.post(URL, correct_answers(lesson), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="knowledge-check"')
    assert "<html" not in html
    assert 'id="lesson-status" class="lesson-status" hx-swap-oob="true"' in html
    assert 'data-testid="lesson-complete"' in html
    assert "HX-Request" in response["Vary"]


def test_the_form_works_without_javascript_and_with_htmx(client, db, lesson):
    html = client.get(URL).content.decode()
    assert f'method="post" action="{URL}#knowledge-check"' in html
    assert f'hx-post="{URL}"' in html
    assert 'hx-target="#knowledge-check"' in html
    # Each question is a labelled radio group.
    for question in lesson.questions.all():
        assert f"<legend>{question.order}. " in html
        for index in range(len(question.options)):
            assert f'<label for="answer-{question.pk}-{index}">' in html


def test_anonymous_answers_get_feedback_but_nothing_is_stored(client, db, lesson):
    response = client.post(URL, correct_answers(lesson))
    html = response.content.decode()
    assert "All correct." in html
    assert "would now count as complete" in html
    assert 'data-testid="signup-invite"' in html
    assert not LessonProgress.objects.exists()
    assert not CourseCompletion.objects.exists()


def test_the_check_needs_a_csrf_token(db, lesson, learner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post(URL, correct_answers(lesson))
    assert response.status_code == 403
    assert not LessonProgress.objects.exists()


def test_a_retired_lesson_is_still_readable_but_not_in_navigation(learner_client, lesson):
    from django.utils import timezone

    Lesson.objects.filter(pk=lesson.pk).update(retired_at=timezone.now())
    html = learner_client.get(URL).content.decode()
    assert "no longer part of the course" in html
    course_html = learner_client.get("/learn/leverage-basics/").content.decode()
    assert URL not in course_html


def test_a_refused_htmx_check_is_a_200_fragment_with_the_message(learner_client, lesson):
    response = learner_client.post(URL, {}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert escape(str(ANSWER_EVERY_QUESTION)) in response.content.decode()


answer_values = st.one_of(
    st.integers(min_value=-3, max_value=6).map(str),
    st.text(max_size=8),
    st.sampled_from(["", " 1", "1 ", "0x1", "١", "1e0", "99999999999999999999999"]),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    answers=st.lists(answer_values, min_size=0, max_size=4),
    extra_name=st.one_of(st.none(), st.text(max_size=10)),
    htmx=st.booleans(),
)
def test_garbage_never_fails_with_a_server_error(
    learner_client, learner, lesson, answers, extra_name, htmx
):
    # Examples share the test's database: start each one without progress.
    LessonProgress.objects.filter(user=learner).delete()
    questions = list(lesson.questions.all())
    data = {f"answer-{q.pk}": value for q, value in zip(questions, answers, strict=False)}
    if extra_name is not None:
        data[f"answer-{extra_name}"] = "0"
    headers = {"HX-Request": "true"} if htmx else {}

    response = learner_client.post(URL, data, headers=headers)

    assert response.status_code in (200, 422)
    completed = LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()
    # Only exactly the right answers, nothing more, complete the lesson.
    assert completed == (data == correct_answers(lesson))
