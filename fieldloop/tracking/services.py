"""Writes of tracking: the location batch ingest, the organization's settings, an employee's switch.

The ingest checks a batch in Python once (every point's fields, reported by index), then writes it whatever its
size. PostgreSQL: one statement (the points whose client ids are not stored yet, the touched days' quality rollup
and the last position, as data-modifying CTEs), after a per-employee advisory lock in the same transaction (the
partitioned table's unique key holds the time, so two batches replaying one client id with other times must not
run side by side); only a replay's points, skipped by the insert, are read back, to tell a duplicate from a point
replayed with other content. SQLite: one write transaction reads the stored points among the batch's client ids,
inserts the others by one executemany, then the quality and the last position.
"""

import contextlib
import fcntl
import functools
import math
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fieldloop.core.db import prepared_cursor
from fieldloop.core.errors import ErrorCode, ServiceError, not_found
from fieldloop.core.geo import MAX_ACCURACY_M
from fieldloop.org.models import Employee, Organization
from fieldloop.org.selectors import can_change_owned_by, visible_employees
from fieldloop.org.workhours import working_spans

from .hours import WorkingHours, day_bounds
from .models import DayQuality, LastPosition, LocationPoint, Provider, TrackingSettings, TrackingSwitch
from .selectors import settings_and_switch, tracking_settings, working_hours_of

MAX_BATCH = 1000
PROVIDERS = frozenset(Provider.values)  # the enum's `values` is built again at each use
FUTURE_SKEW = timedelta(minutes=5)  # a phone's clock may run this far ahead
# the first key of the ingest's PostgreSQL advisory locks (the second: the employee), "tr" for tracking
INGEST_LOCK = 0x7472
POINT_COLUMNS = (
    "org_id", "employee_id", "at", "latitude", "longitude", "accuracy_m", "speed_mps", "heading", "provider",
    "battery", "mocked", "client_point_id", "received_at",
)  # fmt: skip


def tracking_defaults_create(org: Organization) -> TrackingSettings:
    return TrackingSettings.objects.create(org=org)


def retention_start(now: datetime) -> datetime:
    """The first instant still kept: the start of the month `FIELDLOOP_TRACKING_RETENTION_MONTHS` months
    back (older partitions are dropped)."""
    months = django_settings.FIELDLOOP_TRACKING_RETENTION_MONTHS
    y, m = now.year, now.month - months + 1
    while m <= 0:
        y, m = y - 1, m + 12
    return datetime(y, m, 1, tzinfo=UTC)


@dataclass
class Rejection:
    index: int
    field: str
    message: str


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)


class _Point(NamedTuple):
    """A checked point (a tuple: the ingest builds one per point, a frozen dataclass costs several times more)."""

    position: int  # in the batch (a tuple has an `index` method)
    client_id: uuid.UUID
    at: datetime
    latitude: float
    longitude: float
    accuracy_m: float
    speed_mps: float | None
    heading: float | None
    provider: str
    battery: int | None
    mocked: bool


def _number(value: Any, low: float, high: float, *, optional: bool) -> tuple[float | None, bool]:
    kind = type(value)
    if kind is float:  # what a phone sends: no conversion (NaN fails the comparison, infinity the bounds)
        return value, low <= value <= high
    if kind is int:  # compared before converted: an integer of 400 digits has no float
        ok = low <= value <= high
        return (float(value) if ok else None), ok
    if value is None or value == "":
        return None, optional
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, False
    try:
        number = float(value)
    except ValueError:
        return None, False
    return number, math.isfinite(number) and low <= number <= high


def _time(text: Any) -> datetime | None:
    """ISO 8601 (Django's parse_datetime, whose first try is `datetime.fromisoformat`, made directly here)."""
    if type(text) is not str or len(text) > 40:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parse_datetime(text)
    except ValueError:
        return None


def _client_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(value if type(value) is str else str(value or ""))
    except ValueError:
        return None


