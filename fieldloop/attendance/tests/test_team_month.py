"""A manager checks the team's attendance for last month (late, leave, trips): the page's figures, worked out by
hand, agree with the daily rows they are summed from.

Rex's last month, in the sales group (09:00-18:00 every day, 5 minutes' grace): on the 3rd he clocks in at
09:20 (20 minutes late); the 4th is a whole day of leave (9 h); on the 5th the morning is leave (09:00 to the
day's middle, 13:30: 4.5 h) and he works the afternoon; on the 6th he is on a trip and clocks in at 10:00 far
from the office; every other day he never clocks: absent. A half day of leave counts as a leave day, its hours in
the detail (issue 13: "half a day of leave counts as a leave day in the statistics with the hours in the
detail")."""

import re
import uuid
from datetime import date, datetime, time, timedelta

import pytest

from conftest import Cast
from fieldloop.attendance import selectors, services
from fieldloop.attendance.models import DailyStatus

from .helpers import a_group, fix_at

pytestmark = pytest.mark.django_db


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def clock(cast: Cast, kind: str, when: datetime, lat: float | None = None) -> None:
    position = fix_at(at=when) if lat is None else fix_at(lat, 121.4737, at=when)
    services.clock_create(actor=cast.rep, client_id=uuid.uuid4(), kind=kind, position=position, captured_at=when)


def ask(cast: Cast, kind: str, day: date, start_half: str = "am", end_half: str = "pm") -> None:
    """Mia makes Rex's request (approved at once, as a manager's is)."""
    services.request_create(
        actor=cast.manager, employee_id=cast.rep.pk, client_id=uuid.uuid4(), kind=kind, reason="月度核对",
        leave_type="annual" if kind == "leave" else "", start_day=day, start_half=start_half, end_day=day,
        end_half=end_half,
    )  # fmt: skip


def cells(page: str, employee_id: int) -> list[str]:
    row = re.search(rf'<tr data-testid="team-row" data-employee-id="{employee_id}">(.*?)</tr>', page, re.S)
    assert row is not None
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)][1:]


def test_the_team_month_shows_late_minutes_leave_and_trips_as_the_rows_sum(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])
    first, last = last_month(services.local_today(cast.org))
    zone = selectors.org_tz(cast.org)

    def local(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(first.replace(day=day), time(hour, minute), zone)

    clock(cast, "in", local(3, 9, 20))
    clock(cast, "out", local(3, 18, 0))
    ask(cast, "leave", first.replace(day=4))
    ask(cast, "leave", first.replace(day=5), "am", "am")
    clock(cast, "in", local(5, 13, 30))
    clock(cast, "out", local(5, 18, 0))
    ask(cast, "trip", first.replace(day=6))
    clock(cast, "in", local(6, 10), lat=30.5)  # far from the office: a trip clocks anywhere
    day = first
    while day <= last:
        services.all_orgs_close_days(day=day)
        day += timedelta(days=1)
    days = last.day

    page = cast.client_for(cast.manager).get(
        f"/attendance/team/?month={first:%Y-%m}", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    workdays, late, late_minutes, early, missing, absent, leave, trips, overtime = cells(page.content.decode(),
                                                                                         cast.rep.pk)  # fmt: skip
    assert (workdays, late, late_minutes) == (str(days), "1", "20")
    assert leave == "2 (13.5 h)"  # the 4th (9 h) and the morning of the 5th (4.5 h)
    assert trips == "1"
    assert absent == str(days - 4)  # everything but the 3rd to the 6th
    assert (early, missing, overtime) == ("0", "0", "0")

    # the same figures summed from the rows by hand
    rows = list(DailyStatus.objects.filter(employee=cast.rep, day__range=(first, last), exempt=False))
    assert len(rows) == days
    assert sum(r.late_minutes for r in rows) == 20 and sum(r.late_minutes > 0 for r in rows) == 1
    assert sum(r.on_leave for r in rows) == 2 and float(sum(r.leave_hours for r in rows)) == 13.5
    assert sum(r.trip for r in rows) == 1 and sum(r.absent for r in rows) == days - 4
