"""API schemas for visit plans (拜访计划)."""

from datetime import date, time

from ninja import Field, Schema

from fieldloop.core.schemas import LocalTime, RowId
from fieldloop.customers.models import CustomerLevel
from fieldloop.org.schemas import EmployeeRef

from .models import MAX_EVERY_DAYS
from .schemas import NamedRef

EVERY = f"Visit every n days (1 to {MAX_EVERY_DAYS}); null: no regular visits."


class VisitFrequenciesOut(Schema):
    A: int | None = Field(description=EVERY)
    B: int | None = Field(description=EVERY)
    C: int | None = Field(description=EVERY)
    D: int | None = Field(description=EVERY)


class VisitFrequenciesIn(Schema):
    """Only the levels sent change."""

    A: int | None = Field(None, description=EVERY)
    B: int | None = Field(None, description=EVERY)
    C: int | None = Field(None, description=EVERY)
    D: int | None = Field(None, description=EVERY)


class CustomerVisitFrequencyIn(Schema):
    every_days: int | None = Field(None, description=EVERY)
    follow_level: bool = Field(False, description="Drop the customer's own frequency: its level's applies again.")


class CustomerVisitFrequencyOut(Schema):
    customer: NamedRef
    level: CustomerLevel
    every_days: int | None = Field(description="The frequency that applies (the customer's own or its level's).")
    own: bool = Field(description="The customer has its own frequency in place of its level's.")


class DueCustomerOut(Schema):
    customer: NamedRef
    level: CustomerLevel
    latitude: float | None
    longitude: float | None
    last_visit_on: date | None = Field(description="The last visit not classified ineffective; null: never.")
    every_days: int
    due_on: date
    overdue_days: int = Field(description="Days past due (0: due today; negative: due later).")
    planned_on: date | None = Field(description="The first visit already planned from today on, if any.")


class DuePage(Schema):
    employee: EmployeeRef
    items: list[DueCustomerOut]
    next_cursor: str | None


class RouteFilters(Schema):
    day: date
    employee_id: RowId | None = Field(None, description="Whose day (default: the caller's own).")
    latitude: float | None = Field(None, description="Start from here (with longitude); else the first visit.")
    longitude: float | None = None


class RouteStopOut(Schema):
    item_id: int
    customer: NamedRef
    latitude: float | None
    longitude: float | None
    located: bool = Field(description="False: the customer has no location; kept after the located stops.")
    start_time: LocalTime | None
    leg_m: float | None = Field(description="Metres from the previous stop (the first: from the start position).")


class RouteOut(Schema):
    employee: EmployeeRef
    day: date
    before_m: float = Field(description="Total metres in the day's order (by start time).")
    after_m: float = Field(description="Total metres in the suggested order.")
    stops: list[RouteStopOut]


class RouteApplyIn(Schema):
    day: date
    employee_id: RowId | None = Field(None, description="Whose day (default: the caller's own).")
    item_ids: list[int] = Field(description="Every planned visit of the day, in the order to apply.")
    start_time: LocalTime = Field(time(9, 0), description="When the first visit starts.")
    minutes_each: int = Field(45, description="Minutes per visit, travel included (5 to 480).")
