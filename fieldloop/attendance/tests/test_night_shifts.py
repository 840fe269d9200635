"""Night shifts (22:00-06:00): the shift belongs to the day it starts, the morning's clocks count for it, its
minutes are real minutes in the organization's time zone (across a change of daylight saving time too), and its
day closes once the shift's morning is over. Hand-computed cases, then the same through the services."""

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conftest import Cast
from fieldloop.attendance import services
from fieldloop.attendance.models import Clock, DailyStatus, DayStatus, Shift
from fieldloop.attendance.rules import Segment, attendance_day, compute_day, day_window, segments_for
from fieldloop.core.errors import ServiceError
from fieldloop.core.geo import SentFix

from .helpers import OFFICE

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")
DAY = date(2026, 11, 2)  # a Monday


def at(day: date, h: int, m: int = 0, tz: ZoneInfo = SH) -> datetime:
    return datetime.combine(day, time(h, m), tz)


def night(day: date, tz: ZoneInfo = SH, **graces: int) -> list[Segment]:
    shift = Shift(start=time(22), end=time(6), weekdays=[day.weekday()], late_grace_minutes=graces.get("late", 5),
                  early_grace_minutes=graces.get("early", 5), flex_minutes=0)  # fmt: skip
    return segments_for(day, [shift], tz)


def judge(day: date, clocks: list[tuple[str, datetime]], now: datetime, tz: ZoneInfo = SH,
          following: list[Segment] | None = None) -> object:  # fmt: skip
    segments = night(day, tz)
    window = day_window(day, tz, segments, [], following or [])
    return compute_day(day=day, tz=tz, segments=segments, clocks=clocks, now=now, window=window)


NEXT = DAY + timedelta(days=1)
OVER = at(NEXT, 16)  # the shift's window (to 15:00, halfway to the next midnight) is over


# --- The rules, by hand ---------------------------------------------------------------------------------------


def test_a_night_shift_ends_the_next_morning_and_lasts_eight_hours() -> None:
    (segment,) = night(DAY)
    assert segment.start == at(DAY, 22) and segment.end == at(NEXT, 6)
    assert day_window(DAY, SH, [segment], [], []) == (at(DAY, 0), at(NEXT, 15))  # 06:00 + (24:00 - 06:00) / 2
    r = judge(DAY, [("in", at(DAY, 21, 55)), ("out", at(NEXT, 6, 2))], OVER)
    assert (r.status, r.scheduled_minutes, r.worked_minutes, r.late_minutes, r.early_minutes) == (  # type: ignore[attr-defined]
        DayStatus.NORMAL, 480, 487, 0, 0)  # fmt: skip
    assert r.closed  # type: ignore[attr-defined]


def test_late_early_leave_and_overtime_of_a_night_shift() -> None:
    late = judge(DAY, [("in", at(DAY, 22, 10)), ("out", at(NEXT, 6))], OVER)
    assert (late.status, late.late_minutes, late.worked_minutes) == (DayStatus.LATE, 10, 470)  # type: ignore[attr-defined]
    early = judge(DAY, [("in", at(DAY, 22)), ("out", at(NEXT, 5, 30))], OVER)
    assert (early.status, early.early_minutes, early.worked_minutes) == (DayStatus.EARLY, 30, 450)  # type: ignore[attr-defined]
    overtime = judge(DAY, [("in", at(DAY, 22)), ("out", at(NEXT, 7, 15))], OVER)
    assert (overtime.status, overtime.overtime_minutes, overtime.worked_minutes) == (DayStatus.NORMAL, 75, 555)  # type: ignore[attr-defined]


def test_a_night_shift_is_in_progress_after_midnight_and_missing_or_absent_once_its_morning_is_over() -> None:
    r = judge(DAY, [("in", at(DAY, 22))], at(NEXT, 3))
    assert (r.status, r.missing_clocks, r.closed) == (DayStatus.OPEN, 0, False)  # type: ignore[attr-defined]
    r = judge(DAY, [("in", at(DAY, 22))], OVER)
    assert (r.status, r.missing_clocks, r.closed) == (DayStatus.MISSING, 1, True)  # type: ignore[attr-defined]
    r = judge(DAY, [], OVER)
    assert (r.status, r.absent) == (DayStatus.ABSENT, True)  # type: ignore[attr-defined]
    r = judge(DAY, [], at(NEXT, 14, 59))
    assert not r.closed and not r.absent  # type: ignore[attr-defined]


