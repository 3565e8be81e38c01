"""The Learn pages: what learners and visitors see, permissions, and pinned query counts."""

from __future__ import annotations

import pytest
from django.utils import timezone

from learn.models import Course, CourseCompletion, Lesson, LessonProgress
from tests.learn.conftest import complete, correct_answers, course_lessons

LESSON_URL = "/learn/leverage-basics/what-is-leverage/"


def test_the_index_lists_the_courses_and_invites_visitors_to_sign_up(client, db):
    response = client.get("/learn/")
    assert response.status_code == 200
    html = response.content.decode()
    for course in Course.objects.live().filter(language="en"):
        assert f'href="/learn/{course.slug}/"' in html
    assert 'data-testid="signup-invite"' in html
    assert 'href="/accounts/signup/"' in html
    # A visitor starts at the first lesson.
    assert f'Start here:\n    <a href="{LESSON_URL}"' in html


def test_the_index_shows_progress_and_where_to_continue(learner_client, learner):
    lessons = course_lessons("leverage-basics")
    complete(learner, lessons[0])
    complete(learner, lessons[1])
    html = learner_client.get("/learn/").content.decode()
    assert "2 of 4 lessons complete" in html
    assert 'data-testid="signup-invite"' not in html
    # The last lesson opened is complete, so "continue" points at the next open one.
    assert (
        f'Continue where you left off:\n    <a href="/learn/leverage-basics/{lessons[2].slug}/"'
        in html
    )


def test_continue_points_at_the_last_lesson_opened_when_unfinished(learner_client, learner):
    target = course_lessons("margin-accounts")[1]
    learner_client.get(f"/learn/margin-accounts/{target.slug}/")
    html = learner_client.get("/learn/").content.decode()
    assert (
        f'Continue where you left off:\n    <a href="/learn/margin-accounts/{target.slug}/"' in html
    )


def test_the_course_page_ticks_completed_lessons(learner_client, learner):
    lessons = course_lessons("leverage-basics")
    complete(learner, lessons[0])
    html = learner_client.get("/learn/leverage-basics/").content.decode()
    assert html.count('class="lesson-item done"') == 1
    assert f'<li class="lesson-item done" data-lesson="{lessons[0].slug}">' in html
    assert "1 of 4 lessons complete" in html


def test_opening_a_lesson_records_first_and_last_opened(learner_client, learner, lesson):
    learner_client.get(LESSON_URL)
    progress = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert progress.first_opened_at == progress.last_opened_at
    assert progress.completed_at is None
    first = progress.first_opened_at
    learner_client.get(LESSON_URL)
    progress.refresh_from_db()
    assert progress.first_opened_at == first
    assert progress.last_opened_at > first
    assert LessonProgress.objects.filter(user=learner).count() == 1


def test_visitors_leave_no_progress(client, db):
    assert client.get(LESSON_URL).status_code == 200
    assert not LessonProgress.objects.exists()


def test_the_lesson_page_has_its_body_widget_check_and_neighbours(client, db, lesson):
    html = client.get(LESSON_URL).content.decode()
    assert lesson.body_html in html
    assert 'class="calc-widget"' in html
    assert 'id="knowledge-check"' in html
    following = course_lessons("leverage-basics")[1]
    assert f'rel="next" href="/learn/leverage-basics/{following.slug}/"' in html
    assert 'rel="prev"' not in html


def test_the_last_lesson_of_a_course_leads_to_the_next_course(client, db):
    last = course_lessons("leverage-basics")[-1]
    html = client.get(f"/learn/leverage-basics/{last.slug}/").content.decode()
    first_of_next = course_lessons("margin-accounts")[0]
    assert f'rel="next" href="/learn/margin-accounts/{first_of_next.slug}/"' in html


@pytest.mark.parametrize(
    "url",
    ["/learn/nope/", "/learn/leverage-basics/nope/", "/learn/margin-accounts/what-is-leverage/"],
)
def test_unknown_pages_are_404(client, db, url):
    assert client.get(url).status_code == 404


