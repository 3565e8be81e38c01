"""The unread count in the page header, computed only when a page shows it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.selectors import notification_unread_count


def unread_count(request: HttpRequest) -> dict[str, object]:
    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return notification_unread_count(user=user)

    # Lazy: an htmx fragment, an API answer or a page without the header never renders
    # it, so they pay no query (and do not even load the session or the user for it).
    return {"notifications_unread": SimpleLazyObject(count)}
