"""Reads of attendance, each starting from `org.selectors` visibility for people's rows: groups (org-wide
configuration), clocks, requests (the actor's and those they may approve), daily statuses and monthly
statistics summed from the daily status rollup (never from the clocks)."""

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from fieldloop.core.errors import not_found
from fieldloop.org.models import Department, Employee, Organization
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import can_see_employee, scope_to_visible, visible_employees
from fieldloop.org.services import require_permission

from .models import (
    AllowedPlace,
    AttendanceGroup,
    AttendanceRequest,
    CalendarDay,
    Clock,
    DailyStatus,
    GroupMember,
    RequestStatus,
    Shift,
    StatsExemption,
)

REQUEST_ORDERING = ("-id",)
STATUS_ORDERING = ("day", "employee_id", "id")
STATS_ORDERING = ("name", "id")


def org_tz(org: Organization) -> ZoneInfo:
    return ZoneInfo(org.time_zone)


def group_ids_of(*, org_id: int, employee_ids: list[int]) -> dict[int, int]:
    """Each employee's attendance group: the group naming the person, else the group naming their deepest
    department (a department's sub-departments belong with it unless named themselves). Two queries."""
    members = list(
        GroupMember.objects.filter(org_id=org_id, group__is_active=True).values_list(
            "group_id", "employee_id", "department__path"
        )
    )
    direct = {e: g for g, e, _p in members if e is not None}
    by_path = sorted(((p, g) for g, _e, p in members if p is not None), key=lambda pg: -len(pg[0]))
    out: dict[int, int] = {}
    for pk, path in Employee.objects.filter(org_id=org_id, pk__in=employee_ids).values_list("pk", "department__path"):
        if pk in direct:
            out[pk] = direct[pk]
            continue
        for prefix, g in by_path:
            if path.startswith(prefix):
                out[pk] = g
                break
    return out


def can_approve(*, actor: Employee, employee: Employee) -> bool:
    """May the actor approve this employee's leave, trips and corrections (and make them for them)? A
    manager who sees them (not themselves; an administrator may approve their own)."""
    if not actor.is_active or employee.org_id != actor.org_id:
        return False
    if employee.pk == actor.pk:
        return has_permission(actor, Permission.MANAGE_ORGANIZATION)
    return has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS) and can_see_employee(
        actor=actor, employee=employee
    )


# --- Configuration -------------------------------------------------------------------------------------------------


def group_list(*, actor: Employee) -> QuerySet[AttendanceGroup]:
    """The organization's groups (configuration every member may read), with their parts."""
    if not actor.is_active:
        return AttendanceGroup.objects.none()
    return AttendanceGroup.objects.filter(org_id=actor.org_id).prefetch_related(
        Prefetch("shifts", queryset=Shift.objects.order_by("start", "id")),
        Prefetch("places", queryset=AllowedPlace.objects.order_by("name", "id")),
        Prefetch("members", queryset=GroupMember.objects.select_related("department", "employee")),
    )


def group_get(*, actor: Employee, group_id: int) -> AttendanceGroup:
    group = group_list(actor=actor).filter(pk=group_id).first()
    if group is None:
        raise not_found()
    return group


def group_of(*, employee: Employee) -> AttendanceGroup | None:
    group_id = group_ids_of(org_id=employee.org_id, employee_ids=[employee.pk]).get(employee.pk)
    if group_id is None:
        return None
    return group_list(actor=employee).filter(pk=group_id).first()


def calendar_days(*, actor: Employee, year: int) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(org_id=actor.org_id, day__year=year).order_by("day")


def exemptions(*, actor: Employee) -> QuerySet[StatsExemption]:
    return (
        scope_to_visible(StatsExemption.objects.all(), actor=actor, owner_field="employee")
        .select_related("employee")
        .order_by("-effective_from", "-id")
    )


EXEMPTION_ORDERING = ("-id",)


