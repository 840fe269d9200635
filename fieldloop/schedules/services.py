"""Writes of schedule items: keyword-only, the acting employee first, one transaction each, `ServiceError` with
every field's message on refusal (nothing is written then).

- Who: an employee plans and changes their own items; someone who may change another's rows
  (`org.selectors.can_change_owned_by`: a manager over the people they see) plans and changes theirs.
- A create is idempotent by `client_id` (the API's Idempotency-Key): a replay returns the first item. A
  recurring create writes the series and all its occurrences (at most MAX_OCCURRENCES) in one bulk insert.
- Editing (or moving) one occurrence of a series makes it an exception: it keeps its changes apart.
- Done: by hand with a note; by itself (activities' hooks) when the rep checks in at the customer or logs a call
  to them that day, linked to the visit or record (one UPDATE).
- The nightly close (`all_orgs_close_schedule_days`): items still planned on a day that has ended in their
  organization's time zone are missed; one UPDATE per time zone, idempotent.
- Handover: a leaver's planned items from today on follow their customers to the successors the customer
  handover chose (customers' handover hook), the rest go to the first successor.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.core import progress
from fieldloop.core.bulk import insert_rows
from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError, not_found
from fieldloop.customers.models import Contact, Customer
from fieldloop.customers.selectors import visible_customers
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.models import Employee, Organization
from fieldloop.org.selectors import can_change_owned_by, scope_to_visible, visible_employees
from fieldloop.org.services import audit

from .models import MAX_OCCURRENCES, Frequency, ItemKind, ItemState, ScheduleItem, ScheduleSeries
from .recurrence import TooManyOccurrences, occurrences

# How far from today (the organization's) an item may be planned: a little back (catching up on yesterday), two
# years ahead. Anything else is a typo or a broken client ("a day in an absurd year").
DAYS_BACK = 92
DAYS_AHEAD = 731
MAX_TITLE = 120
MAX_TEXT = 2000
MAX_INTERVAL = 12

Errors = dict[str, list[Any]]


def org_today(employee: Employee, now: datetime | None = None) -> date:
    """Today in the employee's organization's time zone."""
    return (now or timezone.now()).astimezone(ZoneInfo(employee.org.time_zone)).date()


def _refuse(errors: Errors) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)


# --- checks -----------------------------------------------------------------------------------------------


def _check_day(errors: Errors, name: str, day: Any, today: date) -> date | None:
    if not isinstance(day, date) or isinstance(day, datetime):
        errors[name] = [_("Enter a date.")]
        return None
    if day < today - timedelta(days=DAYS_BACK) or day > today + timedelta(days=DAYS_AHEAD):
        errors[name] = [
            _("Choose a day from %(first)s to %(last)s.")
            % {"first": today - timedelta(days=DAYS_BACK), "last": today + timedelta(days=DAYS_AHEAD)}
        ]
        return None
    return day


def _check_times(errors: Errors, start: Any, end: Any) -> None:
    for name, value in (("start_time", start), ("end_time", end)):
        if value is not None and not isinstance(value, time):
            errors[name] = [_("Enter a time.")]
    if "start_time" in errors or "end_time" in errors:
        return
    if end is not None and start is None:
        errors["start_time"] = [_("Enter when it starts, or leave the end empty too.")]
    elif start is not None and end is not None and end < start:
        errors["end_time"] = [_("The end must not be before the start.")]


def _check_text(errors: Errors, name: str, value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = [_("Enter text.")]
        return ""
    value = value.strip()
    if len(value) > limit:
        errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    return value


def _check_customer(
    errors: Errors, employee: Employee, customer_id: int | None, contact_id: int | None
) -> tuple[Customer | None, Contact | None]:
    """The customer (one the employee whose item it is may see) and its contact."""
    if contact_id is not None and customer_id is None:
        errors["customer_id"] = [_("Choose the customer of this contact.")]
        return None, None
    if customer_id is None:
        return None, None
    customer = visible_customers(actor=employee).filter(pk=customer_id).first()
    if customer is None:
        errors["customer_id"] = [_("Not found, or not visible to the employee.")]
        return None, None
    contact = None
    if contact_id is not None:
        contact = Contact.objects.filter(
            org_id=employee.org_id, pk=contact_id, customer_id=customer.pk, archived_at__isnull=True
        ).first()
        if contact is None:
            errors["contact_id"] = [_("Choose a contact of this customer.")]
    return customer, contact


def _employee_for(actor: Employee, employee_id: int | None) -> Employee:
    """Whose item: the actor's own, or a visible employee's whose rows the actor may change."""
    if employee_id is None or employee_id == actor.pk:
        if not actor.is_active:
            raise not_found()
        return actor
    employee = visible_employees(actor=actor).select_related("org").filter(pk=employee_id).first()
    if employee is None:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), {"employee_id": [_("Not found.")]})
    if not employee.is_active:
        raise ServiceError(
            ErrorCode.INVALID, _("Please correct the errors below."), {"employee_id": [_("This employee has left.")]}
        )
    if not can_change_owned_by(actor=actor, owner=employee):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not plan for this employee."))
    return employee


@dataclass(frozen=True)
class Recurrence:
    """How an item repeats (what a client sends)."""

    frequency: str
    interval: int = 1
    weekdays: list[int] = field(default_factory=list)
    ends_on: date | None = None
    count: int | None = None
    exceptions: list[date] = field(default_factory=list)


def _check_recurrence(errors: Errors, r: Recurrence, first_day: date | None, today: date) -> list[date]:
    """The occurrences' days; field errors under `recurrence.*`."""
    before = len(errors)
    if r.frequency not in Frequency.values:
        errors["recurrence.frequency"] = [_("Choose daily, weekly or monthly.")]
    if isinstance(r.interval, bool) or not isinstance(r.interval, int) or not 1 <= r.interval <= MAX_INTERVAL:
        errors["recurrence.interval"] = [_("Enter a whole number from 1 to %(max)d.") % {"max": MAX_INTERVAL}]
    if not isinstance(r.weekdays, list) or any(
        isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in r.weekdays
    ):
        errors["recurrence.weekdays"] = [_("Choose days of the week from 0 (Monday) to 6 (Sunday).")]
    if r.ends_on is None and r.count is None:
        errors["recurrence.ends_on"] = [_("A repeating item needs an end date or a number of occurrences.")]
    if r.count is not None and (
        isinstance(r.count, bool) or not isinstance(r.count, int) or not 1 <= r.count <= MAX_OCCURRENCES
    ):
        errors["recurrence.count"] = [_("Enter a whole number from 1 to %(max)d.") % {"max": MAX_OCCURRENCES}]
    if r.ends_on is not None:
        _check_day(errors, "recurrence.ends_on", r.ends_on, today)
        if first_day is not None and "recurrence.ends_on" not in errors and r.ends_on < first_day:
            errors["recurrence.ends_on"] = [_("The series must not end before its first day.")]
    if not isinstance(r.exceptions, list) or any(
        not isinstance(d, date) or isinstance(d, datetime) for d in r.exceptions
    ):
        errors["recurrence.exceptions"] = [_("Enter dates.")]
    if len(errors) > before or first_day is None:
        return []
    try:
        days = occurrences(
            starts_on=first_day, frequency=r.frequency, interval=r.interval, weekdays=r.weekdays,
            ends_on=r.ends_on, count=r.count, exceptions=set(r.exceptions),
        )  # fmt: skip
    except TooManyOccurrences:
        errors["recurrence.ends_on"] = [
            _("At most %(max)d occurrences: end the series sooner.") % {"max": MAX_OCCURRENCES}
        ]
        return []
    last = today + timedelta(days=DAYS_AHEAD)
    if days and days[-1] > last:
        errors["recurrence.count"] = [_("The series would run past %(last)s.") % {"last": last}]
        return []
    if not days:
        errors["recurrence.exceptions"] = [_("Every occurrence is skipped.")]
    return days


