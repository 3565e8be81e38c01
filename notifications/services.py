"""Writes of notifications: send one (idempotent, e-mail after commit), mark read.

Other apps (the sandbox's risk engine and settings) call ``notification_send``; this
app imports nothing from them, so the dependency runs one way: sandbox → notifications.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.language import stored_language
from notifications import errors
from notifications.models import (
    EMAILED_KINDS,
    KEY_MAX_LENGTH,
    LINK_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Kind,
    Notification,
)
from notifications.tasks import notification_email


def _is_local_path(link: str) -> bool:
    # Only a path on this site: the list page links to it and the open view redirects
    # to it, so "//evil.example" or "javascript:" must never get in.
    return (
        link.startswith("/")
        and not link.startswith("//")
        and "\\" not in link
        and url_has_allowed_host_and_scheme(link, allowed_hosts=None)
    )


def _validate(*, kind: str, title: str, link: str, key: str) -> None:
    if kind not in Kind.values:
        raise errors.InvalidNotification(errors.UNKNOWN_KIND)
    if not key:
        raise errors.InvalidNotification(errors.KEY_REQUIRED)
    if len(key) > KEY_MAX_LENGTH:
        raise errors.InvalidNotification(errors.KEY_TOO_LONG)
    if not title.strip():
        raise errors.InvalidNotification(errors.TITLE_REQUIRED)
    if len(title) > TITLE_MAX_LENGTH:
        raise errors.InvalidNotification(errors.TITLE_TOO_LONG)
    if link and (len(link) > LINK_MAX_LENGTH or not _is_local_path(link)):
        raise errors.InvalidNotification(errors.LINK_NOT_LOCAL)


@transaction.atomic
@contextmanager
def recipient_language(user: AbstractBaseUser) -> Iterator[None]:
    """Write what is built inside (texts and the numbers in them) in ``user``'s stored
    language: the engine raises notifications in a sweep or in another request, where the
    active language is not the recipient's."""
    with translation.override(stored_language(user) or settings.LANGUAGE_CODE):
        yield


def notification_send(
    *,
    user: AbstractBaseUser,
    kind: str,
    title: str | Promise,
    body: str | Promise,
    link: str = "",
    key: str,
    sandbox_time: datetime.datetime | None = None,
) -> Notification:
    """Record a notification for ``user`` once per ``key``, and e-mail it after commit.

    Idempotent: a second call with the same (user, key) — the engine replaying a minute,
    a retried request — returns the first notification and sends nothing. The e-mail
    (kinds in EMAILED_KINDS only) is enqueued with ``transaction.on_commit``: if the
    caller's transaction rolls back, neither the notification nor the e-mail exists.
    Call it inside the caller's own ``transaction.atomic`` (the sandbox holds the
    account lock there); it only adds a savepoint.
    """
    if isinstance(title, Promise) or isinstance(body, Promise):
        # Lazily translated text (gettext_lazy, format_lazy) is written in the
        # recipient's stored language, not in whichever language the request runs in
        # (docs/i18n.md); plain strings are stored as given, at no extra query.
        with translation.override(stored_language(user) or settings.LANGUAGE_CODE):
            title, body = str(title), str(body)
    _validate(kind=kind, title=title, link=link, key=key)
    existing = Notification.objects.filter(user=user, key=key).first()
    if existing is not None:
        return existing
    try:
        # A savepoint: losing a race on the unique key must leave the caller's
        # transaction usable (PostgreSQL aborts a transaction on a failed INSERT).
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                kind=kind,
                title=title,
                body=body,
                link=link,
                key=key,
                sandbox_time=sandbox_time,
            )
    except IntegrityError:
        return Notification.objects.get(user=user, key=key)
    if kind in EMAILED_KINDS:
        # robust: a queue that is down must not turn a committed margin action into an
        # error page; the notification is already in the app, and the failure is logged.
        transaction.on_commit(partial(notification_email.enqueue, notification.pk), robust=True)
    return notification


def notification_mark_read(
    *, user: AbstractBaseUser, notification_id: int, now: datetime.datetime | None = None
) -> Notification:
    """Mark one of the learner's notifications read (a no-op if it already is).

    Raises ``Notification.DoesNotExist`` for an id that is not the learner's, so
    another learner's notification is indistinguishable from a missing one.
    """
    notification = Notification.objects.get(user=user, pk=notification_id)
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        # A single conditional UPDATE: two tabs opening it at once keep the first time.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notification_mark_all_read(
    *, user: AbstractBaseUser, now: datetime.datetime | None = None
) -> int:
    """Mark every unread notification of the learner read; return how many changed."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
