"""API schemas for work records and their comments."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema

from fieldloop.core.schemas import RowId
from fieldloop.formtemplates.models import Purpose
from fieldloop.formtemplates.schemas import AttachmentLink
from fieldloop.org.schemas import EmployeeRef


class TemplateRef(Schema):
    id: int
    purpose: Purpose
    name: str
    name_en: str


MAX_REUSED = 50  # photos reused in one field (a photo field holds a few)


class NamedRef(Schema):
    id: int
    name: str


class WorkRecordOut(Schema):
    id: int
    client_id: UUID
    template: TemplateRef
    template_version: int = Field(description="The number of the template version the values were entered with.")
    author: EmployeeRef
    customer: NamedRef | None
    contact: NamedRef | None
    values: dict[str, Any] = Field(description="By field key; a photo/file field holds a list of attachment ids.")
    attachments: list[AttachmentLink] = Field(description="The photos and files the values hold, with their URLs.")
    captured_at: datetime = Field(description="When the client captured the record (as it sent it).")
    received_at: datetime = Field(description="When the server received the record.")
    edited_at: datetime | None
    archived_at: datetime | None
    comment_count: int
    visit_id: int | None = Field(description="The visit this record is a step of.")
    editable: bool = Field(description="Whether the caller may still edit it (the author, within the edit window).")
    created_at: datetime
    updated_at: datetime


class WorkRecordPage(Schema):
    items: list[WorkRecordOut]
    next_cursor: str | None


class PositionIn(Schema):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class WorkRecordIn(Schema):
    template_id: RowId
    values: dict[str, Any] = Field(default_factory=dict, description="The template's fields, by key.")
    customer_id: RowId | None = None
    contact_id: RowId | None = None
    captured_at: datetime | None = Field(
        None, description="When the device captured the record (ISO 8601 with offset); default: now."
    )
    device_position: PositionIn | None = Field(None, description="Where the device was (for 'nearby' fields).")
    visit_id: RowId | None = Field(None, description="One of the author's visits this record is a step of.")
    reuse_photo_ids: dict[str, Annotated[list[RowId], Field(max_length=MAX_REUSED)]] = Field(
        default_factory=dict,
        description="By photo field key: photos of the visit's earlier steps to reuse in this step (its prefill "
        "offers them); each is copied once per Idempotency-Key and added to the field's photos. Needs `visit_id`.",
    )


class WorkRecordPatchIn(Schema):
    values: dict[str, Any] = Field(description="Fields to change, by key; null clears a field.")


class WorkRecordFilters(Schema):
    employee_id: RowId | None = None
    department_id: RowId | None = None
    template_id: RowId | None = None
    customer_id: RowId | None = None
    date_from: date | None = Field(None, description="First day (the organization's time zone).")
    date_to: date | None = Field(None, description="Last day, included.")
    include_archived: bool = False


class CommentOut(Schema):
    id: int
    client_id: UUID
    author: EmployeeRef
    parent_id: int | None
    body: str
    created_at: datetime


class CommentIn(Schema):
    body: str = Field(max_length=2000)
    parent_id: RowId | None = Field(None, description="The comment this one replies to.")
