"""Writes of notifications: send (one or many, deduplicated) and mark as read.

`notify` and `notify_many` join the caller's transaction, so a notification exists exactly when the
change it reports was committed.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from fieldloop.core.errors import not_found
from fieldloop.org.models import Employee

from .kinds import is_registered
from .models import Notification


@dataclass(frozen=True)
class Notice:
    """One notification to send: for `recipient_id` of `org_id`, of a registered `kind`."""

    org_id: int
    recipient_id: int
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    link: str = ""
    dedupe_key: str = ""


def _checked(notice: Notice) -> Notification:
    if not is_registered(notice.kind):
        raise ValueError(f"unknown notification kind {notice.kind!r}: register it with register_kind()")
    if notice.link and (not notice.link.startswith("/") or notice.link.startswith("//")):
        raise ValueError(f"a notification links to a path of this site, not {notice.link!r}")
    return Notification(
        org_id=notice.org_id,
        recipient_id=notice.recipient_id,
        kind=notice.kind,
        params=dict(notice.params),
        link=notice.link,
        dedupe_key=notice.dedupe_key,
    )


def notify_many(notices: Iterable[Notice]) -> None:
    """Send many notifications in one INSERT; one whose (recipient, dedupe_key) was already sent is
    skipped (INSERT OR IGNORE on SQLite, ON CONFLICT DO NOTHING on PostgreSQL)."""
    rows = [_checked(n) for n in notices]
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)


def notify(
    *, recipient: Employee, kind: str, params: Mapping[str, Any] | None = None, link: str = "", dedupe_key: str = ""
) -> None:
    """Send one notification to `recipient` (skipped if one with the same `dedupe_key` was sent)."""
    notify_many(
        [Notice(org_id=recipient.org_id, recipient_id=recipient.pk, kind=kind, params=params or {}, link=link,
                dedupe_key=dedupe_key)]
    )  # fmt: skip


@transaction.atomic
def notification_mark_read(*, actor: Employee, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications as read (anyone else's is not found)."""
    notification = (
        Notification.objects.select_for_update()
        .filter(org_id=actor.org_id, recipient_id=actor.pk, pk=notification_id)
        .first()
    )
    if notification is None:
        raise not_found()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notification_mark_all_read(*, actor: Employee) -> int:
    """Mark all the actor's unread notifications as read; returns how many."""
    now = timezone.now()
    return Notification.objects.filter(org_id=actor.org_id, recipient_id=actor.pk, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )
