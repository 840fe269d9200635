"""API schemas of attendance."""

from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema

from fieldloop.core.schemas import LocalTime, RowId
from fieldloop.org.schemas import EmployeeRef

from .models import ClockKind, DayKind, DayStatus, Half, LeaveType, RequestKind, RequestStatus


class ShiftIn(Schema):
    name: str
    weekdays: list[int] = Field(description="0 = Monday … 6 = Sunday.")
    start: LocalTime
    end: LocalTime = Field(
        description="Before the start: a night shift, ending the next day (it belongs to the day it starts)."
    )
    late_grace_minutes: int = 0
    early_grace_minutes: int = 0
    flex_minutes: int = Field(0, description="A flexible start: up to this much later, ending as much later.")


class ShiftOut(ShiftIn):
    id: int
    overnight: bool = Field(description="A night shift: it ends the day after it starts.")


class PlaceIn(Schema):
    name: str
    latitude: float
    longitude: float
    radius_m: int = 200


class PlaceOut(PlaceIn):
    id: int


class GroupIn(Schema):
    name: str
    field_staff: bool = False
    department_ids: list[RowId] = Field(default_factory=list, description="With their sub-departments.")
    employee_ids: list[RowId] = Field(default_factory=list, description="People named: they win over departments.")


class GroupPatchIn(Schema):
    name: str | None = None
    field_staff: bool | None = None
    is_active: bool | None = None
    department_ids: list[RowId] | None = None
    employee_ids: list[RowId] | None = None


class GroupOut(Schema):
    id: int
    name: str
    field_staff: bool
    is_active: bool
    department_ids: list[int]
    employee_ids: list[int]
    shifts: list[ShiftOut]
    places: list[PlaceOut]


class CalendarDayIn(Schema):
    day: date
    kind: DayKind
    name: str = ""
    as_weekday: int = Field(0, description="A make-up workday works like this weekday (0 = Monday).")


class CalendarDayOut(CalendarDayIn):
    pass


class ExemptionIn(Schema):
    employee_id: RowId = Field(description="Left out of the statistics from tomorrow (the organization's date).")


class ExemptionOut(Schema):
    id: int
    employee: EmployeeRef
    effective_from: date = Field(description="The first day left out: the day after the entry was added.")
    effective_until: date | None = Field(description="The last day left out: the day the entry was removed.")
    in_effect: bool = Field(description="Left out of today's statistics.")
    added_by: EmployeeRef


class ExemptionPage(Schema):
    items: list[ExemptionOut]
    next_cursor: str | None


class ClockIn(Schema):
    kind: ClockKind
    latitude: float | str | None = None
    longitude: float | str | None = None
    accuracy: float | str | None = Field(None, description="Metres.")
    fix_at: datetime | None = Field(None, description="When the device read the position.")
    mocked: bool = False
    captured_at: datetime | None = Field(None, description="When the clock was made on the phone (offline: earlier).")


class ClockOut(Schema):
    id: int
    client_id: UUID
    employee: EmployeeRef
    kind: ClockKind
    source: str
    at: datetime
    day: date
    received_at: datetime
    late: bool
    latitude: float | None
    longitude: float | None
    accuracy: float | None
    mocked: bool
    signals: list[str]
    place: str | None
    distance_m: float | None
    outside: bool
    status: "DailyStatusOut | None" = None


class RequestIn(Schema):
    kind: RequestKind
    reason: str
    employee_id: RowId | None = Field(None, description="Made by a manager for this person (approved at once).")
    leave_type: LeaveType | None = None
    start_day: date | None = None
    start_half: Half = Half.AM
    end_day: date | None = None
    end_half: Half = Half.PM
    clock_kind: ClockKind | None = Field(None, description="A correction: the missing clock's kind.")
    clock_at: datetime | None = Field(None, description="A correction: the missing clock's time.")


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class RequestEventOut(Schema):
    actor: EmployeeRef
    action: str
    note: str
    at: datetime


class RequestOut(Schema):
    id: int
    client_id: UUID
    employee: EmployeeRef
    created_by: EmployeeRef
    kind: RequestKind
    leave_type: str
    start_day: date
    start_half: Half
    end_day: date
    end_half: Half
    days: float
    clock_kind: str
    clock_at: datetime | None
    reason: str
    status: RequestStatus
    decided_by: EmployeeRef | None
    decided_at: datetime | None
    decision_note: str
    history: list[RequestEventOut]


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None


class DailyStatusOut(Schema):
    employee: EmployeeRef
    day: date
    status: DayStatus
    workday: bool
    scheduled_minutes: int
    worked_minutes: int
    late_minutes: int
    early_minutes: int
    missing_clocks: int
    absent: bool
    on_leave: bool
    leave_hours: float
    trip: bool
    overtime_minutes: int
    first_in: datetime | None
    last_out: datetime | None
    exempt: bool
    closed: bool


class DailyStatusPage(Schema):
    items: list[DailyStatusOut]
    next_cursor: str | None


class MonthStatsOut(Schema):
    employee: EmployeeRef
    workdays: int
    present_days: int
    late_count: int
    late_minutes: int
    early_count: int
    early_minutes: int
    missing_clocks: int
    absent_days: int
    leave_days: int = Field(description="Days with any leave (half a day counts as a day).")
    leave_hours: float
    trip_days: int
    overtime_minutes: int
    worked_minutes: int


class MonthStatsPage(Schema):
    items: list[MonthStatsOut]
    next_cursor: str | None
