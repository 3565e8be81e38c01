"""notification_email: one e-mail per notification, however often the task runs."""

from __future__ import annotations

import datetime
import smtplib

import pytest
from django.core import mail
from django.utils import translation

from accounts.models import LearnerPreferences
from notifications import tasks
from notifications.models import Notification
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory


def run(notification_id: int) -> str:
    # .call runs the task's function directly, as a worker does, without a queue.
    return tasks.notification_email.call(notification_id)


def test_it_sends_the_notification_to_the_learner(learner, mailoutbox, settings):
    settings.SITE_URL = "https://marginlab.example"
    notification = NotificationFactory(
        user=learner,
        title="Margin call: margin level 1.29",
        body="Your margin level fell to 1.29.",
        link="/sandbox/margin/",
        sandbox_time=datetime.datetime(2026, 3, 2, 14, 7, tzinfo=datetime.UTC),
    )

    assert run(notification.pk) == tasks.SENT

    [email] = mailoutbox
    assert email.to == ["alice@example.com"]
    assert email.subject == "Margin Lab: Margin call: margin level 1.29"
    assert "Your margin level fell to 1.29." in email.body
    assert "Sandbox time: 2026-03-02 14:07 UTC" in email.body
    assert "https://marginlab.example/sandbox/margin/" in email.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_running_it_twice_sends_one_email(learner, mailoutbox):
    notification = NotificationFactory(user=learner)

    assert run(notification.pk) == tasks.SENT
    assert run(notification.pk) == tasks.ALREADY_SENT

    assert len(mailoutbox) == 1


def test_a_title_with_a_newline_still_makes_a_one_line_subject(learner, mailoutbox):
    notification = NotificationFactory(user=learner, title="Liquidation\nat 58,000.00 USDT")

    run(notification.pk)

    assert mailoutbox[0].subject == "Margin Lab: Liquidation at 58,000.00 USDT"


def test_a_learner_without_an_address_gets_none(mailoutbox, db):
    notification = NotificationFactory(user=UserFactory(username="noaddress", email=""))

    assert run(notification.pk) == tasks.NO_ADDRESS

    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_an_inactive_learner_gets_none(mailoutbox, db):
    notification = NotificationFactory(user=UserFactory(username="gone", is_active=False))

    assert run(notification.pk) == tasks.NO_ADDRESS
    assert mailoutbox == []


def test_a_deleted_notification_is_not_an_error(mailoutbox, db):
    assert run(987654) == tasks.GONE
    assert mailoutbox == []


def test_a_failed_send_gives_the_claim_back_so_a_retry_sends_it(learner, monkeypatch):
    notification = NotificationFactory(user=learner)

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("the mail server hung up")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        run(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None

    monkeypatch.undo()
    assert run(notification.pk) == tasks.SENT
    assert len(mail.outbox) == 1


def test_the_immediate_backend_runs_it_when_enqueued(learner, mailoutbox, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    notification = NotificationFactory(user=learner)

    result = tasks.notification_email.enqueue(notification.pk)

    assert result.return_value == tasks.SENT
    assert len(mailoutbox) == 1
    assert Notification.objects.get().emailed_at is not None


def test_the_email_speaks_the_learners_stored_language_whoever_runs_it(learner, mailoutbox):
    LearnerPreferences.objects.create(user=learner, language="pl")
    notification = NotificationFactory(
        user=learner,
        title="Wezwanie do uzupełnienia depozytu",
        body="Twój poziom depozytu spadł do 1,29.",
        link="/sandbox/",
        sandbox_time=datetime.datetime(2026, 3, 2, 14, 7, tzinfo=datetime.UTC),
    )
    # The task runs in whatever language the request or worker had active.
    with translation.override("zh-hant"):
        assert run(notification.pk) == tasks.SENT
    [email] = mailoutbox
    assert email.subject == "Margin Lab: Wezwanie do uzupełnienia depozytu"
    assert "Czas w piaskownicy: 2026-03-02 14:07 UTC" in email.body
    assert "Otwórz: " in email.body
    assert "Margin Lab używa wyłącznie wirtualnych pieniędzy" in email.body
    assert "Sandbox time" not in email.body
