from __future__ import annotations

import factory

from notifications.models import Kind, Notification
from tests.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = Kind.MARGIN_CALL
    title = factory.Sequence(lambda n: f"Margin call {n}")
    body = "Your margin level fell to 1.29."
    link = "/sandbox/margin/"
    key = factory.Sequence(lambda n: f"margin_call:test:{n}")
