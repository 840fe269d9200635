"""Approved leave takes its hours out of the working hours tracking follows (`org.workhours`, filled by
attendance): a rep on a whole day of leave is not tracked and expected to send nothing, half a day of leave leaves
the other half; a business trip is work and keeps its hours; a pending or rejected request changes nothing.

The hours by hand: the Shanghai branch works 09:00-17:00 every day, a position every 5 minutes (the default):
8 h x 12 = 96 samples. The day's span cut at its middle (13:00): a morning's leave leaves 13:00-17:00, an
afternoon's 09:00-13:00, 4 h x 12 = 48 samples either way."""

import uuid
from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from conftest import Cast
from fieldloop.attendance import services as attendance_services
from fieldloop.org.models import Employee
from fieldloop.org.workhours import working_spans
from fieldloop.tracking import selectors, services
from fieldloop.tracking.hours import day_bounds
from fieldloop.tracking.models import DayQuality

from .helpers import SHANGHAI, at, employed, last_workday, point

pytestmark = pytest.mark.django_db

FULL_DAY, HALF_DAY = 96, 48


@pytest.fixture
def shifts(cast: Cast) -> None:
    group = attendance_services.group_create(actor=cast.admin, name="上海考勤", department_ids=[cast.shanghai.pk])
    attendance_services.shift_create(actor=cast.admin, group_id=group.pk, name="白班", weekdays=list(range(7)),
                                     start=time(9), end=time(17))  # fmt: skip


def leave(cast: Cast, day: date, start_half: str = "am", end_half: str = "pm", *, kind: str = "leave",
          decide: bool | None = True) -> None:  # fmt: skip
    """Rex asks for leave (or a trip) on `day`; Mia approves it (True), rejects it (False) or leaves it pending."""
    req, _ = attendance_services.request_create(
        actor=cast.rep, client_id=uuid.uuid4(), kind=kind, reason="家里有事", leave_type="personal" if kind == "leave"
        else "", start_day=day, start_half=start_half, end_day=day, end_half=end_half,
    )  # fmt: skip
    if decide is not None:
        attendance_services.request_decide(actor=cast.manager, request_id=req.pk, approve=decide, note="好的")


def expected(employee: Employee, day: date) -> int:
    hours = selectors.tracking_settings(org_id=employee.org_id)
    start, end = day_bounds(day, SHANGHAI)
    return selectors.working_hours_of(employee=employee, settings=hours, start=start, end=end).expected_samples(day)


def test_a_whole_day_of_leave_has_no_working_hours_and_refuses_points(cast: Cast, shifts: None) -> None:
    day = last_workday()
    rep = employed(cast.rep, day)
    assert expected(rep, day) == FULL_DAY
    leave(cast, day)
    assert expected(rep, day) == 0
    result = services.location_batch_ingest(actor=rep, points=[point(at(day, 10)), point(at(day, 15))])
    assert result.accepted == 0 and [(r.index, r.field) for r in result.rejected] == [(0, "at"), (1, "at")]
    assert not DayQuality.objects.filter(employee=rep, day=day).exists()
    # the next day is a working day again
    assert expected(rep, day + timedelta(days=1)) == FULL_DAY


def test_leave_approved_after_points_arrived_leaves_the_day_expecting_nothing_and_the_rate_unpenalised(
    cast: Cast, shifts: None
) -> None:
    day = last_workday()
    rep = employed(cast.rep, day)
    assert services.location_batch_ingest(actor=rep, points=[point(at(day, 9, 5)), point(at(day, 9, 10))]).accepted == 2
    quality = DayQuality.objects.get(employee=rep, day=day)
    assert (quality.received, quality.expected) == (2, FULL_DAY)
    leave(cast, day)  # went home at 9:15, the manager approves the day's leave afterwards
    quality.refresh_from_db()
    assert (quality.received, quality.expected, quality.positioning_rate) == (2, 0, 1.0)


