"""The wait after a failed attempt, and the lessons that lift it early (SPEC §4).

After a failed submission the next attempt opens ``cooldown_minutes`` later - or at
once when the learner has opened, since that submission, the lesson of every topic
they missed. An attempt left to expire is not a failure: its 30 minutes are already
longer than the cooldown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learn.models import Lesson, LessonProgress
from learn.quiz.models import QuizAttempt, QuizAttemptQuestion, QuizTopic
from learn.quiz.rules import quiz_rules


@dataclass(frozen=True)
class LessonToReread:
    lesson: Lesson
    topic_title: str
    opened_since: bool
    topic_slug: str = ""
    # The lesson's title as the page shows it (translated by ``quiz_overview``).
    lesson_title: str = ""


@dataclass(frozen=True)
class Cooldown:
    failed_attempt: QuizAttempt
    until: datetime
    lessons: list[LessonToReread]

    @property
    def lessons_all_read(self) -> bool:
        return all(item.opened_since for item in self.lessons)

    def is_active(self, *, now: datetime) -> bool:
        return now < self.until and not self.lessons_all_read

    def seconds_left(self, *, now: datetime) -> int:
        if not self.is_active(now=now):
            return 0
        return max(0, int((self.until - now).total_seconds() + 0.999))


def cooldown_after_last_failure(*, user, last_submitted: QuizAttempt | None) -> Cooldown | None:
    """The cooldown that follows the learner's latest submitted attempt, if it failed.

    Two queries whatever the history: the missed questions' topic lessons, and the
    learner's visits to those lessons since the submission.
    """
    if last_submitted is None or last_submitted.passed:
        return None
    missed = (
        QuizAttemptQuestion.objects.filter(attempt=last_submitted, correct=False)
        .select_related("question__topic__lesson__course")
        .order_by("position")
    )
    lessons: dict[int, tuple[Lesson, QuizTopic]] = {}
    for item in missed:
        topic = item.question.topic
        lessons.setdefault(topic.lesson_id, (topic.lesson, topic))
    opened = set(
        LessonProgress.objects.filter(
            user=user,
            lesson_id__in=lessons,
            last_opened_at__gte=last_submitted.submitted_at,
        ).values_list("lesson_id", flat=True)
    )
    return Cooldown(
        failed_attempt=last_submitted,
        until=last_submitted.submitted_at + quiz_rules().cooldown,
        lessons=[
            LessonToReread(
                lesson=lesson,
                topic_title=topic.title,
                opened_since=lesson.pk in opened,
                topic_slug=topic.slug,
                lesson_title=lesson.title,
            )
            for lesson, topic in sorted(lessons.values(), key=lambda pair: pair[0].key)
        ],
    )


def last_submitted_attempt(*, user) -> QuizAttempt | None:
    return (
        QuizAttempt.objects.filter(user=user, submitted_at__isnull=False)
        .order_by("-submitted_at", "-id")
        .first()
    )
