"""Courses, lessons, knowledge checks, the glossary, and each learner's progress.

The curriculum rows (Course, Lesson, KnowledgeCheckQuestion, GlossaryTerm) are a copy
of the Markdown files under ``learn/content/<language>/``, written only by the
``learn_load`` command; nobody edits them in the admin. Progress rows belong to
learners and always point at the default-language (``en``) lesson, so a translation
shares the learner's progress (docs/learn.md).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_LANGUAGE = "en"


class CurriculumQuerySet(models.QuerySet):
    def live(self):
        """Rows still backed by a file (retired rows are kept only for learners' progress)."""
        return self.filter(retired_at__isnull=True)


class Course(models.Model):
    language = models.CharField(max_length=10, default=DEFAULT_LANGUAGE)
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField()
    summary = models.TextField(blank=True)
    intro_markdown = models.TextField(blank=True)
    intro_html = models.TextField(blank=True, editable=False)
    source_path = models.CharField(max_length=300)
    # Set when the course's file disappeared but learners' completions still point here.
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CurriculumQuerySet.as_manager()

    class Meta:
        ordering = ["language", "order", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="learn_course_unique_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("learn:course", args=[self.slug])


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="lessons")
    language = models.CharField(max_length=10, default=DEFAULT_LANGUAGE)
    slug = models.SlugField(max_length=80)
    # "<course-slug>/<lesson-slug>": how the quiz bank and the glossary name a lesson.
    key = models.CharField(max_length=170)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField()
    summary = models.TextField(blank=True)
    body_markdown = models.TextField()
    # Rendered by the loader with markdown-it-py (raw HTML disabled), glossary links added.
    body_html = models.TextField(editable=False)
    calculator_slug = models.CharField(max_length=60, blank=True)
    calculator_inputs = models.JSONField(default=dict, blank=True)
    calculator_results = models.JSONField(default=dict, blank=True)
    source_path = models.CharField(max_length=300)
    # Set when the file disappeared but learners have progress on it: hidden, not deleted.
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CurriculumQuerySet.as_manager()

    class Meta:
        ordering = ["course__order", "order", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="learn_lesson_unique_slug"),
            models.UniqueConstraint(fields=["language", "key"], name="learn_lesson_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("learn:lesson", args=[self.course.slug, self.slug])


class KnowledgeCheckQuestion(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="questions")
    language = models.CharField(max_length=10, default=DEFAULT_LANGUAGE)
    order = models.PositiveIntegerField()
    text = models.TextField()
    options = models.JSONField()
    answer_index = models.PositiveSmallIntegerField()
    explanation = models.TextField()

    class Meta:
        ordering = ["lesson", "order"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "order"], name="learn_question_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.lesson.key} #{self.order}"


class GlossaryTerm(models.Model):
    language = models.CharField(max_length=10, default=DEFAULT_LANGUAGE)
    term = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    definition = models.TextField()
    # Other words in lesson text that mean this term ("leveraged", "liquidated").
    aliases = models.JSONField(default=list, blank=True)
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="glossary_terms")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "term"]
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="learn_glossary_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.term


class LessonProgress(models.Model):
    """One learner's history with one lesson (the default-language row)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    # PROTECT: the loader retires a lesson with progress instead of deleting it.
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="progress")
    first_opened_at = models.DateTimeField()
    # Updated on every visit; the margin quiz reads it to lift its cooldown early.
    last_opened_at = models.DateTimeField()
    # When the knowledge check was first answered all correctly.
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="learn_progress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson.key}"


class CourseCompletion(models.Model):
    """A learner finished every lesson of a course; the learn-and-earn reward hangs on it.

    Unique per learner and course, and the reward goes through the sandbox's
    ``reward_credit`` with the reason ``course:<slug>``, which pays a reason once per
    account: two layers that each make a second payment impossible.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_completions"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    completed_at = models.DateTimeField()
    reward_amount = models.DecimalField(max_digits=30, decimal_places=8, default=Decimal("0"))
    # The sandbox ledger transaction that paid it. A plain id, not a foreign key, so the
    # learn tables do not depend on how the sandbox lays out its ledger models.
    reward_transaction_id = models.BigIntegerField(null=True, blank=True)
    reward_paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="learn_completion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course.slug}"

    @property
    def reward_paid(self) -> bool:
        return self.reward_paid_at is not None


# The margin quiz's models live in learn/quiz/models.py; importing them here registers
# them with the app when Django loads learn.models.
from learn.quiz.models import (  # noqa: E402,F401
    QuizAttempt,
    QuizAttemptQuestion,
    QuizQuestion,
    QuizTopic,
)
