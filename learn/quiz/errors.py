"""Domain errors of the margin quiz. Messages are constants: views show them as is and
tests assert them word for word. Nothing has changed when one is raised."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class AttemptNotFound(Exception):
    """No such attempt for this learner; another learner's looks the same (a 404, not a
    QuizError: there is nothing to tell the learner about someone else's attempt)."""


class QuizError(Exception):
    message = _("This quiz action is not possible right now.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message if message is not None else self.message)
        super().__init__(self.message)


class QuizUnavailable(QuizError):
    message = _("The margin quiz is not available yet: its question bank is not loaded.")


class AlreadyPassed(QuizError):
    message = _("You have already passed the margin quiz.")


class CooldownActive(QuizError):
    """Raised with a message that says when the next attempt opens."""


class AttemptAlreadySubmitted(QuizError):
    message = _("This attempt has already been submitted; an attempt can be submitted once.")


class AttemptExpired(QuizError):
    message = _("This attempt has expired: answers must be submitted within the time limit.")


class QuestionNotDrawn(QuizError):
    message = _("The answers include a question that is not part of this attempt.")


class UnknownOption(QuizError):
    message = _("One of the answers is not one of that question's options.")


class AnswerMissing(QuizError):
    message = _("Answer every question before submitting.")


class NotPassed(QuizError):
    message = _("Only a passed attempt can unlock margin.")


class StatementNotAccepted(QuizError):
    message = _("Tick “I understand” to accept the risk statement.")
