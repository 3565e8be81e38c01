"""Reads for the quiz pages. Each page's query count is fixed, whatever the history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import OuterRef, Prefetch, Subquery

from accounts.activation import margin_activation_of
from accounts.models import MarginActivation
from learn.models import DEFAULT_LANGUAGE, Lesson
from learn.quiz.cooldown import Cooldown, cooldown_after_last_failure
from learn.quiz.models import QuizAttempt, QuizAttemptQuestion, QuizQuestion, QuizTopic
from learn.quiz.rules import QuizRules, quiz_rules

# The history shows the latest attempts; older ones stay in the admin.
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class QuizOverview:
    rules: QuizRules
    activation: MarginActivation | None
    topics: list[QuizTopic]
    attempts: list[QuizAttempt]
    open_attempt: QuizAttempt | None
    passed_attempt: QuizAttempt | None
    cooldown: Cooldown | None
    now: datetime

    @property
    def awaiting_statement(self) -> bool:
        return self.activation is None and self.passed_attempt is not None

    @property
    def cooldown_active(self) -> bool:
        return self.cooldown is not None and self.cooldown.is_active(now=self.now)

    @property
    def can_start(self) -> bool:
        return (
            self.activation is None
            and self.passed_attempt is None
            and self.open_attempt is None
            and not self.cooldown_active
            and bool(self.topics)
        )


def _title_in(language: str, lesson_key_path: str) -> Subquery:
    """The title of a row's lesson in ``language`` (NULL when not translated)."""
    return Subquery(
        Lesson.objects.filter(language=language, key=OuterRef(lesson_key_path)).values("title")[:1]
    )


def quiz_overview(*, user, now: datetime, language: str) -> QuizOverview:
    """Everything /learn/quiz/ shows: 3 queries, plus 2 after a failed attempt.

    The topics are the English bank's (attempts draw from it); each carries
    ``shown_title`` and ``lesson_title`` in ``language`` where translated.
    """
    activation = margin_activation_of(user)
    # One query: the English topics, their translations, the lessons' translated titles.
    rows = list(
        QuizTopic.objects.filter(language__in={language, DEFAULT_LANGUAGE}, retired=False)
        .select_related("lesson__course")
        .annotate(lesson_title_shown=_title_in(language, "lesson__key"))
    )
    translated = {topic.slug: topic for topic in rows if topic.language == language}
    topics = []
    for topic in rows:
        if topic.language != DEFAULT_LANGUAGE:
            continue
        twin = translated.get(topic.slug, topic)
        topic.shown_title = twin.title
        topic.lesson_title = topic.lesson_title_shown or topic.lesson.title
        topics.append(topic)
    topics.sort(key=lambda topic: topic.shown_title.casefold())
    attempts = list(
        QuizAttempt.objects.filter(user=user).order_by("-started_at", "-id")[:HISTORY_LIMIT]
    )
    open_attempt = next((a for a in attempts if a.is_open(now=now)), None)
    passed_attempt = next((a for a in attempts if a.passed), None)
    submitted = [a for a in attempts if a.submitted_at is not None]
    last_submitted = max(submitted, key=lambda a: (a.submitted_at, a.pk), default=None)
    cooldown = cooldown_after_last_failure(user=user, last_submitted=last_submitted)
    if cooldown is not None:
        by_slug = {topic.slug: topic for topic in topics}
        cooldown = replace(
            cooldown,
            lessons=[_reread_in_language(item, by_slug) for item in cooldown.lessons],
        )
    return QuizOverview(
        rules=quiz_rules(),
        activation=activation,
        topics=topics,
        attempts=attempts,
        open_attempt=open_attempt,
        passed_attempt=passed_attempt,
        cooldown=cooldown,
        now=now,
    )


def _reread_in_language(item, topics_by_slug: dict[str, QuizTopic]):
    topic = topics_by_slug.get(item.topic_slug)
    if topic is None:  # a retired topic: no live row to translate it from
        return item
    return replace(item, topic_title=topic.shown_title, lesson_title=topic.lesson_title)


@dataclass(frozen=True)
class ShownQuestion:
    """One drawn question as the page shows it, in the page's language.

    Grading never looks at this: it works on option indices of the English row
    (``QuizAttemptQuestion.option_order``), which a translation keeps by construction
    (learn/translations.py refuses a different answer or option count).
    """

    item: QuizAttemptQuestion
    text: str
    explanation: str
    topic_title: str
    lesson: Lesson
    lesson_title: str
    # The lesson of the question's topic: rereading it lifts the cooldown.
    topic_lesson_title: str
    # (opaque token, text) in the order shown.
    options: list[tuple[str, str]]
    # Shown in English: no translation of this question in the page's language yet.
    fallback: bool

    def marked_options(self) -> list[dict]:
        """For the result page: each option with what was chosen and what was right."""
        texts = dict(self.options)
        return [
            {**mark, "text": texts[token]}
            for mark, token in zip(self.item.marked_options(), self.item.option_tokens, strict=True)
        ]


def shown_questions(*, attempt: QuizAttempt, language: str) -> list[ShownQuestion]:
    """The attempt's questions in ``language``, English where not translated.

    One query in another language than English (the translated rows with their topics
    and the lessons' translated titles), none in English.
    """
    items = list(attempt.questions.all())
    translations: dict[str, QuizQuestion] = {}
    if language != DEFAULT_LANGUAGE:
        translations = {
            question.key: question
            for question in QuizQuestion.objects.filter(
                language=language, key__in=[item.question.key for item in items]
            )
            .select_related("topic")
            .annotate(
                lesson_title_shown=_title_in(language, "lesson__key"),
                topic_lesson_title_shown=_title_in(language, "topic__lesson__key"),
            )
        }
    shown = []
    for item in items:
        english = item.question
        question = translations.get(english.key, english)
        options = question.options
        shown.append(
            ShownQuestion(
                item=item,
                text=question.text,
                explanation=question.explanation,
                topic_title=question.topic.title,
                lesson=english.lesson,
                lesson_title=getattr(question, "lesson_title_shown", None) or english.lesson.title,
                topic_lesson_title=getattr(question, "topic_lesson_title_shown", None)
                or english.topic.lesson.title,
                options=[
                    (token, options[index])
                    for token, index in zip(item.option_tokens, item.option_order, strict=True)
                ],
                fallback=question is english and language != english.language,
            )
        )
    return shown


def attempt_for_page(*, user, attempt_id: int) -> QuizAttempt | None:
    """The learner's own attempt with its questions (two queries); None for anyone else's."""
    return (
        QuizAttempt.objects.filter(pk=attempt_id, user=user)
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=QuizAttemptQuestion.objects.select_related(
                    "question__lesson__course", "question__topic__lesson__course"
                ).order_by("position"),
            )
        )
        .first()
    )