def test_the_home_page_and_header_link_to_learn(client, db):
    html = client.get("/").content.decode()
    assert html.count('href="/learn/"') >= 2


def test_the_glossary_has_an_anchor_per_term(client, db):
    html = client.get("/learn/glossary/").content.decode()
    assert 'id="leverage"' in html
    assert 'href="/learn/leverage-basics/what-is-leverage/"' in html


# --- a second learner -------------------------------------------------------------


def test_a_second_learner_sees_none_of_the_first_ones_progress(client, learner, other_learner):
    lessons = course_lessons("cross-vs-isolated")
    for lesson in lessons:
        complete(learner, lesson)
    CourseCompletion.objects.create(
        user=learner,
        course=lessons[0].course,
        completed_at=timezone.now(),
        reward_paid_at=timezone.now(),
    )
    client.force_login(other_learner)
    for url in [
        "/learn/",
        "/learn/cross-vs-isolated/",
        f"/learn/cross-vs-isolated/{lessons[0].slug}/",
    ]:
        html = client.get(url).content.decode()
        assert "Reward paid" not in html, url
        assert 'class="lesson-item done"' not in html, url
        assert 'data-testid="lesson-complete"' not in html, url
    assert "0 of 3 lessons complete" in client.get("/learn/cross-vs-isolated/").content.decode()


def test_a_second_learner_cannot_change_the_first_ones_progress(
    client, learner, other_learner, lesson
):
    client.force_login(learner)
    client.get(LESSON_URL)
    mine = LessonProgress.objects.get(user=learner)
    client.force_login(other_learner)
    # There is no user id in any learn URL or form: a post acts on the poster's own rows.
    client.post(LESSON_URL, {**correct_answers(lesson), "user": str(learner.pk)})
    mine.refresh_from_db()
    assert mine.completed_at is None
    assert LessonProgress.objects.get(user=other_learner).completed_at is not None


# --- query counts -----------------------------------------------------------------


def _add_lessons(count: int) -> None:
    """More lessons in the first course (more rows to show, not more queries)."""
    course = Course.objects.get(language="en", slug="leverage-basics")
    template = Lesson.objects.filter(course=course).first()
    for index in range(count):
        Lesson.objects.create(
            course=course,
            language="en",
            slug=f"extra-{index}",
            key=f"leverage-basics/extra-{index}",
            title=f"Extra {index}",
            order=100 + index,
            body_markdown="x",
            body_html="<p>x</p>",
            calculator_slug=template.calculator_slug,
            calculator_inputs=template.calculator_inputs,
            source_path="test",
        )


def _complete_everything(user) -> None:
    for lesson in Lesson.objects.live().filter(language="en"):
        complete(user, lesson)
    now = timezone.now()
    for course in Course.objects.filter(language="en"):
        CourseCompletion.objects.get_or_create(
            user=user, course=course, defaults={"completed_at": now, "reward_paid_at": now}
        )


# Learner counts include the header's unread-notifications count (one query).
PAGES = [
    ("/learn/", 6, 1),
    ("/learn/leverage-basics/", 6, 1),
    (LESSON_URL, 9, 3),
    ("/learn/glossary/", 4, 1),
]


@pytest.mark.parametrize(("url", "learner_queries", "visitor_queries"), PAGES)
def test_page_queries_do_not_grow_with_lessons_or_completions(
    client, learner, django_assert_num_queries, url, learner_queries, visitor_queries
):
    with django_assert_num_queries(visitor_queries):
        assert client.get(url).status_code == 200

    client.force_login(learner)
    client.get(url)  # the first visit of a lesson creates its progress row
    with django_assert_num_queries(learner_queries):
        assert client.get(url).status_code == 200

    _add_lessons(5)
    _complete_everything(learner)
    with django_assert_num_queries(learner_queries):
        assert client.get(url).status_code == 200


def test_answering_the_check_takes_a_bounded_number_of_queries(
    learner_client, learner, lesson, django_assert_max_num_queries
):
    learner_client.get(LESSON_URL)
    with django_assert_max_num_queries(16):
        learner_client.post(LESSON_URL, correct_answers(lesson), headers={"HX-Request": "true"})
