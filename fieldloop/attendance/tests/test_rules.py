"""The status of a day, against hand-computed cases (no database)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fieldloop.attendance.models import DayStatus
from fieldloop.attendance.rules import Cover, Segment, compute_day, halves_covered, request_days

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 2)  # a Monday
AFTER = datetime(2026, 11, 3, 12, 0, tzinfo=TZ)  # the day is over


def at(h: int, m: int = 0, day: date = DAY, tz: ZoneInfo = TZ) -> datetime:
    return datetime.combine(day, time(h, m), tz)


NINE_TO_SIX = [Segment(at(9), at(18), late_grace=5, early_grace=5)]


def test_on_time_is_normal_and_worked_minutes_are_counted() -> None:
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(8, 55)), ("out", at(18, 2))], now=AFTER)
    assert (r.status, r.late_minutes, r.early_minutes, r.worked_minutes, r.overtime_minutes) == ("normal", 0, 0, 547, 0)
    assert r.closed


def test_late_within_the_grace_is_not_late_beyond_it_counts_every_minute() -> None:
    within = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(9, 5)), ("out", at(18))], now=AFTER)
    beyond = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(9, 6)), ("out", at(18))], now=AFTER)
    assert (within.status, within.late_minutes) == (DayStatus.NORMAL, 0)
    assert (beyond.status, beyond.late_minutes) == (DayStatus.LATE, 6)


def test_early_leave_beyond_the_grace() -> None:
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(9)), ("out", at(17, 30))], now=AFTER)
    assert (r.status, r.early_minutes) == (DayStatus.EARLY, 30)


def test_a_flexible_start_moves_the_end() -> None:
    flexible = [Segment(at(9), at(18), flex=60)]
    # in at 9:40 (within the hour): not late, but the day ends at 18:40
    r = compute_day(day=DAY, tz=TZ, segments=flexible, clocks=[("in", at(9, 40)), ("out", at(18, 20))], now=AFTER)
    assert (r.late_minutes, r.early_minutes, r.status) == (0, 20, DayStatus.EARLY)
    # in at 10:15: 15 minutes late, the end moves by the hour only
    r = compute_day(day=DAY, tz=TZ, segments=flexible, clocks=[("in", at(10, 15)), ("out", at(19))], now=AFTER)
    assert (r.late_minutes, r.early_minutes) == (15, 0)


def test_missing_clock_out_and_absent_once_the_day_is_over() -> None:
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(9))], now=AFTER)
    assert (r.status, r.missing_clocks) == (DayStatus.MISSING, 1)
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[], now=AFTER)
    assert (r.status, r.absent, r.missing_clocks) == (DayStatus.ABSENT, True, 0)


def test_today_in_progress_is_open_not_missing() -> None:
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(8, 50))], now=at(11))
    assert (r.status, r.missing_clocks, r.closed) == (DayStatus.OPEN, 0, False)


def test_two_shifts_a_day_each_take_their_own_clocks() -> None:
    split = [Segment(at(8), at(12)), Segment(at(14), at(18))]
    clocks = [("in", at(8, 10)), ("out", at(12)), ("in", at(14, 20)), ("out", at(18))]
    r = compute_day(day=DAY, tz=TZ, segments=split, clocks=clocks, now=AFTER)
    assert (r.status, r.late_minutes, r.worked_minutes) == (DayStatus.LATE, 30, 450)  # 8:10-12:00 and 14:20-18:00
    r = compute_day(day=DAY, tz=TZ, segments=split, clocks=clocks[:2], now=AFTER)
    assert (r.status, r.missing_clocks) == (DayStatus.MISSING, 2)


def test_half_a_day_of_leave_is_a_leave_day_with_its_hours_and_moves_the_expected_start() -> None:
    cover = Cover(leave_am=True)
    # the day's middle is 13:30: in at 13:35 is 5 minutes late, within the grace
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(13, 35)), ("out", at(18))], cover=cover,
                    now=AFTER)  # fmt: skip
    assert (r.status, r.on_leave, r.leave_hours, r.late_minutes) == (DayStatus.LEAVE, True, 4.5, 0)
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(14)), ("out", at(18))], cover=cover,
                    now=AFTER)  # fmt: skip
    assert (r.status, r.on_leave, r.late_minutes) == (DayStatus.LATE, True, 30)


def test_a_full_day_of_leave() -> None:
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[], cover=Cover(True, True), now=AFTER)
    assert (r.status, r.on_leave, r.leave_hours, r.absent) == (DayStatus.LEAVE, True, 9.0, False)


def test_a_trip_day_is_present_when_clocked_anywhere_and_never_late() -> None:
    trip = Cover(trip_am=True, trip_pm=True)
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(11))], cover=trip, now=AFTER)
    assert (r.status, r.trip, r.late_minutes, r.missing_clocks) == (DayStatus.TRIP, True, 0, 0)
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[], cover=trip, now=AFTER)
    assert (r.status, r.missing_clocks) == (DayStatus.MISSING, 1)


def test_a_rest_day_with_clocks_is_overtime_and_late_work_is_overtime() -> None:
    r = compute_day(day=DAY, tz=TZ, segments=[], clocks=[("in", at(10)), ("out", at(13))], now=AFTER)
    assert (r.status, r.overtime_minutes) == (DayStatus.REST, 180)
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(9)), ("out", at(19, 10))], now=AFTER)
    assert (r.status, r.overtime_minutes) == (DayStatus.NORMAL, 70)
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", at(9)), ("out", at(18, 20))], now=AFTER)
    assert r.overtime_minutes == 0  # under half an hour


def test_the_day_is_the_organizations_local_day() -> None:
    """A clock at 01:30 UTC is 09:30 in Shanghai: 30 minutes late by the local shift."""
    utc_in = datetime(2026, 11, 2, 1, 30, tzinfo=ZoneInfo("UTC"))
    r = compute_day(day=DAY, tz=TZ, segments=NINE_TO_SIX, clocks=[("in", utc_in), ("out", at(18))], now=AFTER)
    assert r.late_minutes == 30
    ny = ZoneInfo("America/New_York")
    seg = [Segment(at(9, tz=ny), at(18, tz=ny))]
    r = compute_day(day=DAY, tz=ny, segments=seg, clocks=[("in", datetime(2026, 11, 2, 14, 0, tzinfo=ZoneInfo("UTC")))],
                    now=at(9, day=DAY + timedelta(days=2), tz=ny))  # fmt: skip
    assert r.late_minutes == 0  # 14:00 UTC is 09:00 in New York (EST)


def test_half_days_a_request_covers() -> None:
    assert halves_covered(date(2026, 11, 2), date(2026, 11, 2), "pm", date(2026, 11, 3), "am") == (False, True)
    assert halves_covered(date(2026, 11, 3), date(2026, 11, 2), "pm", date(2026, 11, 3), "am") == (True, False)
    assert request_days(date(2026, 11, 2), "pm", date(2026, 11, 3), "am") == 1.0
