"""Reads of visit plans (拜访计划), through the actor's visibility (org.selectors).

- `frequencies`: the organization's visit frequency per customer level, and the customers' own.
- `due_for_visit`: an employee's customers (the employee owns them) due or overdue for a visit, most overdue
  first, with their last visit and the visit already planned for them: ONE query whatever the number of
  customers (the last visit, the frequency and the planned visit are subqueries), keyset-paged on DUE_ORDERING.
- `day_route`: an employee's planned visits of a day and their suggested order (routes.suggest).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    DateField,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.activities.models import Visit
from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.geo import Point
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import visible_customers
from fieldloop.org.models import Employee
from fieldloop.org.selectors import visible_employees

from . import routes
from .models import CustomerVisitFrequency, ItemKind, ItemState, ScheduleItem, VisitFrequency
from .plans import MAX_WITHIN_DAYS
from .selectors import DAY_ORDER

DUE_ORDERING = ("due_on", "id")
# how far from today a route may be asked for (a day in an absurd year is a field error)
ROUTE_DAYS_BACK = 92
ROUTE_DAYS_AHEAD = 731
MAX_ROUTE_STOPS = 100


def _invalid(field: str, message: str) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), {field: [message]})


class AddDays(Func):
    """A date plus a whole number of days, a date (both databases)."""

    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        day, day_params = compiler.compile(self.source_expressions[0])
        n, n_params = compiler.compile(self.source_expressions[1])
        return f"date({day}, ({n}) || ' days')", (*day_params, *n_params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        day, day_params = compiler.compile(self.source_expressions[0])
        n, n_params = compiler.compile(self.source_expressions[1])
        return f"(({day})::date + ({n})::integer)", (*day_params, *n_params)


# --- frequencies ----------------------------------------------------------------------------------------------


def level_frequencies(*, org_id: int) -> dict[str, int | None]:
    """Level -> every how many days (None: no regular visits)."""
    return dict(VisitFrequency.objects.filter(org_id=org_id).values_list("level", "every_days"))


def customer_frequencies(*, actor: Employee) -> QuerySet[CustomerVisitFrequency]:
    """The customers' own frequencies, of the customers the actor sees, by customer name."""
    seen = visible_customers(actor=actor, include_archived=True).values("pk")
    return (
        CustomerVisitFrequency.objects.filter(org_id=actor.org_id, customer_id__in=seen)
        .select_related("customer")
        .order_by("customer__name", "id")
    )


# --- due for a visit ------------------------------------------------------------------------------------------


def employee_in_scope(*, actor: Employee, employee_id: int | None, field: str = "employee_id") -> Employee:
    """The actor, or a visible employee; anyone else is not found (a 404 naming the field)."""
    if employee_id is None or employee_id == actor.pk:
        return actor
    employee = visible_employees(actor=actor).select_related("org").filter(pk=employee_id).first()
    if employee is None:
        raise ServiceError(ErrorCode.NOT_FOUND, _("Not found."), {field: [_("Not found.")]})
    return employee


def org_today(employee: Employee) -> date:
    return timezone.now().astimezone(ZoneInfo(employee.org.time_zone)).date()


def due_for_visit(
    *, actor: Employee, employee_id: int | None = None, within_days: int = 0, today: date | None = None
) -> QuerySet[Customer]:
    """The customers `employee_id` (default: the actor; someone the actor sees) owns that are due for a visit
    by today + `within_days`, annotated with `last_visit_on`, `every_days`, `due_on` and `planned_on` (the first
    planned visit of the employee to them from today on); keyset-page on DUE_ORDERING (most overdue first)."""
    if isinstance(within_days, bool) or not isinstance(within_days, int) or not 0 <= within_days <= MAX_WITHIN_DAYS:
        raise _invalid("within_days", _("Enter a whole number from 0 to %(max)d.") % {"max": MAX_WITHIN_DAYS})
    employee = employee_in_scope(actor=actor, employee_id=employee_id)
    zone = ZoneInfo(employee.org.time_zone)
    today = today or timezone.now().astimezone(zone).date()
    last_visit = (
        Visit.objects.filter(org_id=employee.org_id, customer_id=OuterRef("pk"))
        .exclude(effective=False)
        .order_by("-checked_in_at")
        .annotate(day=TruncDate("checked_in_at", tzinfo=zone))
        .values("day")[:1]
    )
    own = CustomerVisitFrequency.objects.filter(customer_id=OuterRef("pk"))
    by_level = VisitFrequency.objects.filter(org_id=employee.org_id, level=OuterRef("level"))
    planned = (
        ScheduleItem.objects.filter(
            org_id=employee.org_id,
            employee_id=employee.pk,
            customer_id=OuterRef("pk"),
            kind=ItemKind.VISIT,
            state=ItemState.PLANNED,
            day__gte=today,
        )
        .order_by("day")
        .values("day")[:1]
    )
    return (
        visible_customers(actor=actor)
        .filter(owner_id=employee.pk)
        .annotate(
            last_visit_on=Subquery(last_visit, output_field=DateField()),
            every_days=Case(
                When(Exists(own), then=Subquery(own.values("every_days")[:1])),
                default=Subquery(by_level.values("every_days")[:1]),
                output_field=IntegerField(),
            ),
        )
        .filter(every_days__isnull=False)
        .annotate(
            due_on=AddDays(
                Coalesce("last_visit_on", TruncDate("created_at", tzinfo=zone), output_field=DateField()),
                "every_days",
            ),
            planned_on=Subquery(planned, output_field=DateField()),
        )
        .filter(due_on__lte=today + timedelta(days=within_days))
    )


