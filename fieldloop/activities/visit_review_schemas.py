from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from fieldloop.org.schemas import EmployeeRef

from .visit_schemas import VisitOut


class SignalOut(Schema):
    code: str = Field(
        description="off_track, jump, frozen (the trajectory), mock_location (the device's claim), "
        "photo_not_on_site, first_location, repeated, too_fast."
    )
    label: str = Field(description="In the caller's language.")
    text: str = Field(description="The label with its figures, in the caller's language.")
    detail: dict[str, Any] = Field(description="distance_m, speed_kmh, count, taken_at, attachment_id, source...")


class ReviewOut(Schema):
    reviewer: EmployeeRef
    decision: Literal["confirmed", "rejected"]
    reason: str
    at: datetime


class VisitSignalsOut(Schema):
    visit_id: int
    review_state: Literal["none", "pending", "confirmed", "rejected"]
    signals: list[SignalOut]
    reviews: list[ReviewOut] = Field(description="The decisions, newest first.")


class ReviewQueueItem(Schema):
    visit: VisitOut
    review_state: Literal["none", "pending", "confirmed", "rejected"]
    signals: list[SignalOut]


class ReviewQueuePage(Schema):
    items: list[ReviewQueueItem]
    next_cursor: str | None


class ReviewIn(Schema):
    decision: Literal["confirmed", "rejected"]
    reason: str = Field("", max_length=500, description="Required to reject.")
