"""Writes of attendance: groups, shifts, places, the calendar and the whitelist (administrators); clocks
(the employee, from the phone); leave, trip and correction requests and their approval (the employee and
their managers); and the daily status rollup, recomputed for the person-days a write touches in the same
transaction (`recompute_days`), and closed nightly for everyone (`all_orgs_close_days`).

Writes are keyword-only, the acting employee first, one transaction each, `ServiceError` with field errors on
refusal (all the fields at once). A clock and a request are idempotent by their `client_id`.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.activities.builtin import activity_settings
from fieldloop.core import progress
from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.core.geo import (
    CAPTURE_MAX_AGE,
    Fix,
    SentFix,
    check_capture_times,
    distance_text,
    fix_signals,
    haversine_m,
    position_errors,
)
from fieldloop.notifications.services import Notice, notify_many
from fieldloop.org.models import Department, Employee, Organization
from fieldloop.org.permissions import Permission
from fieldloop.org.selectors import can_see_employee
from fieldloop.org.services import audit, require_permission
from fieldloop.org.workhours import working_hours_changed

from . import rules
from .models import (
    AllowedPlace,
    AttendanceGroup,
    AttendanceRequest,
    CalendarDay,
    Clock,
    ClockKind,
    ClockSource,
    DailyStatus,
    DayKind,
    GroupMember,
    Half,
    LeaveType,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Shift,
    StatsExemption,
)
from .selectors import can_approve, group_ids_of, org_tz, request_get

PREVIOUS_FIXES = 3
MAX_REQUEST_DAYS = 366
MAX_GRACE = 240
FAILED = _  # marker only: messages are translated where raised


def _fail(errors: dict[str, list[Any]]) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)


def _text(values: dict[str, Any], key: str, errors: dict[str, list[Any]], *, max_length: int, required: bool) -> str:
    text = str(values.get(key) or "").strip()
    if required and not text:
        errors.setdefault(key, []).append(_("This field is required."))
    elif len(text) > max_length:
        errors.setdefault(key, []).append(_("At most %(n)d characters.") % {"n": max_length})
    return text


# --- Groups, members, shifts, places --------------------------------------------------------------------------


def _group_for_change(actor: Employee, group_id: int) -> AttendanceGroup:
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    group = AttendanceGroup.objects.select_for_update().filter(org_id=actor.org_id, pk=group_id).first()
    if group is None:
        raise not_found()
    return group


def _clean_members(
    actor: Employee, values: dict[str, Any], group: AttendanceGroup | None, errors: dict[str, list[Any]]
) -> tuple[list[int], list[int]] | None:
    """(department ids, employee ids) of the organization not named by another group; None when absent."""
    if "department_ids" not in values and "employee_ids" not in values:
        return None
    picked: list[list[int]] = []
    for key, model in (("department_ids", Department), ("employee_ids", Employee)):
        ids = values.get(key) or []
        if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
            errors.setdefault(key, []).append(_("Give a list of ids."))
            picked.append([])
            continue
        found = set(model.objects.filter(org_id=actor.org_id, pk__in=ids).values_list("pk", flat=True))
        if found != set(ids):
            errors.setdefault(key, []).append(_("Choose among your organization's own."))
        field = "department_id" if model is Department else "employee_id"
        taken = GroupMember.objects.filter(org_id=actor.org_id, **{f"{field}__in": found})
        if group is not None:
            taken = taken.exclude(group=group)
        names = list(taken.values_list("group__name", flat=True).distinct()[:3])
        if names:
            errors.setdefault(key, []).append(
                _("Already a member of another attendance group: %(groups)s.") % {"groups": ", ".join(names)}
            )
        picked.append(sorted(found))
    return picked[0], picked[1]


def _save_group(actor: Employee, group: AttendanceGroup, values: dict[str, Any], *, creating: bool) -> None:
    errors: dict[str, list[Any]] = {}
    if creating or "name" in values:
        group.name = _text(values, "name", errors, max_length=60, required=True)
        taken = AttendanceGroup.objects.filter(org_id=actor.org_id, name=group.name).exclude(pk=group.pk)
        if group.name and taken.exists():
            errors.setdefault("name", []).append(_("An attendance group with this name already exists."))
    for key in ("field_staff", "is_active"):
        if key in values:
            if not isinstance(values[key], bool):
                errors.setdefault(key, []).append(_("Expected true or false."))
            else:
                setattr(group, key, values[key])
    members = _clean_members(actor, values, None if creating else group, errors)
    if errors:
        raise _fail(errors)
    group.save()
    if members is not None:
        departments, employees = members
        GroupMember.objects.filter(group=group).delete()
        GroupMember.objects.bulk_create(
            [GroupMember(org_id=group.org_id, group=group, department_id=d) for d in departments]
            + [GroupMember(org_id=group.org_id, group=group, employee_id=e) for e in employees]
        )
    audit(actor=actor, org=actor.org, action="attendance_group.create" if creating else "attendance_group.update",
          obj=group, changes={k: v for k, v in values.items() if isinstance(v, str | bool | int | list)})  # fmt: skip


@transaction.atomic
def group_create(*, actor: Employee, **values: Any) -> AttendanceGroup:
    """An administrator creates an attendance group: name, field_staff, department_ids, employee_ids."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    group = AttendanceGroup(org_id=actor.org_id)
    _save_group(actor, group, values, creating=True)
    return group


