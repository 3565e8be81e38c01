"""At log-in: the session's copy of the margin state (the header), and the learner's
stored language (the language cookie)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.activation import margin_activation_of, remember_in_session
from accounts.language import (
    learner_language_set,
    stored_language,
    supported_language,
    use_language,
)


@receiver(user_logged_in, dispatch_uid="accounts.margin_state_on_login")
def margin_state_on_login(sender, request, user, **kwargs) -> None:
    # A learner who activated on another device sees "Margin: active" after logging in here.
    if request is not None and hasattr(request, "session"):
        remember_in_session(request, margin_activation_of(user))


@receiver(user_logged_in, dispatch_uid="accounts.language_on_login")
def language_on_login(sender, request, user, **kwargs) -> None:
    """The stored language follows the learner to any device they log in on.

    A learner with no stored language who chose one with the switcher before logging
    in (the cookie) keeps it, and it becomes their stored language.
    """
    if request is None:
        return
    language = stored_language(user)
    if language is None:
        chosen = supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        if chosen is None:
            return
        language = learner_language_set(user=user, language=chosen).language
    use_language(request, language)
