"""Every change a learner makes in learn/: opening a lesson, answering its check, and the
learn-and-earn reward that finishing a course pays (SPEC §3.2).

Dependencies run one way: learn calls the sandbox's public services
(``account_sync``, ``reward_credit``); the sandbox never imports learn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from learn.models import (
    DEFAULT_LANGUAGE,
    Course,
    CourseCompletion,
    KnowledgeCheckQuestion,
    Lesson,
    LessonProgress,
)
from sandbox.services import account_sync, reward_credit

DEFAULT_COURSE_REWARD = Decimal("100")

# Messages the pages show as they are (tests assert them), in the active language.
ANSWER_EVERY_QUESTION = _("Answer every question, then check your answers.")
NOT_THIS_LESSON = _("That answer is for a question that is not part of this lesson's check.")
NOT_AN_OPTION = _("That answer is not one of the question's options. Choose one of them.")


class CheckRejected(Exception):
    """The submitted answers cannot be graded; nothing was recorded."""

    def __init__(self, message: str) -> None:
        self.message = str(message)
        super().__init__(self.message)


def course_reward() -> Decimal:
    """USDT paid once for finishing a course (setting ``LEARN_COURSE_REWARD``)."""
    return Decimal(str(getattr(settings, "LEARN_COURSE_REWARD", DEFAULT_COURSE_REWARD)))


def reward_reason(course: Course) -> str:
    # The sandbox pays a reason once per account, ever; the course slug is stable.
    return f"course:{course.slug}"


def progress_lesson(lesson: Lesson) -> Lesson:
    """The row progress is kept on: the default-language lesson with the same key.

    A translated lesson shares the learner's progress with its English original.
    """
    if lesson.language == DEFAULT_LANGUAGE:
        return lesson
    return Lesson.objects.select_related("course").get(language=DEFAULT_LANGUAGE, key=lesson.key)


def lesson_open(*, user: Any, lesson: Lesson, now: datetime | None = None) -> None:
    """Record that a learner opened a lesson (first time, and ``last_opened_at`` each time).

    The margin quiz reads ``last_opened_at`` to lift its cooldown once the learner has
    reread the lessons they missed. Anonymous visitors leave no trace.
    """
    if not getattr(user, "is_authenticated", False):
        return
    now = now or timezone.now()
    target = progress_lesson(lesson)
    if LessonProgress.objects.filter(user=user, lesson=target).update(last_opened_at=now):
        return
    try:
        # A savepoint: two first visits at once collide on the unique (user, lesson).
        with transaction.atomic():
            LessonProgress.objects.create(
                user=user, lesson=target, first_opened_at=now, last_opened_at=now
            )
    except IntegrityError:
        LessonProgress.objects.filter(user=user, lesson=target).update(last_opened_at=now)


@dataclass(frozen=True)
class QuestionResult:
    question: KnowledgeCheckQuestion
    chosen: int
    correct: bool

    @property
    def chosen_text(self) -> str:
        return self.question.options[self.chosen]


@dataclass(frozen=True)
class CheckResult:
    results: list[QuestionResult]
    # False for anonymous visitors: graded, but nothing stored.
    recorded: bool
    lesson_completed_now: bool = False
    course_completion: CourseCompletion | None = None
    course_completed_now: bool = False

    @property
    def all_correct(self) -> bool:
        return all(result.correct for result in self.results)

    @property
    def correct_count(self) -> int:
        return sum(result.correct for result in self.results)

    def for_question(self, question_id: int) -> QuestionResult | None:
        return next((r for r in self.results if r.question.pk == question_id), None)


def grade_answers(
    *, questions: list[KnowledgeCheckQuestion], answers: Mapping[int, int]
) -> list[QuestionResult]:
    """Right or wrong per question; refuses answers that do not fit this check."""
    by_id = {question.pk: question for question in questions}
    if any(question_id not in by_id for question_id in answers):
        raise CheckRejected(NOT_THIS_LESSON)
    if len(answers) != len(by_id):
        raise CheckRejected(ANSWER_EVERY_QUESTION)
    results = []
    for question in questions:
        chosen = answers[question.pk]
        if isinstance(chosen, bool) or not isinstance(chosen, int):
            raise CheckRejected(NOT_AN_OPTION)
        if not 0 <= chosen < len(question.options):
            raise CheckRejected(NOT_AN_OPTION)
        results.append(QuestionResult(question, chosen, chosen == question.answer_index))
    return results


def answers_in_language(*, lesson: Lesson, answers: Mapping[int, int]) -> dict[int, int]:
    """The answers keyed by ``lesson``'s own question ids.

    A learner who switched language between loading the check and submitting it posts
    the ids of the same lesson's questions in the other language; they are moved to
    this language's question in the same position (a translation keeps the questions'
    order and options, learn/translations.py). Ids of another lesson's questions stay
    as they are, and grading refuses them. One query, only when such ids are posted.
    """
    by_order = {question.order: question.pk for question in lesson.questions.all()}
    own = set(by_order.values())
    foreign = [question_id for question_id in answers if question_id not in own]
    if not foreign:
        return dict(answers)
    orders = dict(
        KnowledgeCheckQuestion.objects.filter(pk__in=foreign, lesson__key=lesson.key).values_list(
            "pk", "order"
        )
    )
    moved: dict[int, int] = {}
    for question_id, chosen in answers.items():
        target = by_order.get(orders.get(question_id), question_id)
        if target in moved:
            # The same question answered twice (in two languages): a hand-made request.
            raise CheckRejected(NOT_THIS_LESSON)
        moved[target] = chosen
    return moved


@transaction.atomic
def check_submit(
    *,
    user: Any,
    lesson: Lesson,
    answers: Mapping[int, int],
    now: datetime | None = None,
    original: Lesson | None = None,
) -> CheckResult:
    """Grade a lesson's knowledge check; all correct completes the lesson (once).

    Rule (SPEC §3.2): a lesson is complete when its check is answered all correctly;
    the last lesson of a course records the course completion and pays the reward.
    Answers that do not fit the check raise ``CheckRejected`` and record nothing.
    ``lesson`` is the row the learner answered (any language); ``original`` its English
    row when the caller already has it (progress is kept there).
    """
    answers = answers_in_language(lesson=lesson, answers=answers)
    results = grade_answers(questions=list(lesson.questions.all()), answers=answers)
    authenticated = getattr(user, "is_authenticated", False)
    if not authenticated or not all(result.correct for result in results):
        return CheckResult(results=results, recorded=authenticated)
    now = now or timezone.now()
    target = original or progress_lesson(lesson)
    progress, _created = LessonProgress.objects.get_or_create(
        user=user, lesson=target, defaults={"first_opened_at": now, "last_opened_at": now}
    )
    # Conditional update: of two submits racing, only one sees the row still open.
    completed_now = bool(
        LessonProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(
            completed_at=now
        )
    )
    completion, course_completed_now = course_complete_if_done(
        user=user, course=target.course, now=now
    )
    return CheckResult(
        results=results,
        recorded=True,
        lesson_completed_now=completed_now,
        course_completion=completion,
        course_completed_now=course_completed_now,
    )


@transaction.atomic
def course_complete_if_done(
    *, user: Any, course: Course, now: datetime | None = None
) -> tuple[CourseCompletion | None, bool]:
    """Record the course completion and pay its reward when every live lesson is complete.

    Rule: the reward is paid exactly once per learner and course - also when the
    learner had no sandbox account yet (``account_sync`` opens it) and under a double
    submit. Returns (the completion or None, whether it was recorded just now).
    """
    now = now or timezone.now()
    counts = (
        Lesson.objects.live()
        .filter(course=course)
        .aggregate(
            total=Count("pk", distinct=True),
            done=Count(
                "progress",
                filter=Q(progress__user=user, progress__completed_at__isnull=False),
                distinct=True,
            ),
        )
    )
    if not counts["total"] or counts["done"] < counts["total"]:
        return None, False
    # Lock the learner's sandbox account first: two requests finishing the course at
    # once queue here, and the second then sees the first one's completion row.
    account = account_sync(user=user, now=now)
    completion = CourseCompletion.objects.filter(user=user, course=course).first()
    created = completion is None
    if created:
        completion = CourseCompletion.objects.create(
            user=user, course=course, completed_at=now, reward_amount=course_reward()
        )
    if completion.reward_paid_at is None:
        transaction_row = reward_credit(
            account=account,
            amount=completion.reward_amount,
            reason=reward_reason(course),
            now=now,
            # Stored text, so written in the learner's language at the time it is paid.
            memo=(
                gettext("Learn and earn: finished the course “%(title)s”") % {"title": course.title}
            )[:255],
        )
        # None: the sandbox had already paid this reason (it never pays twice).
        completion.reward_transaction_id = transaction_row.pk if transaction_row else None
        completion.reward_paid_at = now
        completion.save(update_fields=["reward_transaction_id", "reward_paid_at"])
    return completion, created
