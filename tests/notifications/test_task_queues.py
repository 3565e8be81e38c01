"""The e-mail through a real commit: the default immediate backend, and the database
queue that production uses, drained by its own worker command (db_worker).

These tests commit for real (transaction=True), as the worker only sees committed rows.
"""

from __future__ import annotations

import io
import signal

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from notifications import tasks
from notifications.models import Kind, Notification
from notifications.services import notification_send

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

pytestmark = pytest.mark.django_db(transaction=True)


def send(user, key="margin_call:1:2026-03-02T14:07"):
    return notification_send(
        user=user,
        kind=Kind.MARGIN_CALL,
        title="Margin call",
        body="Your margin level fell to 1.29.",
        link="/sandbox/margin/",
        key=key,
    )


def drain_queue() -> None:
    """Run the production worker until the queue is empty (--batch), in this process."""
    # The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back.
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker",
            batch=True,
            reload=False,
            startup_delay=False,
            interval=0,
            verbosity=0,
            stdout=io.StringIO(),
        )
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def test_the_default_backend_sends_right_after_the_commit(learner, mailoutbox, settings):
    settings.TASKS = IMMEDIATE
    with transaction.atomic():
        send(learner)
        assert mailoutbox == []

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.com"]


def test_a_rollback_sends_nothing_and_keeps_nothing(learner, mailoutbox, settings):
    settings.TASKS = IMMEDIATE
    with pytest.raises(RuntimeError), transaction.atomic():
        send(learner)
        raise RuntimeError("the margin action failed")

    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_the_database_queue_holds_it_until_the_worker_sends_it_once(learner, mailoutbox, settings):
    settings.TASKS = DATABASE_QUEUE
    with transaction.atomic():
        notification = send(learner)
        assert not DBTaskResult.objects.exists(), "nothing is queued before the commit"

    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "notifications.tasks.notification_email"
    assert mailoutbox == [], "the request itself sends nothing"

    drain_queue()

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.com"]
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert queued.return_value == tasks.SENT
    notification.refresh_from_db()
    assert notification.emailed_at is not None

    drain_queue()
    assert len(mailoutbox) == 1


def test_a_task_delivered_twice_by_the_queue_sends_one_email(learner, mailoutbox, settings):
    settings.TASKS = DATABASE_QUEUE
    send(learner)
    # The same task queued again (a retry, a replayed enqueue): both runs succeed,
    # one sends, the other sees the claim.
    tasks.notification_email.enqueue(Notification.objects.get().pk)

    drain_queue()

    assert len(mailoutbox) == 1
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [
        tasks.ALREADY_SENT,
        tasks.SENT,
    ]
