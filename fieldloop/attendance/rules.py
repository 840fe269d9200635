"""The rules of attendance, pure: how a person's day is judged from its shifts, clocks, leave and trips
(`compute_day`), which half-days a request covers, and the notification kinds.

A day is judged in the organization's time zone. Each shift of the day is a segment; a shift that ends at or
before its start (22:00-06:00) is a night shift: it belongs to the day it starts and ends the next morning.
Segments are real instants (UTC), so minutes are real minutes across a change of daylight saving time.

The clocks of a day are those in its window (`day_window`): local midnight to midnight, except that a night
shift's day keeps the next morning's clocks up to halfway from the shift's end to the next day's first shift (or
to the end of that next day), and that next day starts there. A day is over (closed) when its window is, so a
night shift's day closes the morning after. Within the window, a clock belongs to the segment whose part holds it
(the window split halfway between segments). For each segment:
- late: minutes after the start (plus the flexible minutes) when more than the grace; a flexible shift whose
  start moved ends as much later;
- early leave: minutes before the (moved) end when more than the grace;
- missing clock: no clock-in, or no clock-out once the segment's window is over (or the day is closed).
A day with no clock at all is absent once closed. Leave or a trip covering half a day (the day's span cut at
its middle) removes that half from what is expected; leave on any part of a day makes it a leave day in the
statistics, with the hours in the detail. A trip day counts as present when clocked anywhere. A rest day
(no shift, or a public holiday) with clocks is overtime; so is work after the last shift's end, from
OVERTIME_MIN_MINUTES on.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from fieldloop.notifications.kinds import register_kind

from .models import CalendarDay, DayKind, DayStatus, Shift

OVERTIME_MIN_MINUTES = 30
REQUEST_SUBMITTED = "attendance.request_submitted"
REQUEST_DECIDED = "attendance.request_decided"


@dataclass(frozen=True)
class Segment:
    """One shift on one day, in local time."""

    start: datetime
    end: datetime
    late_grace: int = 0
    early_grace: int = 0
    flex: int = 0


@dataclass(frozen=True)
class Cover:
    """What approved requests cover of one day: the morning and the afternoon, by leave or by a trip."""

    leave_am: bool = False
    leave_pm: bool = False
    trip_am: bool = False
    trip_pm: bool = False

    @property
    def leave(self) -> bool:
        return self.leave_am or self.leave_pm

    @property
    def trip(self) -> bool:
        return self.trip_am or self.trip_pm


@dataclass
class DayResult:
    status: str
    workday: bool = False
    scheduled_minutes: int = 0
    worked_minutes: int = 0
    late_minutes: int = 0
    early_minutes: int = 0
    missing_clocks: int = 0
    absent: bool = False
    on_leave: bool = False
    leave_hours: float = 0.0
    trip: bool = False
    overtime_minutes: int = 0
    first_in: datetime | None = None
    last_out: datetime | None = None
    closed: bool = False
    segments: list[dict[str, Any]] = field(default_factory=list)


def halves_covered(day: date, start_day: date, start_half: str, end_day: date, end_half: str) -> tuple[bool, bool]:
    """(morning, afternoon) of `day` covered by a request from start_day/start_half to end_day/end_half."""
    if not start_day <= day <= end_day:
        return False, False
    am = day > start_day or start_half == "am"
    pm = day < end_day or end_half == "pm"
    return am, pm


def request_days(start_day: date, start_half: str, end_day: date, end_half: str) -> float:
    """How many days a request spans, in halves (a morning-to-afternoon day is 1)."""
    days = (end_day - start_day).days + 1
    return days - (0.5 if start_half == "pm" else 0) - (0.5 if end_half == "am" else 0)


def halves_left(segments: Sequence[Segment], *, off_am: bool, off_pm: bool) -> list[Segment]:
    """What is left of a day's segments (in start order) without its morning and/or its afternoon: the day's span
    (first start to last end) cut at its middle. A segment whose start moves loses its flexible minutes."""
    if not segments or not (off_am or off_pm):
        return list(segments)
    middle = segments[0].start + (segments[-1].end - segments[0].start) / 2
    left: list[Segment] = []
    for s in segments:
        start = max(s.start, middle) if off_am else s.start
        end = min(s.end, middle) if off_pm else s.end
        if end > start:
            left.append(Segment(start, end, s.late_grace, s.early_grace, s.flex if start == s.start else 0))
    return left


def instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A local wall time of a day as an instant (UTC): arithmetic on it counts real minutes."""
    return datetime.combine(day, at, tz).astimezone(UTC)


