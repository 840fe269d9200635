"""Reads of notifications: only ever the actor's own."""

from django.db.models import QuerySet

from fieldloop.org.models import Employee

from .models import Notification

INBOX_ORDERING = ("-created_at", "-id")  # served by the (recipient, created_at, id) index


def notification_inbox(*, actor: Employee, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's notifications, newest first (keyset-paged by the caller on INBOX_ORDERING)."""
    qs = Notification.objects.filter(org_id=actor.org_id, recipient_id=actor.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by(*INBOX_ORDERING)


def notification_unread_count(*, actor: Employee) -> int:
    return Notification.objects.filter(org_id=actor.org_id, recipient_id=actor.pk, read_at__isnull=True).count()
