"""Reads of tracking, through the actor's visibility: a day's trajectory (raw or simplified, gaps,
distance), its stops (named by the nearest visible customer, with the visit made there), the quality rollup,
and the team's last positions with each one's state.

A trajectory reads one employee-day: the points of (org, employee, at in the day), the index's range (on
PostgreSQL one monthly partition)."""

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from fieldloop.activities.models import VisitStatus
from fieldloop.activities.selectors import VisitFilters, visit_list
from fieldloop.core import rows
from fieldloop.core.db import prepared_cursor
from fieldloop.core.errors import not_found
from fieldloop.core.geo import haversine_m
from fieldloop.customers.selectors import visible_customers
from fieldloop.org.models import Employee
from fieldloop.org.selectors import visible_employees
from fieldloop.org.workhours import working_spans

from . import tracks
from .hours import WorkingHours, day_bounds
from .models import DayQuality, LastPosition, LocationPoint, TrackingSettings, TrackingSwitch

SIMPLIFY_TOLERANCE_M = 15.0
MOVING_MPS = 1.0  # faster than a walk's start: moving
VISIT_MATCH_BEFORE = timedelta(minutes=15)  # a check-in this long before a stop still belongs to it


def tracking_settings(*, org_id: int) -> TrackingSettings:
    """The organization's settings (its defaults until an administrator saved some)."""
    return TrackingSettings.objects.filter(org_id=org_id).first() or TrackingSettings(org_id=org_id)


@functools.cache
def _settings_and_switch_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {rows.columns(TrackingSettings, 's')}, (SELECT w.enabled FROM "  # noqa: S608 - names from the models
        f"{quote(TrackingSwitch._meta.db_table)} w WHERE w.employee_id = %s) "
        f"FROM {quote(TrackingSettings._meta.db_table)} s WHERE s.org_id = %s"
    )


def settings_and_switch(*, employee: Employee) -> tuple[TrackingSettings, bool]:
    """The organization's settings and whether the employee's switch is on, in one query (the ingest's: written
    by hand, as the ORM's compile of it cost more than the query)."""
    with prepared_cursor() as cursor:
        cursor.execute(_settings_and_switch_sql(), [employee.pk, employee.org_id])
        row = cursor.fetchone()
    if row is None:
        return TrackingSettings(org_id=employee.org_id), switch_of(employee=employee)
    return rows.instance(TrackingSettings, row[:-1]), row[-1] is None or bool(row[-1])


def switch_of(*, employee: Employee) -> bool:
    """Is the employee's own tracking switch on? (No row: on.)"""
    enabled = TrackingSwitch.objects.filter(employee=employee).values_list("enabled", flat=True).first()
    return enabled is not False


def working_hours_of(*, employee: Employee, settings: TrackingSettings, start: datetime, end: datetime) -> WorkingHours:
    """The employee's working hours over [start, end): their attendance shifts when they have some
    (`org.workhours`), else the organization's tracking hours."""
    spans = working_spans(org=employee.org, employee_ids=[employee.pk], start=start, end=end).get(employee.pk)
    return WorkingHours(settings, ZoneInfo(employee.org.time_zone), tuple(spans) if spans is not None else None)


@dataclass(frozen=True)
class SwitchState:
    employee: Employee
    enabled: bool
    changed_by: Employee | None
    changed_at: datetime | None


def switch_state(*, actor: Employee, employee_id: int) -> SwitchState:
    """A visible employee's own tracking switch, who last changed it and when (no row: on, never changed)."""
    employee = tracked_employee(actor=actor, employee_id=employee_id)
    row = TrackingSwitch.objects.filter(employee=employee).select_related("changed_by").first()
    if row is None:
        return SwitchState(employee, True, None, None)
    return SwitchState(employee, row.enabled, row.changed_by, row.updated_at)


def tracked_employee(*, actor: Employee, employee_id: int) -> Employee:
    employee = visible_employees(actor=actor).filter(pk=employee_id).select_related("department").first()
    if employee is None:
        raise not_found()
    return employee


