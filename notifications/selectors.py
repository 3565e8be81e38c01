"""Reads of notifications shared by the list page and the page header."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from notifications.models import Notification


def notification_list(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    """The learner's notifications, newest first (no related rows are shown)."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notification_unread_count(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
