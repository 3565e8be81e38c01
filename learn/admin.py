"""The curriculum is read-only here: it comes from the Markdown files (``learn_load``)."""

from __future__ import annotations

from django.contrib import admin

from learn.models import (
    Course,
    CourseCompletion,
    GlossaryTerm,
    KnowledgeCheckQuestion,
    Lesson,
    LessonProgress,
)


class FromFilesAdmin(admin.ModelAdmin):
    """Edits would be overwritten by the next ``learn_load``; change the file instead."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QuestionInline(admin.TabularInline):
    model = KnowledgeCheckQuestion
    extra = 0
    fields = ["order", "text", "options", "answer_index", "explanation"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Course)
class CourseAdmin(FromFilesAdmin):
    list_display = ["title", "slug", "language", "order", "retired_at", "updated_at"]
    list_filter = ["language", "retired_at"]
    search_fields = ["title", "slug"]


@admin.register(Lesson)
class LessonAdmin(FromFilesAdmin):
    list_display = ["key", "title", "language", "order", "calculator_slug", "retired_at"]
    list_filter = ["language", "course", "retired_at"]
    search_fields = ["key", "title"]
    list_select_related = ["course"]
    inlines = [QuestionInline]


@admin.register(KnowledgeCheckQuestion)
class KnowledgeCheckQuestionAdmin(FromFilesAdmin):
    list_display = ["lesson", "order", "text", "answer_index"]
    list_filter = ["language"]
    list_select_related = ["lesson"]
    search_fields = ["text", "lesson__key"]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(FromFilesAdmin):
    list_display = ["term", "slug", "language", "lesson"]
    list_filter = ["language"]
    list_select_related = ["lesson"]
    search_fields = ["term", "definition"]


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "lesson", "first_opened_at", "last_opened_at", "completed_at"]
    list_filter = ["lesson__course"]
    list_select_related = ["user", "lesson"]
    search_fields = ["user__username", "lesson__key"]
    raw_id_fields = ["user", "lesson"]
    date_hierarchy = "last_opened_at"


@admin.register(CourseCompletion)
class CourseCompletionAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "completed_at", "reward_amount", "reward_paid_at"]
    list_filter = ["course"]
    list_select_related = ["user", "course"]
    search_fields = ["user__username", "course__slug"]
    # Rewards are ledger postings; a completion is history, not something to edit.
    readonly_fields = [
        "user",
        "course",
        "completed_at",
        "reward_amount",
        "reward_transaction_id",
        "reward_paid_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


# The margin quiz registers its own models (attempts, bank) in learn/quiz/admin.py.
import learn.quiz.admin  # noqa: E402,F401
