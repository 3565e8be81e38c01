"""Notification pages: the learner's list, open one, mark all read.

Only a POST changes anything: opening the list reads, it does not mark the list read
(a learner who glances at the page still finds what is new next time, and a browser
prefetching the page changes nothing). Opening one notification (a POST button) marks
that one read and goes to its link.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from notifications import selectors, services
from notifications.models import Notification

PER_PAGE = 20


def _list_url(page: str | None) -> str:
    url = reverse("notifications:list")
    if page and page.isdigit() and page != "1":
        url += f"?page={page}"
    return url


@login_required
@require_GET
def notification_list(request):
    paginator = Paginator(selectors.notification_list(user=request.user), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "title": _("Notifications")})


@login_required
@require_POST
def notification_open(request, notification_id: int):
    try:
        notification = services.notification_mark_read(
            user=request.user, notification_id=notification_id
        )
    except Notification.DoesNotExist:
        raise Http404 from None
    return redirect(notification.link or _list_url(request.POST.get("page")))


@login_required
@require_POST
def mark_all_read(request):
    changed = services.notification_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext(
            "Marked %(count)d notification as read.",
            "Marked %(count)d notifications as read.",
            changed,
        )
        % {"count": changed},
    )
    return redirect(_list_url(request.POST.get("page")))