@transaction.atomic
def group_update(*, actor: Employee, group_id: int, **values: Any) -> AttendanceGroup:
    """An administrator changes a group; absent keys stay as they are. Statuses already computed stay."""
    group = _group_for_change(actor, group_id)
    _save_group(actor, group, values, creating=False)
    return group


def _parse_time(value: Any) -> time | None:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        return None


def _minutes_field(values: dict[str, Any], key: str, errors: dict[str, list[Any]], limit: int = MAX_GRACE) -> int:
    value = values.get(key, 0)
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or not 0 <= number <= limit:
        errors.setdefault(key, []).append(_("Enter a whole number from 0 to %(max)d.") % {"max": limit})
        return 0
    return number


@transaction.atomic
def shift_create(*, actor: Employee, group_id: int, **values: Any) -> Shift:
    """An administrator adds a shift to a group: name, weekdays (0 = Monday), start, end, graces, flex."""
    group = _group_for_change(actor, group_id)
    errors: dict[str, list[Any]] = {}
    name = _text(values, "name", errors, max_length=60, required=True)
    weekdays = values.get("weekdays")
    if (
        not isinstance(weekdays, list)
        or not weekdays
        or any(d not in range(7) or isinstance(d, bool) for d in weekdays)
    ):
        errors.setdefault("weekdays", []).append(_("Choose at least one weekday (0 = Monday … 6 = Sunday)."))
        weekdays = []
    start, end = _parse_time(values.get("start")), _parse_time(values.get("end"))
    if start is None:
        errors.setdefault("start", []).append(_("Enter a time, e.g. 09:00."))
    if end is None:
        errors.setdefault("end", []).append(_("Enter a time, e.g. 18:00."))
    elif start is not None and end == start:
        errors.setdefault("end", []).append(
            _("The end must differ from the start (an end before the start is a night shift ending the next day).")
        )
    graces = {
        k: _minutes_field(values, k, errors) for k in ("late_grace_minutes", "early_grace_minutes", "flex_minutes")
    }
    if start is not None and end is not None and end != start:
        mine = _week_spans(weekdays, start, end)
        if any(_overlap(mine, _week_spans(s.weekdays, s.start, s.end)) for s in Shift.objects.filter(group=group)):
            errors.setdefault("start", []).append(_("This shift overlaps another shift of the group."))
    if errors:
        raise _fail(errors)
    assert start is not None and end is not None  # noqa: S101  # checked above
    shift = Shift.objects.create(org_id=actor.org_id, group=group, name=name, weekdays=sorted(set(weekdays)),
                                 start=start, end=end, **graces)  # fmt: skip
    audit(actor=actor, org=actor.org, action="attendance_shift.create", obj=shift, changes={"name": name})
    return shift


WEEK_MINUTES = 7 * 24 * 60


def _week_spans(weekdays: Iterable[int], start: time, end: time) -> list[tuple[int, int]]:
    """A shift's minutes of the week [from, to), a night shift running into the next day (Sunday's into Monday)."""
    a, b = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    if b <= a:
        b += 24 * 60
    spans = []
    for d in weekdays:
        lo, hi = d * 1440 + a, d * 1440 + b
        spans += [(lo, WEEK_MINUTES), (0, hi - WEEK_MINUTES)] if hi > WEEK_MINUTES else [(lo, hi)]
    return spans


def _overlap(one: list[tuple[int, int]], other: list[tuple[int, int]]) -> bool:
    return any(a < d and c < b for a, b in one for c, d in other)


@transaction.atomic
def shift_delete(*, actor: Employee, shift_id: int) -> None:
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    shift = Shift.objects.filter(org_id=actor.org_id, pk=shift_id).first()
    if shift is None:
        raise not_found()
    audit(actor=actor, org=actor.org, action="attendance_shift.delete", obj=shift, changes={"name": shift.name})
    shift.delete()