def _check(index: int, raw: Any, *, latest: datetime, earliest: datetime) -> tuple[_Point | None, list[Rejection]]:
    """One point as the client sent it: the point, or its field errors. The good point's way is a straight line
    (every batch's every point goes through it); the messages are built only for a bad one."""
    if not isinstance(raw, dict):
        return None, [Rejection(index, "point", _("Each point must be an object."))]
    get = raw.get
    client_id = _client_id(get("id"))
    at = _time(get("at"))
    at_ok = at is not None and at.tzinfo is not None and earliest <= at <= latest
    lat, lat_ok = _number(get("latitude"), -90, 90, optional=False)
    lon, lon_ok = _number(get("longitude"), -180, 180, optional=False)
    accuracy, accuracy_ok = _number(get("accuracy"), 0, MAX_ACCURACY_M, optional=False)
    speed, speed_ok = _number(get("speed"), 0, 150, optional=True)
    heading, heading_ok = _number(get("heading"), 0, 360, optional=True)
    battery, battery_ok = _number(get("battery"), 0, 100, optional=True)
    provider = get("provider") or Provider.UNKNOWN
    if not isinstance(provider, str):  # a list or an object: unhashable, not a provider
        provider = ""
    mocked = get("mocked", False)
    if (
        client_id is not None and at_ok and lat_ok and lon_ok and accuracy_ok and accuracy and speed_ok
        and heading_ok and battery_ok and provider in PROVIDERS and type(mocked) is bool
    ):  # fmt: skip
        return _Point(
            index, client_id, at, lat, lon, accuracy, speed, heading, str(provider),  # type: ignore[arg-type]
            None if battery is None else round(battery), mocked,
        ), []  # fmt: skip
    errors: list[Rejection] = []

    def refuse(name: str, message: str) -> None:
        errors.append(Rejection(index, name, message))

    if client_id is None:
        refuse("id", _("Give each point its own id (a UUID)."))
    if at is None or at.tzinfo is None:
        refuse("at", _("Enter the time as ISO 8601 with a time zone."))
    elif at > latest:
        refuse("at", _("This time is in the future."))
    elif at < earliest:
        refuse("at", _("This time is before the employee's tracking could start."))
    if not lat_ok:
        refuse("latitude", _("Enter a number between -%(limit)d and %(limit)d.") % {"limit": 90})
    if not lon_ok:
        refuse("longitude", _("Enter a number between -%(limit)d and %(limit)d.") % {"limit": 180})
    if not accuracy_ok or accuracy == 0:
        refuse("accuracy", _("The accuracy must be between 0 and %(limit)d metres.") % {"limit": MAX_ACCURACY_M})
    if not speed_ok:
        refuse("speed", _("The speed must be between 0 and 150 m/s."))
    if not heading_ok:
        refuse("heading", _("The heading must be between 0 and 360 degrees."))
    if not battery_ok:
        refuse("battery", _("The battery must be between 0 and 100 %."))
    if provider not in PROVIDERS:
        refuse("provider", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Provider.values)})
    if not isinstance(mocked, bool):
        refuse("mocked", _("Enter true or false."))
    return None, errors


def _same(point: _Point, at: datetime, latitude: float, longitude: float) -> bool:
    return point.at == at and point.latitude == latitude and point.longitude == longitude


def _prep(model: type[Any], attname: str, value: Any) -> Any:
    f = next(f for f in model._meta.concrete_fields if f.attname == attname)
    return f.get_db_prep_save(value, connection)


def _stored(actor: Employee, client_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[datetime, float, float]]:
    """The points of these client ids already stored (time, latitude, longitude by client id): one indexed read
    (plain SQL: the ORM's compile costs more than the query)."""
    native_uuid = connection.features.has_native_uuid_field
    table = connection.ops.quote_name(LocationPoint._meta.db_table)
    marks = ", ".join(["%s"] * len(client_ids))
    sql = (
        f"SELECT client_point_id, at, latitude, longitude FROM {table} "  # noqa: S608 - names from the model
        f"WHERE org_id = %s AND employee_id = %s AND client_point_id IN ({marks})"
    )
    params = [actor.org_id, actor.pk, *(client_ids if native_uuid else (c.hex for c in client_ids))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = {}
    for client_id, at, lat, lon in rows:
        if isinstance(at, str):  # SQLite keeps UTC without a zone
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        out[client_id if isinstance(client_id, uuid.UUID) else uuid.UUID(client_id)] = (at, lat, lon)
    return out


def _sqlite_rows(actor: Employee, points: list[_Point], received_at: datetime) -> list[tuple[Any, ...]]:
    """The points as SQLite keeps them, in POINT_COLUMNS order: what the fields' get_db_prep_save end with, made
    inline (one call per point instead of a field's chain): a time as naive text in the connection's zone (UTC,
    the backend's adapt_datetimefield_value of an aware time), a UUID as its 32 hex digits."""
    zone = connection.timezone
    received = str(received_at.astimezone(zone).replace(tzinfo=None))
    org_id, employee_id = actor.org_id, actor.pk
    return [
        (org_id, employee_id, str(p.at.astimezone(zone).replace(tzinfo=None)), p.latitude, p.longitude, p.accuracy_m,
         p.speed_mps, p.heading, p.provider, p.battery, p.mocked, p.client_id.hex, received)
        for p in points
    ]  # fmt: skip


@functools.cache
def _sqlite_insert_sql() -> str:
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(POINT_COLUMNS))
    return (
        f"INSERT INTO {quote(LocationPoint._meta.db_table)} ({', '.join(quote(c) for c in POINT_COLUMNS)}) "  # noqa: S608 - names from the model
        f"VALUES ({marks})"
    )


