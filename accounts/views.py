from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import i18n as i18n_views
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import LANGUAGE_QUERY_PARAMETER

from accounts.forms import SignupForm
from accounts.language import learner_language_set, supported_language
from config.ratelimit import RateLimit, client_address

# --- Password guesses ----------------------------------------------------------
# Every way to check a password - the site's log-in, the admin's log-in, and both
# password-change forms (the old password) - counts failures against one limiter,
# keyed by (username, client address): guessing through the admin gains nothing
# over guessing through the site. A limited request is refused before the password
# is looked at, so it changes nothing and reveals nothing.


def password_rate_limit() -> RateLimit:
    return RateLimit(
        scope="password",
        limit=settings.LOGIN_RATE_LIMIT,
        window_seconds=settings.LOGIN_RATE_WINDOW_SECONDS,
    )


def password_attempt_identity(request: HttpRequest, *, username: str) -> str:
    # Normalised the way the log-in form normalises it (NFKC, stripped), and
    # case-folded so "Alice" and "alice" count as one target.
    name = unicodedata.normalize("NFKC", username).strip().casefold()
    return f"{name}|{client_address(request)}"


def _too_many_attempts(request: HttpRequest, limiter: RateLimit) -> HttpResponse:
    seconds = limiter.retry_after()
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Too many wrong passwords for this account from your address. "
        "Try again in %(minutes)d minute.",
        "Too many wrong passwords for this account from your address. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    response = render(
        request,
        "registration/too_many_attempts.html",
        {"message": message, "title": _("Too many attempts")},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def _throttle_password_checks(
    view: Callable[..., HttpResponse],
    *,
    username: Callable[[HttpRequest], str],
    password_was_wrong: Callable[[forms.BaseForm], bool],
    password_was_right: Callable[[HttpRequest, HttpResponse, object], bool],
) -> Callable[..., HttpResponse]:
    """Wrap a form view that checks a password (Django's own or the admin's).

    Django's log-in and password-change views answer a failed POST with an
    unrendered TemplateResponse whose context holds the bound form, so the wrapper
    reads the outcome from the form's error codes without reimplementing the views.
    """

    @wraps(view)
    @sensitive_post_parameters()
    def throttled(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        limiter = password_rate_limit()
        identity = password_attempt_identity(request, username=username(request))
        if limiter.is_limited(identity):
            return _too_many_attempts(request, limiter)
        user_before = request.user.pk if request.user.is_authenticated else None
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.is_bound and password_was_wrong(form):
            limiter.hit(identity)
        elif password_was_right(request, response, user_before):
            limiter.reset(identity)
        return response

    return throttled


def _logged_in_now(request: HttpRequest, response: HttpResponse, user_before: object) -> bool:
    # Only a log-in that happened in this request, as the account that was named,
    # proves the password: a visitor who is already logged in and posts a name
    # (the site's form just redirects them) must not wipe that account's count.
    return (
        request.user.is_authenticated
        and request.user.pk != user_before
        and password_attempt_identity(request, username=request.user.get_username())
        == password_attempt_identity(request, username=request.POST.get("username", ""))
    )


def _password_changed(request: HttpRequest, response: HttpResponse, user_before: object) -> bool:
    # Both password-change views redirect only after the old password was right.
    return response.status_code == 302 and request.user.is_authenticated


def login_throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The limiter around a log-in view: the site's form and the admin's."""
    return _throttle_password_checks(
        view,
        username=lambda request: request.POST.get("username", ""),
        # The admin reports a right password for a non-staff account as
        # "invalid_login" too; only a failed authenticate() (no user) is a guess.
        password_was_wrong=lambda form: (
            form.has_error(NON_FIELD_ERRORS, "invalid_login") and form.get_user() is None
        ),
        password_was_right=_logged_in_now,
    )


def password_change_throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The limiter around a password change: a wrong old password is a guess too."""
    return _throttle_password_checks(
        view,
        username=lambda request: request.user.get_username(),
        password_was_wrong=lambda form: form.has_error("old_password", "password_incorrect"),
        password_was_right=_password_changed,
    )


# --- Log-in, sign-up, password change -------------------------------------------


def safe_next_url(request: HttpRequest) -> str:
    """The `next` page if it is a path on this site, else "" (meaning the default).

    url_has_allowed_host_and_scheme() alone lets a bare "x" through (relative URLs
    are "safe"), which is not a page: only absolute local paths are honoured.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        return safe_next_url(self.request)


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("accounts:password_change_done")


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    next_url = safe_next_url(request)
    if request.method == "POST":
        form = SignupForm(request.POST)
        try:
            # Check, create and log in as one step: if anything fails after the
            # row is written, no half-made account is left to say "name taken" on
            # the retry. The check runs inside the transaction so that on SQLite
            # (IMMEDIATE) two sign-ups for one name cannot both pass it.
            with transaction.atomic():
                if form.is_valid():
                    user = form.save()
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    return HttpResponseRedirect(
                        next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
                    )
        except IntegrityError:
            # PostgreSQL: a simultaneous sign-up took the name between check and insert.
            username = form.cleaned_data.get("username", "")
            User = get_user_model()
            if not User.objects.filter(username__iexact=username).exists():
                raise
            form.add_error("username", form.instance.unique_error_message(User, ["username"]))
    else:
        form = SignupForm()
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": next_url, "title": _("Sign up")},
    )


# --- Language ------------------------------------------------------------------


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switcher: Django's ``set_language`` (the cookie and the
    redirect back to ``next``), plus, for a signed-in learner, their stored language."""
    response = i18n_views.set_language(request)
    language = supported_language(request.POST.get(LANGUAGE_QUERY_PARAMETER))
    if language and request.user.is_authenticated:
        learner_language_set(user=request.user, language=language)
    return response
