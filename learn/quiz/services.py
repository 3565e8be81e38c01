"""Every write of the margin quiz: start an attempt, submit it, accept the risk statement.

Each runs in one transaction and locks first (the learner's row to start, the attempt
row to submit), so a double click or two tabs cannot create two open attempts or mark
one attempt twice. A refused request raises a ``QuizError`` before any write.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.activation import margin_activation_of
from accounts.models import MarginActivation
from accounts.services import margin_activation_record
from learn.models import DEFAULT_LANGUAGE
from learn.quiz.cooldown import cooldown_after_last_failure, last_submitted_attempt
from learn.quiz.draw import DrawImpossible, draw_questions, shuffled_order
from learn.quiz.errors import (
    AlreadyPassed,
    AnswerMissing,
    AttemptAlreadySubmitted,
    AttemptExpired,
    AttemptNotFound,
    CooldownActive,
    NotPassed,
    QuestionNotDrawn,
    QuizUnavailable,
    StatementNotAccepted,
    UnknownOption,
)
from learn.quiz.models import QuizAttempt, QuizAttemptQuestion, QuizQuestion
from learn.quiz.rules import quiz_rules
from learn.quiz.statement import RISK_STATEMENT_VERSION


def _new_token(taken: set[str]) -> str:
    # Random, not derived from anything: a token says nothing about which option it is.
    while True:
        token = secrets.token_urlsafe(6)
        if token not in taken:
            taken.add(token)
            return token


@transaction.atomic
def attempt_start(
    *, user, now: datetime, language: str = DEFAULT_LANGUAGE, rng: random.Random | None = None
) -> QuizAttempt:
    """Open a new attempt, or return the learner's open one.

    Refused when margin is already unlocked or a passed attempt awaits the risk
    statement, and during the cooldown after a failure. ``rng`` is for seeded tests;
    by default the draw uses the operating system's randomness.
    """
    # Lock the learner's row: two concurrent starts must not open two attempts.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if margin_activation_of(user) is not None:
        raise AlreadyPassed()
    if QuizAttempt.objects.filter(user=user, passed=True).exists():
        raise AlreadyPassed(
            _("You have passed the margin quiz: accept the risk statement to unlock margin.")
        )
    open_attempt = (
        QuizAttempt.objects.filter(user=user, submitted_at__isnull=True, expires_at__gt=now)
        .order_by("-started_at")
        .first()
    )
    if open_attempt is not None:
        return open_attempt
    cooldown = cooldown_after_last_failure(
        user=user, last_submitted=last_submitted_attempt(user=user)
    )
    if cooldown is not None and cooldown.is_active(now=now):
        minutes = max(1, -(-cooldown.seconds_left(now=now) // 60))
        raise CooldownActive(
            ngettext(
                "Your next attempt opens in %(minutes)d minute, or as soon as you have "
                "opened the lessons of the topics you missed.",
                "Your next attempt opens in %(minutes)d minutes, or as soon as you have "
                "opened the lessons of the topics you missed.",
                minutes,
            )
            % {"minutes": minutes}
        )

    rules = quiz_rules()
    # Always the English bank: its rows are what an attempt stores and grades, so an
    # attempt started in one language can be read and submitted in another. The page
    # shows each question's translation by its id (selectors.shown_questions).
    bank = QuizQuestion.objects.filter(
        language=DEFAULT_LANGUAGE, retired=False, topic__retired=False
    ).values_list("pk", "topic_id", "options")
    by_topic: dict[int, list[int]] = {}
    option_counts: dict[int, int] = {}
    for pk, topic_id, options in bank:
        by_topic.setdefault(topic_id, []).append(pk)
        option_counts[pk] = len(options)
    if not by_topic:
        raise QuizUnavailable()
    rng = rng or random.SystemRandom()
    try:
        drawn = draw_questions(
            rng=rng, questions_by_topic=by_topic, count=rules.questions_per_attempt
        )
    except DrawImpossible as error:
        raise QuizUnavailable(
            _("The margin quiz cannot start: its question bank is incomplete.")
        ) from error

    attempt = QuizAttempt.objects.create(
        user=user,
        # The language it was started in, for the record; it decides nothing.
        language=language,
        started_at=now,
        expires_at=now + rules.attempt_duration,
        question_count=rules.questions_per_attempt,
        pass_mark=rules.pass_mark,
    )
    taken: set[str] = set()
    rows = []
    for position, pk in enumerate(drawn, start=1):
        order = shuffled_order(rng=rng, option_count=option_counts[pk])
        rows.append(
            QuizAttemptQuestion(
                attempt=attempt,
                question_id=pk,
                position=position,
                token=_new_token(taken),
                option_order=order,
                option_tokens=[_new_token(taken) for _index in order],
            )
        )
    QuizAttemptQuestion.objects.bulk_create(rows)
    return attempt


@transaction.atomic
def attempt_submit(
    *, user, attempt_id: int, answers: Mapping[str, Sequence[str]], now: datetime
) -> QuizAttempt:
    """Mark an attempt: once, within its time, every drawn question answered with one
    of the options it was shown with.

    ``answers`` maps a question's token to the posted option token(s). Anything else -
    a question that was not drawn, a forged option, a missing answer, a second
    submission, an expired attempt - is refused and nothing is recorded.
    """
    # Lock the attempt row: two simultaneous submissions must not both mark it.
    attempt = QuizAttempt.objects.select_for_update().filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise AttemptNotFound()
    if attempt.submitted_at is not None:
        raise AttemptAlreadySubmitted()
    if now >= attempt.expires_at:
        raise AttemptExpired()
    items = list(attempt.questions.select_related("question").order_by("position"))
    by_token = {item.token: item for item in items}
    if any(token not in by_token for token in answers):
        raise QuestionNotDrawn()

    chosen: dict[int, int] = {}
    for item in items:
        values = [v for v in answers.get(item.token, ()) if v]
        if len(values) > 1:
            raise UnknownOption()
        if not values:
            continue
        if values[0] not in item.option_tokens:
            raise UnknownOption()
        chosen[item.pk] = item.option_order[item.option_tokens.index(values[0])]
    if len(chosen) < len(items):
        raise AnswerMissing()

    for item in items:
        item.chosen_index = chosen[item.pk]
        item.correct = item.chosen_index == item.question.answer_index
    QuizAttemptQuestion.objects.bulk_update(items, ["chosen_index", "correct"])
    attempt.score = sum(1 for item in items if item.correct)
    attempt.passed = attempt.score >= attempt.pass_mark
    attempt.submitted_at = now
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    return attempt


@transaction.atomic
def quiz_statement_accept(*, user, accepted: bool, now: datetime) -> MarginActivation:
    """Pass + "I understand" = margin activation (recorded by accounts, read by sandbox)."""
    attempt = (
        QuizAttempt.objects.filter(user=user, passed=True).order_by("submitted_at", "id").first()
    )
    if attempt is None:
        raise NotPassed()
    if not accepted:
        raise StatementNotAccepted()
    return margin_activation_record(
        user=user,
        attempt_id=attempt.pk,
        statement_version=RISK_STATEMENT_VERSION,
        now=now,
    )
