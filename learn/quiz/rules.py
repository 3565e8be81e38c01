"""The quiz's rules as the code enforces them; pages read the numbers from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings


@dataclass(frozen=True)
class QuizRules:
    questions_per_attempt: int
    pass_mark: int
    attempt_minutes: int
    cooldown_minutes: int
    rate_limit: int
    rate_window_seconds: int

    @property
    def attempt_duration(self) -> timedelta:
        return timedelta(minutes=self.attempt_minutes)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(minutes=self.cooldown_minutes)

    @property
    def all_correct_needed(self) -> bool:
        return self.pass_mark >= self.questions_per_attempt


def quiz_rules() -> QuizRules:
    """Read on every call, so tests (and a changed environment) take effect at once."""
    rules = QuizRules(
        questions_per_attempt=settings.QUIZ_QUESTIONS_PER_ATTEMPT,
        pass_mark=settings.QUIZ_PASS_MARK,
        attempt_minutes=settings.QUIZ_ATTEMPT_MINUTES,
        cooldown_minutes=settings.QUIZ_COOLDOWN_MINUTES,
        rate_limit=settings.QUIZ_RATE_LIMIT,
        rate_window_seconds=settings.QUIZ_RATE_WINDOW_SECONDS,
    )
    if not 1 <= rules.pass_mark <= rules.questions_per_attempt:
        raise ValueError("QUIZ_PASS_MARK must be between 1 and QUIZ_QUESTIONS_PER_ATTEMPT.")
    return rules
