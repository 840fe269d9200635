"""API schemas for schedule items."""

from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema

from fieldloop.core.schemas import LocalTime, RowId
from fieldloop.org.schemas import EmployeeRef

from .models import MAX_OCCURRENCES, Frequency, ItemKind, ItemState


class NamedRef(Schema):
    id: int
    name: str


class ScheduleItemOut(Schema):
    id: int
    client_id: UUID
    employee: EmployeeRef
    day: date
    start_time: LocalTime | None
    end_time: LocalTime | None
    kind: ItemKind
    title: str
    customer: NamedRef | None
    contact: NamedRef | None
    notes: str
    state: ItemState
    done_at: datetime | None
    done_note: str
    fulfilled_visit_id: int | None = Field(description="The check-in that made it done by itself.")
    fulfilled_record_id: int | None = Field(description="The call record that made it done by itself.")
    series_id: int | None = Field(description="The recurring series this item is an occurrence of.")
    is_exception: bool = Field(description="An occurrence changed apart from its series.")
    created_at: datetime
    updated_at: datetime


class ScheduleItemPage(Schema):
    items: list[ScheduleItemOut]
    next_cursor: str | None


class RecurrenceIn(Schema):
    frequency: Frequency
    interval: int = Field(1, ge=1, le=12, description="Every n days, weeks or months.")
    weekdays: list[int] = Field(default_factory=list, description="Weekly: days of the week, 0 (Monday) to 6.")
    ends_on: date | None = Field(None, description="The last day (an end date or a count is required).")
    count: int | None = Field(None, description=f"How many occurrences, at most {MAX_OCCURRENCES}.")
    exceptions: list[date] = Field(default_factory=list, description="Days the series skips.")


class ScheduleItemIn(Schema):
    day: date
    kind: ItemKind = ItemKind.VISIT
    employee_id: RowId | None = Field(None, description="Whose item (default: the caller's own).")
    title: str = Field("", description="At most 120 characters.")
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    customer_id: RowId | None = Field(None, description="Required for a visit or a call.")
    contact_id: RowId | None = None
    notes: str = ""
    recurrence: RecurrenceIn | None = Field(None, description="Repeat it; the answer is the first occurrence.")


class ScheduleItemPatchIn(Schema):
    """Only the fields sent change (a planned item only); changing one occurrence of a series makes it an
    exception."""

    day: date | None = None
    kind: ItemKind | None = None
    title: str | None = None
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    customer_id: RowId | None = None
    contact_id: RowId | None = None
    notes: str | None = None


class ScheduleItemDoneIn(Schema):
    note: str = Field(description="What was done (required).")


class ScheduleItemFilters(Schema):
    date_from: date = Field(description="First day.")
    date_to: date = Field(description="Last day, included (at most 92 days after the first).")
    employee_id: RowId | None = None
    department_id: RowId | None = Field(None, description="The department and its sub-departments.")
    state: ItemState | None = None
    kind: ItemKind | None = None
