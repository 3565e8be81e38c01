"""Views that exist only for the margin gate's tests: each would change state if reached."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views import View
from django.views.decorators.http import require_POST

from accounts.activation import MarginRequiredMixin, margin_required, require_margin_activation
from config.urls import urlpatterns as site_urlpatterns


def _touch(user) -> None:
    # A visible state change: the learner's first name records that the view ran.
    user.first_name = (user.first_name or "") + "x"
    user.save(update_fields=["first_name"])


@margin_required
def margin_page(request):
    if request.method == "POST":
        _touch(request.user)
        return HttpResponse("borrowed")
    return HttpResponse("the margin page")


@margin_required
@require_POST
def margin_borrow(request):
    _touch(request.user)
    return HttpResponse("borrowed")


@margin_required
def margin_api(request):
    if request.method != "GET":
        _touch(request.user)
    return JsonResponse({"ok": True})


class FuturesView(MarginRequiredMixin, View):
    def get(self, request):
        return HttpResponse("the futures page")

    def post(self, request):
        _touch(request.user)
        return HttpResponse("opened")


def service_style(request):
    """A view that trusts the service-level check alone."""
    from accounts.activation import MarginLocked

    try:
        require_margin_activation(request.user)
    except MarginLocked as locked:
        return HttpResponse(locked.message, status=403)
    _touch(request.user)
    return HttpResponse("done")


urlpatterns = [
    path("test-margin/", margin_page, name="test_margin_page"),
    path("test-margin/borrow/", margin_borrow, name="test_margin_borrow"),
    path("api/test-margin/", margin_api, name="test_margin_api"),
    path("test-futures/", FuturesView.as_view(), name="test_futures"),
    path("test-service/", service_style, name="test_service"),
    *site_urlpatterns,
]
