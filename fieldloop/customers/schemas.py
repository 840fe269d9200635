"""API schemas for customers and contacts."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from fieldloop.core.schemas import RowId
from fieldloop.formtemplates.schemas import AttachmentLink
from fieldloop.org.schemas import EmployeeRef

from .models import CustomerLevel, CustomerSource, TagColour


class StageOut(Schema):
    id: int
    name: str
    name_en: str
    is_won: bool
    position: int
    is_active: bool = Field(..., description="A deactivated stage stays on its customers but is no new choice.")


class TagRef(Schema):
    id: int
    name: str
    colour: TagColour


class TagOut(TagRef):
    group: str
    archived_at: datetime | None = Field(
        ..., description="An archived tag stays on its customers and still filters them, but is no new choice."
    )


class TagIn(Schema):
    name: str = Field(..., max_length=20, description="Unique in the organization, ignoring case.")
    colour: TagColour = TagColour.BLUE
    group: str = Field("", max_length=20)


class TagUpdateIn(Schema):
    """Only the fields sent change; `archived` true archives the tag, false restores it."""

    name: str | None = Field(None, max_length=20)
    colour: TagColour | None = None
    group: str | None = Field(None, max_length=20)
    archived: bool | None = None


class CustomerOut(Schema):
    id: int
    client_id: UUID
    name: str
    short_name: str
    credit_code: str
    industry: str
    level: CustomerLevel
    stage: StageOut | None
    source: CustomerSource
    phone: str
    website: str
    province: str
    city: str
    district: str
    address: str
    latitude: float | None
    longitude: float | None
    tags: list[TagRef] = Field(description="The customer's tags (the organization's, GET /customer-tags).")
    last_visited_at: datetime | None
    last_followed_up_at: datetime | None = Field(
        description="The last follow-up: the newest visit (not rejected) or work record outside a visit (not "
        "archived) about the customer; null: never."
    )
    owner: EmployeeRef | None
    collaborator_ids: list[int]
    custom_values: dict[str, Any] = Field(
        description="The customer template's fields, by key; a photo/file field holds a list of attachment ids."
    )
    attachments: list[AttachmentLink] = Field(description="The photos and files the custom fields hold, with URLs.")
    template_version_id: int | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class CustomerIn(Schema):
    """Fixed fields of a customer; on update, only the fields sent are changed."""

    name: str | None = Field(None, max_length=120)
    short_name: str | None = Field(None, max_length=40)
    credit_code: str | None = Field(None, max_length=30)
    industry: str | None = Field(None, max_length=60)
    level: CustomerLevel | None = None
    stage_id: RowId | None = None
    source: CustomerSource | None = None
    phone: str | None = Field(None, max_length=32)
    website: str | None = Field(None, max_length=200)
    province: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=20)
    district: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    tag_ids: list[RowId] | None = Field(
        None, description="The customer's tags, all of them (ids of GET /customer-tags; an archived one only if kept)."
    )
    owner_id: RowId | None = None
    collaborator_ids: list[RowId] | None = None
    custom_values: dict[str, Any] | None = Field(
        None, description="Values of the organization's customer template, by field key."
    )


class CustomerCreateIn(CustomerIn):
    allow_duplicates: bool = Field(
        False, description="Save even though the organization's rules warn of a possible duplicate."
    )


class CustomerUpdateIn(CustomerIn):
    allow_duplicates: bool = Field(
        False, description="Save a new name or phone even though the organization's rules warn of a possible duplicate."
    )


class ContactOut(Schema):
    id: int
    client_id: UUID
    customer_id: int
    name: str
    title: str
    mobile: str
    phone: str
    email: str
    wechat: str
    birthday: date | None
    notes: str
    is_primary: bool
    archived_at: datetime | None


class ContactRowOut(ContactOut):
    customer_name: str


class ContactPage(Schema):
    items: list[ContactRowOut]
    next_cursor: str | None


class ContactIn(Schema):
    name: str | None = Field(None, max_length=60)
    title: str | None = Field(None, max_length=60)
    mobile: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    wechat: str | None = Field(None, max_length=60)
    birthday: date | None = None
    notes: str | None = Field(None, max_length=2000)
    is_primary: bool | None = Field(
        None,
        description="true makes this the customer's one primary contact; the primary contact cannot be set to "
        "false (make another one primary instead).",
    )


class EventOut(Schema):
    id: int
    kind: str
    actor: EmployeeRef | None
    changes: dict[str, list[object]]
    summary: str
    created_at: datetime


class TimelineItemOut(Schema):
    source: str = Field(
        description="Where the item comes from: `events` (the customer's own changes, `data` is an event: "
        "id, kind, actor, changes as {field: [old, new]}, summary, created_at) or `work_records` (`data` is a "
        "work record as GET /work-records/{record_id} returns it); more sources may be added."
    )
    id: int
    at: datetime
    data: dict[str, Any]


class TimelinePage(Schema):
    items: list[TimelineItemOut]
    next_cursor: str | None


class PoolOut(Schema):
    id: int
    name: str
    description: str
    protection_days: int
    extension_days: int
    max_protection_days: int
    notify_days_before: int
    daily_claim_limit: int
    holding_cap: int
    reclaim_cooldown_days: int
    may_claim: bool = Field(description="Whether I claim from it (a member, or an administrator); else my team does.")


class ReleaseIn(Schema):
    pool_id: RowId | None = None


class AssignIn(Schema):
    owner_id: RowId


class HandoverIn(Schema):
    successor_ids: list[RowId]
    mark_left: bool = False


class HandoverOut(Schema):
    moved: dict[int, int]
    left: bool


# --- Import and export (the rules live in customers/imports.py and customers/exports.py) --------------


class ImportRowOut(Schema):
    number: int = Field(description="The row's number in the spreadsheet, as the user sees it.")
    status: str = Field(description="ok, error or duplicate (customers.imports.RowStatus).")
    errors: dict[str, list[str]] = Field(description="Messages by column key.")
    duplicates: list[str]


class ImportTotalsOut(Schema):
    rows: int
    ok: int
    errors: int
    duplicates: int


class ImportMappingOut(Schema):
    header: str = Field(description="A column's header in the file, in order.")
    field: str = Field(description="The field it is read as (a key of `fields`); empty: ignored.")


class ImportFieldOut(Schema):
    key: str
    label: str = Field(description="In your language.")


class ImportReportOut(Schema):
    totals: ImportTotalsOut
    rows: list[ImportRowOut]
    ignored_columns: list[str]
    sha256: str = Field(description="The file's SHA-256: commit it by this (`sha256`) without sending it again.")
    mapping: list[ImportMappingOut] = Field(description="How each column was read (proposed, or as you sent).")
    fields: list[ImportFieldOut] = Field(description="The fields a column may be mapped to.")


class ImportJobRowErrorOut(Schema):
    number: int = Field(description="The row's number in the spreadsheet.")
    column: str = Field(description="The column's key (custom fields: custom.<key>).")
    label: str = Field(description="The column's label in the submitter's language.")
    messages: list[str]


class ImportJobOut(Schema):
    """An import job: the commit of a file, run in the background. Poll it until done or failed."""

    id: int
    client_id: UUID
    filename: str
    status: str = Field(description="queued, running, done or failed (customers.models.ImportJobStatus).")
    include_duplicates: bool
    skip_errors: bool = Field(description="Rows with errors are left out (else: all or nothing).")
    mapping: list[str] | None = Field(description="The field each column was read as; null: as proposed.")
    created_by: EmployeeRef
    rows: int
    created_count: int
    skipped_count: int
    error: str = Field(description="Why the job failed, in the submitter's language; nothing was imported.")
    row_errors: list[ImportJobRowErrorOut] = Field(description="The broken rows' errors (the first 500).")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration: float | None = Field(description="Seconds from start to finish, once finished.")
    step: str = Field(
        description="What it is doing: read (the file), check (its rows), duplicates (looked for), prepare (the "
        "customers): only when no dry run's verdict fits; then write (the customers). Empty while queued."
    )
    step_label: str = Field(description="The step in your language.")
    done: int = Field(description="Rows of the step done so far (stored about once a second while it runs).")
    total: int = Field(description="Rows of the step; 0 for a step that counts none (read, duplicates).")
    percent: int = Field(description="done of total, in whole per cent; 100 once done.")
    stalled: bool = Field(description="Running for longer than any import takes (its worker died): restart it.")


class ImportJobPage(Schema):
    items: list[ImportJobOut]
    next_cursor: str | None


class MaskedMatchOut(Schema):
    name: str
    owner_department: str | None
    in_pool: bool
    mine: bool
    archived: bool


# --- Enrichment (更多资讯) ------------------------------------------------------------------------------


class EnrichmentOut(Schema):
    """One provider's result for a customer: found (ok), nothing found, failed (with the error), or pending."""

    id: int
    provider: str
    status: str
    data: dict[str, Any]
    error: str
    source: str
    requested_at: datetime
    fetched_at: datetime | None