@pytest.mark.parametrize(("start_half", "end_half", "taken"), [
    ("am", "am", (10, 14)),  # the morning off: 10:00 refused, 14:00 taken
    ("pm", "pm", (14, 10)),  # the afternoon off: 14:00 refused, 10:00 taken
])  # fmt: skip
def test_half_a_day_of_leave_halves_the_expected_samples(
    cast: Cast, shifts: None, start_half: str, end_half: str, taken: tuple[int, int]
) -> None:
    day = last_workday()
    rep = employed(cast.rep, day)
    leave(cast, day, start_half, end_half)
    assert expected(rep, day) == HALF_DAY
    off, on = taken
    result = services.location_batch_ingest(actor=rep, points=[point(at(day, off)), point(at(day, on))])
    assert result.accepted == 1 and [r.index for r in result.rejected] == [0]
    quality = DayQuality.objects.get(employee=rep, day=day)
    assert (quality.received, quality.expected) == (1, HALF_DAY)
    assert quality.positioning_rate == pytest.approx(1 / 48)


@pytest.mark.parametrize("decide", [None, False], ids=["pending", "rejected"])
def test_leave_not_approved_changes_nothing(cast: Cast, shifts: None, decide: bool | None) -> None:
    day = last_workday()
    rep = employed(cast.rep, day)
    leave(cast, day, decide=decide)
    assert expected(rep, day) == FULL_DAY
    assert services.location_batch_ingest(actor=rep, points=[point(at(day, 10))]).accepted == 1
    assert DayQuality.objects.get(employee=rep, day=day).expected == FULL_DAY


def test_a_business_trip_is_work_and_keeps_its_hours(cast: Cast, shifts: None) -> None:
    day = last_workday()
    rep = employed(cast.rep, day)
    leave(cast, day, kind="trip")
    assert expected(rep, day) == FULL_DAY
    assert services.location_batch_ingest(actor=rep, points=[point(at(day, 10))]).accepted == 1


def test_the_rep_on_leave_today_is_told_tracking_is_off(cast: Cast, shifts: None) -> None:
    today = timezone.now().astimezone(SHANGHAI).date()
    ten = at(today, 10)
    assert selectors.my_status(actor=cast.rep, now=ten).on_now
    leave(cast, today)
    status = selectors.my_status(actor=cast.rep, now=ten)
    assert (status.on_now, status.switched_on, status.today) == (False, True, [])
    me = cast.client_for(cast.rep).get("/api/v1/tracking/me").json()
    assert (me["on_now"], me["today"], me["hours_from_shifts"]) == (False, [], True)
    page = cast.client_for(cast.rep).get("/tracking/me/").content.decode()
    assert 'data-testid="tracking-off"' in page and 'data-testid="tracking-on"' not in page


def test_the_leave_of_many_employees_is_read_in_one_query(cast: Cast, shifts: None, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    day = last_workday()
    leave(cast, day, "pm", "pm")
    start, end = day_bounds(day, SHANGHAI)
    ids = [cast.rep.pk, cast.rep2.pk, cast.manager.pk, cast.other_branch_rep.pk]
    # shifts, members, employees (group_ids_of), the calendar, the approved leave: whatever the number of days
    with django_assert_num_queries(5):
        spans = working_spans(org=cast.org, employee_ids=ids, start=start, end=end + timedelta(days=6))
    assert set(spans) == {cast.rep.pk, cast.rep2.pk, cast.manager.pk}  # Ben (Beijing) has no shifts
    on_the_day = [s for s in spans[cast.rep.pk] if s.start < end and s.end > start]
    assert [(s.start.astimezone(SHANGHAI).hour, s.end.astimezone(SHANGHAI).hour) for s in on_the_day] == [(9, 13)]
    assert [(s.start.astimezone(SHANGHAI).hour, s.end.astimezone(SHANGHAI).hour)
            for s in spans[cast.rep2.pk] if s.start < end and s.end > start] == [(9, 17)]  # fmt: skip