def test_a_clock_after_midnight_counts_for_the_day_before_while_its_night_shift_lasts() -> None:
    def segments_of(day: date) -> list[Segment]:
        return night(day) if day == DAY else []

    assert attendance_day(at(NEXT, 5, 50), SH, segments_of) == DAY
    assert attendance_day(at(NEXT, 14, 59), SH, segments_of) == DAY
    assert attendance_day(at(NEXT, 15), SH, segments_of) == NEXT
    assert attendance_day(at(DAY, 21, 50), SH, segments_of) == DAY
    assert attendance_day(at(DAY, 2), SH, segments_of) == DAY  # no night shift the day before: midnight splits
    # a second night shift the next evening: the morning's clocks are the first's until 14:00, halfway between
    every_night = night
    assert attendance_day(at(NEXT, 13, 59), SH, every_night) == DAY
    assert attendance_day(at(NEXT, 14), SH, every_night) == NEXT
    assert day_window(NEXT, SH, night(NEXT), night(DAY), night(NEXT + timedelta(days=1)))[0] == at(NEXT, 14)


def test_the_minutes_are_real_across_a_change_of_daylight_saving_time() -> None:
    """Berlin: the clocks go back at 03:00 on 25 October 2026 (a 9-hour night) and forward at 02:00 on 29 March
    2026 (a 7-hour night); 22:00 CEST is 20:00 UTC, 06:00 CET is 05:00 UTC."""
    autumn = date(2026, 10, 24)
    (segment,) = night(autumn, BERLIN)
    assert (segment.start, segment.end) == (
        datetime(2026, 10, 24, 20, tzinfo=UTC),
        datetime(2026, 10, 25, 5, tzinfo=UTC),
    )
    after = at(autumn + timedelta(days=2), 0, tz=BERLIN)
    morning = autumn + timedelta(days=1)
    r = judge(autumn, [("in", at(autumn, 22, tz=BERLIN)), ("out", at(morning, 6, tz=BERLIN))], after, BERLIN)
    assert (r.status, r.scheduled_minutes, r.worked_minutes) == (DayStatus.NORMAL, 540, 540)  # type: ignore[attr-defined]
    r = judge(autumn, [("in", at(autumn, 22, tz=BERLIN)), ("out", at(morning, 7, 30, tz=BERLIN))], after, BERLIN)
    assert (r.overtime_minutes, r.worked_minutes) == (90, 630)  # type: ignore[attr-defined]
    spring = date(2026, 3, 28)
    dawn = spring + timedelta(days=1)
    r = judge(spring, [("in", at(spring, 22, 20, tz=BERLIN)), ("out", at(dawn, 5, 30, tz=BERLIN))],
              at(spring + timedelta(days=2), 0, tz=BERLIN), BERLIN)  # fmt: skip
    assert (r.scheduled_minutes, r.late_minutes, r.early_minutes, r.worked_minutes) == (420, 20, 30, 370)  # type: ignore[attr-defined]


# --- Through the services ---------------------------------------------------------------------------------------


def a_night_group(cast: Cast) -> None:
    group = services.group_create(actor=cast.admin, name="夜班组", department_ids=[cast.sales.pk])
    services.shift_create(actor=cast.admin, group_id=group.pk, name="夜班", weekdays=list(range(7)), start=time(22),
                          end=time(6), late_grace_minutes=5, early_grace_minutes=5)  # fmt: skip
    services.place_create(actor=cast.admin, group_id=group.pk, name="仓库", latitude=OFFICE[0], longitude=OFFICE[1],
                          radius_m=300)  # fmt: skip


def clock(cast: Cast, kind: str, when: datetime) -> Clock:
    position = SentFix(OFFICE[0], OFFICE[1], 15, when - timedelta(seconds=20))
    return services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind=kind, position=position,
                                 captured_at=when)[0]  # fmt: skip


@pytest.mark.django_db
def test_shifts_may_run_past_midnight_but_not_over_another(cast: Cast) -> None:
    group = services.group_create(actor=cast.admin, name="轮班", department_ids=[cast.sales.pk])
    services.shift_create(actor=cast.admin, group_id=group.pk, name="周日夜班", weekdays=[6], start=time(22),
                          end=time(6))  # fmt: skip
    with pytest.raises(ServiceError) as e:  # Sunday's night runs into Monday 05:00
        services.shift_create(actor=cast.admin, group_id=group.pk, name="周一早班", weekdays=[0], start=time(5),
                              end=time(13))  # fmt: skip
    assert "start" in e.value.fields
    services.shift_create(actor=cast.admin, group_id=group.pk, name="周一早班", weekdays=[0], start=time(6),
                          end=time(14))  # fmt: skip
    with pytest.raises(ServiceError) as e:
        services.shift_create(actor=cast.admin, group_id=group.pk, name="零", weekdays=[1], start=time(8), end=time(8))
    assert "end" in e.value.fields
    assert group.shifts.count() == 2


