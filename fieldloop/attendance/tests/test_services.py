"""Attendance writes through the services, on the real database: clocks, requests and approvals, the rollup."""

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conftest import Cast
from fieldloop.attendance import selectors, services
from fieldloop.attendance.models import Clock, DailyStatus, DayStatus, RequestStatus
from fieldloop.core.errors import ServiceError
from fieldloop.notifications.models import Notification

from .helpers import OFFICE, a_group, fix_at

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_the_most_specific_group_wins(cast: Cast) -> None:
    sales = a_group(cast.admin, [cast.sales.pk])
    shanghai = services.group_create(actor=cast.admin, name="上海", department_ids=[cast.shanghai.pk])
    personal = services.group_create(actor=cast.admin, name="个人", employee_ids=[cast.rep2.pk])
    groups = selectors.group_ids_of(org_id=cast.org.pk, employee_ids=[cast.director.pk, cast.rep.pk, cast.rep2.pk])
    assert cast.rep.department_id == cast.shanghai.pk
    assert groups[cast.director.pk] == sales.pk  # the sales department itself
    assert groups[cast.rep.pk] == shanghai.pk  # the deeper department
    assert groups[cast.rep2.pk] == personal.pk  # named in person
    with pytest.raises(ServiceError) as e:
        services.group_create(actor=cast.admin, name="重复", employee_ids=[cast.rep2.pk])
    assert "employee_ids" in e.value.fields


def test_clock_in_inside_a_place_stores_the_status_and_a_replay_once(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    key = uuid.uuid4()
    clock, created = services.clock_create(actor=cast.rep, client_id=key, kind="in", position=fix_at())
    again, created_again = services.clock_create(actor=cast.rep, client_id=key, kind="in", position=fix_at())
    assert (created, created_again, again.pk) == (True, False, clock.pk)
    assert clock.place is not None and clock.distance_m is not None and clock.distance_m < 1
    assert Clock.objects.filter(employee=cast.rep).count() == 1
    status = DailyStatus.objects.get(employee=cast.rep, day=clock.day)
    assert status.first_in == clock.at


def test_refusals_say_why_field_by_field_and_write_nothing(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    far = fix_at(OFFICE[0] + 0.02, OFFICE[1])  # about 2.2 km north
    with pytest.raises(ServiceError) as e:
        services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=far)
    assert "2.2" in str(e.value.fields["position"][0])  # km, in the reader's language
    with pytest.raises(ServiceError) as e:
        services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=fix_at(91, 200))
    assert set(e.value.fields) >= {"latitude", "longitude"}
    future = timezone.now() + timedelta(hours=1)
    with pytest.raises(ServiceError) as e:
        services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=fix_at(at=future),
                              captured_at=future)  # fmt: skip
    assert "captured_at" in e.value.fields
    stale = fix_at(at=timezone.now() - timedelta(minutes=30))
    with pytest.raises(ServiceError) as e:
        services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=stale)
    assert "fix_at" in e.value.fields
    services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=fix_at())
    with pytest.raises(ServiceError) as e:
        services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=fix_at())
    assert e.value.code == "conflict"
    assert Clock.objects.filter(employee=cast.rep).count() == 1


def test_field_staff_clock_anywhere_with_the_position_and_distance_recorded(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk], field_staff=True)
    clock, _ = services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=fix_at(31.3, 121.5))
    assert clock.outside and clock.place is None and clock.distance_m is not None and clock.distance_m > 7000


