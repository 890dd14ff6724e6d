"""In-app notifications (attendance alerts, documents ready…): the list of one's own, its
unread count for the header, and marking them read, one or all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .models import Notification
from .notifications import notification_mark_read, notifications_mark_all_read

PER_PAGE = 30


def _own(request):
    return Notification.objects.filter(recipient=request.user)


@login_required
@require_GET
def notification_list(request):
    page = Paginator(_own(request).order_by("-created_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "core/notifications.html", {
        "page": page, "notifications": list(page.object_list),
        "unread": _own(request).unread().count(),
    })


@never_cache
@login_required
@require_GET
def notification_count(request):
    """The unread count shown in the header (static/js/notifications.js asks for it: the
    pages themselves don't pay a query for it)."""
    return JsonResponse({"unread": _own(request).unread().count()})


@login_required
@require_POST
def notification_read(request, notification_id):
    """Mark one read; with `open`, go to what it is about."""
    notification = get_object_or_404(_own(request), pk=notification_id)
    notification_mark_read(notification=notification, user=request.user)
    target = notification.url
    if request.POST.get("open") and target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    messages.success(request, ngettext("%(count)s notification marked read.",
                                       "%(count)s notifications marked read.", count)
                     % {"count": count} if count else _("Nothing left to read."))
    return redirect("notifications:list")


app_name = "notifications"
urlpatterns = [
    path("", notification_list, name="list"),
    path("compte/", notification_count, name="count"),
    path("<int:notification_id>/lu/", notification_read, name="read"),
    path("tout-lu/", notification_read_all, name="read-all"),
]
