"""notification_email_retry: a learner still gets an e-mail that failed, and only once."""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from notifications.models import Kind
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory


def retry(**options) -> str:
    out = io.StringIO()
    call_command("notification_email_retry", stdout=out, **options)
    return out.getvalue()


def test_it_sends_the_unsent_ones_once(learner, mailoutbox, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    unsent = NotificationFactory(user=learner, title="Never sent")
    NotificationFactory(user=learner, emailed_at=timezone.now(), title="Sent already")
    NotificationFactory(user=learner, kind=Kind.INFO, title="In the app only")
    NotificationFactory(user=UserFactory(username="noaddress", email=""), title="No address")
    NotificationFactory(
        user=learner, title="Too old", created_at=timezone.now() - datetime.timedelta(hours=30)
    )

    assert retry() == "Enqueued 1 notification e-mail(s).\n"
    assert [m.subject for m in mailoutbox] == ["Margin Lab: Never sent"]
    unsent.refresh_from_db()
    assert unsent.emailed_at is not None

    assert retry() == "Enqueued 0 notification e-mail(s).\n"
    assert retry(hours=48) == "Enqueued 1 notification e-mail(s).\n"
    assert len(mailoutbox) == 2
