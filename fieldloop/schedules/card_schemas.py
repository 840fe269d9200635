"""API schemas of the daily close cards (日清)."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from fieldloop.core.schemas import RowId
from fieldloop.org.schemas import EmployeeRef

from .models import CardStatus


class CardItemsOut(Schema):
    planned: int = Field(description="Items of the day, cancelled ones left out.")
    done: int
    missed: int
    open: int = Field(description="Still planned (the day is not over, or the nightly close has not run).")


class CardRecordsOut(Schema):
    template_id: int
    name: str
    name_en: str
    count: int


class CardFiguresOut(Schema):
    items: CardItemsOut
    visits: int
    effective_visits: int
    calls: int
    new_customers: int
    records: list[CardRecordsOut] = Field(description="Work records of the day by template.")
    extra: dict[str, Any] = Field(description="Figures other apps register (e.g. orders), by key.")


class CardReviewOut(Schema):
    reviewed_by: EmployeeRef
    reviewed_at: datetime
    score: int
    comment: str


class CardReaderOut(Schema):
    employee: EmployeeRef
    copied: bool
    read_at: datetime | None


class DailyCardOut(Schema):
    id: int | None = Field(description="None while the card of a day is not stored (not filed yet).")
    employee: EmployeeRef
    day: date
    status: CardStatus
    deadline: datetime
    filed_at: datetime | None
    on_time: bool
    late: bool
    figures: CardFiguresOut = Field(description="As filed; before filing, the day as it is now.")
    record_id: int | None = Field(description="The write-up: a work record of the daily-report template.")
    values: dict[str, Any] = Field(description="The write-up's values (the daily-report template's fields).")
    review: CardReviewOut | None
    readers: list[CardReaderOut] | None = Field(None, description="Copied colleagues and reviewers (one card only).")


class DailyCardPage(Schema):
    items: list[DailyCardOut]
    next_cursor: str | None


class CardFileIn(Schema):
    day: date
    values: dict[str, Any] = Field(default_factory=dict, description="The daily-report template's fields.")
    employee_id: RowId | None = Field(None, description="Only the caller's own card may be filed.")
    copy_to: list[RowId] = Field(default_factory=list, description="Colleagues to copy the card to (抄送).")


class CardReviewIn(Schema):
    score: int = Field(description="1 to 5.")
    comment: str = ""


class CardCopyIn(Schema):
    employee_ids: list[RowId]


class CardListFilters(Schema):
    day_from: date | None = None
    day_to: date | None = None
    employee_id: RowId | None = None


class NotFiledOut(Schema):
    employee: EmployeeRef
    card_id: int | None
    status: str = Field(description="not_filed once the nightly close stored it, else open.")


class NotFiledPage(Schema):
    items: list[NotFiledOut]
    next_cursor: str | None
