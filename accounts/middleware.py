from __future__ import annotations

from django.conf import settings
from django.utils import translation

from accounts.language import SESSION_KEY, supported_language


class LearnerLanguageMiddleware:
    """Speak a signed-in learner's stored language, whatever the browser asks for.

    Runs after ``LocaleMiddleware`` (cookie, then Accept-Language) and overrides it
    when the session holds the learner's choice. The session is the one a signed-in
    request loads anyway for the user, so this costs no query; an anonymous request
    without a session cookie has nothing to load. The response also carries the
    language cookie, so the choice outlives the session (log-out keeps the language).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = None
        if session is not None and session.session_key:
            language = supported_language(session.get(SESSION_KEY))
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
