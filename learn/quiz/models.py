"""The margin quiz: topics and questions (loaded from the bank files) and attempts.

An attempt keeps everything the server needs to mark it - which questions were
drawn, in what order, and the order their options were shown in - so the page
never has to carry the answer key, and a submission can only answer what was drawn.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QuizTopic(models.Model):
    """One bank file: ``learn/content/<language>/quiz/<slug>.toml``. Every topic is core."""

    language = models.CharField(_("language"), max_length=16, default="en")
    slug = models.SlugField(_("slug"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    # The lesson to reread when a question of this topic is missed.
    lesson = models.ForeignKey("learn.Lesson", on_delete=models.PROTECT, related_name="quiz_topics")
    # A topic whose file disappeared stops being drawn; attempts that used it keep it.
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        verbose_name = _("quiz topic")
        verbose_name_plural = _("quiz topics")
        ordering = ("language", "slug")
        constraints = [
            models.UniqueConstraint(fields=("language", "slug"), name="quiz_topic_unique_slug")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class QuizQuestion(models.Model):
    language = models.CharField(_("language"), max_length=16, default="en")
    # The stable id from the bank file ("leverage-01"): the loader matches on it.
    key = models.SlugField(_("id in the bank"), max_length=64)
    topic = models.ForeignKey(QuizTopic, on_delete=models.PROTECT, related_name="questions")
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), help_text=_("3–4 strings, in the file's order."))
    answer_index = models.PositiveSmallIntegerField(_("correct option (0-based, file order)"))
    explanation = models.TextField(_("explanation"))
    lesson = models.ForeignKey(
        "learn.Lesson", on_delete=models.PROTECT, related_name="quiz_questions"
    )
    # Removed from the bank but kept because attempts refer to it: never drawn again.
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ("language", "key")
        constraints = [
            models.UniqueConstraint(fields=("language", "key"), name="quiz_question_unique_key")
        ]

    def __str__(self) -> str:
        return self.key


class QuizAttempt(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    language = models.CharField(_("language"), max_length=16, default="en")
    started_at = models.DateTimeField(_("started at"))
    expires_at = models.DateTimeField(_("expires at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The rules at the start of the attempt, so a later settings change never
    # re-marks history.
    question_count = models.PositiveSmallIntegerField(_("questions"))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ("-started_at", "-id")
        indexes = [models.Index(fields=("user", "-started_at"), name="quiz_attempt_user_started")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user} {self.started_at:%Y-%m-%d %H:%M}"

    def is_open(self, *, now) -> bool:
        return self.submitted_at is None and now < self.expires_at

    def is_expired(self, *, now) -> bool:
        return self.submitted_at is None and now >= self.expires_at


class QuizAttemptQuestion(models.Model):
    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="questions")
    question = models.ForeignKey(QuizQuestion, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"))
    # Opaque ids: the form posts these, never an index a learner could read an
    # answer from. ``token`` names the question; ``option_tokens[i]`` is the i-th
    # option as shown, and ``option_order[i]`` its index in the bank file.
    token = models.CharField(max_length=16)
    option_order = models.JSONField()
    option_tokens = models.JSONField()
    chosen_index = models.PositiveSmallIntegerField(
        _("chosen option (file order)"), null=True, blank=True
    )
    correct = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("attempt question")
        verbose_name_plural = _("attempt questions")
        ordering = ("attempt", "position")
        constraints = [
            models.UniqueConstraint(fields=("attempt", "position"), name="quiz_aq_unique_position"),
            models.UniqueConstraint(fields=("attempt", "question"), name="quiz_aq_unique_question"),
            models.UniqueConstraint(fields=("attempt", "token"), name="quiz_aq_unique_token"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.position}"

    def shown_options(self) -> list[tuple[str, str]]:
        """(opaque token, text) for each option, in the order shown - nothing else."""
        options = self.question.options
        return [
            (token, options[index])
            for token, index in zip(self.option_tokens, self.option_order, strict=True)
        ]

    def marked_options(self) -> list[dict]:
        """For the result page, after submission: each option with what was chosen and right."""
        options = self.question.options
        return [
            {
                "text": options[index],
                "is_answer": index == self.question.answer_index,
                "is_chosen": index == self.chosen_index,
            }
            for index in self.option_order
        ]
