"""Reads for the quiz pages. Each page's query count is fixed, whatever the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from accounts.activation import margin_activation_of
from accounts.models import MarginActivation
from learn.models import DEFAULT_LANGUAGE
from learn.quiz.cooldown import Cooldown, cooldown_after_last_failure
from learn.quiz.models import QuizAttempt, QuizAttemptQuestion, QuizTopic
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


def quiz_overview(*, user, now: datetime, language: str) -> QuizOverview:
    """Everything /learn/quiz/ shows: 3 queries, plus 2 after a failed attempt."""
    activation = margin_activation_of(user)
    # One query for the learner's language and the default; a language without its own
    # bank falls back to the default one, as attempt_start does.
    topics_by_language: dict[str, list[QuizTopic]] = {}
    for topic in (
        QuizTopic.objects.filter(language__in={language, DEFAULT_LANGUAGE}, retired=False)
        .select_related("lesson__course")
        .order_by("title")
    ):
        topics_by_language.setdefault(topic.language, []).append(topic)
    topics = topics_by_language.get(language) or topics_by_language.get(DEFAULT_LANGUAGE, [])
    attempts = list(
        QuizAttempt.objects.filter(user=user).order_by("-started_at", "-id")[:HISTORY_LIMIT]
    )
    open_attempt = next((a for a in attempts if a.is_open(now=now)), None)
    passed_attempt = next((a for a in attempts if a.passed), None)
    submitted = [a for a in attempts if a.submitted_at is not None]
    last_submitted = max(submitted, key=lambda a: (a.submitted_at, a.pk), default=None)
    return QuizOverview(
        rules=quiz_rules(),
        activation=activation,
        topics=topics,
        attempts=attempts,
        open_attempt=open_attempt,
        passed_attempt=passed_attempt,
        cooldown=cooldown_after_last_failure(user=user, last_submitted=last_submitted),
        now=now,
    )


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