@transaction.atomic
def place_create(*, actor: Employee, group_id: int, **values: Any) -> AllowedPlace:
    """An administrator adds an allowed place to a group: name, latitude, longitude, radius_m."""
    group = _group_for_change(actor, group_id)
    errors: dict[str, list[Any]] = {}
    name = _text(values, "name", errors, max_length=60, required=True)
    coordinates = position_errors(values.get("latitude"), values.get("longitude"), 1)
    for key, message in coordinates.items():
        errors.setdefault(key, []).append(message)
    radius = _minutes_field(values, "radius_m", errors, limit=50_000) if values.get("radius_m") is not None else 200
    if not radius and "radius_m" not in errors:
        errors.setdefault("radius_m", []).append(
            _("Enter a whole number from %(min)d to %(max)d.") % {"min": 1, "max": 50_000}
        )
    if errors:
        raise _fail(errors)
    place = AllowedPlace.objects.create(
        org_id=actor.org_id, group=group, name=name, latitude=_coordinate(float(values["latitude"])),
        longitude=_coordinate(float(values["longitude"])), radius_m=radius,
    )  # fmt: skip
    audit(actor=actor, org=actor.org, action="attendance_place.create", obj=place, changes={"name": name})
    return place


@transaction.atomic
def place_delete(*, actor: Employee, place_id: int) -> None:
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    place = AllowedPlace.objects.filter(org_id=actor.org_id, pk=place_id).first()
    if place is None:
        raise not_found()
    audit(actor=actor, org=actor.org, action="attendance_place.delete", obj=place, changes={"name": place.name})
    place.delete()