# --- a day's route --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteStop:
    item: ScheduleItem
    leg_m: float | None  # from the previous stop (the first: from the start position, or None)
    located: bool


@dataclass(frozen=True)
class DayRoute:
    employee: Employee
    day: date
    stops: list[RouteStop]  # located stops in the suggested order, then those without a location
    before_m: float  # the day's order (by start time), from the start
    after_m: float  # the suggested order, from the start
    start: Point | None

    @property
    def saved_m(self) -> float:
        return self.before_m - self.after_m

    @property
    def item_ids(self) -> list[int]:
        return [s.item.pk for s in self.stops]


def check_route_day(day: Any, today: date) -> date:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise _invalid("day", _("Enter a date."))
    first, last = today - timedelta(days=ROUTE_DAYS_BACK), today + timedelta(days=ROUTE_DAYS_AHEAD)
    if not first <= day <= last:
        raise _invalid("day", _("Choose a day from %(first)s to %(last)s.") % {"first": first, "last": last})
    return day


def check_start(latitude: Any, longitude: Any) -> Point | None:
    """The rep's position to start from: both coordinates or neither, within range."""
    if latitude is None and longitude is None:
        return None
    errors: dict[str, list[Any]] = {}
    for name, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value is None:
            errors[name] = [_("Send both coordinates, or neither.")]
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not -limit <= value <= limit:
            errors[name] = [_("Enter a number from %(min)d to %(max)d.") % {"min": -limit, "max": limit}]
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return Point(float(latitude), float(longitude))


def day_visits(*, actor: Employee, employee: Employee, day: date) -> list[ScheduleItem]:
    """The employee's planned visits of the day (to a customer), in the day's order: one query."""
    return list(
        ScheduleItem.objects.filter(
            org_id=actor.org_id,
            employee_id=employee.pk,
            day=day,
            kind=ItemKind.VISIT,
            state=ItemState.PLANNED,
            customer__isnull=False,
        )
        .select_related("customer")
        .order_by(*DAY_ORDER)[:MAX_ROUTE_STOPS]
    )


def day_route(
    *, actor: Employee, employee_id: int | None, day: Any, latitude: Any = None, longitude: Any = None
) -> DayRoute:
    """The suggested order of an employee's planned visits of a day (the actor's own, or a visible employee's):
    from the position given, else from the first visit of the day. Visits to customers without a location keep
    their place after the others."""
    employee = employee_in_scope(actor=actor, employee_id=employee_id)
    day = check_route_day(day, org_today(employee))
    start = check_start(latitude, longitude)
    items = day_visits(actor=actor, employee=employee, day=day)
    located = [i for i in items if i.customer and i.customer.latitude is not None and i.customer.longitude is not None]
    unlocated = [i for i in items if i not in located]
    points = [Point(float(i.customer.latitude), float(i.customer.longitude)) for i in located]  # type: ignore[union-attr,arg-type]
    route = routes.suggest(points, start)
    stops = [
        RouteStop(item=located[k], leg_m=route.legs_m[n] if (n > 0 or start is not None) else None, located=True)
        for n, k in enumerate(route.order)
    ] + [RouteStop(item=i, leg_m=None, located=False) for i in unlocated]
    return DayRoute(
        employee=employee, day=day, stops=stops, before_m=route.before_m, after_m=route.after_m, start=start
    )
