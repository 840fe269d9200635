"""Attendance's answer to `org.workhours`: an employee's working spans are the shifts of their attendance group
(a flexible shift may end as late as its flexible minutes move it), on the days the calendar makes
workdays; a night shift runs into the next morning. Registered in AttendanceConfig.ready, so that tracking
collects positions in these hours without importing attendance.

An employee whose group has no shift (or who is in no active group) is left out: tracking then uses the
organization's tracking hours."""

import functools
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from fieldloop.core import rows
from fieldloop.org.models import Organization
from fieldloop.org.workhours import Span

from . import rules
from .models import AttendanceGroup, CalendarDay, Shift
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
    with connection.cursor() as cursor:
        cursor.execute(_active_shifts_sql(), [org_id])
        return [rows.instance(Shift, row) for row in cursor.fetchall()]


def shift_spans(
    org: Organization, employee_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[Span]]:
    """The working spans overlapping [start, end) of the employees whose group has shifts: one query when the
    organization has no shift, four otherwise (shifts, the employees' groups, the calendar)."""
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
    by_group: dict[int, list[Span]] = {}
    for group_id in set(groups.values()):
        spans: list[Span] = []
        for day in days:
            for segment in rules.segments_for(day, rules.shifts_of_day(day, shifts_by_group[group_id],
                                                                       calendar.get(day)), tz):  # fmt: skip
                latest = segment.end + timedelta(minutes=segment.flex)
                if segment.start < end and latest > start:
                    spans.append(Span(segment.start, segment.end, latest if segment.flex else None))
        by_group[group_id] = spans
    return {employee_id: list(by_group[group_id]) for employee_id, group_id in groups.items()}