def _upsert_quality(
    actor: Employee, hours: TrackingSettings, working: WorkingHours, written: list[_Point], zone: ZoneInfo,
    now: datetime,
) -> None:  # fmt: skip
    """Add the written points to their days' rollup (one statement for every touched day)."""
    received: Counter[date] = Counter()
    grey: Counter[date] = Counter()
    for p in written:
        day = p.at.astimezone(zone).date()
        received[day] += 1
        grey[day] += p.accuracy_m > hours.poor_accuracy_m
    table = connection.ops.quote_name(DayQuality._meta.db_table)
    stamp = _prep(DayQuality, "updated_at", now)
    params: list[Any] = []
    for day in sorted(received):
        params += [actor.org_id, actor.pk, _prep(DayQuality, "day", day), received[day], grey[day],
                   working.expected_samples(day), stamp, stamp]  # fmt: skip
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(received))
    sql = (
        f"INSERT INTO {table} (org_id, employee_id, day, received, grey, expected, created_at, updated_at) "  # noqa: S608
        f"VALUES {rows} {_QUALITY_CONFLICT.format(table=table)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


_QUALITY_CONFLICT = (
    "ON CONFLICT (org_id, employee_id, day) DO UPDATE SET received = {table}.received + excluded.received, "
    "grey = {table}.grey + excluded.grey, expected = excluded.expected, updated_at = excluded.updated_at"
)
_LAST_POSITION_CONFLICT = (
    "ON CONFLICT (employee_id) DO UPDATE SET at = excluded.at, latitude = excluded.latitude, "
    "longitude = excluded.longitude, accuracy_m = excluded.accuracy_m, speed_mps = excluded.speed_mps, "
    "mocked = excluded.mocked, updated_at = excluded.updated_at WHERE excluded.at > {table}.at"
)


def _upsert_last_position(actor: Employee, newest: _Point, now: datetime) -> None:
    """The employee's last position becomes `newest` unless a newer one is stored (one statement)."""
    table = connection.ops.quote_name(LastPosition._meta.db_table)
    stamp = _prep(LastPosition, "updated_at", now)
    sql = (
        f"INSERT INTO {table} (org_id, employee_id, at, latitude, longitude, accuracy_m, speed_mps, mocked, "  # noqa: S608
        f"created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        f"{_LAST_POSITION_CONFLICT.format(table=table)}"
    )
    params = [
        actor.org_id, actor.pk, _prep(LastPosition, "at", newest.at), newest.latitude, newest.longitude,
        newest.accuracy_m, newest.speed_mps, newest.mocked, stamp, stamp,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class _SQLiteWriter:
    """SQLite has one writer at a time; a writer that finds the lock taken sleeps in SQLite's busy handler (1, 2,
    5, 10… ms) before it tries again, whoever freed the lock meanwhile. The ingest's writers (threads and gunicorn
    processes) queue on a lock instead, and each one goes in the moment the one before is done: a thread lock
    within the process, an flock on a file beside the database between processes. Other writers still take
    SQLite's lock as before, so correctness never depends on this."""

    def __init__(self) -> None:
        self.thread_lock = threading.Lock()
        self.files: dict[str, int] = {}

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        name = str(connection.settings_dict["NAME"])
        # inside a transaction that may hold SQLite's lock already, waiting here could wait on a writer that waits
        # on it: only a transaction of its own queues
        if connection.in_atomic_block or not name or name == ":memory:" or name.startswith("file:"):
            yield
            return
        with self.thread_lock:
            if name not in self.files:
                self.files[name] = os.open(f"{name}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.files[name], fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self.files[name], fcntl.LOCK_UN)


_sqlite_writer = _SQLiteWriter()


def _write_sqlite(
    actor: Employee,
    hours: TrackingSettings,
    working: WorkingHours,
    points: list[_Point],
    zone: ZoneInfo,
    now: datetime,
) -> tuple[set[uuid.UUID], dict[uuid.UUID, tuple[datetime, float, float]]]:
    """SQLite: in one write transaction (BEGIN IMMEDIATE: no other writer until it ends, so what it reads stays
    true), the points of these client ids already stored are read (one indexed query), the others inserted by
    one executemany of one short statement (prepared once per connection), then their days' quality and the
    last position. The rows are built before the writer's lock is taken: the lock is held for SQLite's work
    alone. The client ids written, and the stored points (time, latitude, longitude) by client id."""
    rows = _sqlite_rows(actor, points, now)
    with _sqlite_writer(), transaction.atomic():
        stored = _stored(actor, [p.client_id for p in points])
        if stored:
            kept = [i for i, p in enumerate(points) if p.client_id not in stored]
            points, rows = [points[i] for i in kept], [rows[i] for i in kept]
        if points:
            with connection.cursor() as cursor:
                cursor.executemany(_sqlite_insert_sql(), rows)
            _upsert_quality(actor, hours, working, points, zone, now)
            _upsert_last_position(actor, max(points, key=lambda p: p.at), now)
    return {p.client_id for p in points}, stored


@functools.cache
def _postgresql_sql() -> str:
    quote = connection.ops.quote_name
    points = quote(LocationPoint._meta.db_table)
    quality = quote(DayQuality._meta.db_table)
    last = quote(LastPosition._meta.db_table)
    return f"""
WITH v AS (
  SELECT * FROM unnest(%(at)b::timestamptz[], %(latitude)b::float8[], %(longitude)b::float8[],
    %(accuracy)b::float8[], %(speed)b::float8[], %(heading)b::float8[], %(provider)b::text[], %(battery)b::int2[],
    %(mocked)b::bool[], %(id)b::uuid[])
  AS v(at, latitude, longitude, accuracy_m, speed_mps, heading, provider, battery, mocked, client_point_id)
), new AS (
  INSERT INTO {points} ({", ".join(quote(c) for c in POINT_COLUMNS)})
  SELECT %(org)s, %(employee)s, v.at, v.latitude, v.longitude, v.accuracy_m, v.speed_mps, v.heading, v.provider,
    v.battery, v.mocked, v.client_point_id, %(now)s
  FROM v WHERE NOT EXISTS (
    SELECT 1 FROM {points} p
    WHERE p.org_id = %(org)s AND p.employee_id = %(employee)s AND p.client_point_id = v.client_point_id
  )
  ON CONFLICT DO NOTHING
  RETURNING client_point_id, at, latitude, longitude, accuracy_m, speed_mps, mocked
), quality AS (
  INSERT INTO {quality} (org_id, employee_id, day, received, grey, expected, created_at, updated_at)
  SELECT %(org)s, %(employee)s, d.day, count(*), count(*) FILTER (WHERE new.accuracy_m > %(poor)s), d.expected,
    %(now)s, %(now)s
  FROM new JOIN unnest(%(days)s::date[], %(expected)s::int4[]) AS d(day, expected)
    ON d.day = (new.at AT TIME ZONE %(zone)s)::date
  GROUP BY d.day, d.expected
  {_QUALITY_CONFLICT.format(table=quality)}
), last AS (
  INSERT INTO {last} (org_id, employee_id, at, latitude, longitude, accuracy_m, speed_mps, mocked, created_at,
    updated_at)
  SELECT %(org)s, %(employee)s, at, latitude, longitude, accuracy_m, speed_mps, mocked, %(now)s, %(now)s
  FROM new ORDER BY at DESC LIMIT 1
  {_LAST_POSITION_CONFLICT.format(table=last)}
)
SELECT client_point_id FROM new
"""  # noqa: S608 - names from the models


def _write_postgresql(
    actor: Employee,
    hours: TrackingSettings,
    working: WorkingHours,
    points: list[_Point],
    zone: ZoneInfo,
    now: datetime,
) -> tuple[set[uuid.UUID], None]:
    """PostgreSQL: ONE statement: the points as arrays, those whose client id is not stored yet in any month's
    partition inserted, and from what it inserted, the touched days' quality and the last position
    (data-modifying CTEs). The table's unique key holds the time (a partitioned table's must), so two requests
    replaying one client id with other times would both find it missing and both insert it: the statement runs
    after an advisory lock on the employee, held to the end of its transaction, so that one employee's
    batches are written one after the other and each one's statement sees what the one before stored."""
    days = sorted({p.at.astimezone(zone).date() for p in points})
    params: dict[str, Any] = {
        "org": actor.org_id, "employee": actor.pk, "now": now, "poor": hours.poor_accuracy_m, "zone": str(zone),
        "at": [p.at for p in points], "latitude": [p.latitude for p in points],
        "longitude": [p.longitude for p in points], "accuracy": [p.accuracy_m for p in points],
        "speed": [p.speed_mps for p in points], "heading": [p.heading for p in points],
        "provider": [p.provider for p in points], "battery": [p.battery for p in points],
        "mocked": [p.mocked for p in points], "id": [p.client_id for p in points],
        "days": days, "expected": [working.expected_samples(day) for day in days],
    }  # fmt: skip
    with transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [INGEST_LOCK, actor.pk & 0x7FFFFFFF])
        cursor.execute(_postgresql_sql(), params)
        return {r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(str(r[0])) for r in cursor.fetchall()}, None


def quality_expected_refresh(org: Organization, employee_ids: Sequence[int], first: date, last: date) -> None:
    """The working hours of these employees changed on [first, last] (attendance approved leave): the days'
    quality rollups already stored expect the samples of the new hours (a day of leave: none). Registered with
    `org.workhours`; a few queries whatever the number of rows."""
    rows = list(DayQuality.objects.filter(org_id=org.pk, employee_id__in=list(employee_ids), day__range=(first, last)))
    if not rows:
        return
    zone = ZoneInfo(org.time_zone)
    hours = tracking_settings(org_id=org.pk)
    start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    spans = working_spans(org=org, employee_ids=sorted({r.employee_id for r in rows}), start=start, end=end)
    for row in rows:
        found = spans.get(row.employee_id)
        row.expected = WorkingHours(hours, zone, tuple(found) if found is not None else None).expected_samples(row.day)
        row.updated_at = timezone.now()
    DayQuality.objects.bulk_update(rows, ["expected", "updated_at"])


def _working_hours(actor: Employee, hours: TrackingSettings, points: list[_Point], zone: ZoneInfo) -> WorkingHours:
    """The actor's working hours over the whole local days the points fall on (their shifts' or the
    organization's): a few queries, whatever the number of points."""
    if not points:
        return WorkingHours(hours, zone)
    days = [p.at.astimezone(zone).date() for p in points]
    return working_hours_of(employee=actor, settings=hours, start=day_bounds(min(days), zone)[0],
                            end=day_bounds(max(days), zone)[1])  # fmt: skip


def location_batch_ingest(*, actor: Employee, points: Any, now: datetime | None = None) -> IngestResult:
    """Store the actor's own positions: each point once however often it arrives (by its client id), late
    and out-of-order points too; bad points are reported by index (field and message) and the good ones
    stored. A point replayed with other content is refused and the stored one kept. Refused whole: not a
    list, more than MAX_BATCH points, or tracking off for the actor.

    The good points are written first (each skipped if its client id is stored); only the ones skipped, a
    replay's, are then read back to tell a duplicate from a point replayed with other content."""
    now = now or timezone.now()
    if not isinstance(points, list):
        raise ServiceError(
            ErrorCode.INVALID, _("Send the points as a list."), {"points": [_("Send the points as a list.")]}
        )
    if len(points) > MAX_BATCH:
        message = _("Send at most %(max)d points at a time (this batch has %(count)d).") % {
            "max": MAX_BATCH,
            "count": len(points),
        }
        raise ServiceError(ErrorCode.INVALID, message, {"points": [message]})
    hours, switch = settings_and_switch(employee=actor)
    if not hours.enabled or not switch:
        message = _("Tracking is off for you: no position is recorded.")
        raise ServiceError(ErrorCode.FORBIDDEN, message, {"points": [message]})
    zone = ZoneInfo(actor.org.time_zone)
    started = actor.joined_on or actor.created_at.astimezone(zone).date()
    earliest = max(datetime.combine(started, time.min, tzinfo=zone), retention_start(now))
    latest = now + FUTURE_SKEW
    result = IngestResult()
    checked: list[_Point] = []
    for index, raw in enumerate(points):
        point, errors = _check(index, raw, latest=latest, earliest=earliest)
        if point is None:
            result.rejected += errors
        else:
            checked.append(point)
    working = _working_hours(actor, hours, checked, zone)
    good: dict[uuid.UUID, _Point] = {}
    for point in checked:
        if not working.contains(point.at):
            message = _("This time is outside the tracking hours; nothing is recorded then.")
            result.rejected.append(Rejection(point.position, "at", message))
        elif point.client_id in good:  # twice in this batch
            first = good[point.client_id]
            if _same(point, first.at, first.latitude, first.longitude):
                result.duplicates += 1
            else:
                message = _("This point id was already sent with other content.")
                result.rejected.append(Rejection(point.position, "id", message))
        else:
            good[point.client_id] = point
    if good:
        write = _write_postgresql if connection.vendor == "postgresql" else _write_sqlite
        written_ids, stored = write(actor, hours, working, list(good.values()), zone, now)
        result.accepted = len(written_ids)
        skipped = [client_id for client_id in good if client_id not in written_ids]
        if skipped:
            if stored is None:  # PostgreSQL: read back the replay's points only
                stored = _stored(actor, skipped)
            for client_id in skipped:
                point = good[client_id]
                if client_id not in stored or _same(point, *stored[client_id]):
                    result.duplicates += 1  # stored as sent
                else:
                    result.rejected.append(
                        Rejection(point.position, "id", _("This point id was already sent with other content."))
                    )
    result.rejected.sort(key=lambda r: r.index)
    return result


# The settings an administrator changes, with their bounds (the page's form and the API check the same).
SETTING_BOUNDS: dict[str, tuple[int, int]] = {
    "interval_seconds": (30, 3600),
    "stop_minutes": (1, 240),
    "stop_radius_m": (10, 2000),
    "gap_minutes": (1, 720),
    "customer_radius_m": (10, 5000),
    "poor_accuracy_m": (5, 5000),
}
SETTING_NAMES = ("enabled", "day_start", "day_end", "workdays", *SETTING_BOUNDS)


def tracking_settings_update(*, actor: Employee, **values: Any) -> TrackingSettings:
    """Change the organization's tracking settings (an administrator's); keys left out stay as they are. The
    working hours apply to employees without attendance shifts (theirs are their shifts)."""
    from fieldloop.org.permissions import Permission, has_permission

    if not has_permission(actor, Permission.MANAGE_ORGANIZATION):
        raise ServiceError(ErrorCode.FORBIDDEN, _("Only an administrator may change the tracking settings."))
    errors: dict[str, list[Any]] = {}
    unknown = sorted(set(values) - set(SETTING_NAMES))
    for name in unknown:
        errors[name] = [_("Unknown setting.")]
    for name, (low, high) in SETTING_BOUNDS.items():
        value = values.get(name)
        if name in values and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            errors[name] = [_("Enter a whole number from %(min)d to %(max)d.") % {"min": low, "max": high}]
    if "enabled" in values and not isinstance(values["enabled"], bool):
        errors["enabled"] = [_("Enter true or false.")]
    for name in ("day_start", "day_end"):
        if name in values and not isinstance(values[name], time):
            errors[name] = [_("Enter a time, e.g. 09:00.")]
    workdays = values.get("workdays")
    if "workdays" in values and (
        not isinstance(workdays, list)
        or not workdays
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in workdays)
    ):
        errors["workdays"] = [_("Choose at least one workday.")]
    with transaction.atomic():
        current, _created = TrackingSettings.objects.select_for_update().get_or_create(org_id=actor.org_id)
        start, end = values.get("day_start", current.day_start), values.get("day_end", current.day_end)
        if isinstance(start, time) and isinstance(end, time) and start >= end and "day_end" not in errors:
            errors["day_end"] = [_("The working hours must end after they start.")]
        if errors:
            raise ServiceError(ErrorCode.INVALID, next(iter(errors.values()))[0], errors)
        for name, value in values.items():
            setattr(current, name, sorted(set(value)) if name == "workdays" else value)
        current.save()
    return current


def tracking_switch_set(*, actor: Employee, employee_id: int, enabled: bool) -> TrackingSwitch:
    """Turn an employee's tracking on or off: their manager (anyone who may change their rows) or an
    administrator; an employee may turn their own off only through their manager."""
    employee = visible_employees(actor=actor).filter(pk=employee_id).first()
    if employee is None:
        raise not_found()
    if employee.pk == actor.pk or not can_change_owned_by(actor=actor, owner=employee):
        raise ServiceError(ErrorCode.FORBIDDEN, _("Only their manager or an administrator may switch their tracking."))
    switch, _created = TrackingSwitch.objects.update_or_create(
        employee=employee, defaults={"org_id": actor.org_id, "enabled": enabled, "changed_by": actor}
    )
    return switch
