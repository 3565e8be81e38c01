from __future__ import annotations

from django.conf import settings

from accounts.language import REQUEST_ATTRIBUTE


class LearnerLanguageMiddleware:
    """Set the language cookie to a learner's stored language when they log in.

    ``accounts.signals`` reads the stored language at log-in and marks the request
    (``accounts.language.use_language``); from then on the cookie carries it and
    ``LocaleMiddleware`` applies it to every request without a query - also after
    log-out, so this browser keeps speaking the learner's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, REQUEST_ATTRIBUTE, None)
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
