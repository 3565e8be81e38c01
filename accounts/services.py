"""Writes of the accounts app."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import MarginActivation


@transaction.atomic
def margin_activation_record(
    *, user, attempt_id: int, statement_version: str, now: datetime
) -> MarginActivation:
    """Record the learner's margin activation; the first one stands.

    The learning app calls this once a learner has passed the quiz and accepted the
    risk statement. Calling it again (a double-clicked form, a second tab) returns the
    existing activation unchanged, so the activation time is when margin first opened.
    """
    # Lock the learner's row so two concurrent acceptances cannot both insert.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    activation, _created = MarginActivation.objects.get_or_create(
        user=user,
        defaults={
            "activated_at": now,
            "attempt_id": attempt_id,
            "statement_version": statement_version,
        },
    )
    # Keep the cached reverse relation in step for the rest of this request.
    user.margin_activation = activation
    return activation
