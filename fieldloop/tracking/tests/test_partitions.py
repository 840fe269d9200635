"""Storage: on PostgreSQL the points' table is partitioned by month, with partitions ahead of now and the
retention dropping old ones; a trajectory read touches one partition. On SQLite the same command deletes the
points past the retention. (Run on PostgreSQL with scripts/with-postgres.)"""

import io
from datetime import UTC, datetime

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from fieldloop.tracking import partitions
from fieldloop.tracking.models import LocationPoint

from .helpers import at, employed, last_workday, point


def test_the_partitions_cover_now_and_the_months_ahead_and_old_ones_are_dropped(cast, settings):
    now = timezone.now()
    if connection.vendor != "postgresql":
        day = last_workday()
        from fieldloop.tracking import services

        services.location_batch_ingest(actor=employed(cast.rep, day), points=[point(at(day, 10))])
        LocationPoint.objects.update(at=datetime(2000, 1, 3, 2, tzinfo=UTC))  # long past the retention
        call_command("tracking_partitions", stdout=io.StringIO())
        assert LocationPoint.objects.count() == 0
        return
    names = set(partitions.existing_partitions())
    for k in range(settings.FIELDLOOP_TRACKING_MONTHS_AHEAD + 1):
        year, month = partitions._month(now.year, now.month + k)
        assert partitions.partition_name(year, month) in names
    with connection.cursor() as cursor:  # a partition past the retention, as an old deployment would have
        cursor.execute(partitions.partition_ddl(2001, 1))
    settings.FIELDLOOP_TRACKING_MONTHS_AHEAD = 5
    created, dropped = partitions.partitions_maintain(now=now)
    assert dropped == [partitions.partition_name(2001, 1)]
    year, month = partitions._month(now.year, now.month + 5)
    assert partitions.partition_name(year, month) in created
    assert partitions.partition_name(2001, 1) not in partitions.existing_partitions()


def test_a_days_read_touches_one_partition(cast):
    if connection.vendor != "postgresql":
        return  # SQLite has one table: the (org, employee, at) index range is the whole read
    from fieldloop.tracking.hours import day_bounds
    from fieldloop.tracking.tests.helpers import SHANGHAI

    day = last_workday()
    start, end = day_bounds(day, SHANGHAI)
    qs = LocationPoint.objects.filter(org_id=cast.org.pk, employee_id=cast.rep.pk, at__gte=start, at__lt=end)
    plan = qs.explain()
    scanned = {name for name in partitions.existing_partitions() if name in plan}
    assert len(scanned) == (
        1 if start.month == end.month or start.astimezone(UTC).month == end.astimezone(UTC).month else 2
    )
