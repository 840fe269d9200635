"""The demo's attendance: one field-staff group for the whole company (9:00-18:00 on weekdays, an office in
Shanghai), a public holiday and a make-up Saturday, and the last 30 days of clocks for every employee with
some lateness, early leave, missing clocks and absences, approved leave (some half days), trips and
corrections; then the daily status rollup for every person-day. Set-based: bulk inserts and one computation
over the month, deterministic for the seed."""

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from fieldloop.attendance import services as attendance_services
from fieldloop.attendance.models import (
    AllowedPlace,
    AttendanceGroup,
    AttendanceRequest,
    CalendarDay,
    Clock,
    ClockSource,
    DayKind,
    GroupMember,
    RequestEvent,
    RequestStatus,
    Shift,
)
from fieldloop.org.models import Role

from .context import DemoContext

DAYS = 30
OFFICE = (31.2304, 121.4737)
LEAVE_TYPES = ("annual", "sick", "personal")


def _local(d: date, tz: ZoneInfo, hour: int, minute: int) -> datetime:
    return datetime.combine(d, time(hour, minute), tz)


def build_attendance(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    rng, org = ctx.rng, ctx.org
    tz = ZoneInfo(org.time_zone)
    root = min(ctx.departments, key=lambda d: d.depth)
    group = AttendanceGroup.objects.create(org=org, name="外勤考勤", field_staff=True)
    office_group = AttendanceGroup.objects.create(org=org, name="总部考勤", field_staff=False)
    GroupMember.objects.create(org=org, group=group, department=root)
    admins = [e for e in ctx.employees if e.role == Role.ADMIN]
    GroupMember.objects.bulk_create([GroupMember(org=org, group=office_group, employee=e) for e in admins])
    for g in (group, office_group):
        flex = 30 if g is group else 0
        Shift.objects.create(org=org, group=g, name="白班", weekdays=[0, 1, 2, 3, 4], start=time(9), end=time(18),
                             late_grace_minutes=5, early_grace_minutes=5, flex_minutes=flex)  # fmt: skip
        AllowedPlace.objects.create(org=org, group=g, name="上海总部", latitude=Decimal("31.230400"),
                                    longitude=Decimal("121.473700"), radius_m=300)  # fmt: skip
    today = ctx.now.astimezone(tz).date()
    days = [today - timedelta(days=n) for n in range(DAYS, 0, -1)]
    weekdays = [d for d in days if d.weekday() < 5]
    saturdays = [d for d in days if d.weekday() == 5]
    holiday = weekdays[len(weekdays) // 2]
    calendar = [CalendarDay(org=org, day=holiday, kind=DayKind.HOLIDAY, name="公司假日")]
    if saturdays:
        calendar.append(CalendarDay(org=org, day=saturdays[0], kind=DayKind.WORKDAY, name="调休上班", as_weekday=0))
    CalendarDay.objects.bulk_create(calendar)
    workdays = sorted((set(weekdays) - {holiday}) | ({saturdays[0]} if saturdays else set()))
    clocks: list[Clock] = []
    requests: list[AttendanceRequest] = []
    managers = {e.pk: e.manager_id for e in ctx.employees}
    fallback = admins[0].pk if admins else ctx.employees[0].pk

    def clock(e_id: int, kind: str, at: datetime, source: str = ClockSource.PHONE) -> None:
        lat = OFFICE[0] + rng.uniform(-0.002, 0.002)
        lon = OFFICE[1] + rng.uniform(-0.002, 0.002)
        phone = source == ClockSource.PHONE
        clocks.append(Clock(
            org=org, client_id=uuid.UUID(int=rng.getrandbits(128)), employee_id=e_id, kind=kind, source=source, at=at,
            day=at.astimezone(tz).date(), received_at=at, latitude=Decimal(f"{lat:.6f}") if phone else None,
            longitude=Decimal(f"{lon:.6f}") if phone else None, accuracy_m=rng.uniform(8, 40) if phone else None,
            fix_at=at - timedelta(seconds=rng.randint(2, 30)) if phone else None, distance_m=rng.uniform(0, 250),
        ))  # fmt: skip

    def request(e_id: int, kind: str, d0: date, h0: str, d1: date, h1: str, reason: str, **extra: Any) -> None:
        requests.append(AttendanceRequest(
            org=org, client_id=uuid.UUID(int=rng.getrandbits(128)), employee_id=e_id, created_by_id=e_id, kind=kind,
            start_day=d0, start_half=h0, end_day=d1, end_half=h1, reason=reason, status=RequestStatus.APPROVED,
            decided_by_id=managers.get(e_id) or fallback, decided_at=ctx.now, decision_note="同意", **extra,
        ))  # fmt: skip

    for e in ctx.employees:
        skip = 0
        for d in workdays:
            if skip:
                skip -= 1
                continue
            at = partial(_local, d, tz)
            r = rng.random()
            if r < 0.02:  # absent
                continue
            if r < 0.04:  # a full day's leave, sometimes two
                n = rng.choice((0, 0, 1))
                why = rng.choice(("家中有事", "身体不适", "年假"))
                request(e.pk, "leave", d, "am", d + timedelta(days=n), "pm", why, leave_type=rng.choice(LEAVE_TYPES))
                skip = n
                continue
            if r < 0.06:  # half a day's leave, the afternoon
                request(e.pk, "leave", d, "pm", d, "pm", "下午看病", leave_type="sick")
                clock(e.pk, "in", at(8, rng.randint(40, 59)))
                continue
            if r < 0.09:  # a trip: clocked at the customer's, any time
                request(e.pk, "trip", d, "am", d, "pm", "外地拜访客户")
                clock(e.pk, "in", at(rng.randint(8, 11), rng.randint(0, 59)))
                continue
            start = at(8, rng.randint(30, 59))
            if r < 0.20:  # late, beyond the flexible half hour
                start = at(9, rng.randint(36, 59))
            clock(e.pk, "in", start)
            end = at(18, rng.randint(0, 40)) + (start - at(9, 0) if start > at(9, 0) else timedelta(0))
            if r < 0.25:
                end = at(17, rng.randint(0, 40))  # early leave
            if r < 0.29 and r >= 0.27:  # forgot to clock out: a correction fixes it
                request(e.pk, "correction", d, "am", d, "pm", "忘记打卡", clock_kind="out", clock_at=end)
                continue
            if r < 0.27 and r >= 0.25:
                continue  # forgot to clock out: a missing clock
            if rng.random() < 0.1:
                end += timedelta(minutes=rng.randint(40, 150))  # overtime
            clock(e.pk, "out", end)
    AttendanceRequest.objects.bulk_create(requests, batch_size=2000)
    corrections = [r for r in requests if r.kind == "correction"]
    for req in corrections:
        if req.clock_at is not None:
            clock(req.employee_id, req.clock_kind, req.clock_at, source=ClockSource.CORRECTION)
    Clock.objects.bulk_create(clocks, batch_size=2000)
    RequestEvent.objects.bulk_create(
        [RequestEvent(org=org, request=r, actor_id=r.employee_id, action="asked", note=r.reason) for r in requests]
        + [RequestEvent(org=org, request=r, actor_id=r.decided_by_id or fallback, action="approved", note="同意")
           for r in requests],
        batch_size=2000,
    )  # fmt: skip
    pairs = [(e.pk, d) for e in ctx.employees for d in days]
    rows = attendance_services.compute_rows(org=org, pairs=pairs, now=ctx.now)
    attendance_services.store_rows(rows)
    ctx.counts["attendance clocks"] = len(clocks)
    ctx.counts["attendance requests"] = len(requests)
    ctx.counts["daily statuses"] = len(rows)