def _coordinate(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


# --- Calendar and whitelist -------------------------------------------------------------------------------------


@transaction.atomic
def calendar_day_set(*, actor: Employee, day: date, kind: str, name: str = "", as_weekday: int = 0) -> CalendarDay:
    """An administrator marks a day a public holiday or a make-up workday (working like `as_weekday`). Days
    already computed are recomputed (set-based, everyone of the organization)."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    errors: dict[str, list[Any]] = {}
    if kind not in DayKind.values:
        errors["kind"] = [_("Choose a public holiday or a make-up workday.")]
    if isinstance(as_weekday, bool) or as_weekday not in range(7):
        errors["as_weekday"] = [_("Choose a weekday (0 = Monday … 6 = Sunday).")]
    if len(name) > 60:
        errors["name"] = [_("At most %(n)d characters.") % {"n": 60}]
    if errors:
        raise _fail(errors)
    row, _created = CalendarDay.objects.update_or_create(
        org_id=actor.org_id, day=day, defaults={"kind": kind, "name": name.strip(), "as_weekday": as_weekday}
    )
    recompute_org_day(org=actor.org, day=day, only_existing=True)
    return row


@transaction.atomic
def calendar_day_delete(*, actor: Employee, day: date) -> None:
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    deleted, _rows = CalendarDay.objects.filter(org_id=actor.org_id, day=day).delete()
    if not deleted:
        raise not_found()
    recompute_org_day(org=actor.org, day=day, only_existing=True)


@transaction.atomic
def exemption_add(*, actor: Employee, employee_id: int) -> StatsExemption:
    """An administrator leaves an employee out of statistics from tomorrow (the organization's date)."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    employee = Employee.objects.filter(org_id=actor.org_id, pk=employee_id).first()
    if employee is None:
        raise invalid("employee_id", _("Choose an employee of your organization."))
    tomorrow = local_today(actor.org) + timedelta(days=1)
    current = StatsExemption.objects.filter(org_id=actor.org_id, employee=employee).filter(effective_until__isnull=True)
    if current.exists():
        raise invalid("employee_id", _("This employee is already on the whitelist."), code=ErrorCode.CONFLICT)
    return StatsExemption.objects.create(
        org_id=actor.org_id, employee=employee, effective_from=tomorrow, added_by=actor
    )


@transaction.atomic
def exemption_end(*, actor: Employee, employee_id: int) -> StatsExemption | None:
    """An administrator takes an employee off the whitelist: counted again from tomorrow. Returns the entry,
    ended today, or None when it had not taken effect yet and is gone."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    today = local_today(actor.org)
    current = StatsExemption.objects.filter(org_id=actor.org_id, employee_id=employee_id, effective_until__isnull=True)
    row = current.first()
    if row is None:
        raise not_found()
    if row.effective_from > today:  # added today, not yet in effect: as if never added
        row.delete()
        return None
    row.effective_until = today
    row.save(update_fields=["effective_until", "updated_at"])
    return row


# --- Clocks -----------------------------------------------------------------------------------------------------


def local_today(org: Organization) -> date:
    return timezone.now().astimezone(ZoneInfo(org.time_zone)).date()


def clock_create(
    *, actor: Employee, client_id: uuid.UUID, kind: str, position: SentFix, captured_at: datetime | None = None
) -> tuple[Clock, bool]:
    """The actor clocks in or out with the phone's position. Returns (clock, created); a replayed
    `client_id` returns the first clock. Refused: no group; a non-field employee outside every allowed
    place (saying how far the nearest is) unless an approved business trip covers the day (a trip clocks
    anywhere: kept as outside, with the distance); a second clock-in while clocked in that day; a stale fix or a
    capture time in the future. A clock captured offline and received late is kept at its capture time."""
    if not actor.is_active:
        raise not_found()
    replay = Clock.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if replay is not None:
        if replay.employee_id != actor.pk or replay.kind != kind:
            raise ServiceError(ErrorCode.IDEMPOTENCY_MISMATCH, _("This idempotency key was already used."))
        return replay, False
    now = timezone.now()
    settings = activity_settings(org_id=actor.org_id)
    errors: dict[str, list[Any]] = {
        k: [m] for k, m in position_errors(position.latitude, position.longitude, position.accuracy_m).items()
    }
    if kind not in ClockKind.values:
        errors["kind"] = [_("Choose clock-in or clock-out.")]
    try:
        captured_at = check_capture_times(position, captured_at, now, settings.fix_max_age_seconds)
    except ServiceError as e:
        errors |= e.fields
    if errors or captured_at is None or position.fix_at is None:
        raise _fail(errors)
    group_id = group_ids_of(org_id=actor.org_id, employee_ids=[actor.pk]).get(actor.pk)
    if group_id is None:
        raise invalid("kind", _("You are not in any attendance group; ask an administrator."))
    group = AttendanceGroup.objects.get(pk=group_id)
    fix = Fix(float(position.latitude), float(position.longitude), float(position.accuracy_m), position.fix_at,
              bool(position.mocked))  # fmt: skip
    nearest: AllowedPlace | None = None
    distance: float | None = None
    for place in AllowedPlace.objects.filter(group_id=group_id):
        d = haversine_m(float(place.latitude), float(place.longitude), fix.latitude, fix.longitude)
        if distance is None or d - place.radius_m < distance - (nearest.radius_m if nearest else 0):
            nearest, distance = place, d
    inside = nearest is not None and distance is not None and distance <= nearest.radius_m
    day = attendance_day_of(org=actor.org, group_id=group_id, at=captured_at)
    if not inside and not group.field_staff and not _on_a_trip(actor, day):
        if nearest is None or distance is None:
            raise invalid("position", _("Your attendance group has no allowed place; ask an administrator."))
        raise invalid(
            "position",
            _("You are %(distance)s from the nearest allowed place (%(place)s, within %(radius)d m): clock in there.")
            % {"distance": distance_text(distance), "place": nearest.name, "radius": nearest.radius_m},
        )
    tz = org_tz(actor.org)
    with transaction.atomic():
        Employee.objects.select_for_update().filter(pk=actor.pk).first()  # one clock at a time per person
        if kind == ClockKind.IN:
            last = Clock.objects.filter(org_id=actor.org_id, employee=actor, day=day).order_by("-at", "-id").first()
            if last is not None and last.kind == ClockKind.IN and last.client_id != client_id:
                local = last.at.astimezone(tz).strftime("%H:%M")
                raise invalid("kind", _("You already clocked in at %(time)s; clock out first.") % {"time": local},
                              code=ErrorCode.CONFLICT)  # fmt: skip
        previous = [
            Fix(float(c.latitude), float(c.longitude), c.accuracy_m or 0.0, c.fix_at, c.mocked)
            for c in Clock.objects.filter(employee=actor, fix_at__lt=fix.at, latitude__isnull=False)
            .exclude(fix_at=None).order_by("-fix_at")[:PREVIOUS_FIXES]
            if c.fix_at is not None and c.latitude is not None and c.longitude is not None
        ]  # fmt: skip
        signals = fix_signals(fix, now=captured_at, previous=previous, max_age_s=settings.fix_max_age_seconds,
                              poor_accuracy_m=settings.poor_accuracy_m)  # fmt: skip

        def write() -> Clock:
            return Clock.objects.create(
                org_id=actor.org_id, client_id=client_id, employee=actor, kind=kind, at=captured_at, day=day,
                received_at=now, late=(now - captured_at).total_seconds() > settings.fix_max_age_seconds,
                latitude=_coordinate(fix.latitude), longitude=_coordinate(fix.longitude), accuracy_m=fix.accuracy_m,
                fix_at=fix.at, mocked=fix.mocked, signals=[str(s) for s in signals],
                place=nearest if inside else None, distance_m=distance, outside=not inside,
            )  # fmt: skip

        clock, created = create_or_winner(Clock.objects.filter(org_id=actor.org_id, client_id=client_id), write)
        if created:
            recompute_days(org=actor.org, pairs=[(actor.pk, day)])
    return clock, created


def _on_a_trip(employee: Employee, day: date) -> bool:
    """Does an approved business trip of the employee cover (part of) the day?"""
    return AttendanceRequest.objects.filter(
        org_id=employee.org_id, employee=employee, kind=RequestKind.TRIP, status=RequestStatus.APPROVED,
        start_day__lte=day, end_day__gte=day,
    ).exists()  # fmt: skip


# --- Requests and approvals -----------------------------------------------------------------------------------


def _approvers(employee: Employee) -> list[int]:
    ids = [employee.manager_id, employee.department.manager_id]
    return sorted({i for i in ids if i is not None and i != employee.pk})


def _dates(req: AttendanceRequest) -> str:
    if req.kind == RequestKind.CORRECTION and req.clock_at is not None:
        return req.clock_at.astimezone(ZoneInfo(req.org.time_zone)).strftime("%Y-%m-%d %H:%M")
    if req.start_day == req.end_day:
        return req.start_day.isoformat()
    return f"{req.start_day.isoformat()} – {req.end_day.isoformat()}"


def request_create(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    kind: str,
    reason: str,
    employee_id: int | None = None,
    leave_type: str = "",
    start_day: date | None = None,
    start_half: str = Half.AM,
    end_day: date | None = None,
    end_half: str = Half.PM,
    clock_kind: str = "",
    clock_at: datetime | None = None,
) -> tuple[AttendanceRequest, bool]:
    """A leave, trip or correction for the actor (pending their manager's approval), or made by a manager
    for a person they may approve for (approved at once, with the history saying so). A correction names
    the missing clock (kind and time). Returns (request, created); a replayed `client_id` returns the first."""
    if not actor.is_active:
        raise not_found()
    replay = AttendanceRequest.objects.filter(org_id=actor.org_id, client_id=client_id).first()
    if replay is not None:
        if replay.created_by_id != actor.pk or replay.kind != kind:
            raise ServiceError(ErrorCode.IDEMPOTENCY_MISMATCH, _("This idempotency key was already used."))
        return replay, False
    errors: dict[str, list[Any]] = {}
    employee = actor
    if employee_id is not None and employee_id != actor.pk:
        found = Employee.objects.select_related("department", "org").filter(org_id=actor.org_id, pk=employee_id).first()
        if found is None or not can_see_employee(actor=actor, employee=found):
            raise invalid("employee_id", _("Choose an employee you may see."), code=ErrorCode.NOT_FOUND)
        if not can_approve(actor=actor, employee=found):
            raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."),
                               {"employee_id": [_("You may not approve this employee's attendance.")]})  # fmt: skip
        employee = found
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = [_("Give a reason.")]
    elif len(reason) > 500:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": 500}]
    today = local_today(actor.org)
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose leave, a business trip or a correction.")]
    elif kind == RequestKind.CORRECTION:
        if clock_kind not in ClockKind.values:
            errors["clock_kind"] = [_("Choose clock-in or clock-out.")]
        if clock_at is None:
            errors["clock_at"] = [_("Give the time of the missing clock.")]
        elif timezone.is_naive(clock_at):
            errors["clock_at"] = [_("Send the time with its time zone (ISO 8601).")]
        elif clock_at > timezone.now():
            errors["clock_at"] = [_("The time is in the future: only a past clock can be corrected.")]
        elif clock_at < timezone.now() - CAPTURE_MAX_AGE:
            errors["clock_at"] = [_("The time is more than %(n)d days ago.") % {"n": CAPTURE_MAX_AGE.days}]
        else:  # the day the missing clock counts for (a night shift's morning: the day before)
            group_id = group_ids_of(org_id=actor.org_id, employee_ids=[employee.pk]).get(employee.pk)
            start_day = end_day = attendance_day_of(org=actor.org, group_id=group_id, at=clock_at)
            start_half, end_half = Half.AM, Half.PM
    else:
        if kind == RequestKind.LEAVE and leave_type not in LeaveType.values:
            errors["leave_type"] = [_("Choose a leave type.")]
        if kind == RequestKind.TRIP:
            leave_type = ""
        if start_day is None:
            errors["start_day"] = [_("This field is required.")]
        if end_day is None:
            errors["end_day"] = [_("This field is required.")]
        if start_half not in Half.values:
            errors["start_half"] = [_("Choose the morning or the afternoon.")]
        if end_half not in Half.values:
            errors["end_half"] = [_("Choose the morning or the afternoon.")]
        if start_day is not None and end_day is not None and not errors.keys() & {"start_half", "end_half"}:
            if (end_day, end_half) < (start_day, start_half) or end_day < start_day:
                errors["end_day"] = [_("The end is before the start.")]
            elif (end_day - start_day).days >= MAX_REQUEST_DAYS:
                errors["end_day"] = [_("At most %(n)d days.") % {"n": MAX_REQUEST_DAYS}]
            elif start_day < today - CAPTURE_MAX_AGE:
                errors["start_day"] = [_("The start is more than %(n)d days ago.") % {"n": CAPTURE_MAX_AGE.days}]
    if errors:
        raise _fail(errors)
    assert start_day is not None and end_day is not None  # noqa: S101  # checked above
    if kind != RequestKind.CORRECTION:
        overlapping = AttendanceRequest.objects.filter(
            org_id=actor.org_id, employee=employee, kind__in=[RequestKind.LEAVE, RequestKind.TRIP],
            status__in=[RequestStatus.PENDING, RequestStatus.APPROVED], start_day__lte=end_day, end_day__gte=start_day,
        )  # fmt: skip
        for other in overlapping:
            for d in _days(max(start_day, other.start_day), min(end_day, other.end_day)):
                mine = rules.halves_covered(d, start_day, start_half, end_day, end_half)
                theirs = rules.halves_covered(d, other.start_day, other.start_half, other.end_day, other.end_half)
                if (mine[0] and theirs[0]) or (mine[1] and theirs[1]):
                    raise invalid("start_day", _("This overlaps another request of %(day)s.") % {"day": d.isoformat()},
                                  code=ErrorCode.CONFLICT)  # fmt: skip
    by_manager = employee.pk != actor.pk
    with transaction.atomic():

        def write() -> AttendanceRequest:
            return AttendanceRequest.objects.create(
                org_id=actor.org_id, client_id=client_id, employee=employee, created_by=actor, kind=kind,
                leave_type=leave_type if kind == RequestKind.LEAVE else "", start_day=start_day, start_half=start_half,
                end_day=end_day, end_half=end_half, clock_kind=clock_kind if kind == RequestKind.CORRECTION else "",
                clock_at=clock_at if kind == RequestKind.CORRECTION else None, reason=reason,
            )  # fmt: skip

        req, created = create_or_winner(
            AttendanceRequest.objects.filter(org_id=actor.org_id, client_id=client_id), write
        )
        if not created:
            return req, False
        action = "made" if by_manager else "asked"
        RequestEvent.objects.create(org_id=actor.org_id, request=req, actor=actor, action=action, note=reason)
        if by_manager:
            _decide(actor, req, approved=True, note=reason)
        else:
            link = reverse("attendance_request_detail", args=[req.pk])
            params = {"employee": employee.name, "kind": kind, "dates": _dates(req)}
            notify_many(
                Notice(org_id=actor.org_id, recipient_id=pk, kind=rules.REQUEST_SUBMITTED, params=params, link=link,
                       dedupe_key=f"attendance-request-{req.pk}")
                for pk in _approvers(employee)
            )  # fmt: skip
    return req, True


def _days(start: date, end: date) -> Iterable[date]:
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def _decide(actor: Employee, req: AttendanceRequest, *, approved: bool, note: str) -> None:
    req.status = RequestStatus.APPROVED if approved else RequestStatus.REJECTED
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.decision_note = note
    if approved and req.kind == RequestKind.CORRECTION and req.clock_at is not None:
        req.clock = Clock.objects.create(
            org_id=req.org_id, client_id=uuid.uuid4(), employee_id=req.employee_id, kind=req.clock_kind,
            source=ClockSource.CORRECTION, at=req.clock_at, day=req.start_day, received_at=req.decided_at,
        )  # fmt: skip
    req.save()
    RequestEvent.objects.create(org_id=req.org_id, request=req, actor=actor,
                                action="approved" if approved else "rejected", note=note)  # fmt: skip
    if approved:
        today = local_today(req.org)
        days = list(_days(req.start_day, min(req.end_day, today)))
        recompute_days(org=req.org, pairs=[(req.employee_id, d) for d in days])
        if req.kind == RequestKind.LEAVE and days:  # leave takes its hours out of the working hours (workhours.py)
            working_hours_changed(org=req.org, employee_ids=[req.employee_id], first=days[0], last=days[-1])
    if req.employee_id != actor.pk:
        link = reverse("attendance_request_detail", args=[req.pk])
        params = {"kind": req.kind, "dates": _dates(req), "approved": approved}
        notify_many([Notice(org_id=req.org_id, recipient_id=req.employee_id, kind=rules.REQUEST_DECIDED, params=params,
                            link=link, dedupe_key=f"attendance-decided-{req.pk}")])  # fmt: skip


@transaction.atomic
def request_decide(*, actor: Employee, request_id: int, approve: bool, note: str = "") -> AttendanceRequest:
    """A manager who may approve for the request's employee approves or rejects a pending request, with a
    note (required to reject). An approved leave, trip or correction recomputes the days it covers."""
    req = request_get(actor=actor, request_id=request_id)  # not found unless visible
    if not can_approve(actor=actor, employee=req.employee):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may not approve this employee's attendance."))
    req = AttendanceRequest.objects.select_for_update().select_related("org", "employee").get(pk=req.pk)
    if req.status != RequestStatus.PENDING:
        raise invalid("status", _("This request was already decided."), code=ErrorCode.CONFLICT)
    note = note.strip() if isinstance(note, str) else ""
    if not approve and not note:
        raise invalid("note", _("Give a reason for the rejection."))
    if len(note) > 500:
        raise invalid("note", _("At most %(n)d characters.") % {"n": 500})
    _decide(actor, req, approved=approve, note=note)
    return req


# --- The daily status rollup -----------------------------------------------------------------------------------

STATUS_FIELDS = (
    "group", "status", "workday", "scheduled_minutes", "worked_minutes", "late_minutes", "early_minutes",
    "missing_clocks", "absent", "on_leave", "leave_hours", "trip", "overtime_minutes", "first_in", "last_out",
    "exempt", "closed",
)  # fmt: skip


def compute_rows(
    *, org: Organization, pairs: Iterable[tuple[int, date]], now: datetime | None = None, include_clockless: bool = True
) -> list[DailyStatus]:
    """The daily status rows of the (employee, day) pairs, from the clocks, approved requests, groups, shifts
    and calendar: a fixed number of queries whatever the number of pairs (the pairs' days are read as one
    range). Pairs of people in no group get no row."""
    pairs = sorted(set(pairs))
    if not pairs:
        return []
    now = now or timezone.now()
    tz = ZoneInfo(org.time_zone)
    employee_ids = sorted({e for e, _d in pairs})
    first, last = min(d for _e, d in pairs), max(d for _e, d in pairs)
    groups = group_ids_of(org_id=org.pk, employee_ids=employee_ids)
    shifts_by_group: dict[int, list[Shift]] = defaultdict(list)
    for s in Shift.objects.filter(org_id=org.pk, group_id__in=set(groups.values())):
        shifts_by_group[s.group_id].append(s)
    calendar = {
        c.day: c
        for c in CalendarDay.objects.filter(
            org_id=org.pk, day__range=(first - timedelta(days=1), last + timedelta(days=1))
        )
    }
    clocks: dict[tuple[int, date], list[tuple[str, datetime]]] = defaultdict(list)
    for e, d, kind, at in Clock.objects.filter(
        org_id=org.pk, employee_id__in=employee_ids, day__range=(first, last)
    ).values_list("employee_id", "day", "kind", "at"):
        clocks[(e, d)].append((kind, at))
    requests: dict[int, list[tuple[str, date, str, date, str]]] = defaultdict(list)
    for e, kind, sd, sh, ed, eh in AttendanceRequest.objects.filter(
        org_id=org.pk, employee_id__in=employee_ids, status=RequestStatus.APPROVED,
        kind__in=[RequestKind.LEAVE, RequestKind.TRIP], start_day__lte=last, end_day__gte=first,
    ).values_list("employee_id", "kind", "start_day", "start_half", "end_day", "end_half"):  # fmt: skip
        requests[e].append((kind, sd, sh, ed, eh))
    exempt: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for e, f, u in StatsExemption.objects.filter(org_id=org.pk, employee_id__in=employee_ids).values_list(
        "employee_id", "effective_from", "effective_until"
    ):
        exempt[e].append((f, u))
    rows = []
    for employee_id, day in pairs:
        group_id = groups.get(employee_id)
        if group_id is None:
            continue
        if not include_clockless and (employee_id, day) not in clocks and not requests.get(employee_id):
            continue
        shifts = shifts_by_group[group_id]

        def segments_of(d: date, shifts: list[Shift] = shifts) -> list[rules.Segment]:
            return rules.segments_for(d, shifts_of_day(d, shifts, calendar.get(d)), tz)

        rows.append(
            _row(org, tz, employee_id, day, group_id, segments_of, clocks.get((employee_id, day), []),
                 requests.get(employee_id, []), exempt.get(employee_id, []), now)
        )  # fmt: skip
    return rows


shifts_of_day = rules.shifts_of_day


def attendance_day_of(*, org: Organization, group_id: int | None, at: datetime) -> date:
    """The day a clock at `at` counts for (rules.attendance_day): the day before its local date while that day's
    night shift lasts. Two queries (the group's shifts, two calendar days); without a group, the local date."""
    tz = org_tz(org)
    local = at.astimezone(tz).date()
    if group_id is None:
        return local
    shifts = list(Shift.objects.filter(org_id=org.pk, group_id=group_id))
    if not any(s.overnight for s in shifts):
        return local
    calendar = {
        c.day: c for c in CalendarDay.objects.filter(org_id=org.pk, day__range=(local - timedelta(days=1), local))
    }
    return rules.attendance_day(at, tz, lambda d: rules.segments_for(d, shifts_of_day(d, shifts, calendar.get(d)), tz))


def _row(
    org: Organization, tz: ZoneInfo, employee_id: int, day: date, group_id: int,
    segments_of: Callable[[date], list[rules.Segment]], clocks: list[tuple[str, datetime]],
    requests: list[tuple[str, date, str, date, str]], exemptions: list[tuple[date, date | None]], now: datetime,
) -> DailyStatus:  # fmt: skip
    leave_am = leave_pm = trip_am = trip_pm = False
    for kind, sd, sh, ed, eh in requests:
        am, pm = rules.halves_covered(day, sd, sh, ed, eh)
        if kind == RequestKind.LEAVE:
            leave_am, leave_pm = leave_am or am, leave_pm or pm
        else:
            trip_am, trip_pm = trip_am or am, trip_pm or pm
    one_day = timedelta(days=1)
    segments = segments_of(day)
    window = rules.day_window(day, tz, segments, segments_of(day - one_day), segments_of(day + one_day))
    result = rules.compute_day(
        day=day, tz=tz, segments=segments, clocks=clocks, cover=rules.Cover(leave_am, leave_pm, trip_am, trip_pm),
        now=now, window=window,
    )  # fmt: skip
    return DailyStatus(
        org_id=org.pk, employee_id=employee_id, day=day, group_id=group_id, status=result.status,
        workday=result.workday, scheduled_minutes=result.scheduled_minutes, worked_minutes=result.worked_minutes,
        late_minutes=result.late_minutes, early_minutes=result.early_minutes, missing_clocks=result.missing_clocks,
        absent=result.absent, on_leave=result.on_leave, leave_hours=Decimal(str(result.leave_hours)), trip=result.trip,
        overtime_minutes=result.overtime_minutes, first_in=result.first_in, last_out=result.last_out,
        exempt=any(f <= day and (u is None or day <= u) for f, u in exemptions), closed=result.closed,
    )  # fmt: skip


def store_rows(rows: list[DailyStatus]) -> None:
    """Insert or replace daily status rows (one statement per 2,000 rows)."""
    _upsert(rows)


def _upsert(rows: list[DailyStatus]) -> None:
    DailyStatus.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["org", "employee", "day"],
        update_fields=[*STATUS_FIELDS, "updated_at"], batch_size=2000,
    )  # fmt: skip


def recompute_days(*, org: Organization, pairs: Iterable[tuple[int, date]]) -> None:
    """Recompute and store the statuses of these person-days (in the caller's transaction)."""
    _upsert(compute_rows(org=org, pairs=pairs))


def recompute_org_day(*, org: Organization, day: date, only_existing: bool = False, now: datetime | None = None) -> int:
    """Recompute one day for everyone of the organization in a group (or only the rows already stored)."""
    if only_existing:
        ids = list(DailyStatus.objects.filter(org_id=org.pk, day=day).values_list("employee_id", flat=True))
    else:
        ids = list(Employee.objects.filter(org_id=org.pk).active().values_list("pk", flat=True))
    rows = compute_rows(org=org, pairs=[(e, day) for e in ids], now=now)
    _upsert(rows)
    return len(rows)


REOPEN_DAYS = 7  # the nightly run finishes the rows of the days before yesterday still open (a night shift's)


def all_orgs_close_days(*, day: date | None = None, now: datetime | None = None) -> int:
    """The nightly run: close `day` (by default each organization's yesterday) for everyone in a group,
    whether they clocked or not: absent, rest day, leave, or the final status of a day with clocks. A night
    shift's day is not over until the next morning: its row stays open (in progress) and a later run closes it
    (the rows of the REOPEN_DAYS days before still open are recomputed too: one indexed read)."""
    written = 0
    now = now or timezone.now()
    for org in progress.track(list(Organization.objects.order_by("pk")), label="organizations' days closed"):
        target = day or now.astimezone(org_tz(org)).date() - timedelta(days=1)
        with transaction.atomic():
            written += recompute_org_day(org=org, day=target, now=now)
            still_open = DailyStatus.objects.filter(
                org_id=org.pk, day__range=(target - timedelta(days=REOPEN_DAYS), target - timedelta(days=1)),
                closed=False,
            ).values_list("employee_id", "day")  # fmt: skip
            rows = compute_rows(org=org, pairs=list(still_open), now=now)
            _upsert(rows)
            written += len(rows)
    return written
