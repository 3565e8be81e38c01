from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.forms import SignupForm
from config.ratelimit import RateLimit, client_address


def login_rate_limit() -> RateLimit:
    return RateLimit(
        scope="login",
        limit=settings.LOGIN_RATE_LIMIT,
        window_seconds=settings.LOGIN_RATE_WINDOW_SECONDS,
    )


def _login_identity(request) -> str:
    username = request.POST.get("username", "").strip().lower()
    return f"{username}|{client_address(request)}"


class LoginView(auth_views.LoginView):
    """Django's log-in, throttled per (username, address) after repeated failures."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        limiter = login_rate_limit()
        identity = _login_identity(request)
        if limiter.is_limited(identity):
            minutes = max(1, round(limiter.retry_after() / 60))
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                ngettext(
                    "Too many failed log-in attempts for this account. "
                    "Try again in %(minutes)d minute.",
                    "Too many failed log-in attempts for this account. "
                    "Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_rate_limit().hit(_login_identity(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        login_rate_limit().reset(_login_identity(self.request))
        return super().form_valid(form)


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(next_url or "home")
    else:
        form = SignupForm()
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": next_url, "title": _("Sign up")},
    )
