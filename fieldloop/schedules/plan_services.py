"""Writes of visit plans (拜访计划): keyword-only, the acting employee first, one transaction each,
`ServiceError` with every field's message on refusal (nothing is written then).

- Frequencies: an administrator (MANAGE_ORGANIZATION) sets the organization's visit frequency per customer level
  and a customer's own in place of its level's. A new organization starts with `plans.DEFAULT_EVERY_DAYS`.
- Scheduling a due customer is `services.schedule_item_create` (a visit): nothing of its own here.
- Applying a day's suggested order: the visits get start and end times in that order (one UPDATE for all).
- The visit report's "next visit on" (activities' after-record hooks): filing it plans a visit of the author to
  the customer that day; editing the date moves that planned visit, clearing it cancels it. The planned item's
  client_id is derived from the record, so a replay or an edit never makes a second one.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.activities.models import WorkRecord
from fieldloop.core.errors import ErrorCode, ServiceError, not_found
from fieldloop.customers.models import CustomerLevel
from fieldloop.customers.selectors import visible_customers
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.models import Employee, Organization
from fieldloop.org.permissions import Permission
from fieldloop.org.selectors import can_change_owned_by
from fieldloop.org.services import audit, require_permission

from . import plan_selectors, services
from .models import CustomerVisitFrequency, ItemKind, ItemState, ScheduleItem, VisitFrequency
from .plans import DEFAULT_EVERY_DAYS, check_every_days

NEXT_VISIT_FIELD = "next_visit_on"
NEXT_VISIT_NAMESPACE = uuid.UUID("5b0f5c1e-8d5e-4d36-9a59-2f8f0f6a1c11")
MAX_MINUTES_EACH = 480


def _refuse(errors: dict[str, list[Any]]) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)


# --- frequencies ----------------------------------------------------------------------------------------------


def visit_frequency_defaults_create(org: Organization) -> None:
    """A new organization's visit frequency per level (registered in `org.defaults`)."""
    VisitFrequency.objects.bulk_create(
        [VisitFrequency(org=org, level=level, every_days=days) for level, days in DEFAULT_EVERY_DAYS.items()]
    )


@transaction.atomic
def visit_frequencies_set(*, actor: Employee, every_days: dict[str, Any]) -> dict[str, int | None]:
    """Set the visit frequency of the levels given (level -> days, or None for no regular visits); returns every
    level's frequency."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    errors: dict[str, list[Any]] = {}
    clean: dict[str, int | None] = {}
    if not isinstance(every_days, dict):
        raise _refuse({"every_days": [_("Expected an object.")]})
    for level, value in every_days.items():
        if level not in CustomerLevel.values:
            errors[level] = [_("Not a customer level.")]
            continue
        clean[level] = check_every_days(errors, level, value)
    if errors:
        raise _refuse(errors)
    rows = {f.level: f for f in VisitFrequency.objects.select_for_update().filter(org_id=actor.org_id)}
    changes: dict[str, list[Any]] = {}
    for level, days in clean.items():
        row = rows.get(level)
        if row is None:
            rows[level] = VisitFrequency.objects.create(org_id=actor.org_id, level=level, every_days=days)
            changes[level] = [None, days]
        elif row.every_days != days:
            changes[level] = [row.every_days, days]
            row.every_days = days
            row.save(update_fields=["every_days", "updated_at"])
    if changes:
        audit(actor=actor, org=actor.org, action="visitfrequency.update", obj=actor.org, changes=changes)
    return {level: rows[level].every_days if level in rows else None for level in CustomerLevel.values}


@transaction.atomic
def customer_visit_frequency_set(
    *, actor: Employee, customer_id: int, every_days: Any, follow_level: bool = False
) -> CustomerVisitFrequency | None:
    """Give a customer its own visit frequency (days, or None: no regular visits), or with `follow_level` let it
    follow its level's again (returns None then)."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    customer = visible_customers(actor=actor).filter(pk=customer_id).first()
    if customer is None:
        raise not_found()
    current = CustomerVisitFrequency.objects.select_for_update().filter(customer_id=customer.pk).first()
    if follow_level:
        if current is not None:
            audit(
                actor=actor, org=actor.org, action="customervisitfrequency.delete", obj=customer,
                changes={"every_days": [current.every_days, "level"]},
            )  # fmt: skip
            current.delete()
        return None
    errors: dict[str, list[Any]] = {}
    days = check_every_days(errors, "every_days", every_days)
    if errors:
        raise _refuse(errors)
    if current is None:
        current = CustomerVisitFrequency.objects.create(org_id=actor.org_id, customer=customer, every_days=days)
        audit(
            actor=actor, org=actor.org, action="customervisitfrequency.set", obj=customer,
            changes={"every_days": ["level", days]},
        )  # fmt: skip
    elif current.every_days != days:
        audit(
            actor=actor, org=actor.org, action="customervisitfrequency.set", obj=customer,
            changes={"every_days": [current.every_days, days]},
        )  # fmt: skip
        current.every_days = days
        current.save(update_fields=["every_days", "updated_at"])
    return current


def visit_frequency_follows_merge(org_id: int, keep_id: int, gone_id: int) -> int:
    """A merged duplicate's own visit frequency goes to the customer kept unless that one has its own."""
    if CustomerVisitFrequency.objects.filter(org_id=org_id, customer_id=keep_id).exists():
        return 0
    return CustomerVisitFrequency.objects.filter(org_id=org_id, customer_id=gone_id).update(
        customer_id=keep_id, updated_at=timezone.now()
    )