class RegistryImportOut(Schema):
    created: int
    replaced: int
    rows: int


class MergeIn(Schema):
    merge_id: RowId = Field(description="The duplicate to merge into this customer; it is archived afterwards.")


# --- Lifecycle stages and bulk operations --------------------------------------------------------------


class StageIn(Schema):
    name: str = Field(..., max_length=40, description="The Chinese name, unique in the organization.")
    name_en: str = Field("", max_length=40)
    is_won: bool = False


class StageUpdateIn(Schema):
    """Only the fields sent change. A stage in use cannot be deleted: set `is_active` to false instead."""

    name: str | None = Field(None, max_length=40)
    name_en: str | None = Field(None, max_length=40)
    is_won: bool | None = None
    is_active: bool | None = None
    position: int | None = Field(None, ge=0, description="Move the stage to this 0-based place in the order.")


class BulkCustomersIn(Schema):
    customer_ids: list[RowId] = Field(..., description="At most 500; all move or none does.")


class BulkAssignIn(BulkCustomersIn):
    owner_id: RowId


class BulkTransferIn(BulkCustomersIn):
    to_employee_id: RowId


class BulkReleaseIn(BulkCustomersIn):
    pool_id: RowId | None = Field(None, description="Send them all to this pool instead of each one's own pool.")


