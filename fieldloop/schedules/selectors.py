"""Reads of schedule items, always through the actor's visibility (org.selectors).

- `items_for`: the items of some employees over a range of days, those the actor may not see left out.
- `day_counts`: how many of an employee's items of a day are planned, done, missed and cancelled (one query);
  `counts_by_day_many`, the same for many employees and days.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.activities.selectors import FeedFilters, VisitFilters, record_feed, visit_list
from fieldloop.core.errors import invalid, not_found
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.models import Department, Employee
from fieldloop.org.selectors import employee_list, scope_to_visible

from .models import ItemKind, ItemState, ScheduleItem

ITEM_RELATED = ("employee", "customer", "contact")
# a day's items: timed ones by their start, untimed ones first (both databases: NULLs placed explicitly)
DAY_ORDER = ("day", F("start_time").asc(nulls_first=True), "id")


def _ids(employees: Iterable[Employee | int]) -> list[int]:
    return [e if isinstance(e, int) else e.pk for e in employees]


def items_for(
    actor: Employee, employees: Iterable[Employee | int], start_day: date, end_day: date
) -> QuerySet[ScheduleItem]:
    """The items of `employees` (those the actor sees) from `start_day` to `end_day`, both included, by employee,
    day, time; with their employee, customer and contact."""
    qs = scope_to_visible(ScheduleItem.objects.all(), actor=actor, owner_field="employee")
    return (
        qs.filter(employee_id__in=_ids(employees), day__gte=start_day, day__lte=end_day)
        .select_related(*ITEM_RELATED)
        .order_by("employee_id", *DAY_ORDER)
    )


@dataclass(frozen=True)
class DayCounts:
    planned: int = 0
    done: int = 0
    missed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        """Every item of the day but the cancelled ones."""
        return self.planned + self.done + self.missed

    def as_dict(self) -> dict[str, int]:
        return {"planned": self.planned, "done": self.done, "missed": self.missed, "cancelled": self.cancelled}


def _count(state: str) -> Count:
    return Count("id", filter=Q(state=state))


def day_counts(employee: Employee, day: date) -> DayCounts:
    """An employee's items of a day, counted by state, in one query."""
    row = ScheduleItem.objects.filter(org_id=employee.org_id, employee_id=employee.pk, day=day).aggregate(
        **{state: _count(state) for state in ItemState.values}
    )
    return DayCounts(**{state: row[state] or 0 for state in ItemState.values})


def counts_by_day_many(
    employee_ids: list[int], first_day: date, last_day: date, *, org_id: int
) -> dict[tuple[int, date], DayCounts]:
    """`day_counts` of many employees on each day from `first_day` to `last_day` (one query): (employee id, day)
    -> counts; a pair with no items is left out (zeros)."""
    rows = (
        ScheduleItem.objects.filter(org_id=org_id, employee_id__in=employee_ids, day__gte=first_day, day__lte=last_day)
        .values("employee_id", "day")
        .annotate(**{state: _count(state) for state in ItemState.values})
        .order_by()
    )
    counts: dict[tuple[int, date], DayCounts] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        counts[(values["employee_id"], values["day"])] = DayCounts(
            **{state: values[state] for state in ItemState.values}
        )
    return counts


# --- the calendar (pages and API) ---------------------------------------------------------------------------

API_ORDERING = ("day", "id")
MAX_RANGE_DAYS = 92