# --- create -----------------------------------------------------------------------------------------------


def schedule_item_create(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    day: date,
    kind: str = ItemKind.VISIT,
    employee_id: int | None = None,
    title: str = "",
    start_time: time | None = None,
    end_time: time | None = None,
    customer_id: int | None = None,
    contact_id: int | None = None,
    notes: str = "",
    recurrence: Recurrence | None = None,
) -> tuple[ScheduleItem, bool]:
    """Plan an item (for the actor, or for an employee whose rows the actor may change); returns (item, created).
    With a recurrence, the series and every occurrence are written (the item returned is the first one). A
    replayed `client_id` returns the first item and writes nothing."""
    existing = ScheduleItem.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if existing is not None:
        return existing, False
    employee = _employee_for(actor, employee_id)
    today = org_today(employee)
    errors: Errors = {}
    day_ok = _check_day(errors, "day", day, today)
    if kind not in ItemKind.values:
        errors["kind"] = [_("Choose visit, call, meeting, task or other.")]
    _check_times(errors, start_time, end_time)
    title = _check_text(errors, "title", title, MAX_TITLE)
    notes = _check_text(errors, "notes", notes, MAX_TEXT)
    customer, contact = _check_customer(errors, employee, customer_id, contact_id)
    if kind in (ItemKind.VISIT, ItemKind.CALL) and customer_id is None and "customer_id" not in errors:
        errors["customer_id"] = [_("Choose the customer to visit or call.")]
    days = _check_recurrence(errors, recurrence, day_ok, today) if recurrence is not None else []
    if errors or day_ok is None:
        raise _refuse(errors)
    fields = {
        "org_id": actor.org_id, "employee": employee, "created_by": actor, "kind": kind, "title": title,
        "start_time": start_time, "end_time": end_time, "customer": customer, "contact": contact, "notes": notes,
    }  # fmt: skip
    if recurrence is None:
        return create_or_winner(
            ScheduleItem.objects.filter(org_id=actor.org_id, client_id=client_id),
            lambda: ScheduleItem.objects.create(client_id=client_id, day=day_ok, **fields),
        )

    def write_series() -> ScheduleItem:
        series = ScheduleSeries.objects.create(
            frequency=recurrence.frequency, interval=recurrence.interval, weekdays=sorted(set(recurrence.weekdays)),
            starts_on=day_ok, ends_on=recurrence.ends_on, count=recurrence.count,
            exceptions=sorted({d.isoformat() for d in recurrence.exceptions}), **fields,
        )  # fmt: skip
        _materialise(series, days, first_client_id=client_id)
        return ScheduleItem.objects.get(org_id=actor.org_id, client_id=client_id)

    return create_or_winner(ScheduleItem.objects.filter(org_id=actor.org_id, client_id=client_id), write_series)


