"""Demo trajectories: every rep's last workdays as a phone would have sent them, a point every 5 minutes in
the rep's working hours (their attendance shifts less approved leave, as the ingest reads them), along
plausible paths between the rep's visits (a bent line at city speed to each check-in, a dwell with GPS jitter
until the check-out), with a few grey (poorly accurate) points. Two reps have odd days on purpose: one phone
off over lunch (an unverified gap), one frozen on the same coordinates with a mocked flag and a jump 30 km
away. The day quality rollup and the last positions are computed from the same points; everything is written
in bulk (`core.bulk.insert_rows`)."""

import math
import uuid
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from fieldloop.activities.models import Visit
from fieldloop.core.bulk import insert_rows
from fieldloop.org.models import Employee, Role
from fieldloop.org.workhours import working_spans
from fieldloop.tracking.hours import WorkingHours
from fieldloop.tracking.models import DayQuality, LastPosition, LocationPoint, Provider, TrackingSettings

from .context import DemoContext

DAYS = 10  # workdays of trajectories before today (and today up to now)
STEP = timedelta(minutes=5)
CITY_SPEED_MPS = 8.0  # ~30 km/h through town
METRES_PER_DEGREE = 111_195.0
REACH_M = 60_000
HOME = (31.2304, 121.4737)
POINT_FIELDS = (
    "org_id", "employee_id", "at", "latitude", "longitude", "accuracy_m", "speed_mps", "heading", "provider",
    "battery", "mocked", "client_point_id", "received_at",
)  # fmt: skip

type Key = tuple[datetime, float, float]  # (time, lat, lon)


def _move(lat: float, lon: float, metres_north: float, metres_east: float) -> tuple[float, float]:
    return (
        lat + metres_north / METRES_PER_DEGREE,
        lon + metres_east / (METRES_PER_DEGREE * math.cos(math.radians(lat))),
    )


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = (b[0] - a[0]) * METRES_PER_DEGREE
    east = (b[1] - a[1]) * METRES_PER_DEGREE * math.cos(math.radians(a[0]))
    return math.hypot(north, east)


class _Path:
    """Where the rep is along the keyframes at increasing times: (lat, lon, speed). Between two places the rep
    waits at the first, then travels at city speed on a gently bent line to arrive on time. Each leg is measured
    once, and the legs are walked forward with the times asked (keyframes out of order: searched from the first)."""

    def __init__(self, keys: list[Key]) -> None:
        self.legs = list(pairwise(keys))
        self.end = (keys[-1][1], keys[-1][2], 0.0)
        self.ordered = all(a[0] <= b[0] for a, b in self.legs)
        self.cursor = 0
        self.measured: dict[int, tuple[float, float, datetime]] = {}

    def at(self, at: datetime) -> tuple[float, float, float]:
        first = self.cursor if self.ordered else 0
        for i in range(first, len(self.legs)):
            (t0, lat0, lon0), (t1, lat1, lon1) = self.legs[i]
            if not t0 <= at <= t1:
                continue
            self.cursor = i
            if (leg := self.measured.get(i)) is None:
                metres = _distance((lat0, lon0), (lat1, lon1))
                travel = min((t1 - t0).total_seconds(), max(600.0, metres / CITY_SPEED_MPS))
                leg = self.measured[i] = (metres, travel, t1 - timedelta(seconds=travel))
            metres, travel, leave = leg
            if metres < 1:
                return lat0, lon0, 0.0
            if at <= leave:
                return lat0, lon0, 0.0
            f = (at - leave).total_seconds() / travel
            bend = math.sin(math.pi * f) * 0.12 * metres  # roads are not straight: bow out to one side
            lat = lat0 + (lat1 - lat0) * f
            lon = lon0 + (lon1 - lon0) * f
            north, east = (lat1 - lat0), (lon1 - lon0)
            norm = math.hypot(north, east) or 1
            lat, lon = _move(lat, lon, bend * -east / norm, bend * north / norm)
            return lat, lon, metres / travel
        return self.end


