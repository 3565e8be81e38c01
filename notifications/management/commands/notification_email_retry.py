"""Enqueue again the e-mails of recent notifications that were never sent.

A failed send (the mail server down) leaves ``emailed_at`` empty and the task failed;
the database queue does not retry by itself. Running this from cron is safe at any
rate: the task claims each notification under a row lock, so one that is sent in the
meantime, or queued twice, is still e-mailed once.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.models import EMAILED_KINDS, Notification
from notifications.tasks import notification_email


class Command(BaseCommand):
    help = "Enqueue the e-mail of every recent notification that has not been e-mailed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=24,
            help="Only notifications created within this many hours (default: 24).",
        )

    def handle(self, *, hours: int, **options) -> None:
        since = timezone.now() - datetime.timedelta(hours=hours)
        pending = (
            Notification.objects.filter(
                emailed_at__isnull=True, created_at__gte=since, kind__in=EMAILED_KINDS
            )
            .exclude(user__email="")
            .filter(user__is_active=True)
            .values_list("pk", flat=True)
        )
        count = 0
        for notification_id in pending.iterator():
            notification_email.enqueue(notification_id)
            count += 1
        self.stdout.write(f"Enqueued {count} notification e-mail(s).")