def test_an_offline_clock_keeps_its_capture_time(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    captured = timezone.now() - timedelta(hours=2)
    position = fix_at(at=captured - timedelta(seconds=20))
    clock, _ = services.clock_create(
        actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=position, captured_at=captured
    )
    assert clock.at == captured and clock.late


def test_leave_is_asked_approved_by_the_manager_and_both_are_told(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    today = services.local_today(cast.org)
    req, created = services.request_create(actor=cast.rep, client_id=uuid.uuid4(), kind="leave", leave_type="annual",
                                           reason="家事", start_day=today, start_half="am", end_day=today,
                                           end_half="am")  # fmt: skip
    assert created and req.status == RequestStatus.PENDING
    assert Notification.objects.filter(recipient=cast.manager, kind="attendance.request_submitted").exists()
    with pytest.raises(ServiceError) as e:
        services.request_decide(actor=cast.rep2, request_id=req.pk, approve=True)
    assert e.value.code in ("forbidden", "not_found")
    with pytest.raises(ServiceError) as e:
        services.request_decide(actor=cast.manager, request_id=req.pk, approve=False)
    assert "note" in e.value.fields
    services.request_decide(actor=cast.manager, request_id=req.pk, approve=True, note="好")
    assert Notification.objects.filter(recipient=cast.rep, kind="attendance.request_decided").exists()
    status = DailyStatus.objects.get(employee=cast.rep, day=today)
    assert status.on_leave and float(status.leave_hours) == 4.5
    assert [e.action for e in req.events.all()] == ["asked", "approved"]


def test_leave_ending_before_it_starts_and_other_scopes_are_refused(cast: Cast) -> None:
    today = services.local_today(cast.org)
    with pytest.raises(ServiceError) as e:
        services.request_create(actor=cast.rep, client_id=uuid.uuid4(), kind="leave", leave_type="sick", reason="病",
                                start_day=today, end_day=today - timedelta(days=1))  # fmt: skip
    assert "end_day" in e.value.fields
    with pytest.raises(ServiceError) as e:
        services.request_create(actor=cast.rep, client_id=uuid.uuid4(), kind="correction", reason="忘了",
                                employee_id=cast.rep2.pk, clock_kind="in", clock_at=timezone.now())  # fmt: skip
    assert e.value.code in ("forbidden", "not_found")
    with pytest.raises(ServiceError) as e:
        services.request_create(actor=cast.manager, client_id=uuid.uuid4(), kind="correction", reason="补",
                                employee_id=cast.outsider.pk, clock_kind="in", clock_at=timezone.now())  # fmt: skip
    assert e.value.code == "not_found"


def test_a_managers_correction_adds_the_clock_and_fixes_the_day(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    yesterday = services.local_today(cast.org) - timedelta(days=1)
    services.all_orgs_close_days(day=yesterday)
    assert DailyStatus.objects.get(employee=cast.rep, day=yesterday).status == DayStatus.ABSENT
    for kind, hour in (("in", 9), ("out", 18)):
        req, _ = services.request_create(actor=cast.manager, client_id=uuid.uuid4(), kind="correction", reason="外出",
                                         employee_id=cast.rep.pk, clock_kind=kind,
                                         clock_at=datetime.combine(yesterday, time(hour), SH))  # fmt: skip
        assert req.status == RequestStatus.APPROVED
    assert DailyStatus.objects.get(employee=cast.rep, day=yesterday).status == DayStatus.NORMAL


def test_holidays_and_make_up_workdays_and_the_whitelist(cast: Cast) -> None:
    group = a_group(cast.admin, [cast.sales.pk])
    group.shifts.update(weekdays=[0, 1, 2, 3, 4])
    day = services.local_today(cast.org) - timedelta(days=3)
    services.all_orgs_close_days(day=day)
    expected = DayStatus.REST if day.weekday() >= 5 else DayStatus.ABSENT
    assert DailyStatus.objects.get(employee=cast.rep, day=day).status == expected
    kind = "workday" if day.weekday() >= 5 else "holiday"
    services.calendar_day_set(actor=cast.admin, day=day, kind=kind, name="调休")
    flipped = DayStatus.ABSENT if expected == DayStatus.REST else DayStatus.REST
    assert DailyStatus.objects.get(employee=cast.rep, day=day).status == flipped
    x = services.exemption_add(actor=cast.admin, employee_id=cast.rep.pk)
    assert x.effective_from == services.local_today(cast.org) + timedelta(days=1)


def test_month_statistics_from_the_rollup_in_constant_queries(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    a_group(cast.admin, [cast.sales.pk])
    yesterday = services.local_today(cast.org) - timedelta(days=1)
    services.all_orgs_close_days(day=yesterday)
    employees = list(selectors.stats_employees(actor=cast.manager))
    with django_assert_max_num_queries(1):
        rows = selectors.stats_for(org_id=cast.org.pk, employees=employees, start=yesterday, end=yesterday)
    rep = next(r for r in rows if r.employee.pk == cast.rep.pk)
    assert (rep.absent_days, rep.workdays) == (1, 1)


def test_the_nightly_command_closes_yesterday_for_everyone(cast: Cast) -> None:
    from io import StringIO

    from django.core.management import call_command

    a_group(cast.admin, [cast.sales.pk])
    yesterday = services.local_today(cast.org) - timedelta(days=1)
    out = StringIO()
    call_command("close_attendance_days", stdout=out)
    statuses = dict(DailyStatus.objects.filter(day=yesterday).values_list("employee_id", "status"))
    assert statuses[cast.rep.pk] == DayStatus.ABSENT and statuses[cast.director.pk] == DayStatus.ABSENT
    assert cast.admin.pk not in statuses  # in no group
    assert "daily statuses written" in out.getvalue()


def test_on_an_approved_trip_a_rep_clocks_in_anywhere_and_the_day_counts_as_a_trip(cast: Cast) -> None:
    """Issue 13: "A trip day counts as present if clocked in anywhere" (a non-field rep's group has one office)."""
    a_group(cast.admin, [cast.sales.pk])
    far = OFFICE[0] + 1.0, OFFICE[1]  # about 111 km north, at a customer's
    today = services.local_today(cast.org)
    trip, _ = services.request_create(actor=cast.rep, client_id=uuid.uuid4(), kind="trip", reason="去苏州客户",
                                      start_day=today, end_day=today)  # fmt: skip
    with pytest.raises(ServiceError) as e:  # pending: not yet a trip
        services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=fix_at(*far))
    assert "position" in e.value.fields
    services.request_decide(actor=cast.manager, request_id=trip.pk, approve=True, note="")
    clock, created = services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind="in", position=fix_at(*far))
    assert created and clock.outside and clock.place is None and clock.distance_m == pytest.approx(111_000, rel=0.01)
    status = DailyStatus.objects.get(employee=cast.rep, day=clock.day)
    assert (status.trip, status.absent) == (True, False)
    # a colleague with no trip is still refused there
    with pytest.raises(ServiceError):
        services.clock_create(actor=cast.rep2, client_id=uuid.uuid4(), kind="in", position=fix_at(*far))
