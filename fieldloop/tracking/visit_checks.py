"""A visit's check-in against the rep's trajectory around its time: the review signals tracking adds to
activities' registry (activities.visit_review.register_signal_source, filled in TrackingConfig.ready).

With points within `WINDOW` of the check-in (no trajectory, no signal: a gap is not a proof):
- off the track: the check-in is farther than `OFF_TRACK_M` (plus the fixes' accuracy) from every point of
  the track within `NEAR` of it and from where the track was at that moment (between the neighbouring points);
- a jump: reaching the check-in from the point before it, or the point after it from the check-in, needs an
  implausible speed (over `MAX_SPEED_MPS`, on more than `JUMP_MIN_M`);
- frozen coordinates: the check-in's position repeated exactly by the track (`FROZEN_REPEATS` points or more),
  or the track around it stuck on one position: a real receiver never reads the same micro-degrees twice;
- the track's own points marked mocked by the device (a claim, like the check-in's).

One bounded read per employee and stretch of time (the index (org, employee, at)), whatever the visits.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from fieldloop.activities.models import ReviewState, Visit
from fieldloop.activities.selectors import VisitFilters, visit_list
from fieldloop.activities.visit_review import Signal, VisitSignal, signal_text
from fieldloop.core.geo import haversine_m
from fieldloop.org.models import Employee

from .models import LocationPoint

WINDOW = timedelta(minutes=30)  # the track read around a check-in
NEAR = timedelta(minutes=10)  # the points a check-in is compared with
OFF_TRACK_M = 500.0
JUMP_MIN_M = 1_000.0
MAX_SPEED_MPS = 55.0  # ~200 km/h
FROZEN_REPEATS = 3
SAME = 6  # decimals of a degree that make two positions identical (~0.1 m)


@dataclass(frozen=True)
class _Point:
    at: datetime
    latitude: float
    longitude: float
    accuracy_m: float
    mocked: bool

    @property
    def key(self) -> tuple[float, float]:
        return round(self.latitude, SAME), round(self.longitude, SAME)


def _points(org_id: int, employee_id: int, start: datetime, end: datetime) -> list[_Point]:
    rows = (
        LocationPoint.objects.filter(org_id=org_id, employee_id=employee_id, at__gte=start, at__lte=end)
        .order_by("at", "id")
        .values_list("at", "latitude", "longitude", "accuracy_m", "mocked")
    )
    return [_Point(*row) for row in rows]


def _interpolated(before: _Point, after: _Point, at: datetime) -> tuple[float, float]:
    span = (after.at - before.at).total_seconds()
    share = (at - before.at).total_seconds() / span if span > 0 else 0.0
    return (
        before.latitude + (after.latitude - before.latitude) * share,
        before.longitude + (after.longitude - before.longitude) * share,
    )


def check_visit(visit: Visit, points: Sequence[_Point]) -> list[VisitSignal]:
    """The trajectory's signals on one visit's check-in, from the employee's points around it (by time)."""
    at = visit.checked_in_at
    lat, lon = float(visit.check_in_latitude), float(visit.check_in_longitude)
    around = [p for p in points if abs(p.at - at) <= WINDOW]
    if not around:
        return []
    found: list[VisitSignal] = []
    near = [p for p in around if abs(p.at - at) <= NEAR]
    before = next((p for p in reversed(around) if p.at <= at), None)
    after = next((p for p in around if p.at > at), None)
    # off the track
    candidates = [(p.latitude, p.longitude, p.accuracy_m) for p in near]
    if before is not None and after is not None:
        candidates.append((*_interpolated(before, after, at), max(before.accuracy_m, after.accuracy_m)))
    if candidates:
        distance, accuracy = min(
            ((haversine_m(lat, lon, c_lat, c_lon), acc) for c_lat, c_lon, acc in candidates), key=lambda d: d[0]
        )
        if distance > OFF_TRACK_M + accuracy + visit.check_in_accuracy_m:
            found.append(VisitSignal(Signal.OFF_TRACK, {"distance_m": round(distance)}))
    # a jump
    speeds = []
    for a, b_lat, b_lon, seconds in (
        (before, lat, lon, (at - before.at).total_seconds() if before else 0),
        (after, lat, lon, (after.at - at).total_seconds() if after else 0),
    ):
        if a is None:
            continue
        metres = haversine_m(a.latitude, a.longitude, b_lat, b_lon)
        if metres > JUMP_MIN_M and metres / max(seconds, 1.0) > MAX_SPEED_MPS:
            speeds.append(metres / max(seconds, 1.0))
    if speeds:
        found.append(VisitSignal(Signal.JUMP, {"speed_kmh": round(max(speeds) * 3.6)}))
    # frozen coordinates
    mine = (round(lat, SAME), round(lon, SAME))
    repeats = sum(1 for p in around if p.key == mine)
    if repeats < FROZEN_REPEATS and near:
        repeats = max(len(list(g)) for _k, g in groupby(near, key=lambda p: p.key))
        repeats = repeats if repeats >= FROZEN_REPEATS + 1 else 0
    if repeats >= FROZEN_REPEATS:
        found.append(VisitSignal(Signal.FROZEN, {"count": repeats}))
    # the track's own mock claims
    mocked = sum(1 for p in near if p.mocked)
    if mocked:
        found.append(VisitSignal(Signal.MOCK_LOCATION, {"source": "track", "count": mocked}))
    return found


def trajectory_signals(visits: Sequence[Visit]) -> dict[int, list[VisitSignal]]:
    """Each visit's trajectory signals: one read of the employee's points per day of visits (from the first
    check-in's window to the last's), whatever the number of visits that day."""
    result: dict[int, list[VisitSignal]] = {}
    ordered = sorted(visits, key=lambda v: (v.org_id, v.employee_id, v.checked_in_at))
    days = groupby(ordered, key=lambda v: (v.org_id, v.employee_id, v.checked_in_at.date()))
    for (org_id, employee_id, _day), group in days:
        chunk = list(group)
        points = _points(org_id, employee_id, chunk[0].checked_in_at - WINDOW, chunk[-1].checked_in_at + WINDOW)
        for visit in chunk:
            signals = check_visit(visit, points)
            if signals:
                result[visit.pk] = signals
    return result


@dataclass(frozen=True)
class DoubtfulVisit:
    visit: Visit
    signals: list[str]  # in the reader's language


def day_doubtful_visits(*, actor: Employee, employee_id: int, day: date) -> list[DoubtfulVisit]:
    """The employee's visits of `day` with a review signal (any state), for the trajectory page: one query."""
    qs = visit_list(actor=actor, filters=VisitFilters(employee_id=employee_id, date_from=day, date_to=day))
    rows = qs.exclude(review_state=ReviewState.NONE).order_by("checked_in_at", "pk")[:50]
    return [DoubtfulVisit(v, [signal_text(s) for s in v.review_signals]) for v in rows]
