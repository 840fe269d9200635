"""Import of customers from Excel (.xlsx) or CSV: a template, a dry run that reports every row, and an
all-or-nothing commit.

The file's first row names the columns: a template's translated labels (either language), or the column
keys themselves. The template also carries the keys in a hidden second row, so a template filled in under
any language imports. Rows are validated in bulk (the organization's stages, the visible employees and
the existing customers are each loaded once), field checks through `customers.services.customer_validate`,
and the commit creates each customer through `customer_create`, in one transaction, with a `client_id`
derived from the file's SHA-256 and the row number: committing the same file again creates nothing.
"""

import csv
import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from core.errors import ErrorCode, ServiceError, invalid
from org.models import Employee
from org.selectors import can_change_owned_by, visible_employees

from . import credit_code, services
from .duplicates import normalise_name, normalise_phone
from .models import Customer, CustomerLevel, CustomerSource

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000
EXTENSIONS = ("xlsx", "csv")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLIENT_ID_NAMESPACE = uuid.UUID("6f1c2b1e-7d0a-4b8e-9a51-3c2f0e6d9b47")

CUSTOMER_COLUMNS = (
    "name", "short_name", "credit_code", "industry", "level", "stage", "source", "phone", "website",
    "province", "city", "district", "address", "latitude", "longitude", "tags", "owner",
)  # fmt: skip
CONTACT_COLUMNS = {
    "contact_name": "name",
    "contact_title": "title",
    "contact_mobile": "mobile",
    "contact_email": "email",
}
COLUMNS = (*CUSTOMER_COLUMNS, *CONTACT_COLUMNS)
TEXT_COLUMNS = (
    "name", "short_name", "credit_code", "industry", "phone", "website", "province", "city", "district", "address",
)  # fmt: skip

COLUMN_LABELS: dict[str, Promise] = {
    "name": pgettext_lazy("company", "Name"),
    "short_name": gettext_lazy("Short name"),
    "credit_code": gettext_lazy("Unified social credit code"),
    "industry": gettext_lazy("Industry"),
    "level": gettext_lazy("Level"),
    "stage": gettext_lazy("Stage"),
    "source": gettext_lazy("Source"),
    "phone": pgettext_lazy("company", "Phone"),
    "website": gettext_lazy("Website"),
    "province": gettext_lazy("Province"),
    "city": gettext_lazy("City"),
    "district": gettext_lazy("District"),
    "address": gettext_lazy("Address"),
    "latitude": gettext_lazy("Latitude"),
    "longitude": gettext_lazy("Longitude"),
    "tags": gettext_lazy("Tags"),
    "owner": gettext_lazy("Owner"),
    "contact_name": gettext_lazy("Contact name"),
    "contact_title": gettext_lazy("Contact title"),
    "contact_mobile": gettext_lazy("Contact mobile"),
    "contact_email": gettext_lazy("Contact email"),
}
# A service's field name -> the import column it came from.
SERVICE_FIELD_COLUMNS = {"stage_id": "stage", "owner_id": "owner", "collaborator_ids": "owner"}


class RowStatus(StrEnum):
    OK = "ok"
    ERROR = "error"
    DUPLICATE = "duplicate"


@dataclass
class ImportRow:
    """One data row of the file: the values it will store, its field errors, its duplicate warnings."""

    number: int  # the row's number in the spreadsheet, as the user sees it
    values: dict[str, str] = field(default_factory=dict)  # by column, as they will be stored
    errors: dict[str, list[str]] = field(default_factory=dict)  # by column
    duplicates: list[str] = field(default_factory=list)
    blocking_duplicate: bool = False  # same credit code, or already imported: never imported again
    customer_fields: dict[str, Any] = field(default_factory=dict, repr=False)
    contact_fields: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def status(self) -> RowStatus:
        if self.errors:
            return RowStatus.ERROR
        return RowStatus.DUPLICATE if self.duplicates else RowStatus.OK

    def fail(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)


@dataclass
class ImportReport:
    sha256: str
    extension: str
    rows: list[ImportRow]
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def error_count(self) -> int:
        return self.count(RowStatus.ERROR)

    @property
    def duplicate_count(self) -> int:
        return self.count(RowStatus.DUPLICATE)

    @property
    def ok_count(self) -> int:
        return self.count(RowStatus.OK)


@dataclass
class ImportResult:
    created: int
    skipped_duplicates: int
    rows: int


# --- Reading the file -------------------------------------------------------------------------------


