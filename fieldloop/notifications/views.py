"""HTML pages of notifications: the inbox, the top bar's bell (loaded by htmx), open and mark all read."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fieldloop.core.htmx import is_htmx
from fieldloop.core.pagination import keyset_page
from fieldloop.org.decorators import actor_of, employee_required

from . import selectors, services

PAGE_SIZE = 30


@employee_required()
def notification_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.notification_inbox(actor=actor, unread_only=unread_only)
    cursor = request.GET.get("cursor") or None
    page = keyset_page(qs, ordering=selectors.INBOX_ORDERING, cursor=cursor, limit=PAGE_SIZE)
    context = {"page": page, "unread_only": unread_only}
    if is_htmx(request) and cursor:
        return render(request, "notifications/notification_list.html#rows", context)
    return render(request, "notifications/notification_list.html", context)


@employee_required()
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell's unread count: fetched by htmx after the page has loaded, so pages keep their queries."""
    count = selectors.notification_unread_count(actor=actor_of(request))
    return render(request, "notifications/_bell.html", {"unread_count": count})


@employee_required()
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification: it is read now, and the browser goes to the thing it is about."""
    notification = services.notification_mark_read(actor=actor_of(request), notification_id=notification_id)
    return redirect(notification.link or "notification_list")


@require_POST
@employee_required()
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = services.notification_mark_all_read(actor=actor_of(request))
    messages.success(
        request,
        ngettext("%(n)d notification marked as read.", "%(n)d notifications marked as read.", marked) % {"n": marked},
    )
    return redirect("notification_list")
