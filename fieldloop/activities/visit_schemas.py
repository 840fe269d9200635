"""API schemas for visit types and visits (check-in / check-out)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from fieldloop.core.schemas import RowId
from fieldloop.org.schemas import EmployeeRef

from .models import DistanceMode, VisitStatus
from .schemas import NamedRef
from .selectors import VisitFilters


class VisitStepIn(Schema):
    template_id: RowId
    required: bool = True


class VisitStepOut(Schema):
    template_id: int
    name: str
    name_en: str
    position: int
    required: bool


class VisitTypeOut(Schema):
    id: int
    name: str
    name_en: str
    is_active: bool
    steps: list[VisitStepOut]
    department_ids: list[int] = Field(description="Applies to these departments and their subtrees; empty: all.")
    roles: list[str] = Field(description="Applies to these roles; empty: all.")
    max_distance_m: int | None = Field(description="Allowed check-in distance from the customer; null: unchecked.")
    distance_mode: DistanceMode = Field(description="soft: allowed and flagged; hard: refused.")
    photo_required: bool
    customer_required: bool
    min_duration_minutes: int = Field(description="Minimum duration of an effective visit.")
    check_out_required: bool
    copied_ids: list[int] = Field(description="Employees notified when a visit of this type closes.")


class VisitTypeIn(Schema):
    name: str = Field(max_length=60)
    name_en: str = Field("", max_length=60)
    is_active: bool = True
    steps: list[VisitStepIn] = Field(default_factory=list)
    department_ids: list[RowId] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    max_distance_m: int | None = None
    distance_mode: DistanceMode = DistanceMode.SOFT
    photo_required: bool = False
    customer_required: bool = True
    min_duration_minutes: int = 0
    check_out_required: bool = True
    copied_ids: list[RowId] = Field(default_factory=list)


class VisitTypePatchIn(Schema):
    name: str | None = Field(None, max_length=60)
    name_en: str | None = Field(None, max_length=60)
    is_active: bool | None = None
    steps: list[VisitStepIn] | None = None
    department_ids: list[RowId] | None = None
    roles: list[str] | None = None
    max_distance_m: int | None = None
    distance_mode: DistanceMode | None = None
    photo_required: bool | None = None
    customer_required: bool | None = None
    min_duration_minutes: int | None = None
    check_out_required: bool | None = None
    copied_ids: list[RowId] | None = None


class PositionFixIn(Schema):
    latitude: float | None = Field(None, description="WGS-84 degrees.")
    longitude: float | None = Field(None, description="WGS-84 degrees.")
    accuracy: float | None = Field(None, description="Accuracy radius in metres, as the device reports it.")
    fix_at: datetime | None = Field(None, description="When the device read the position (ISO 8601 with offset).")
    mocked: bool = Field(False, description="The device says the position is mocked.")
    captured_at: datetime | None = Field(
        None, description="When the phone captured the check-in/out (ISO 8601 with offset); default: now."
    )


class CheckInIn(PositionFixIn):
    visit_type_id: RowId
    customer_id: RowId | None = None
    confirm_flagged: bool = Field(
        False,
        description="The rep confirmed a check-in that will be flagged (too far in a soft range, poor accuracy, "
        "a suspicious position): without it such a check-in is refused with an error on `confirm_flagged` saying "
        "why. See GET /visits/check-in-preview.",
    )


class CheckOutIn(PositionFixIn):
    confirm_not_effective: bool = Field(
        False,
        description="The rep confirmed ending a visit that will not be effective (too short, steps missing, ...): "
        "without it such a check-out is refused with an error on `confirm_not_effective` saying why. See GET "
        "/visits/{visit_id}/check-out-preview.",
    )


class FixOut(Schema):
    latitude: float
    longitude: float
    accuracy: float
    fix_at: datetime
    mocked: bool
    distance_m: float | None = Field(description="From the customer's location, when it has one.")
    signals: list[str] = Field(description="stale, poor_accuracy, repeated, too_fast, mocked.")
    captured_at: datetime
    received_at: datetime
    late: bool = Field(description="Captured offline and received later.")


class ReasonOut(Schema):
    code: str
    label: str


class VisitOut(Schema):
    id: int
    client_id: UUID
    visit_type: NamedRef
    employee: EmployeeRef
    customer: NamedRef | None
    status: VisitStatus
    check_in: FixOut
    check_out: FixOut | None
    closed_automatically: bool
    duration_s: int | None
    effective: bool | None = Field(description="null while the visit is open.")
    reasons: list[ReasonOut] = Field(description="Why it is not effective, in the caller's language.")
    located_customer: bool = Field(description="The customer had no location; this check-in set it.")
    created_at: datetime
    updated_at: datetime


class VisitPage(Schema):
    items: list[VisitOut]
    next_cursor: str | None


class VisitFiltersIn(Schema):
    employee_id: RowId | None = None
    customer_id: RowId | None = None
    date_from: date | None = Field(None, description="First day (the organization's time zone).")
    date_to: date | None = Field(None, description="Last day, included.")
    effective: bool | None = None
    status: VisitStatus | None = None

    def as_filters(self) -> VisitFilters:
        return VisitFilters(**{**self.dict(), "status": self.status or ""})


class CheckInPreviewIn(Schema):
    visit_type_id: RowId | None = None
    customer_id: RowId | None = None
    latitude: float | None = Field(None, description="WGS-84 degrees.")
    longitude: float | None = Field(None, description="WGS-84 degrees.")
    accuracy: float | None = Field(None, description="Accuracy radius in metres, as the device reports it.")
    fix_at: datetime | None = Field(None, description="When the device read the position (ISO 8601 with offset).")
    mocked: bool = False


class CheckInPreviewOut(Schema):
    outcome: str = Field(description="fine; flagged: accepted only with confirm_flagged; refused.")
    distance_m: float | None = Field(description="From the customer's location; null without one.")
    max_distance_m: int | None = Field(description="The visit type's allowed range; null: unchecked.")
    reasons: list[ReasonOut] = Field(description="Why it is flagged or refused.")
    counts: bool = Field(description="The visit can still be effective.")
    locates_customer: bool = Field(description="The customer has no location: this check-in will set it.")
    message: str = Field(description="What will happen, in the caller's language; empty when fine.")


class CheckOutPreviewOut(Schema):
    outcome: str = Field(description="fine; flagged: the visit will not be effective, confirm_not_effective needed.")
    reasons: list[ReasonOut] = Field(description="Why the visit would not be effective if it ended now.")
    remaining_minutes: int = Field(description="Minutes still needed for the visit type's minimum duration.")
    message: str = Field(description="In the caller's language; empty when fine.")


class ReusablePhotoOut(Schema):
    field: str = Field(description="The key of the step's photo field the photo is offered to.")
    attachment_id: int = Field(description="Send it in the step's `reuse_photo_ids` (by field key) to reuse it.")
    record_id: int = Field(description="The visit's earlier record that holds the photo.")
    url: str
    thumbnail_url: str


class VisitPrefillOut(Schema):
    visit_id: int
    template_id: int
    values: dict[str, Any] = Field(
        description="By field key: what the visit's earlier steps filled in (same key and type; a sub-table's rows "
        "in the matching columns), the values the step's form starts from."
    )
    photos: list[ReusablePhotoOut] = Field(
        description="Photos of the visit's earlier steps offered for reuse in the step's photo fields."
    )