def file_extension(filename: str) -> str:
    """The file's type from its name, or a clear error."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise invalid("file", _("Upload an Excel (.xlsx) or CSV (.csv) file."))
    return extension


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a broken file
        raise invalid("file", _("This is not a readable Excel (.xlsx) file.")) from None
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in values]
    except Exception:  # a sheet may break while it is read, too
        raise invalid("file", _("This is not a readable Excel (.xlsx) file.")) from None
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise invalid("file", _("Save the CSV file as UTF-8 (or GB18030) text."))
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            yield [v.strip() for v in values]
    except csv.Error:
        raise invalid("file", _("This is not a readable CSV file.")) from None


def _normal_header(text: str) -> str:
    return re.sub(r"\s+", "", text).rstrip("*＊").lower()


def _header_lookup() -> dict[str, str]:
    """A column's key, or its label in any language, -> the key."""
    lookup = {key: key for key in COLUMNS}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            lookup |= {_normal_header(str(label)): key for key, label in COLUMN_LABELS.items()}
    return lookup


@dataclass
class _Table:
    rows: list[tuple[int, dict[str, str]]]
    ignored_columns: list[str]


def read_table(*, filename: str, content: bytes) -> _Table:
    """The file's data rows as (row number, {column: text}); blank rows skipped."""
    extension = file_extension(filename)
    if len(content) > MAX_BYTES:
        raise invalid("file", _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    lines = _xlsx_rows(content) if extension == "xlsx" else _csv_rows(content)
    lookup = _header_lookup()
    header = next(lines, None)
    keys = [lookup.get(_normal_header(text)) for text in header or []]
    if "name" not in keys:
        raise invalid("file", _("The first row must name the columns, as in the template; no name column found."))
    ignored = [text for text, key in zip(header or [], keys, strict=True) if key is None and text]
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(lines, start=2):
        if not any(values):
            continue
        if number == 2 and all(v in COLUMNS for v in values if v):
            keys = [v or None for v in values]  # the template's hidden row of keys
            continue
        if len(rows) >= MAX_ROWS:
            raise invalid("file", _("The file has more than %(count)d rows; split it.") % {"count": MAX_ROWS})
        rows.append((number, {key: value for key, value in zip(keys, values, strict=False) if key and value}))
    return _Table(rows=rows, ignored_columns=ignored)


# --- Validating the rows in bulk ---------------------------------------------------------------------


def _choice_lookup(choices: type[CustomerLevel] | type[CustomerSource]) -> dict[str, str]:
    lookup = {str(value).lower(): str(value) for value in choices.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            lookup |= {_normal_header(str(label)): str(value) for value, label in choices.choices}
    return lookup


class _Context:
    """What every row is checked against, loaded once per file."""

    def __init__(self, actor: Employee) -> None:
        self.actor = actor
        self.language = translation.get_language() or "zh-hans"
        self.levels = _choice_lookup(CustomerLevel)
        self.sources = _choice_lookup(CustomerSource)
        self.stages: dict[str, int] = {}
        self.stage_labels: dict[int, str] = {}
        for stage in services.stages_ensure(org_id=actor.org_id):
            for name in (stage.name, stage.name_en):
                if name:
                    self.stages.setdefault(_normal_header(name), stage.pk)
            self.stage_labels[stage.pk] = stage.label(self.language)
        self.by_number: dict[str, list[Employee]] = {}
        self.by_phone: dict[str, list[Employee]] = {}
        self.by_name: dict[str, list[Employee]] = {}
        for e in (
            visible_employees(actor=actor)
            .select_related("department")
            .only("pk", "name", "phone", "employee_number", "status", "org_id", "department__path")
        ):
            if e.employee_number:
                self.by_number.setdefault(e.employee_number.lower(), []).append(e)
            self.by_phone.setdefault(normalise_phone(e.phone), []).append(e)
            self.by_name.setdefault(e.name.strip().lower(), []).append(e)
        self.may_give_to: dict[int, bool] = {}

    def owner(self, text: str) -> tuple[Employee | None, str]:
        """The visible employee the text names (number, phone or name), or an error message."""
        key = text.strip().lower()
        found = self.by_number.get(key) or self.by_phone.get(normalise_phone(text) or "-") or self.by_name.get(key)
        if not found:
            return None, _("No employee you can see has this employee number, phone or name.")
        if len(found) > 1:
            return None, _("Several employees are called “%(name)s”; use the employee number or phone.") % {
                "name": text
            }
        employee = found[0]
        if not employee.is_active:
            return None, _("%(name)s has left the organization.") % {"name": employee.name}
        if employee.pk not in self.may_give_to:
            self.may_give_to[employee.pk] = can_change_owned_by(actor=self.actor, owner=employee)
        if not self.may_give_to[employee.pk]:
            return None, _("You may not give customers to this employee.")
        return employee, ""


def _allowed(lookup: dict[str, str]) -> str:
    return ", ".join(sorted(set(lookup.values())))


def _check_row(context: _Context, row: ImportRow, cells: dict[str, str]) -> None:
    """Turn one row's cells into the service's fields, collecting every field error."""
    values: dict[str, Any] = {column: cells.get(column, "") for column in TEXT_COLUMNS}
    level = cells.get("level", "")
    if level:
        if _normal_header(level) in context.levels:
            values["level"] = context.levels[_normal_header(level)]
        else:
            row.fail("level", _("Unknown level “%(value)s”: use one of %(allowed)s.") % {
                "value": level, "allowed": _allowed(context.levels)
            })  # fmt: skip
    source = cells.get("source", "")
    values["source"] = CustomerSource.IMPORT
    if source:
        if _normal_header(source) in context.sources:
            values["source"] = context.sources[_normal_header(source)]
        else:
            row.fail("source", _("Unknown source “%(value)s”: use one of %(allowed)s.") % {
                "value": source, "allowed": _allowed(context.sources)
            })  # fmt: skip
    if cells.get("latitude") or cells.get("longitude"):
        values["latitude"] = cells.get("latitude", "")
        values["longitude"] = cells.get("longitude", "")
    if cells.get("tags"):
        values["tags"] = [t.strip() for t in re.split(r"[,，、;；]", cells["tags"]) if t.strip()]
    try:
        clean = services.customer_validate(actor=context.actor, values=values)
    except ServiceError as e:
        for name, messages in e.fields.items():
            for message in messages:
                row.fail(SERVICE_FIELD_COLUMNS.get(name, name), str(message))
        clean = {}
    stage = cells.get("stage", "")
    if stage:
        stage_id = context.stages.get(_normal_header(stage))
        if stage_id is None:
            names = ", ".join(context.stage_labels.values())
            row.fail(
                "stage", _("Unknown stage “%(value)s”: use one of %(allowed)s.") % {"value": stage, "allowed": names}
            )
        clean["stage_id"] = stage_id
    owner_text = cells.get("owner", "")
    owner: Employee | None = context.actor
    if owner_text:
        owner, message = context.owner(owner_text)
        if owner is None:
            row.fail("owner", message)
    clean["owner_id"] = owner.pk if owner else None
    contact = {field_name: cells.get(column, "") for column, field_name in CONTACT_COLUMNS.items()}
    if any(contact.values()):
        try:
            row.contact_fields = services.contact_validate(values=contact)
        except ServiceError as e:
            for name, messages in e.fields.items():
                row.errors.setdefault(f"contact_{name}", []).extend(str(m) for m in messages)
    if row.errors:
        return
    row.customer_fields = clean
    row.values = {
        **{column: str(clean.get(column) or "") for column in TEXT_COLUMNS},
        "level": clean.get("level", CustomerLevel.C),
        "stage": context.stage_labels.get(clean.get("stage_id") or 0, ""),
        "source": clean.get("source", ""),
        "latitude": str(clean.get("latitude") or ""),
        "longitude": str(clean.get("longitude") or ""),
        "tags": ", ".join(clean.get("tags", [])),
        "owner": owner.name if owner else "",
        **{column: str(row.contact_fields.get(f, "")) for column, f in CONTACT_COLUMNS.items()},
    }


def row_client_id(sha256: str, number: int) -> uuid.UUID:
    """The customer's client_id for a row of a file: the same file's same row always gives the same id."""
    return uuid.uuid5(CLIENT_ID_NAMESPACE, f"{sha256}:{number}")


def _check_duplicates(actor: Employee, report: ImportReport, cells: dict[int, dict[str, str]]) -> None:
    """Warn about rows matching an existing customer of the organization (visible or not: only its name
    and its owner's department are told) or an earlier row, by credit code, normalised name or phone."""
    by_code: dict[str, str] = {}
    by_name: dict[str, str] = {}
    by_phone: dict[str, str] = {}
    client_ids = {row_client_id(report.sha256, row.number) for row in report.rows}
    imported: set[uuid.UUID] = set()
    existing = Customer.objects.filter(org_id=actor.org_id).values_list(
        "client_id", "name", "credit_code", "phone", "owner__department__name"
    )
    for client_id, name, code, phone, department in existing.iterator(chunk_size=5000):
        if department:
            where = _("“%(name)s”, owned in %(department)s") % {"name": name, "department": department}
        else:
            where = _("“%(name)s”, in a public pool") % {"name": name}
        if client_id in client_ids:
            imported.add(client_id)
        if code:
            by_code.setdefault(code, where)
        by_name.setdefault(normalise_name(name), where)
        if phone:
            by_phone.setdefault(normalise_phone(phone), where)
    for row in report.rows:
        row_cells = cells[row.number]
        if row_client_id(report.sha256, row.number) in imported:
            row.duplicates.append(_("Already imported from this file."))
            row.blocking_duplicate = True
            continue
        here = _("row %(number)d of this file") % {"number": row.number}
        code = credit_code.normalise(row_cells.get("credit_code", ""))
        name = normalise_name(row_cells.get("name", ""))
        phone = normalise_phone(row_cells.get("phone", ""))
        if code and code in by_code:
            row.duplicates.append(_("Same credit code as %(where)s: never imported twice.") % {"where": by_code[code]})
            row.blocking_duplicate = True
        if name and name in by_name:
            row.duplicates.append(_("Same name as %(where)s.") % {"where": by_name[name]})
        if phone and phone in by_phone:
            row.duplicates.append(_("Same phone as %(where)s.") % {"where": by_phone[phone]})
        if code:
            by_code.setdefault(code, here)
        if name:
            by_name.setdefault(name, here)
        if phone:
            by_phone.setdefault(phone, here)


def import_dry_run(*, actor: Employee, filename: str, content: bytes) -> ImportReport:
    """Check every row of the file and report; writes nothing (beyond the default stages on first use)."""
    table = read_table(filename=filename, content=content)
    report = ImportReport(
        sha256=hashlib.sha256(content).hexdigest(),
        extension=file_extension(filename),
        rows=[],
        ignored_columns=table.ignored_columns,
    )
    if not table.rows:
        raise invalid("file", _("The file has no customer rows."))
    context = _Context(actor)
    for number, cells in table.rows:
        row = ImportRow(number=number)
        _check_row(context, row, cells)
        report.rows.append(row)
    _check_duplicates(actor, report, dict(table.rows))
    return report


@transaction.atomic
def import_commit(*, actor: Employee, filename: str, content: bytes, include_duplicates: bool = False) -> ImportResult:
    """Create the file's customers (and their primary contacts), all or nothing. Duplicates are skipped
    unless `include_duplicates`; a same credit code or an already imported row is always skipped."""
    report = import_dry_run(actor=actor, filename=filename, content=content)
    if report.error_count:
        message = ngettext(
            "%(count)d row has errors; nothing was imported.",
            "%(count)d rows have errors; nothing was imported.",
            report.error_count,
        ) % {"count": report.error_count}
        raise ServiceError(ErrorCode.INVALID, message, {"file": [message]})
    created = skipped = 0
    for row in report.rows:
        if row.status == RowStatus.DUPLICATE and (row.blocking_duplicate or not include_duplicates):
            skipped += 1
            continue
        client_id = row_client_id(report.sha256, row.number)
        customer, was_created = services.customer_create(
            actor=actor, client_id=client_id, allow_duplicates=True, **row.customer_fields
        )  # the report decided about duplicates already: skipped above unless the user chose to include them
        if not was_created:
            skipped += 1
            continue
        created += 1
        if row.contact_fields:
            services.contact_create(
                actor=actor,
                customer_id=customer.pk,
                client_id=uuid.uuid5(CLIENT_ID_NAMESPACE, f"{client_id}:contact"),
                **row.contact_fields,
            )
    return ImportResult(created=created, skipped_duplicates=skipped, rows=len(report.rows))


# --- The template ------------------------------------------------------------------------------------


def import_template(*, actor: Employee) -> bytes:
    """An .xlsx with the columns (labels in the user's language, keys in a hidden second row) and a sheet
    of the allowed values."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = _("Customers")
    sheet.append([str(COLUMN_LABELS[c]) for c in COLUMNS])
    sheet.append(list(COLUMNS))
    sheet.row_dimensions[2].hidden = True
    sheet.freeze_panes = "A3"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 18
    language = translation.get_language() or "zh-hans"
    notes = workbook.create_sheet(_("Allowed values"))
    notes.append([_("Column"), _("Allowed values")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 80
    stages = services.stages_ensure(org_id=actor.org_id)
    explained = [
        (COLUMN_LABELS["name"], _("Required.")),
        (COLUMN_LABELS["credit_code"], _(
            "18 characters with a valid check digit; a customer with the same code is skipped."
        )),
        (COLUMN_LABELS["level"], " / ".join(f"{v} ({label})" for v, label in CustomerLevel.choices)),
        (COLUMN_LABELS["stage"], " / ".join(s.label(language) for s in stages) + " " + _("(empty: the first stage)")),
        (COLUMN_LABELS["source"], " / ".join(f"{v} ({label})" for v, label in CustomerSource.choices)),
        (COLUMN_LABELS["latitude"], _("WGS-84 decimal degrees; give both latitude and longitude, or neither.")),
        (COLUMN_LABELS["tags"], _("Separate tags with commas.")),
        (COLUMN_LABELS["owner"], _("Employee number, phone or name of an active employee; empty: you.")),
        (COLUMN_LABELS["contact_name"], _("Fill the contact columns to add the customer's primary contact.")),
    ]  # fmt: skip
    for label, text in explained:
        notes.append([str(label), str(text)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
