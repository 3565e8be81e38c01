from __future__ import annotations

from django.contrib import admin

from accounts.models import LearnerPreferences, MarginActivation


@admin.register(MarginActivation)
class MarginActivationAdmin(admin.ModelAdmin):
    """Staff can see who has margin and revoke it (deleting the row locks margin again)."""

    list_display = ("user", "activated_at", "attempt_id", "statement_version")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("user", "activated_at", "attempt_id", "statement_version")
    date_hierarchy = "activated_at"

    def has_add_permission(self, request, obj=None) -> bool:
        # An activation exists only because a learner passed the quiz.
        return False


@admin.register(LearnerPreferences)
class LearnerPreferencesAdmin(admin.ModelAdmin):
    """Staff can see (and correct) the language a learner's pages and e-mails use."""

    list_display = ("user", "language", "updated_at")
    list_filter = ("language",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("user", "updated_at")