@dataclass(frozen=True)
class Status:
    """What the phone page (and GET /tracking/me) tells its employee."""

    on_now: bool  # positions are being collected right now
    switched_on: bool
    settings: TrackingSettings
    today: list[tuple[datetime, datetime]]  # today's working hours (local), when tracking may run
    from_shifts: bool  # the hours are the employee's attendance shifts, not the organization's


def my_status(*, actor: Employee, now: datetime | None = None) -> Status:
    """Is the actor's position collected now, and when today (their shifts', else the organization's hours)."""
    now = now or timezone.now()
    zone = ZoneInfo(actor.org.time_zone)
    hours = tracking_settings(org_id=actor.org_id)
    switched_on = hours.enabled and switch_of(employee=actor)
    today = now.astimezone(zone).date()
    lo, hi = day_bounds(today, zone)
    working = working_hours_of(employee=actor, settings=hours, start=lo, end=hi)
    shown = working.spans if working.spans is not None else working.day_spans(today)  # a night shift whole
    spans = [(s.start.astimezone(zone), s.end.astimezone(zone)) for s in shown]
    on_now = switched_on and working.contains(now)
    return Status(on_now=on_now, switched_on=switched_on, settings=hours, today=spans,
                  from_shifts=working.from_shifts)  # fmt: skip


@dataclass(frozen=True)
class Point:
    at: datetime
    latitude: float
    longitude: float
    accuracy_m: float
    speed_mps: float | None
    mocked: bool

    def sample(self) -> tracks.Sample:
        return tracks.Sample(self.at, self.latitude, self.longitude, self.accuracy_m)


def day_points(*, employee: Employee, day: date) -> list[Point]:
    """The employee's points of one local day, by time (one indexed range read)."""
    start, end = day_bounds(day, ZoneInfo(employee.org.time_zone))
    rows = (
        LocationPoint.objects.filter(org_id=employee.org_id, employee_id=employee.pk, at__gte=start, at__lt=end)
        .order_by("at", "id")
        .values_list("at", "latitude", "longitude", "accuracy_m", "speed_mps", "mocked")
    )
    return [Point(*row) for row in rows]


@dataclass(frozen=True)
class Trajectory:
    employee: Employee
    day: date
    points: list[Point]  # raw, or the simplified ones
    raw_count: int
    distance_m: float
    gaps: list[tracks.Gap]
    stops: list["NamedStop"]
    quality: DayQuality | None
    settings: TrackingSettings


@dataclass(frozen=True)
class NamedStop:
    stop: tracks.Stop
    customer_id: int | None
    customer_name: str
    customer_distance_m: float | None
    visit_id: int | None


def _name_stops(
    actor: Employee, employee: Employee, day: date, found: list[tracks.Stop], hours: TrackingSettings
) -> list[NamedStop]:
    """Each stop with its visit (a check-in of the employee during it) and its customer: the visit's, else the
    nearest visible located customer within the radius. Two queries whatever the number of stops."""
    if not found:
        return []
    visits = list(
        visit_list(actor=actor, filters=VisitFilters(employee_id=employee.pk, date_from=day, date_to=day))
        .order_by("checked_in_at")
        .values_list("pk", "checked_in_at", "customer_id", "customer__name")
    )
    radius = hours.customer_radius_m
    margin = radius / 111_000 * 2  # degrees: generous for the latitudes people work at
    lats = [s.latitude for s in found]
    lons = [s.longitude for s in found]
    nearby = list(
        visible_customers(actor=actor)
        .filter(
            latitude__gte=min(lats) - margin,
            latitude__lte=max(lats) + margin,
            longitude__gte=min(lons) - margin,
            longitude__lte=max(lons) + margin,
        )
        .order_by("pk")
        .values_list("pk", "name", "latitude", "longitude")[:2000]
    )
    places = {pk: (name, float(lat or 0), float(lon or 0)) for pk, name, lat, lon in nearby}
    named = []
    for stop in found:
        visit = next((v for v in visits if stop.start - VISIT_MATCH_BEFORE <= v[1] <= stop.end), None)
        customer: tuple[float | None, int, str] | None = None
        for pk, (name, lat, lon) in places.items():
            d = haversine_m(stop.latitude, stop.longitude, lat, lon)
            if d <= radius and (customer is None or d < (customer[0] or 0)):
                customer = (d, pk, name)
        if visit is not None and visit[2] is not None:  # the visit names the customer, near or not
            place = places.get(visit[2])
            at_visit = haversine_m(stop.latitude, stop.longitude, place[1], place[2]) if place else None
            customer = (at_visit, visit[2], visit[3])
        named.append(
            NamedStop(
                stop=stop,
                customer_id=customer[1] if customer else None,
                customer_name=customer[2] if customer else "",
                customer_distance_m=round(customer[0], 1) if customer and customer[0] is not None else None,
                visit_id=visit[0] if visit else None,
            )
        )
    return named