def whitelist(*, actor: Employee, current: bool = False, today: date | None = None) -> QuerySet[StatsExemption]:
    """The whitelist (白名单) as its administrators keep it: every entry, newest first; `current`: the entries in
    effect on `today` or to take effect (not ended before it). Administrators only, like the settings page."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    qs = StatsExemption.objects.filter(org_id=actor.org_id).select_related("employee", "added_by")
    if current and today is not None:
        qs = qs.filter(Q(effective_until__isnull=True) | Q(effective_until__gte=today))
    return qs


# --- People's rows -----------------------------------------------------------------------------------------------


def clocks_of_day(*, actor: Employee, employee_id: int, day: date) -> QuerySet[Clock]:
    return (
        scope_to_visible(Clock.objects.all(), actor=actor, owner_field="employee")
        .filter(employee_id=employee_id, day=day)
        .select_related("place")
        .order_by("at", "id")
    )


def clock_list(*, actor: Employee, employee_id: int | None = None, start: date | None = None,
               end: date | None = None) -> QuerySet[Clock]:  # fmt: skip
    qs = scope_to_visible(Clock.objects.all(), actor=actor, owner_field="employee").select_related("employee", "place")
    if employee_id is not None:
        qs = qs.filter(employee_id=employee_id)
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    return qs


REQUEST_RELATED = ("employee", "created_by", "decided_by", "org", "employee__department")


def request_list(*, actor: Employee, mine: bool = False, to_approve: bool = False, status: str = "",
                 kind: str = "", employee_id: int | None = None) -> QuerySet[AttendanceRequest]:  # fmt: skip
    """Requests of the people the actor sees; `mine`: the actor's own; `to_approve`: others' pending ones the
    actor may decide."""
    qs = scope_to_visible(AttendanceRequest.objects.all(), actor=actor, owner_field="employee").select_related(
        *REQUEST_RELATED
    )
    if mine:
        qs = qs.filter(employee=actor)
    if to_approve:
        if not has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS):
            return qs.none()
        qs = qs.filter(status=RequestStatus.PENDING).exclude(employee=actor)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if employee_id is not None:
        qs = qs.filter(employee_id=employee_id)
    return qs


def requests_to_approve(*, actor: Employee) -> QuerySet[AttendanceRequest]:
    """Others' pending requests the actor may decide (the requests page's "Waiting for your approval")."""
    return request_list(actor=actor, to_approve=True)


def request_get(*, actor: Employee, request_id: int) -> AttendanceRequest:
    req = request_list(actor=actor).prefetch_related("events__actor").filter(pk=request_id).first()
    if req is None:
        raise not_found()
    return req


def daily_statuses(*, actor: Employee, start: date, end: date, employee_id: int | None = None) -> QuerySet[DailyStatus]:
    qs = (
        scope_to_visible(DailyStatus.objects.all(), actor=actor, owner_field="employee")
        .filter(day__range=(start, end))
        .select_related("employee")
    )
    if employee_id is not None:
        qs = qs.filter(employee_id=employee_id)
    return qs


def month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class MonthStats:
    employee: Employee
    workdays: int = 0
    present_days: int = 0
    late_count: int = 0
    late_minutes: int = 0
    early_count: int = 0
    early_minutes: int = 0
    missing_clocks: int = 0
    absent_days: int = 0
    leave_days: int = 0
    leave_hours: float = 0.0
    trip_days: int = 0
    overtime_minutes: int = 0
    worked_minutes: int = 0


STATS_AGGREGATES: dict[str, Any] = {
    "workdays": Count("id", filter=Q(workday=True)),
    "present_days": Count("id", filter=Q(workday=True, absent=False, first_in__isnull=False)),
    "late_count": Count("id", filter=Q(late_minutes__gt=0)),
    "late_minutes": Sum("late_minutes"),
    "early_count": Count("id", filter=Q(early_minutes__gt=0)),
    "early_minutes": Sum("early_minutes"),
    "missing_clocks": Sum("missing_clocks"),
    "absent_days": Count("id", filter=Q(absent=True)),
    "leave_days": Count("id", filter=Q(on_leave=True)),
    "leave_hours": Sum("leave_hours"),
    "trip_days": Count("id", filter=Q(trip=True)),
    "overtime_minutes": Sum("overtime_minutes"),
    "worked_minutes": Sum("worked_minutes"),
}


def stats_for(*, org_id: int, employees: list[Employee], start: date, end: date) -> list[MonthStats]:
    """The statistics of these employees over [start, end], summed from the rollup in one query (the days on
    the whitelist left out)."""
    sums: dict[int, dict[str, Any]] = {}
    for row in (
        DailyStatus.objects.filter(
            org_id=org_id, employee_id__in=[e.pk for e in employees], day__range=(start, end), exempt=False
        )
        .values("employee_id")
        .annotate(**STATS_AGGREGATES)
        .order_by()
    ):
        values: dict[str, Any] = dict(row)
        sums[values.pop("employee_id")] = values
    out = []
    for e in employees:
        figures: dict[str, Any] = {k: (v or 0) for k, v in sums.get(e.pk, {}).items()}
        if "leave_hours" in figures:
            figures["leave_hours"] = float(figures["leave_hours"])
        out.append(MonthStats(employee=e, **figures))
    return out


def stats_employees(*, actor: Employee, department: Department | None = None) -> QuerySet[Employee]:
    """The visible active employees whose statistics a team page lists, in name order."""
    qs = visible_employees(actor=actor).active().select_related("department")
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    return qs.order_by(*STATS_ORDERING)