def build_trajectories(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    rng, org, now = ctx.rng, ctx.org, ctx.now
    zone = ZoneInfo(org.time_zone)
    hours = TrackingSettings.objects.get(org=org)
    today = ctx.now.astimezone(zone).date()
    days: list[date] = []
    day = today
    while len(days) < DAYS:
        day -= timedelta(days=1)
        if day.isoweekday() in hours.workdays:
            days.append(day)
    if today.isoweekday() in hours.workdays:
        days.append(today)
    days.sort()
    reps = list(Employee.objects.filter(org=org, role=Role.REP).active().order_by("pk").values_list("pk", flat=True))
    first_start = datetime.combine(days[0], time.min, tzinfo=zone)
    visits: dict[tuple[int, date], list[Key]] = {}
    rows = (
        Visit.objects.filter(org=org, employee_id__in=reps, checked_in_at__gte=first_start)
        .order_by("employee_id", "checked_in_at")
        .values_list("employee_id", "checked_in_at", "checked_out_at", "check_in_latitude", "check_in_longitude")
    )
    for employee_id, check_in, check_out, v_lat, v_lon in rows:
        local_in = check_in.astimezone(zone)
        visits.setdefault((employee_id, local_in.date()), []).extend(
            [
                (check_in, float(v_lat), float(v_lon)),
                (check_out or check_in + timedelta(minutes=20), float(v_lat), float(v_lon)),
            ]
        )
    points: list[tuple[object, ...]] = []
    quality: list[DayQuality] = []
    last: dict[int, tuple[datetime, float, float, float, float | None]] = {}
    gap_rep, odd_rep = [*reps, 0, 0][:2]
    # Each rep's working hours as the ingest reads them: their attendance shifts less approved leave (the
    # attendance step ran first), or the organization's tracking hours.
    last_end = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=zone)
    spans = working_spans(org=org, employee_ids=reps, start=first_start, end=last_end)
    for employee_id in reps:
        # The rep sets out each day from near the day's first visit (demo customers lie in many cities);
        # a visit over REACH_M from there is left out of the path (it stays on record, far from the track).
        usual = _move(*HOME, rng.uniform(-12_000, 12_000), rng.uniform(-12_000, 12_000))
        own = spans.get(employee_id)
        working = WorkingHours(hours, zone, tuple(own) if own is not None else None)
        for day in days:
            day_spans = working.day_spans(day)
            if not day_spans:  # on leave, or off: no track, nothing expected
                continue
            start, end = day_spans[0].start, day_spans[-1].end
            stops = [k for k in visits.get((employee_id, day), []) if start <= k[0] <= end]
            home = (
                _move(stops[0][1], stops[0][2], rng.uniform(-3000, 3000), rng.uniform(-3000, 3000)) if stops else usual
            )
            stops = [k for k in stops if _distance(home, (k[1], k[2])) <= REACH_M]
            # checks-in overlapping the previous check-out are left out of the path (they stay on record)
            ordered: list[Key] = []
            for k in stops:
                if not ordered or k[0] >= ordered[-1][0]:
                    ordered.append(k)
            if not ordered:  # no visit that day: a round through two places near home
                ordered = [
                    (start + timedelta(hours=2), *_move(*home, rng.uniform(-4000, 4000), rng.uniform(-4000, 4000))),
                    (start + timedelta(hours=3), *_move(*home, rng.uniform(-4000, 4000), rng.uniform(-4000, 4000))),
                ]
                ordered.insert(1, (ordered[0][0] + timedelta(minutes=40), ordered[0][1], ordered[0][2]))
            path = _Path([(start, *home), *ordered, (end, *home)])
            received = grey = 0
            at = start
            frozen: tuple[float, float] | None = None
            odd = day == days[-2] and employee_id in (gap_rep, odd_rep)  # the two odd days, told apart below
            local = time()
            while at < end and at <= now:
                if not any(span.start <= at < span.end for span in day_spans):
                    at += STEP  # between shifts, or the half day on leave: the phone does not track
                    continue
                if odd:
                    local = at.astimezone(zone).time()
                if odd and employee_id == gap_rep and time(11, 0) <= local < time(13, 30):
                    at += STEP  # the phone was off: no point, a gap
                    continue
                lat, lon, speed = path.at(at)
                accuracy = rng.uniform(5, 35)
                mocked = False
                if odd and employee_id == odd_rep and time(14, 0) <= local < time(15, 0):
                    frozen = frozen or (lat, lon)
                    lat, lon, accuracy, speed, mocked = frozen[0], frozen[1], 10.0, 0.0, True
                elif odd and employee_id == odd_rep and local == time(15, 30):
                    lat, lon = _move(lat, lon, 30_000, 0)  # a jump no car makes in 5 minutes
                elif rng.random() < 0.04:
                    accuracy = rng.uniform(150, 600)  # a grey point: the fix was poor
                else:
                    lat, lon = _move(lat, lon, rng.gauss(0, 6), rng.gauss(0, 6))
                points.append((
                    org.pk, employee_id, at, round(lat, 6), round(lon, 6), round(accuracy, 1), round(speed, 1),
                    None, Provider.FUSED, max(5, 95 - int((at - start).total_seconds() // 600)), mocked,
                    uuid.UUID(int=rng.getrandbits(128), version=4), at + timedelta(seconds=rng.randint(1, 90)),
                ))  # fmt: skip
                received += 1
                grey += accuracy > hours.poor_accuracy_m
                last[employee_id] = (at, lat, lon, accuracy, speed)
                at += STEP
            quality.append(
                DayQuality(
                    org=org,
                    employee_id=employee_id,
                    day=day,
                    received=received,
                    grey=grey,
                    expected=working.expected_samples(day),
                )
            )
    insert_rows(LocationPoint, POINT_FIELDS, points)
    DayQuality.objects.bulk_create(quality, batch_size=1_000)
    ctx.counts |= {"location points": len(points), "tracked days": len(quality)}
    LastPosition.objects.bulk_create(
        [
            LastPosition(org=org, employee_id=pk, at=at, latitude=lat, longitude=lon, accuracy_m=acc, speed_mps=speed)
            for pk, (at, lat, lon, acc, speed) in last.items()
        ],
        batch_size=1_000,
    )
