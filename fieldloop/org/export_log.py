"""The export log: who exported what, when, and how many rows. Exports write an audit entry (`services.audit`) with
`{"count", "format", "filters"}` under an action an app registers here (customers: "customers.export"); this reads
them back for administrators, newest first, keyset-paged on the audit_action_created index, filtered by person and
by days of the organization's time zone."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError

from .models import AuditEntry, Employee
from .permissions import Permission, has_permission

EXPORT_LOG_ORDERING = ("-created_at", "-id")
_ACTIONS: dict[str, Promise | str] = {}
_FILTER_LABELS: dict[str, Mapping[str, Promise | str]] = {}


def register_export_action(
    action: str, label: Promise | str, filter_labels: Mapping[str, Promise | str] | None = None
) -> None:
    """An audit action that records an export, what it exported (a noun: "Customers"), and the labels of the
    filters it logs (by their key in the entry's `filters`)."""
    _ACTIONS[action] = label
    _FILTER_LABELS[action] = filter_labels or {}


def export_label(action: str) -> str:
    return str(_ACTIONS.get(action, action))


@dataclass(frozen=True)
class ExportLogFilters:
    employee_id: int | None = None
    date_from: date | None = None  # days of the organization's time zone, both ends included
    date_to: date | None = None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def export_log_filters_from_query(query: dict[str, str]) -> ExportLogFilters:
    """The filters from a query string (employee, from, to); junk is ignored."""
    return ExportLogFilters(
        employee_id=_int(query.get("employee")), date_from=_date(query.get("from")), date_to=_date(query.get("to"))
    )


def export_log(*, actor: Employee, filters: ExportLogFilters | None = None) -> QuerySet[AuditEntry]:
    """The organization's exports, newest first (keyset-page on EXPORT_LOG_ORDERING), for an administrator (one
    who may manage the organization); anyone else is refused."""
    if not actor.is_active or not has_permission(actor, Permission.MANAGE_ORGANIZATION):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    f = filters or ExportLogFilters()
    qs = AuditEntry.objects.filter(org_id=actor.org_id, action__in=list(_ACTIONS)).select_related("actor")
    if f.employee_id is not None:
        qs = qs.filter(actor_id=f.employee_id)
    zone = ZoneInfo(actor.org.time_zone)
    if f.date_from is not None:
        qs = qs.filter(created_at__gte=datetime.combine(f.date_from, time.min, tzinfo=zone))
    if f.date_to is not None:
        qs = qs.filter(created_at__lt=datetime.combine(f.date_to + timedelta(days=1), time.min, tzinfo=zone))
    return qs


def export_row_count(entry: AuditEntry) -> int | None:
    count = entry.changes.get("count") if isinstance(entry.changes, dict) else None
    return count if isinstance(count, int) else None


def export_filters_text(entry: AuditEntry) -> str:
    """The filters the export was made with, as `label: value` pairs of those that were set (a yes/no filter: its
    label alone)."""
    raw: Any = entry.changes.get("filters") if isinstance(entry.changes, dict) else None
    if not isinstance(raw, dict):
        return ""
    labels = _FILTER_LABELS.get(entry.action, {})
    parts = []
    for key, value in raw.items():
        if value in (None, "", False, [], {}):
            continue
        label = str(labels.get(key, key))
        parts.append(label if value is True else f"{label}: {value}")
    return ", ".join(parts)
