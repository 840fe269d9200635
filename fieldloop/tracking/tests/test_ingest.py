"""The location batch ingest: each point stored once, late and out-of-order points taken, bad points reported
by index while the good ones are stored, a replay with other content refused, the rollups kept, and a few
statements whatever the batch's size."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.core.errors import ServiceError
from fieldloop.tracking import services
from fieldloop.tracking.models import DayQuality, LastPosition, LocationPoint, TrackingSwitch

from .helpers import at, employed, last_workday, point


def ingest(employee, points):
    return services.location_batch_ingest(actor=employee, points=points)


def test_each_point_is_stored_once_however_often_it_arrives(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    batch = [point(at(day, 10, m)) for m in range(0, 50, 5)]
    first = ingest(rep, batch)
    again = ingest(rep, batch[5:] + batch[:5])  # the same points, another order
    assert (first.accepted, first.duplicates, first.rejected) == (10, 0, [])
    assert (again.accepted, again.duplicates, again.rejected) == (0, 10, [])
    assert LocationPoint.objects.filter(employee=rep).count() == 10


def test_late_and_out_of_order_points_are_taken_and_the_last_position_never_moves_back(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    ingest(rep, [point(at(day, 15), lat=31.3)])
    late = ingest(rep, [point(at(day, 11), lat=31.1), point(at(day, 9, 30), lat=31.0)])
    assert late.accepted == 2
    last = LastPosition.objects.get(employee=rep)
    assert (last.at, last.latitude) == (at(day, 15), 31.3)
    assert list(LocationPoint.objects.filter(employee=rep).order_by("at").values_list("latitude", flat=True)) == [
        31.0,
        31.1,
        31.3,
    ]


def test_bad_points_are_reported_by_index_and_field_and_the_good_ones_stored(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    now = timezone.now()
    batch = [
        point(at(day, 10)),
        point(at(day, 10, 5), lat=91),  # 1: latitude out of range
        point(at(day, 10, 10), lon=-181, accuracy=0),  # 2: longitude and accuracy
        point(now + timedelta(hours=1)),  # 3: in the future
        point(at(day - timedelta(days=60), 10)),  # 4: before the employee joined
        point(at(day, 10, 15), id="not-a-uuid"),  # 5
        point(at(day, 22)),  # 6: outside the tracking hours
        "junk",  # 7
        point(at(day, 10, 20), speed=-1, provider="satellite", mocked="yes"),  # 8
        point(at(day, 10, 25)),
    ]
    result = ingest(rep, batch)
    assert result.accepted == 2
    rejected = [(r.index, r.field) for r in result.rejected]
    assert rejected == [
        (1, "latitude"), (2, "longitude"), (2, "accuracy"), (3, "at"), (4, "at"), (5, "id"), (6, "at"), (7, "point"),
        (8, "speed"), (8, "provider"), (8, "mocked"),
    ]  # fmt: skip
    assert all(r.message for r in result.rejected)
    assert LocationPoint.objects.filter(employee=rep).count() == 2


def test_a_point_replayed_with_other_content_is_refused_and_the_stored_one_kept(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    pid = uuid.uuid4()
    ingest(rep, [point(at(day, 10), lat=31.2, id=pid)])
    result = ingest(rep, [point(at(day, 10), lat=31.25, id=pid), point(at(day, 10, 30), id=pid)])
    assert result.accepted == 0
    assert [(r.index, r.field) for r in result.rejected] == [(0, "id"), (1, "id")]
    assert list(LocationPoint.objects.filter(employee=rep).values_list("latitude", "at")) == [(31.2, at(day, 10))]


def test_an_id_sent_twice_in_one_batch_with_other_content_is_refused_at_its_own_index(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    pid = uuid.uuid4()
    batch = [point(at(day, 10), id=pid), point(at(day, 10, 5), id=pid), point(at(day, 10, 10)), point(at(day, 10, 15))]
    result = ingest(rep, batch)
    assert result.accepted == 3
    assert [(r.index, r.field) for r in result.rejected] == [(1, "id")]  # the second, not the batch's last


def test_more_than_a_thousand_points_are_refused_whole(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    with pytest.raises(ServiceError) as refused:
        ingest(rep, [point(at(day, 10))] * 1001)
    assert "points" in refused.value.fields
    assert LocationPoint.objects.count() == 0


def test_nothing_is_recorded_when_the_employees_tracking_is_off(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    TrackingSwitch.objects.create(org=rep.org, employee=rep, enabled=False)
    with pytest.raises(ServiceError):
        ingest(rep, [point(at(day, 10))])
    assert LocationPoint.objects.count() == 0


def test_the_days_quality_counts_received_grey_and_expected_samples(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    ingest(rep, [point(at(day, 10)), point(at(day, 10, 5), accuracy=400)])
    ingest(rep, [point(at(day, 10, 10)), point(at(day, 10))])  # the second: a new id at the same time
    q = DayQuality.objects.get(employee=rep, day=day)
    assert (q.received, q.grey, q.expected) == (4, 1, 9 * 12)  # 09:00-18:00 every 5 minutes
    assert q.positioning_rate == pytest.approx(4 / 108)
    assert q.grey_rate == pytest.approx(0.25)


def test_a_batch_is_written_in_one_insert_whatever_its_size(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    counts = []
    for size in (10, 1000):
        start = at(last_workday(before=day) if size == 10 else day, 9)
        batch = [point(start + timedelta(seconds=30 * i)) for i in range(size)]
        rep.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            assert ingest(rep, batch).accepted == size
        # PostgreSQL: one statement whose first CTE inserts the points; SQLite: an INSERT
        inserts = [q["sql"] for q in queries if 'INSERT INTO "tracking_locationpoint"' in q["sql"]]
        assert len(inserts) == 1
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 9


@pytest.mark.django_db(transaction=True)
def test_two_requests_replaying_one_point_id_with_other_times_at_once_store_it_once(cast):
    """On PostgreSQL the points' unique key holds the time (the table is partitioned by it): two batches sending
    one client id with other times at once must not both find it missing. The first batch's transaction stays
    open until the second has finished or waited 2 s: a second batch that does not wait for it stores its
    point beside the first one's."""
    day = last_workday()
    rep = employed(cast.rep, day)
    pid = uuid.uuid4()
    first_written, second_done = threading.Event(), threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = ingest(rep, [point(at(day, 10), id=pid)])
                first_written.set()
                second_done.wait(timeout=2)
        finally:
            first_written.set()
            connection.close()

    def second():
        try:
            first_written.wait(timeout=10)
            results["second"] = ingest(rep, [point(at(day, 11), lat=31.3, id=pid)])
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert LocationPoint.objects.filter(client_point_id=pid).count() == 1
    assert list(LocationPoint.objects.filter(client_point_id=pid).values_list("at", "latitude")) == [
        (at(day, 10), 31.2304)
    ]
    assert results["first"].accepted == 1
    assert (results["second"].accepted, [(r.index, r.field) for r in results["second"].rejected]) == (0, [(0, "id")])
    assert DayQuality.objects.get(employee=rep, day=day).received == 1
