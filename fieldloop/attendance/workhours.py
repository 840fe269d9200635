"""Attendance's answer to `org.workhours`: an employee's working spans are the shifts of their attendance group
(a flexible shift may end as late as its flexible minutes move it), on the days the calendar makes
workdays; a night shift runs into the next morning. Approved leave takes its hours out: a whole day of leave
leaves no span that day, half a day leaves the other half (the day's span cut at its middle, as the daily status
cuts it). A business trip keeps its hours: a trip is work, tracked like any working day. Registered in
AttendanceConfig.ready, so that tracking collects positions in these hours without importing attendance.

An employee whose group has no shift (or who is in no active group) is left out: tracking then uses the
organization's tracking hours."""

import functools
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from fieldloop.core import rows
from fieldloop.core.db import prepared_cursor
from fieldloop.org.models import Organization
from fieldloop.org.workhours import Span

from . import rules
from .models import AttendanceGroup, AttendanceRequest, CalendarDay, RequestKind, RequestStatus, Shift
from .selectors import group_ids_of


@functools.cache
def _active_shifts_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {rows.columns(Shift, 's')} FROM {quote(Shift._meta.db_table)} s "  # noqa: S608 - names from the models
        f"JOIN {quote(AttendanceGroup._meta.db_table)} g ON g.id = s.group_id "
        f"WHERE s.org_id = %s AND g.is_active ORDER BY s.{quote('start')}, s.id"
    )


def _active_shifts(org_id: int) -> list[Shift]:
    """The shifts of the organization's active groups, in the model's order: written by hand (every location
    batch asks, and in an organization without shifts this query is the whole answer: the ORM's compile of it
    cost several times its run)."""
    with prepared_cursor() as cursor:
        cursor.execute(_active_shifts_sql(), [org_id])
        return [rows.instance(Shift, row) for row in cursor.fetchall()]


def leave_halves(
    org: Organization, employee_ids: Sequence[int], first: date, last: date
) -> dict[int, dict[date, tuple[bool, bool]]]:
    """Per employee, the days of [first, last] their approved leave covers: (morning, afternoon). One query."""
    covered: dict[int, dict[date, tuple[bool, bool]]] = defaultdict(dict)
    leaves = AttendanceRequest.objects.filter(
        org_id=org.pk, employee_id__in=list(employee_ids), kind=RequestKind.LEAVE, status=RequestStatus.APPROVED,
        start_day__lte=last, end_day__gte=first,
    ).values_list("employee_id", "start_day", "start_half", "end_day", "end_half")  # fmt: skip
    for employee_id, start_day, start_half, end_day, end_half in leaves:
        day = max(start_day, first)
        while day <= min(end_day, last):
            am, pm = rules.halves_covered(day, start_day, start_half, end_day, end_half)
            was_am, was_pm = covered[employee_id].get(day, (False, False))
            covered[employee_id][day] = (am or was_am, pm or was_pm)
            day += timedelta(days=1)
    return covered


def _spans(segments: Sequence[rules.Segment], start: datetime, end: datetime) -> list[Span]:
    out = []
    for segment in segments:
        latest = segment.end + timedelta(minutes=segment.flex)
        if segment.start < end and latest > start:
            out.append(Span(segment.start, segment.end, latest if segment.flex else None))
    return out


def shift_spans(
    org: Organization, employee_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[Span]]:
    """The working spans overlapping [start, end) of the employees whose group has shifts, less their approved
    leave: one query when the organization has no shift, five otherwise (shifts, the employees' groups, the
    calendar, the leave)."""
    shifts_by_group: dict[int, list[Shift]] = defaultdict(list)
    for shift in _active_shifts(org.pk):
        shifts_by_group[shift.group_id].append(shift)
    if not shifts_by_group or not employee_ids:
        return {}
    groups = {e: g for e, g in group_ids_of(org_id=org.pk, employee_ids=list(employee_ids)).items()
              if g in shifts_by_group}  # fmt: skip
    if not groups:
        return {}
    tz = ZoneInfo(org.time_zone)
    first = start.astimezone(tz).date() - timedelta(days=1)  # yesterday's night shift runs into the interval
    last = end.astimezone(tz).date()
    calendar = {c.day: c for c in CalendarDay.objects.filter(org_id=org.pk, day__range=(first, last))}
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    segments: dict[int, dict[date, list[rules.Segment]]] = {
        group_id: {
            day: rules.segments_for(day, rules.shifts_of_day(day, shifts_by_group[group_id], calendar.get(day)), tz)
            for day in days
        }
        for group_id in set(groups.values())
    }
    by_group = {g: [s for day in days for s in _spans(of_day[day], start, end)] for g, of_day in segments.items()}
    leave = leave_halves(org, list(groups), first, last)
    out: dict[int, list[Span]] = {}
    for employee_id, group_id in groups.items():
        if employee_id not in leave:
            out[employee_id] = list(by_group[group_id])
            continue
        spans: list[Span] = []
        for day in days:
            off_am, off_pm = leave[employee_id].get(day, (False, False))
            left = rules.halves_left(segments[group_id][day], off_am=off_am, off_pm=off_pm)
            spans += _spans(left, start, end)
        out[employee_id] = spans
    return out
