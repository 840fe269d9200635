"""/api/v1/notifications: the caller's own notifications; anyone else's is not found."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router

from fieldloop.core.pagination import keyset_page
from fieldloop.org.api import ERRORS
from fieldloop.org.decorators import actor_of

from . import selectors, services
from .kinds import render_message
from .models import Notification
from .schemas import MarkedOut, NotificationOut, NotificationPage, UnreadCountOut

router = Router(tags=["notifications"])


def notification_out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk, "kind": n.kind, "message": render_message(n.kind, n.params), "params": n.params, "link": n.link,
        "read_at": n.read_at, "created_at": n.created_at,
    }  # fmt: skip


@router.get("/notifications", response={200: NotificationPage, **ERRORS}, summary="My notifications, newest first")
def notification_list(
    request: HttpRequest,
    unread: bool = False,
    cursor: str | None = None,
    limit: int = Query(settings.FIELDLOOP_API_PAGE_SIZE, ge=1, le=200),
) -> dict[str, Any]:
    qs = selectors.notification_inbox(actor=actor_of(request), unread_only=unread)
    page = keyset_page(qs, ordering=selectors.INBOX_ORDERING, cursor=cursor, limit=limit)
    return {"items": [notification_out(n) for n in page.items], "next_cursor": page.next_cursor}


@router.get("/notifications/unread-count", response={200: UnreadCountOut, **ERRORS}, summary="How many are unread")
def notification_unread_count(request: HttpRequest) -> dict[str, Any]:
    return {"count": selectors.notification_unread_count(actor=actor_of(request))}


@router.post("/notifications/read-all", response={200: MarkedOut, **ERRORS}, summary="Mark all as read")
def notification_mark_all_read(request: HttpRequest) -> dict[str, Any]:
    return {"marked": services.notification_mark_all_read(actor=actor_of(request))}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS}, summary="Mark read")
def notification_mark_read(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    notification = services.notification_mark_read(actor=actor_of(request), notification_id=notification_id)
    return notification_out(notification)
