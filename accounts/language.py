"""The learner's language: chosen in the header's switcher, stored on the learner.

How a page picks its language (docs/i18n.md):

1. a signed-in learner's stored choice - copied into the session at log-in and when
   they switch, so ``LearnerLanguageMiddleware`` reads it without a query;
2. otherwise the language cookie the switcher sets (Django's ``set_language``);
3. otherwise the browser's ``Accept-Language`` (Django's ``LocaleMiddleware``);
4. otherwise English.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from accounts.models import LearnerPreferences

# The session's copy of LearnerPreferences.language.
SESSION_KEY = "learner_language"


def supported_language(code: str | None) -> str | None:
    """``code`` if it is one of settings.LANGUAGES (case-insensitive), else None."""
    wanted = (code or "").strip().lower()
    return next((c for c, _name in settings.LANGUAGES if c == wanted), None)


@transaction.atomic
def learner_language_set(*, user, language: str) -> LearnerPreferences:
    """Store ``language`` as the learner's language (one row per learner)."""
    code = supported_language(language)
    if code is None:
        raise ValueError(f"unsupported language {language!r}")
    preferences, _created = LearnerPreferences.objects.update_or_create(
        user=user, defaults={"language": code}
    )
    return preferences


def stored_language(user) -> str | None:
    """The learner's stored language, or None when they never chose one."""
    code = LearnerPreferences.objects.filter(user=user).values_list("language", flat=True).first()
    return supported_language(code)