def item_get(*, actor: Employee, item_id: int) -> ScheduleItem:
    """An item the actor may see (by its employee), or not found."""
    item = (
        scope_to_visible(ScheduleItem.objects.all(), actor=actor, owner_field="employee")
        .select_related(*ITEM_RELATED)
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise not_found()
    return item


def calendar_items(
    *,
    actor: Employee,
    start_day: date,
    end_day: date,
    employee_id: int | None = None,
    department_id: int | None = None,
    state: str = "",
    kind: str = "",
) -> QuerySet[ScheduleItem]:
    """The items of the employees the actor sees (one employee, a department's subtree, or all) over a range of
    at most MAX_RANGE_DAYS days; keyset-page it on API_ORDERING."""
    if end_day < start_day:
        raise invalid("date_to", _("The last day must not be before the first."))
    if (end_day - start_day).days >= MAX_RANGE_DAYS:
        raise invalid("date_to", _("At most %(n)d days at once.") % {"n": MAX_RANGE_DAYS})
    qs = scope_to_visible(ScheduleItem.objects.all(), actor=actor, owner_field="employee").filter(
        day__gte=start_day, day__lte=end_day
    )
    if employee_id is not None:
        qs = qs.filter(employee_id=employee_id)
    if department_id is not None:
        path = Department.objects.filter(org_id=actor.org_id, pk=department_id).values_list("path", flat=True).first()
        if path is None:
            return qs.none()
        qs = qs.filter(employee__department__path__startswith=path)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related(*ITEM_RELATED)


# --- the pages: an employee's day or week, the team's day ----------------------------------------------------


@dataclass
class DayColumn:
    """One employee's day: the plan (with what became of it), and the work done that no item planned."""

    employee: Employee
    items: list[ScheduleItem] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)  # unplanned visits
    records: list[WorkRecord] = field(default_factory=list)  # unplanned work records

    @property
    def counts(self) -> DayCounts:
        states = [i.state for i in self.items]
        return DayCounts(**{s: states.count(s) for s in ItemState.values})

    @property
    def missed(self) -> list[ScheduleItem]:
        return [i for i in self.items if i.state == ItemState.MISSED]

    @property
    def unplanned_count(self) -> int:
        return len(self.visits) + len(self.records)


def day_columns(*, actor: Employee, employees: Sequence[Employee], day: date) -> list[DayColumn]:
    """Each employee's day (those the actor sees): four queries whatever the number of employees and rows (the
    items, the visits, the records and their template versions), through activities' selectors."""
    columns = {e.pk: DayColumn(employee=e) for e in employees}
    if not columns:
        return []
    ids = list(columns)
    items = list(items_for(actor, ids, day, day))
    visits = list(
        visit_list(actor=actor, filters=VisitFilters(date_from=day, date_to=day))
        .filter(employee_id__in=ids)
        .order_by("checked_in_at", "id")
    )
    records = list(
        record_feed(actor=actor, filters=FeedFilters(date_from=day, date_to=day))
        .filter(author_id__in=ids, visit__isnull=True)  # a visit's steps are the visit's
        .exclude(template__purpose=Purpose.DAILY_REPORT)  # the report about the day is not work of the day
        .order_by("captured_at", "id")
    )
    fulfilled_visits = {i.fulfilled_visit_id for i in items if i.fulfilled_visit_id}
    fulfilled_records = {i.fulfilled_record_id for i in items if i.fulfilled_record_id}
    planned_at = {(i.employee_id, i.customer_id, i.kind) for i in items if i.state != ItemState.CANCELLED}
    planned_customer = {(e, c) for e, c, _k in planned_at if c is not None}
    for item in items:
        columns[item.employee_id].items.append(item)
    for visit in visits:
        if (
            visit.pk not in fulfilled_visits
            and (visit.employee_id, visit.customer_id, ItemKind.VISIT) not in planned_at
        ):
            columns[visit.employee_id].visits.append(visit)
    for record in records:
        if record.pk not in fulfilled_records and (record.author_id, record.customer_id) not in planned_customer:
            columns[record.author_id].records.append(record)
    return [columns[e.pk] for e in employees]


def week_items(*, actor: Employee, employee: Employee, days: Sequence[date]) -> dict[date, list[ScheduleItem]]:
    """An employee's items of some consecutive days, by day (one query)."""
    by_day: dict[date, list[ScheduleItem]] = {d: [] for d in days}
    for item in items_for(actor, [employee], days[0], days[-1]):
        by_day[item.day].append(item)
    return by_day


def team_employees(
    *, actor: Employee, department_id: int | None = None, employee_id: int | None = None
) -> QuerySet[Employee]:
    """The active employees whose days the team view shows: those the actor sees, in a department's subtree or
    one of them; keyset-page it on ("name", "id")."""
    department = None
    if department_id is not None:
        department = Department.objects.filter(org_id=actor.org_id, pk=department_id).first()
        if department is None:
            return Employee.objects.none()
    qs = employee_list(actor=actor, department=department)
    if employee_id is not None:
        qs = qs.filter(pk=employee_id)
    return qs