def shifts_of_day(day: date, shifts: Iterable[Shift], calendar_day: CalendarDay | None) -> list[Shift]:
    """The shifts that start on `day`: none on a public holiday, a make-up workday's weekday's, else the day's."""
    weekday = day.weekday()
    if calendar_day is not None:
        if calendar_day.kind == DayKind.HOLIDAY:
            return []
        weekday = calendar_day.as_weekday
    return [s for s in shifts if weekday in s.weekdays]


def segments_for(day: date, shifts: Iterable[Any], tz: ZoneInfo) -> list[Segment]:
    """The day's segments from shift-like rows (start, end: times; graces; flex), in start order; a shift ending
    at or before its start ends the next day."""
    out = [
        Segment(
            start=instant(day, s.start, tz),
            end=instant(day + timedelta(days=1) if s.end <= s.start else day, s.end, tz),
            late_grace=s.late_grace_minutes,
            early_grace=s.early_grace_minutes,
            flex=s.flex_minutes,
        )
        for s in shifts
    ]
    return sorted(out, key=lambda s: s.start)


def _window_end(day: date, tz: ZoneInfo, segments: Sequence[Segment], following: Sequence[Segment]) -> datetime:
    """Where `day`'s clocks end: the next midnight, or after a night shift halfway to the next day's first shift
    (the next day's end when it has none)."""
    midnight = instant(day + timedelta(days=1), time.min, tz)
    end = max((s.end for s in segments), default=midnight)
    if end <= midnight:
        return midnight
    nxt = following[0].start if following else instant(day + timedelta(days=2), time.min, tz)
    return end + max(nxt - end, timedelta(0)) / 2


def day_window(
    day: date, tz: ZoneInfo, segments: Sequence[Segment], previous: Sequence[Segment], following: Sequence[Segment]
) -> tuple[datetime, datetime]:
    """The instants [start, end) whose clocks belong to `day`, from the segments of the day before, the day and
    the day after."""
    return _window_end(day - timedelta(days=1), tz, previous, segments), _window_end(day, tz, segments, following)


