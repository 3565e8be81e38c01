"""A small quiz bank built in the database, and helpers that answer an attempt."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from learn.models import Course, Lesson
from learn.quiz.models import QuizAttempt, QuizQuestion, QuizTopic

# A fixed time for services that take ``now=``.
NOW = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)

TOPIC_SLUGS = [
    "leverage",
    "margin-level",
    "interest",
    "auto-borrow",
    "liquidation",
    "insurance-fund",
    "cross-isolated",
    "margin-call",
    "futures",
    "cooling-off",
]


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("language", "slug")

    language = "en"
    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.LazyAttribute(lambda c: c.slug.replace("-", " ").title())
    order = factory.Sequence(lambda n: n + 1)
    source_path = factory.LazyAttribute(lambda c: f"learn/content/en/{c.slug}/course.md")


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    course = factory.SubFactory(CourseFactory, slug="quiz-course")
    language = "en"
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    key = factory.LazyAttribute(lambda lesson: f"{lesson.course.slug}/{lesson.slug}")
    title = factory.LazyAttribute(lambda lesson: f"Lesson about {lesson.slug}")
    order = factory.Sequence(lambda n: n + 1)
    body_markdown = "Body."
    body_html = "<p>Body.</p>"
    source_path = factory.LazyAttribute(lambda lesson: f"learn/content/en/{lesson.key}.md")


class QuizTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizTopic

    language = "en"
    slug = factory.Sequence(lambda n: f"topic-{n}")
    title = factory.LazyAttribute(lambda t: f"Topic {t.slug}")
    lesson = factory.SubFactory(LessonFactory, slug=factory.SelfAttribute("..slug"))


class QuizQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizQuestion

    language = "en"
    topic = factory.SubFactory(QuizTopicFactory)
    key = factory.Sequence(lambda n: f"q-{n:03d}")
    text = factory.LazyAttribute(lambda q: f"Question {q.key}?")
    options = factory.LazyAttribute(lambda q: [f"{q.key} option {i}" for i in range(4)])
    answer_index = factory.Sequence(lambda n: n % 4)
    explanation = factory.LazyAttribute(lambda q: f"Because of rule {q.key}.")
    lesson = factory.LazyAttribute(lambda q: q.topic.lesson)


def build_bank(*, per_topic: int = 5, topics: list[str] | None = None) -> list[QuizTopic]:
    """Ten topics (the real slugs), each with its own lesson and ``per_topic`` questions."""
    built = []
    for slug in topics or TOPIC_SLUGS:
        topic = QuizTopicFactory(slug=slug, title=f"Topic {slug}")
        for number in range(1, per_topic + 1):
            QuizQuestionFactory(topic=topic, key=f"{slug}-{number:02d}")
        built.append(topic)
    return built


def answers_for(attempt: QuizAttempt, *, wrong: int = 0) -> dict[str, str]:
    """POST data answering every question; the first ``wrong`` ones (by position) wrongly."""
    data = {}
    for number, item in enumerate(
        attempt.questions.select_related("question").order_by("position")
    ):
        right = item.question.answer_index
        wanted = (right + 1) % len(item.option_order) if number < wrong else right
        data[f"q-{item.token}"] = item.option_tokens[item.option_order.index(wanted)]
    return data


def service_answers(data: dict[str, str]) -> dict[str, list[str]]:
    """The same answers in the shape ``attempt_submit`` takes."""
    return {name.removeprefix("q-"): [value] for name, value in data.items()}


def shows(response, message) -> bool:
    """The page shows this message (as the template escapes it)."""
    from django.utils.html import escape

    return escape(str(message)) in response.content.decode()
