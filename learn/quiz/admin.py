"""The quiz in the admin: staff see every attempt, read-only (attempts are history).

The bank is loaded from the files by ``learn_load``, so it is read-only here too.
"""

from __future__ import annotations

from django.contrib import admin

from learn.quiz.models import QuizAttempt, QuizAttemptQuestion, QuizQuestion, QuizTopic


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AttemptQuestionInline(ReadOnlyMixin, admin.TabularInline):
    model = QuizAttemptQuestion
    extra = 0
    can_delete = False
    fields = ["position", "question", "option_order", "chosen_index", "correct"]
    readonly_fields = fields
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "user", "started_at", "submitted_at", "score", "question_count", "passed"]
    list_filter = ["passed", "language"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "started_at"
    inlines = [AttemptQuestionInline]


@admin.register(QuizTopic)
class QuizTopicAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["slug", "title", "language", "lesson", "retired"]
    list_filter = ["language", "retired"]
    list_select_related = ["lesson"]


@admin.register(QuizQuestion)
class QuizQuestionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["key", "topic", "language", "lesson", "retired"]
    list_filter = ["language", "topic", "retired"]
    list_select_related = ["topic", "lesson"]
    search_fields = ["key", "text"]
