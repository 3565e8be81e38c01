"""Keep the header's session copy of the margin state right from the moment of log-in."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.activation import margin_activation_of, remember_in_session


@receiver(user_logged_in, dispatch_uid="accounts.margin_state_on_login")
def margin_state_on_login(sender, request, user, **kwargs) -> None:
    # A learner who activated on another device sees "Margin: active" after logging in here.
    if request is not None and hasattr(request, "session"):
        remember_in_session(request, margin_activation_of(user))
