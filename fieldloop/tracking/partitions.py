"""The location points' monthly partitions on PostgreSQL: created ahead, dropped past the retention.

On SQLite there are no partitions: the retention deletes the old rows instead. Month bounds are UTC."""

from datetime import UTC, datetime

from django.conf import settings
from django.db import connection

from .models import LocationPoint

TABLE = LocationPoint._meta.db_table


def _month(year: int, month: int) -> tuple[int, int]:
    while month > 12:
        year, month = year + 1, month - 12
    while month < 1:
        year, month = year - 1, month + 12
    return year, month


def partition_name(year: int, month: int) -> str:
    return f"{TABLE}_p{year:04d}{month:02d}"


def partition_ddl(year: int, month: int) -> str:
    """CREATE TABLE IF NOT EXISTS for one month's partition (the migration keeps its own copy)."""
    ny, nm = _month(year, month + 1)
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(year, month)} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{year:04d}-{month:02d}-01 00:00:00+00') TO ('{ny:04d}-{nm:02d}-01 00:00:00+00')"
    )


def months_kept(now: datetime) -> list[tuple[int, int]]:
    """The months a partition must exist for: the retention back from now's month, and the months ahead."""
    back = settings.FIELDLOOP_TRACKING_RETENTION_MONTHS - 1
    ahead = settings.FIELDLOOP_TRACKING_MONTHS_AHEAD
    return [_month(now.year, now.month + k) for k in range(-back, ahead + 1)]


def existing_partitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s ORDER BY c.relname",
            [TABLE],
        )
        return [row[0] for row in cursor.fetchall()]


def partitions_maintain(*, now: datetime) -> tuple[list[str], list[str]]:
    """Create the missing partitions up to the months ahead and drop those older than the retention (on
    SQLite, delete the rows older than it). Returns (created, dropped) names."""
    kept = months_kept(now)
    oldest = kept[0]
    cutoff = datetime(oldest[0], oldest[1], 1, tzinfo=UTC)
    if connection.vendor != "postgresql":
        deleted, _detail = LocationPoint.objects.filter(at__lt=cutoff).delete()
        return [], [f"{deleted} rows"] if deleted else []
    before = set(existing_partitions())
    created, dropped = [], []
    with connection.cursor() as cursor:
        for year, month in kept:
            name = partition_name(year, month)
            if name not in before:
                cursor.execute(partition_ddl(year, month))
                created.append(name)
        for name in sorted(before):
            if name < partition_name(*oldest):
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(name)}")
                dropped.append(name)
    return created, dropped
