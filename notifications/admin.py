"""Admin: staff can read every notification and search them; nobody adds one by hand
(notifications come from events through services.notification_send)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "sandbox_time", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__email", "title", "key")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "user",
        "kind",
        "title",
        "body",
        "link",
        "key",
        "sandbox_time",
        "created_at",
        "read_at",
        "emailed_at",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