def attendance_day(at: datetime, tz: ZoneInfo, segments_of: Any) -> date:
    """The day a clock at `at` counts for: its local date, or the day before while that day's night shift window
    lasts. `segments_of(day)` gives a day's segments."""
    local = at.astimezone(tz).date()
    previous = local - timedelta(days=1)
    if at < _window_end(previous, tz, segments_of(previous), segments_of(local)):
        return previous
    return local


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def compute_day(
    *,
    day: date,
    tz: ZoneInfo,
    segments: Sequence[Segment],
    clocks: Sequence[tuple[str, datetime]],
    cover: Cover = Cover(),  # frozen, shared safely
    now: datetime,
    window: tuple[datetime, datetime] | None = None,
) -> DayResult:
    """Judge one person's day. `clocks` are (kind "in"/"out", time); `now` decides what is still open; `window`:
    the day's clocks' span (`day_window`; by default local midnight to midnight)."""
    day_start, day_end = window or (instant(day, time.min, tz), instant(day + timedelta(days=1), time.min, tz))
    closed = now >= day_end
    clocks = sorted(((kind, at.astimezone(UTC)) for kind, at in clocks), key=lambda c: c[1])  # real minutes
    ins = [at for kind, at in clocks if kind == "in"]
    outs = [at for kind, at in clocks if kind == "out"]
    first_in = ins[0] if ins else None
    last_out = outs[-1] if outs else None
    if not segments:
        worked = _minutes(last_out - first_in) if first_in and last_out and last_out > first_in else 0
        return DayResult(
            status=DayStatus.REST, worked_minutes=worked, overtime_minutes=worked, first_in=first_in,
            last_out=last_out, closed=closed, on_leave=False, trip=cover.trip,
        )  # fmt: skip
    scheduled = sum(_minutes(s.end - s.start) for s in segments)
    result = DayResult(status=DayStatus.NORMAL, workday=True, scheduled_minutes=scheduled, closed=closed,
                       first_in=first_in, last_out=last_out, trip=cover.trip, on_leave=cover.leave)  # fmt: skip
    middle = segments[0].start + (segments[-1].end - segments[0].start) / 2
    if cover.leave:
        if cover.leave_am and cover.leave_pm:
            result.leave_hours = round(scheduled / 60, 1)
        else:
            half = [
                (s.start, min(s.end, middle)) if cover.leave_am else (max(s.start, middle), s.end) for s in segments
            ]
            result.leave_hours = round(sum(_minutes(b - a) for a, b in half if b > a) / 60, 1)
    if cover.leave_am and cover.leave_pm:
        result.status = DayStatus.LEAVE
        return result
    if cover.trip:
        if clocks:
            result.status = DayStatus.TRIP
            return result
        if (cover.trip_am and cover.trip_pm) or not cover.leave:
            result.status = DayStatus.MISSING if closed else DayStatus.OPEN
            result.missing_clocks = 1 if closed else 0
            return result
    # what is still expected: the halves not covered by leave or a trip
    expected = halves_left(segments, off_am=cover.leave_am or cover.trip_am, off_pm=cover.leave_pm or cover.trip_pm)
    worked = late = early = missing = overtime = 0
    any_clock = False
    for i, s in enumerate(expected):
        lo = day_start if i == 0 else expected[i - 1].end + (s.start - expected[i - 1].end) / 2
        hi = day_end if i == len(expected) - 1 else s.end + (expected[i + 1].start - s.end) / 2
        seg_in = next((at for at in ins if lo <= at < hi), None)
        seg_out = next((at for at in reversed(outs) if lo <= at < hi), None)
        moved = timedelta(0)
        if seg_in is not None:
            any_clock = True
            moved = min(max(seg_in - s.start, timedelta(0)), timedelta(minutes=s.flex))
            minutes_late = _minutes(seg_in - s.start - timedelta(minutes=s.flex))
            if minutes_late > s.late_grace:
                late += minutes_late
        elif now >= s.start:
            missing += 1
        expected_end = s.end + moved
        if seg_out is not None:
            any_clock = True
            minutes_early = _minutes(expected_end - seg_out)
            if minutes_early > s.early_grace:
                early += minutes_early
            if i == len(expected) - 1:
                extra = _minutes(seg_out - expected_end)
                overtime = extra if extra >= OVERTIME_MIN_MINUTES else 0
            if seg_in is not None and seg_out > seg_in:
                worked += _minutes(seg_out - seg_in)
        elif now >= hi:
            missing += 1
        result.segments.append({"start": s.start, "end": expected_end, "in": seg_in, "out": seg_out})
    result.worked_minutes, result.late_minutes, result.early_minutes = worked, late, early
    result.overtime_minutes = overtime
    if expected and not any_clock and closed:
        result.status, result.absent = DayStatus.ABSENT, True
    elif missing:
        result.status, result.missing_clocks = DayStatus.MISSING, missing
    elif late:
        result.status = DayStatus.LATE
    elif early:
        result.status = DayStatus.EARLY
    elif not closed and expected and now < expected[-1].end:
        result.status = DayStatus.OPEN
    elif cover.leave:
        result.status = DayStatus.LEAVE
    elif cover.trip:
        result.status = DayStatus.TRIP
    return result


# --- Notifications --------------------------------------------------------------------------------------------


def _submitted(p: Any) -> str:
    return _("%(employee)s asks for approval: %(what)s.") % {"employee": p.get("employee", ""), "what": _kind(p)}


def _decided(p: Any) -> str:
    if p.get("approved"):
        return _("Your request was approved: %(what)s.") % {"what": _kind(p)}
    return _("Your request was rejected: %(what)s.") % {"what": _kind(p)}


def _kind(p: Any) -> str:
    from .models import RequestKind

    label = dict(RequestKind.choices).get(p.get("kind", ""), "")
    return f"{label} {p.get('dates', '')}".strip()


def register_notices() -> None:
    register_kind(REQUEST_SUBMITTED, message=_submitted, icon="ti-calendar-question")
    register_kind(REQUEST_DECIDED, message=_decided, icon="ti-calendar-check")