# --- applying a day's order -----------------------------------------------------------------------------------


def _add_minutes(start: time, minutes: int) -> time | None:
    moment = datetime.combine(date(2000, 1, 1), start) + timedelta(minutes=minutes)
    return moment.time() if moment.date() == date(2000, 1, 1) else None


@transaction.atomic
def route_apply(
    *,
    actor: Employee,
    day: Any,
    item_ids: Sequence[int],
    employee_id: int | None = None,
    start_time: Any = time(9, 0),
    minutes_each: Any = 45,
) -> list[ScheduleItem]:
    """Put an employee's planned visits of a day in the order given: the first starts at `start_time`, each lasts
    `minutes_each` minutes (travel included) and the next starts when it ends. The order must name every planned
    visit of that day once. One UPDATE for all."""
    employee = plan_selectors.employee_in_scope(actor=actor, employee_id=employee_id)
    day = plan_selectors.check_route_day(day, plan_selectors.org_today(employee))
    if not can_change_owned_by(actor=actor, owner=employee):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not change this employee's schedule."))
    errors: dict[str, list[Any]] = {}
    if not isinstance(start_time, time):
        errors["start_time"] = [_("Enter a time.")]
    if isinstance(minutes_each, bool) or not isinstance(minutes_each, int) or not 5 <= minutes_each <= MAX_MINUTES_EACH:
        errors["minutes_each"] = [
            _("Enter a whole number from %(min)d to %(max)d.") % {"min": 5, "max": MAX_MINUTES_EACH}
        ]
    ids = list(item_ids) if isinstance(item_ids, (list, tuple)) else []
    items = {
        i.pk: i
        for i in ScheduleItem.objects.select_for_update()
        .filter(org_id=actor.org_id, employee_id=employee.pk, day=day, kind=ItemKind.VISIT, state=ItemState.PLANNED)
        .exclude(customer__isnull=True)
    }
    if not ids or len(set(ids)) != len(ids) or set(ids) != set(items):
        errors["item_ids"] = [_("List every planned visit of the day once; the day has changed, reload it.")]
    if not errors:
        last_end = _add_minutes(start_time, len(ids) * minutes_each)
        if last_end is None:
            errors["minutes_each"] = [_("The visits would run past midnight: start earlier or shorten them.")]
    if errors:
        raise _refuse(errors)
    ordered = [items[pk] for pk in ids]
    now = timezone.now()
    for n, item in enumerate(ordered):
        item.start_time = _add_minutes(start_time, n * minutes_each)
        item.end_time = _add_minutes(start_time, (n + 1) * minutes_each)
        item.updated_at = now
        if item.series_id is not None:
            item.is_exception = True
    ScheduleItem.objects.bulk_update(ordered, ["start_time", "end_time", "updated_at", "is_exception"])
    audit(
        actor=actor, org=actor.org, action="scheduleitem.route_apply", obj=employee,
        changes={"day": [None, day.isoformat()], "order": [None, ids]},
    )  # fmt: skip
    return ordered


# --- the visit report's "next visit on" (activities' after-record hooks) --------------------------------------


def next_visit_client_id(record: WorkRecord) -> uuid.UUID:
    return uuid.uuid5(NEXT_VISIT_NAMESPACE, f"{record.org_id}:{record.client_id}")


def _next_visit_day(record: WorkRecord) -> date | None:
    raw = (record.values or {}).get(NEXT_VISIT_FIELD)
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _is_visit_report(record: WorkRecord) -> bool:
    return record.customer_id is not None and record.template.purpose == Purpose.VISIT


def next_visit_from_record(record: WorkRecord) -> ScheduleItem | None:
    """A visit report filed with a next visit day plans that visit for its author (inside the record's
    transaction). A day the plan refuses (past, too far) plans nothing: the record is filed all the same."""
    if not _is_visit_report(record):
        return None
    day = _next_visit_day(record)
    if day is None or day < services.org_today(record.author):
        return None
    try:
        with transaction.atomic():
            item, _created = services.schedule_item_create(
                actor=record.author, client_id=next_visit_client_id(record), day=day, kind=ItemKind.VISIT,
                customer_id=record.customer_id, notes=_("Planned in a visit report."),
            )  # fmt: skip
    except ServiceError:
        return None
    return item


def next_visit_follow_edit(record: WorkRecord) -> ScheduleItem | None:
    """A visit report edited: its planned next visit moves to the new day, is cancelled when the day is cleared,
    or is planned now if it had none (inside the edit's transaction). A visit already done or missed stays."""
    if not _is_visit_report(record):
        return None
    item = ScheduleItem.objects.filter(org_id=record.org_id, client_id=next_visit_client_id(record)).first()
    if item is None:
        return next_visit_from_record(record)
    if item.state != ItemState.PLANNED:
        return item
    day = _next_visit_day(record)
    try:
        with transaction.atomic():
            if day is None:
                return services.schedule_item_cancel(actor=record.author, item_id=item.pk)
            if day != item.day:
                return services.schedule_item_update(actor=record.author, item_id=item.pk, day=day)
    except ServiceError:
        return item
    return item
