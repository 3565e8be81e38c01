"""The margin gate: what every margin and futures view and service of the sandbox checks.

Three ways to use it, all reading the same ``MarginActivation`` row:

- ``require_margin_activation(user)`` in a service, before it locks or changes
  anything: raises ``MarginLocked`` (its ``message`` is shown to the learner as is);
- ``@margin_required`` on a function view, or ``MarginRequiredMixin`` on a class view:
  a GET shows the locked panel (why margin is locked, a link to the quiz); any other
  method - a form POST, an htmx call, a JSON API call - answers HTTP 403 with the
  message and never reaches the view, so nothing changes;
- ``is_margin_activated(user)`` / ``margin_activation_of(user)`` for pages that only
  want to show the state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import MarginActivation

MARGIN_LOCKED_MESSAGE = _(
    "Margin and futures are locked until you pass the margin quiz and accept the risk statement."
)

# The header reads this session key instead of the database, so pages that pin their
# query counts are not charged for it; the gate itself always asks the database.
SESSION_KEY = "margin_activated_at"

LOCKED_TEMPLATE = "accounts/margin_locked.html"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class MarginLocked(Exception):
    """A margin or futures action by a learner whose margin is not activated."""

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message if message is not None else MARGIN_LOCKED_MESSAGE)
        super().__init__(self.message)


def margin_activation_of(user) -> MarginActivation | None:
    """The learner's activation, or None. Django caches the answer on the user object,
    so a view and its template asking again cost no second query."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.margin_activation
    except MarginActivation.DoesNotExist:
        return None


def is_margin_activated(user) -> bool:
    return margin_activation_of(user) is not None


def require_margin_activation(user) -> MarginActivation:
    """Service-level gate: raise ``MarginLocked`` unless the learner's margin is active."""
    activation = margin_activation_of(user)
    if activation is None:
        raise MarginLocked()
    return activation


def remember_in_session(request: HttpRequest, activation: MarginActivation | None) -> None:
    """Keep the header's copy of the state in step with the database."""
    if activation is None:
        request.session.pop(SESSION_KEY, None)
    elif request.session.get(SESSION_KEY) != activation.activated_at.isoformat():
        request.session[SESSION_KEY] = activation.activated_at.isoformat()


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def margin_locked_response(request: HttpRequest) -> HttpResponse:
    """What a gated view answers to a learner whose margin is locked."""
    message = str(MARGIN_LOCKED_MESSAGE)
    refused = request.method not in SAFE_METHODS
    if _wants_json(request):
        return JsonResponse({"error": message}, status=403)
    template = f"{LOCKED_TEMPLATE}#locked" if getattr(request, "htmx", False) else LOCKED_TEMPLATE
    response = render(
        request,
        template,
        {"message": message, "refused": refused, "title": _("Margin is locked")},
        status=403 if refused else 200,
    )
    if refused and getattr(request, "htmx", False):
        # htmx does not swap error responses; reloading shows the locked panel instead.
        response["HX-Refresh"] = "true"
    return response


def margin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator for margin and futures views: log-in, then the activation check.

    Place it outermost (above ``require_POST`` and the like) so a locked learner
    gets the locked answer whatever the view would have done.
    """

    @functools.wraps(view)
    def gated(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        activation = margin_activation_of(request.user)
        remember_in_session(request, activation)
        if activation is None:
            return margin_locked_response(request)
        return view(request, *args, **kwargs)

    return login_required(gated)


class MarginRequiredMixin(LoginRequiredMixin):
    """Class-based-view twin of ``margin_required`` (list it first among the bases)."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        activation = margin_activation_of(request.user)
        remember_in_session(request, activation)
        if activation is None:
            return margin_locked_response(request)
        return super().dispatch(request, *args, **kwargs)