@pytest.mark.django_db
def test_the_mornings_clock_out_counts_for_the_night_shift_of_the_day_before(cast: Cast) -> None:
    a_night_group(cast)
    day = services.local_today(cast.org) - timedelta(days=3)
    morning = day + timedelta(days=1)
    clock_in = clock(cast, "in", at(day, 22, 10))
    clock_out = clock(cast, "out", at(morning, 6))
    assert clock_in.day == clock_out.day == day
    status = DailyStatus.objects.get(employee=cast.rep, day=day)
    assert (status.status, status.late_minutes, status.worked_minutes, status.closed) == (
        DayStatus.LATE, 10, 470, True)  # fmt: skip
    assert status.first_in == clock_in.at and status.last_out == clock_out.at
    assert not DailyStatus.objects.filter(employee=cast.rep, day=morning).exists()
    # the evening's clock-in is the new day's
    assert clock(cast, "in", at(morning, 21, 58)).day == morning


@pytest.mark.django_db
def test_a_correction_of_a_mornings_clock_fixes_the_night_shifts_day(cast: Cast) -> None:
    a_night_group(cast)
    day = services.local_today(cast.org) - timedelta(days=4)
    clock(cast, "in", at(day, 22))
    req, _ = services.request_create(actor=cast.manager, client_id=uuid.uuid4(), kind="correction", reason="忘打卡",
                                     employee_id=cast.rep.pk, clock_kind="out",
                                     clock_at=at(day + timedelta(days=1), 6, 5))  # fmt: skip
    assert (req.start_day, req.clock.day if req.clock else None) == (day, day)
    status = DailyStatus.objects.get(employee=cast.rep, day=day)
    assert (status.status, status.missing_clocks, status.worked_minutes) == (DayStatus.NORMAL, 0, 485)


@pytest.mark.django_db
def test_the_nightly_close_leaves_a_night_shift_open_until_its_morning_is_over(cast: Cast) -> None:
    a_night_group(cast)
    day = services.local_today(cast.org) - timedelta(days=5)
    clock(cast, "in", at(day, 22))
    services.all_orgs_close_days(now=at(day + timedelta(days=1), 0, 30))  # closes `day`: the shift is on
    row = DailyStatus.objects.get(employee=cast.rep, day=day)
    assert (row.status, row.closed, row.missing_clocks) == (DayStatus.OPEN, False, 0)
    services.all_orgs_close_days(now=at(day + timedelta(days=2), 0, 30))  # the next night: `day` is over
    row.refresh_from_db()
    assert (row.status, row.closed, row.missing_clocks) == (DayStatus.MISSING, True, 1)
    assert DailyStatus.objects.get(employee=cast.rep2, day=day).status == DayStatus.ABSENT


@pytest.mark.django_db
def test_an_organization_in_a_daylight_saving_zone_counts_the_long_autumn_night(cast: Cast) -> None:
    """Berlin, the night of 24 to 25 October 2026 (the clocks go back): a full shift is 9 hours."""
    cast.org.time_zone = "Europe/Berlin"
    cast.org.save(update_fields=["time_zone"])
    a_night_group(cast)
    day = date(2026, 10, 24)
    clock_in, clock_out = at(day, 21, 58, BERLIN), at(day + timedelta(days=1), 6, 3, BERLIN)
    group_id = services.group_ids_of(org_id=cast.org.pk, employee_ids=[cast.rep.pk])[cast.rep.pk]
    assert services.attendance_day_of(org=cast.org, group_id=group_id, at=clock_out) == day
    for kind, when in (("in", clock_in), ("out", clock_out)):
        Clock.objects.create(org=cast.org, client_id=uuid.uuid4(), employee=cast.rep, kind=kind, at=when, day=day,
                             received_at=timezone.now())  # fmt: skip
    (row,) = services.compute_rows(org=cast.org, pairs=[(cast.rep.pk, day)])
    assert (row.status, row.scheduled_minutes, row.worked_minutes, row.overtime_minutes) == (
        DayStatus.NORMAL, 540, 545, 0)  # fmt: skip


@pytest.mark.django_db
def test_the_api_adds_a_night_shift_and_says_it_ends_the_next_day(cast: Cast) -> None:
    group = services.group_create(actor=cast.admin, name="夜班组", department_ids=[cast.sales.pk])
    r = cast.client_for(cast.admin).post(
        f"/api/v1/attendance/groups/{group.pk}/shifts",
        {"name": "夜班", "weekdays": [0, 1, 2, 3, 4], "start": "22:00", "end": "06:00"},
        content_type="application/json", headers={"Idempotency-Key": str(uuid.uuid4())},
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    assert (r.json()["start"], r.json()["end"], r.json()["overnight"]) == ("22:00:00", "06:00:00", True)
