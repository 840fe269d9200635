"""API schemas for form templates and attachments."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from fieldloop.org.schemas import EmployeeRef

from .models import AttachmentKind, FormTemplate, FormTemplateVersion, Purpose


class FieldDefinitionIn(Schema):
    """One field of a template. `type` and `options` are checked by the server (see the error's field keys
    `fields.<position>.<attribute>`). Options by type: text/textarea max_length; integer/decimal/money
    min, max; decimal unit, decimals; single_choice/multi_choice choices [{value, label, label_en}];
    location nearby_metres; photo max_count, camera_only, max_size_mb; file max_count, max_size_mb;
    employee_ref scope (subtree | org); subtable columns (a list of column definitions: key, type, label,
    label_en, required, retired, options; column types text, integer, decimal, money, date, single_choice,
    yes_no, and product_ref once products are installed; no nested sub-tables), min_rows, max_rows (1-200,
    default 50). Column errors are keyed `fields.<position>.options.columns.<column position>.<attribute>`.

    A sub-table's value is a list of row objects keyed by column key, e.g. `[{"sku": "A", "quantity": 3}]`;
    each cell is checked like a field of its column's type; rows whose cells are all empty are dropped.
    Its errors are keyed `<field key>.<row>.<column key>` (rows counted from 0 as sent, e.g.
    `stock.2.quantity`), `<field key>.<row>` for a row that is not an object, and `<field key>` for the row
    count; messages name the row from 1, e.g. "Row 3, Quantity: Enter a whole number."
    """

    key: str = Field(max_length=50)
    type: str = Field(max_length=20)
    label: str = Field(max_length=120)
    label_en: str = Field("", max_length=120)
    required: bool = False
    help_text: str = Field("", max_length=500)
    default: Any = None
    retired: bool = False
    options: dict[str, Any] = Field(default_factory=dict)


class FieldDefinitionOut(Schema):
    key: str
    type: str
    label: str
    label_en: str
    required: bool
    help_text: str
    default: Any
    retired: bool
    options: dict[str, Any]


class VersionOut(Schema):
    number: int
    created_at: datetime
    created_by: EmployeeRef | None
    fields: list[FieldDefinitionOut]


class TemplateSummaryOut(Schema):
    id: int
    purpose: Purpose
    name: str
    name_en: str
    description: str
    is_active: bool
    current_version_number: int | None


class TemplateOut(TemplateSummaryOut):
    current_version: VersionOut | None


# What the API shows of a template (here, not in api.py, because activities shows templates too).


def version_out(v: FormTemplateVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "created_at": v.created_at,
        "created_by": {"id": v.created_by.pk, "name": v.created_by.name} if v.created_by else None,
        "fields": [d.as_json() for d in v.definitions],
    }


def template_summary_out(t: FormTemplate) -> dict[str, Any]:
    return {
        "id": t.pk,
        "purpose": t.purpose,
        "name": t.name,
        "name_en": t.name_en,
        "description": t.description,
        "is_active": t.is_active,
        "current_version_number": t.current_version.number if t.current_version else None,
    }


def template_out(t: FormTemplate) -> dict[str, Any]:
    return {
        **template_summary_out(t),
        "current_version": version_out(t.current_version) if t.current_version else None,
    }


class TemplateCreateIn(Schema):
    purpose: Purpose
    name: str = Field(max_length=120)
    name_en: str = Field("", max_length=120)
    description: str = Field("", max_length=2000)
    fields: list[FieldDefinitionIn] = Field(default_factory=list)


class TemplatePublishIn(Schema):
    fields: list[FieldDefinitionIn]


class AttachmentOut(Schema):
    id: int
    client_id: UUID
    kind: AttachmentKind
    original_name: str
    content_type: str
    size: int = Field(description="Bytes stored: for a photo, the re-encoded JPEG.")
    original_size: int = Field(description="Bytes uploaded.")
    sha256: str = Field(description="SHA-256 of the uploaded bytes; a replay with other bytes is refused.")
    created_at: datetime


class AttachmentLink(Schema):
    """A photo or file that a record's or customer's values hold, and where to fetch it."""

    id: int
    field: str = Field(description="The key of the photo/file field that holds it.")
    kind: AttachmentKind
    url: str = Field(description="GET it (same authentication): the photo inline, or the file as a download.")
    thumbnail_url: str | None = Field(description="A photo's thumbnail (a JPEG a few hundred pixels wide).")


# The OpenAPI description of an attachment download (the body is the stored file, not JSON).
ATTACHMENT_DOWNLOAD = {
    200: {
        "description": "The photo (image/jpeg, inline) or the file (application/octet-stream, as a download)",
        "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
