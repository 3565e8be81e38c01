"""notification_send: one notification per (learner, key), e-mailed only after commit."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.models import LearnerPreferences
from notifications import errors
from notifications.models import Kind, Notification
from notifications.services import notification_send

SANDBOX_MINUTE = datetime.datetime(2026, 3, 2, 14, 7, tzinfo=datetime.UTC)


def send(user, **overrides):
    arguments = {
        "user": user,
        "kind": Kind.MARGIN_CALL,
        "title": "Margin call: margin level 1.29",
        "body": "Your margin level fell to 1.29, at or below the 1.3 margin-call level.",
        "link": "/sandbox/margin/",
        "key": "margin_call:1:2026-03-02T14:07",
        "sandbox_time": SANDBOX_MINUTE,
    }
    return notification_send(**{**arguments, **overrides})


def test_it_records_every_field(learner):
    notification = send(learner)

    notification.refresh_from_db()
    assert notification.user == learner
    assert notification.kind == "margin_call"
    assert notification.title == "Margin call: margin level 1.29"
    assert notification.link == "/sandbox/margin/"
    assert notification.sandbox_time == SANDBOX_MINUTE
    assert notification.read_at is None


def test_the_same_key_twice_makes_one_notification(learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = send(learner)
        # The engine replaying the same minute raises the same event again.
        second = send(learner, title="A replay with other words")

    assert second.pk == first.pk
    assert Notification.objects.filter(user=learner).count() == 1
    assert Notification.objects.get().title == "Margin call: margin level 1.29"
    assert len(callbacks) == 1, "only the first send enqueues an e-mail"


def test_keys_are_per_learner(learner, other_learner):
    send(learner)
    send(other_learner)

    assert Notification.objects.filter(key="margin_call:1:2026-03-02T14:07").count() == 2


def test_another_key_is_another_notification(learner):
    send(learner)
    send(learner, key="margin_call:1:2026-03-03T14:07")

    assert Notification.objects.filter(user=learner).count() == 2


def test_it_emails_once_after_the_commit(learner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(learner)
        assert mailoutbox == [], "nothing is sent before the transaction commits"
    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.com"]
    assert Notification.objects.get().emailed_at is not None


def test_a_rolled_back_transaction_sends_nothing(
    learner, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(learner)
        raise RuntimeError("the caller's action failed after notifying")

    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_info_stays_in_the_app(learner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(learner, kind=Kind.INFO, key="info:welcome", link="")

    assert callbacks == []
    assert mailoutbox == []
    assert Notification.objects.get().kind == "info"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"link": "https://evil.example/"}, errors.LINK_NOT_LOCAL),
        ({"link": "//evil.example/x"}, errors.LINK_NOT_LOCAL),
        ({"link": "javascript:alert(1)"}, errors.LINK_NOT_LOCAL),
        ({"link": "sandbox/margin/"}, errors.LINK_NOT_LOCAL),
        ({"link": "/\\evil.example"}, errors.LINK_NOT_LOCAL),
        ({"key": ""}, errors.KEY_REQUIRED),
        ({"key": "k" * 201}, errors.KEY_TOO_LONG),
        ({"title": "  "}, errors.TITLE_REQUIRED),
        ({"title": "t" * 201}, errors.TITLE_TOO_LONG),
        ({"kind": "margin_kall"}, errors.UNKNOWN_KIND),
    ],
)
def test_it_refuses_bad_fields_and_records_nothing(learner, overrides, message):
    with pytest.raises(errors.InvalidNotification) as raised:
        send(learner, **overrides)

    assert raised.value.message == message
    assert not Notification.objects.exists()


def test_a_lost_race_on_the_key_keeps_the_callers_transaction_usable(
    learner, monkeypatch, django_capture_on_commit_callbacks
):
    # Another writer wins between our "does it exist?" and our INSERT: the INSERT fails
    # on the unique key, and the service returns the winner's row instead.
    winner = Notification.objects.create(
        user=learner, kind=Kind.MARGIN_CALL, title="Winner", key="race"
    )
    manager = Notification.objects
    see_all = manager.filter

    def not_yet_visible(*args, **kwargs):
        return see_all(pk=-1) if kwargs.get("key") == "race" else see_all(*args, **kwargs)

    monkeypatch.setattr(manager, "filter", not_yet_visible)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        result = send(learner, key="race")
        # The caller's transaction still works after the failed INSERT (PostgreSQL
        # would refuse every further statement without the savepoint).
        assert manager.count() == 1

    assert result.pk == winner.pk
    assert callbacks == [], "the loser enqueues no e-mail"


def test_a_kind_given_as_plain_text_is_emailed_too(learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notification = send(learner, kind="auto_top_up", key="auto_top_up:1:1")

    assert notification.kind == Kind.AUTO_TOP_UP
    assert len(callbacks) == 1


def test_lazily_translated_text_is_stored_in_the_recipients_language(learner, other_learner):
    LearnerPreferences.objects.create(user=learner, language="zh-hant")
    # The engine may run inside another learner's (Polish) request.
    with translation.override("pl"):
        mine = notification_send(
            user=learner,
            kind=Kind.MARGIN_CALL,
            title=gettext_lazy("Margin call"),
            body=gettext_lazy("Liquidation"),
            key="lazy-1",
        )
        theirs = notification_send(
            user=other_learner,
            kind=Kind.MARGIN_CALL,
            title=gettext_lazy("Margin call"),
            body="as given",
            key="lazy-1",
        )
    assert (mine.title, mine.body) == ("追加保證金通知", "強制平倉")
    # No stored language: English, not the language of the request that sent it.
    assert (theirs.title, theirs.body) == ("Margin call", "as given")
