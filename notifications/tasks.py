"""Background work of notifications, through Django's tasks API.

On Django 5.2 the API comes from the ``django-tasks`` backport; Django 6.0 has the same
API built in as ``django.tasks`` (change this import and the backend paths in settings,
nothing else). Which backend runs the task is a setting (TASKS, chosen by the
TASKS_BACKEND environment variable): in-process right after commit by default, a
database queue with ``manage.py db_worker`` in production. See docs/notifications.md.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.language import stored_language
from notifications.models import Notification

logger = logging.getLogger(__name__)

# What a run of the task did; the task's return value, kept by queues that store results.
SENT = "sent"
ALREADY_SENT = "already_sent"
NO_ADDRESS = "no_address"
GONE = "gone"


def _subject(notification: Notification) -> str:
    # A header must be one line; a title is plain text and could carry a newline.
    return _("Margin Lab: %(title)s") % {"title": " ".join(notification.title.split())}


def _body(notification: Notification) -> str:
    site = settings.SITE_URL.rstrip("/")
    lines = [notification.body.strip(), ""]
    if notification.sandbox_time is not None:
        when = notification.sandbox_time.astimezone(datetime.UTC)
        # ISO-like in every language: unambiguous, and the same in a forwarded e-mail.
        lines.append(_("Sandbox time: %(when)s UTC") % {"when": f"{when:%Y-%m-%d %H:%M}"})
    if notification.link:
        lines.append(_("Open it: %(url)s") % {"url": f"{site}{notification.link}"})
    lines += [
        _("All your notifications: %(url)s") % {"url": f"{site}/notifications/"},
        "",
        _("Margin Lab uses play money only; nothing here is financial advice."),
    ]
    return "\n".join(lines).lstrip("\n") + "\n"


@task()
def notification_email(notification_id: int) -> str:
    """E-mail one notification to its learner, at most once however often this runs.

    The claim (``emailed_at``) is written under the notification's row lock and
    committed before sending, so a second run — the queue delivering twice, two
    workers, a retry — waits for the lock, sees the claim and sends nothing. The lock
    is not held while talking to the mail server (on SQLite a transaction locks the
    whole database). If sending fails the claim is given back and the task fails, so a
    retry can send it; only a crash between the claim and the send loses the e-mail.
    """
    now = timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return GONE
        if notification.emailed_at is not None:
            return ALREADY_SENT
        user = notification.user
        if not user.is_active or not getattr(user, "email", ""):
            return NO_ADDRESS
        notification.emailed_at = now
        notification.save(update_fields=["emailed_at"])
    # The e-mail speaks the learner's stored language, whoever's request or worker
    # happens to run this task (English when they never chose one).
    with translation.override(stored_language(user) or settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=_subject(notification),
            body=_body(notification),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
    try:
        message.send()
    except Exception:
        Notification.objects.filter(pk=notification.pk, emailed_at=now).update(emailed_at=None)
        logger.exception("E-mail of notification %s failed; it can be retried", notification.pk)
        raise
    return SENT