ROW_FIELDS = (
    "created_at", "updated_at", "org_id", "client_id", "employee_id", "created_by_id", "day", "start_time",
    "end_time", "kind", "title", "customer_id", "contact_id", "notes", "state", "done_note", "series_id",
    "series_day", "is_exception",
)  # fmt: skip


def _materialise(series: ScheduleSeries, days: Sequence[date], *, first_client_id: uuid.UUID) -> int:
    """Every occurrence of the series as an item, in one bulk insert; the first takes the create's client_id."""
    now = timezone.now()
    s = series
    shared = (s.employee_id, s.created_by_id)
    rest = (s.start_time, s.end_time, s.kind, s.title, s.customer_id, s.contact_id, s.notes, ItemState.PLANNED, "")
    rows = [
        (now, now, s.org_id, first_client_id if i == 0 else uuid.uuid4(), *shared, d, *rest, s.pk, d, False)
        for i, d in enumerate(days)
    ]
    return insert_rows(ScheduleItem, ROW_FIELDS, rows)


# --- change -----------------------------------------------------------------------------------------------


def _item_for_change(actor: Employee, item_id: int) -> ScheduleItem:
    """The item locked for change: not found unless the actor sees its employee; forbidden unless the actor may
    change that employee's rows."""
    if not actor.is_active:
        raise not_found()
    item = (
        scope_to_visible(ScheduleItem.objects.all(), actor=actor, owner_field="employee")
        .select_for_update(of=("self",))
        .select_related("employee__org", "customer", "contact")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise not_found()
    if not can_change_owned_by(actor=actor, owner=item.employee):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not change this employee's schedule."))
    return item


def _planned(item: ScheduleItem) -> None:
    if item.state != ItemState.PLANNED:
        raise ServiceError(
            ErrorCode.CONFLICT,
            _("This item is %(state)s; only a planned item can be changed.") % {"state": item.get_state_display()},
        )


UNSET: Any = object()


@transaction.atomic
def schedule_item_update(
    *,
    actor: Employee,
    item_id: int,
    day: date = UNSET,
    kind: str = UNSET,
    title: str = UNSET,
    start_time: time | None = UNSET,
    end_time: time | None = UNSET,
    customer_id: int | None = UNSET,
    contact_id: int | None = UNSET,
    notes: str = UNSET,
) -> ScheduleItem:
    """Change a planned item (only the fields given). An occurrence of a series becomes an exception."""
    item = _item_for_change(actor, item_id)
    _planned(item)
    today = org_today(item.employee)
    errors: Errors = {}
    changes: dict[str, list[Any]] = {}

    def put(name: str, value: Any) -> None:
        if getattr(item, name) != value:
            changes[name] = [str(getattr(item, name)), str(value)]
            setattr(item, name, value)

    if day is not UNSET:
        checked = _check_day(errors, "day", day, today)
        if checked is not None:
            put("day", checked)
    if kind is not UNSET:
        if kind not in ItemKind.values:
            errors["kind"] = [_("Choose visit, call, meeting, task or other.")]
        else:
            put("kind", kind)
    new_start = item.start_time if start_time is UNSET else start_time
    new_end = item.end_time if end_time is UNSET else end_time
    _check_times(errors, new_start, new_end)
    if "start_time" not in errors and "end_time" not in errors:
        put("start_time", new_start)
        put("end_time", new_end)
    if title is not UNSET:
        put("title", _check_text(errors, "title", title, MAX_TITLE))
    if notes is not UNSET:
        put("notes", _check_text(errors, "notes", notes, MAX_TEXT))
    if customer_id is not UNSET or contact_id is not UNSET:
        new_customer = item.customer_id if customer_id is UNSET else customer_id
        new_contact = None if contact_id is UNSET and customer_id is not UNSET else contact_id
        if new_contact is UNSET:
            new_contact = item.contact_id
        customer, contact = _check_customer(errors, item.employee, new_customer, new_contact)
        if "customer_id" not in errors and "contact_id" not in errors:
            put("customer_id", customer.pk if customer else None)
            put("contact_id", contact.pk if contact else None)
    if item.kind in (ItemKind.VISIT, ItemKind.CALL) and item.customer_id is None and "customer_id" not in errors:
        errors["customer_id"] = [_("Choose the customer to visit or call.")]
    if errors:
        raise _refuse(errors)
    if changes:
        if item.series_id is not None:
            item.is_exception = True
        item.save()
        audit(actor=actor, org=actor.org, action="scheduleitem.update", obj=item, changes=changes)
    return item


def schedule_item_move(
    *, actor: Employee, item_id: int, day: date, start_time: time | None = UNSET, end_time: time | None = UNSET
) -> ScheduleItem:
    """Move (or resize) a planned item: the calendar's drag and drop. Times not given stay as they were."""
    return schedule_item_update(actor=actor, item_id=item_id, day=day, start_time=start_time, end_time=end_time)


@transaction.atomic
def schedule_item_cancel(*, actor: Employee, item_id: int) -> ScheduleItem:
    """Cancel a planned item (it stays, crossed out); cancelling a cancelled item changes nothing."""
    item = _item_for_change(actor, item_id)
    if item.state == ItemState.CANCELLED:
        return item
    _planned(item)
    item.state = ItemState.CANCELLED
    item.save(update_fields=["state", "updated_at"])
    audit(
        actor=actor, org=actor.org, action="scheduleitem.cancel", obj=item, changes={"state": ["planned", "cancelled"]}
    )
    return item


@transaction.atomic
def schedule_item_done(*, actor: Employee, item_id: int, note: str) -> ScheduleItem:
    """Mark a planned (or missed) item done by hand: what was done is required."""
    item = _item_for_change(actor, item_id)
    errors: Errors = {}
    note = _check_text(errors, "note", note, MAX_TEXT)
    if not note and not errors:
        errors["note"] = [_("Say what was done.")]
    if item.state not in (ItemState.PLANNED, ItemState.MISSED):
        raise ServiceError(
            ErrorCode.CONFLICT,
            _("This item is %(state)s; only a planned or missed item can be marked done.")
            % {"state": item.get_state_display()},
        )
    if errors:
        raise _refuse(errors)
    before = item.state
    item.state = ItemState.DONE
    item.done_note = note
    item.done_at = timezone.now()
    item.save(update_fields=["state", "done_note", "done_at", "updated_at"])
    audit(actor=actor, org=actor.org, action="scheduleitem.done", obj=item, changes={"state": [before, "done"]})
    return item


# --- done by itself (activities' hooks) -----------------------------------------------------------------


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


# --- the nightly close ------------------------------------------------------------------------------------


def all_orgs_close_schedule_days(*, now: datetime | None = None) -> dict[str, int]:
    """Items still planned on a day that has ended (in their organization's time zone) become missed: one
    UPDATE per time zone the organizations use. Idempotent. Returns time zone -> items marked missed."""
    now = now or timezone.now()
    marked: dict[str, int] = {}
    zones = Organization.objects.values_list("time_zone", flat=True).distinct().order_by("time_zone")
    for zone in progress.track(list(zones), label="time zones closed"):
        today = now.astimezone(ZoneInfo(zone)).date()
        with transaction.atomic():
            marked[zone] = ScheduleItem.objects.filter(
                org__time_zone=zone, state=ItemState.PLANNED, day__lt=today
            ).update(state=ItemState.MISSED, updated_at=now)
    return marked


# --- departures -------------------------------------------------------------------------------------------


def open_items_count(employee: Employee) -> int:
    """What a leaving employee still holds: planned items from today on."""
    return ScheduleItem.objects.filter(
        org_id=employee.org_id, employee_id=employee.pk, state=ItemState.PLANNED, day__gte=org_today(employee)
    ).count()


def items_follow_handover(*, actor: Employee, leaver: Employee, successors: Sequence[Employee]) -> int:
    """In the customer handover's transaction, after the leaver's customers moved: the leaver's planned items from
    today on go to whoever now owns their customer (one of the successors), the others to the first successor;
    so do their series. Two UPDATEs and one for the series, whatever the number of items."""
    if not successors:
        return 0
    today = org_today(leaver)
    ahead = ScheduleItem.objects.filter(
        org_id=leaver.org_id, employee_id=leaver.pk, state=ItemState.PLANNED, day__gte=today
    )
    now = timezone.now()
    moved = 0
    for successor in successors:
        moved += ahead.filter(customer__owner_id=successor.pk).update(employee_id=successor.pk, updated_at=now)
    moved += ahead.update(employee_id=successors[0].pk, updated_at=now)
    ScheduleSeries.objects.filter(org_id=leaver.org_id, employee_id=leaver.pk).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    ).update(employee_id=successors[0].pk, updated_at=now)
    if moved:
        audit(
            actor=actor, org=actor.org, action="scheduleitem.handover", obj=leaver,
            changes={"items": [moved, 0], "successors": [leaver.pk, [s.pk for s in successors]]},
        )  # fmt: skip
    return moved