class BulkLevelIn(BulkCustomersIn):
    level: str = Field(..., max_length=8, description="A, B, C or D.")


class BulkStageIn(BulkCustomersIn):
    stage_id: RowId = Field(..., description="An active stage of the organization.")


class BulkTagsIn(BulkCustomersIn):
    add_tag_ids: list[RowId] = Field([], max_length=100, description="Tags to add: active tags of the organization.")
    remove_tag_ids: list[RowId] = Field([], max_length=100, description="Tags to remove; the others stay.")


class BulkChangedOut(Schema):
    changed: list[int] = Field(..., description="The customers that changed, each with a timeline event.")
    unchanged: list[int] = Field(..., description="Already so: nothing written for them.")


class BulkOut(Schema):
    moved: list[int] = Field(..., description="The customers that changed hands, each with a timeline event.")
    unchanged: list[int] = Field(..., description="Already where they were sent.")


class SummaryFactOut(Schema):
    """One fact of a customer's summary (customers/summary.py): `key` is stable (visits, records, last_follow_up,
    open_follow_ups, pool_return); label, value and detail are in the user's language; `number` is the value as a
    number when it is one (visits and records: the last 30 days; last_follow_up: days since; pool_return: days
    left)."""

    key: str
    label: str
    value: str
    detail: str
    url: str
    warn: bool
    number: int | None


# --- Saved filters (customers/saved_filters.py) ------------------------------------------------------------
QUERY_DESCRIPTION = (
    "The filters as the customer list's and the map's query string (q, owner, department, level, stage, tag, "
    "province, city, industry, source, created_from, created_to, followed_from, followed_to, visited_from, visited_to, "
    "not_visited, expiring, "
    "pool, archived, sort), e.g. `level=A&city=上海&not_visited=14`. Stored normalised: an unknown name or value, "
    "an owner you cannot see or another organization's department, stage or tag is refused on its name."
)


class SavedFilterIn(Schema):
    """A saved filter is its owner's alone: there is no owner or sharing field, and any field beyond these is
    refused (422)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=60, description="Unique among your saved filters, ignoring case.")
    query: str = Field(..., max_length=4000, description=QUERY_DESCRIPTION)


class SavedFilterUpdateIn(Schema):
    """Only the fields sent change (rename, or replace the filters); any other field is refused (422)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=60)
    query: str | None = Field(None, max_length=4000, description=QUERY_DESCRIPTION)


class SavedFilterFieldsOut(Schema):
    """The saved filters as fields, under the names of `GET /customers`."""

    search: str
    owner_id: int | None
    department_id: int | None
    level: str
    stage_id: int | None
    tag_ids: list[int]
    province: str
    city: str
    industry: str
    source: str
    created_from: date | None
    created_to: date | None
    followed_from: date | None
    followed_to: date | None
    visited_from: date | None
    visited_to: date | None
    not_visited: int | None
    expiring: bool
    in_pool: bool
    archived: bool
    sort: str


class SavedFilterOut(Schema):
    id: int
    name: str
    query: str = Field(..., description="The canonical query string: append it to /customers/ or /customers/map/.")
    filters: SavedFilterFieldsOut
    created_at: datetime
    updated_at: datetime


class SavedFilterPage(Schema):
    items: list[SavedFilterOut]
    next_cursor: str | None
