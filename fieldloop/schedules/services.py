"""Writes of schedule items: keyword-only, the acting employee first, one transaction each."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.models import Employee

from .models import ItemKind, ItemState, ScheduleItem


def org_today(employee: Employee, now: datetime | None = None) -> date:
    """Today in the employee's organization's time zone."""
    return (now or timezone.now()).astimezone(ZoneInfo(employee.org.time_zone)).date()


def _fulfil(*, employee: Employee, at: datetime, customer_id: int, kind: str, **link: object) -> int:
    """The employee's planned items of `kind` at the customer on the day of `at` become done, linked: one UPDATE."""
    day = at.astimezone(ZoneInfo(employee.org.time_zone)).date()
    now = timezone.now()
    return ScheduleItem.objects.filter(
        org_id=employee.org_id,
        employee_id=employee.pk,
        day=day,
        customer_id=customer_id,
        kind=kind,
        state=ItemState.PLANNED,
    ).update(state=ItemState.DONE, done_at=now, updated_at=now, **link)


def fulfil_by_visit(visit: Visit) -> int:
    """A check-in at a customer: that day's planned visits of the rep to the customer are done (activities'
    hook, inside the check-in's transaction)."""
    if visit.customer_id is None:
        return 0
    return _fulfil(
        employee=visit.employee, at=visit.checked_in_at, customer_id=visit.customer_id, kind=ItemKind.VISIT,
        fulfilled_visit_id=visit.pk,
    )  # fmt: skip


def fulfil_by_record(record: WorkRecord) -> int:
    """A call logged (a record of a call template) about a customer: that day's planned calls of the rep to the
    customer are done (activities' hook, inside the record's transaction)."""
    if record.customer_id is None or record.template.purpose != Purpose.CALL:
        return 0
    return _fulfil(
        employee=record.author, at=record.captured_at, customer_id=record.customer_id, kind=ItemKind.CALL,
        fulfilled_record_id=record.pk,
    )  # fmt: skip


def open_items_count(employee: Employee) -> int:
    """What a leaving employee still holds: planned items from today on."""
    return ScheduleItem.objects.filter(
        org_id=employee.org_id, employee_id=employee.pk, state=ItemState.PLANNED, day__gte=org_today(employee)
    ).count()