def trajectory(*, actor: Employee, employee_id: int, day: date, simplified: bool = True) -> Trajectory:
    """A visible employee's day: points (simplified with Douglas-Peucker unless raw is asked for), gaps over
    the setting (unverified), distance, stops named, the quality rollup."""
    employee = tracked_employee(actor=actor, employee_id=employee_id)
    hours = tracking_settings(org_id=actor.org_id)
    points = day_points(employee=employee, day=day)
    samples = [p.sample() for p in points]
    found = tracks.stops(samples, min_minutes=hours.stop_minutes, radius_m=hours.stop_radius_m)
    shown = [points[i] for i in tracks.simplify(samples, SIMPLIFY_TOLERANCE_M)] if simplified else points
    quality = DayQuality.objects.filter(org_id=actor.org_id, employee_id=employee.pk, day=day).first()
    return Trajectory(
        employee=employee,
        day=day,
        points=shown,
        raw_count=len(points),
        distance_m=round(tracks.distance_m(samples, poor_accuracy_m=hours.poor_accuracy_m), 1),
        gaps=tracks.gaps(samples, max_minutes=hours.gap_minutes),
        stops=_name_stops(actor, employee, day, found, hours),
        quality=quality,
        settings=hours,
    )


def quality_list(
    *, actor: Employee, date_from: date, date_to: date, employee_id: int | None = None
) -> list[DayQuality]:
    """The quality rollup of the visible employees' days in [date_from, date_to]."""
    qs = DayQuality.objects.filter(
        org_id=actor.org_id, employee__in=visible_employees(actor=actor), day__gte=date_from, day__lte=date_to
    )
    if employee_id is not None:
        qs = qs.filter(employee_id=employee_id)
    return list(qs.select_related("employee").order_by("day", "employee__name", "employee_id")[:5000])


class State:
    VISITING = "visiting"
    MOVING = "moving"
    IDLE = "idle"
    NO_SIGNAL = "no_signal"


@dataclass(frozen=True)
class TeamMember:
    employee_id: int
    name: str
    position: LastPosition | None
    age_s: int | None
    state: str


def no_signal_after_s(hours: TrackingSettings) -> int:
    """A position older than this says nothing of where the employee is now: three missed samples, at least
    15 minutes."""
    return max(3 * hours.interval_seconds, 900)


def team_positions(*, actor: Employee, now: datetime | None = None) -> list[TeamMember]:
    """Every visible active employee with their last position, its age and their state (visiting: an open
    visit; moving; idle; no signal). Three queries: the employees, their last positions, the open visits."""
    now = now or timezone.now()
    hours = tracking_settings(org_id=actor.org_id)
    employees = list(visible_employees(actor=actor).active().order_by("name", "pk").values_list("pk", "name")[:20_000])
    positions = {
        p.employee_id: p
        for p in LastPosition.objects.filter(org_id=actor.org_id, employee__in=visible_employees(actor=actor).active())
    }
    visiting = set(
        visit_list(actor=actor, filters=VisitFilters(status=VisitStatus.OPEN)).values_list("employee_id", flat=True)
    )
    stale_after = no_signal_after_s(hours)
    members = []
    for pk, name in employees:
        position = positions.get(pk)
        age = int((now - position.at).total_seconds()) if position else None
        if pk in visiting:
            state = State.VISITING
        elif age is None or age > stale_after:
            state = State.NO_SIGNAL
        elif position is not None and (position.speed_mps or 0) >= MOVING_MPS:
            state = State.MOVING
        else:
            state = State.IDLE
        members.append(TeamMember(employee_id=pk, name=name, position=position, age_s=age, state=state))
    return members
