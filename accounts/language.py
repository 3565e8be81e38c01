"""The learner's language: chosen in the header's switcher, stored on the learner.

How a page picks its language (docs/i18n.md):

1. the language cookie: set by the switcher (Django's ``set_language``) and, at
   log-in, to the learner's stored choice (``LearnerLanguageMiddleware``), so a
   learner's language follows them to every device they log in on;
2. otherwise the browser's ``Accept-Language`` (Django's ``LocaleMiddleware``);
3. otherwise English.

No page pays a query for it: the stored choice is read once, at log-in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import translation

from accounts.models import LearnerPreferences

# Set on a request whose response must carry the learner's language cookie.
REQUEST_ATTRIBUTE = "learner_language"


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


def use_language(request: HttpRequest, language: str) -> None:
    """Speak ``language`` for the rest of this request, and have its response set the
    language cookie (``LearnerLanguageMiddleware``) so the next requests speak it too."""
    translation.activate(language)
    request.LANGUAGE_CODE = language
    setattr(request, REQUEST_ATTRIBUTE, language)
