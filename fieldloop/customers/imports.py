"""Import of customers from Excel (.xlsx) or CSV: a dry run that reports every row, and an all-or-nothing
bulk commit (run as a background job by `customers/import_jobs.py`). The file is read by
`core/spreadsheets.py`, which the business-registry import shares; the template to fill in is written by
`customers/import_template.py`.

The file's first row names the columns: the template's translated labels (either language), the column
keys, or what people call them (`HEADER_SYNONYMS`); the dry run proposes a field per header
(`propose_mapping`), the user confirms or changes it, and the check and the commit read the file with that
mapping. (Older templates carried the keys in a hidden second row: it still reads.) Besides the fixed
columns, every importable field of the organization's customer template is a column (key
`custom.<field key>`); photos, files, references, sub-tables and "nearby" locations are not importable.

Rows are checked once, in bulk: the organization's stages, the employees and the customer template are
each loaded once, existing customers matched with one IN query per key (client id, credit code, name,
phone) for the whole file; field checks go through `customers.services.customer_validate` and
`formtemplates.validation.validate_values`. A dry run without errors prepares every row as
`services.customer_draft` builds it (what `customer_create` writes) and leaves this verdict, with a
fingerprint of the data it was checked against, beside the upload. The commit writes the verdict while
that data is unchanged, else checks the file again; customers and their CREATED events go in by COPY on
PostgreSQL or one executemany on SQLite (`core/bulk.py`), collaborators and primary contacts with
`bulk_create`, all in one transaction. A row's `client_id` derives from the file's SHA-256 and the row
number: committing the same file again creates nothing.
"""

import hashlib
import io
import json
import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Count, JSONField, Max
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from fieldloop.core import bulk, spreadsheets, tabular
from fieldloop.core.errors import ErrorCode, ServiceError, invalid
from fieldloop.core.jobs import StepReporter
from fieldloop.core.spreadsheets import normal_header
from fieldloop.formtemplates.fields import FieldDefinition, FieldType
from fieldloop.formtemplates.models import FormTemplate, FormTemplateVersion, Purpose
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.validation import validate_values
from fieldloop.org.models import Department, Employee, Organization
from fieldloop.org.selectors import can_change_owned_by, visible_employees
from fieldloop.org.services import audit

from . import credit_code, services
from .models import (
    Contact,
    Customer,
    CustomerEvent,
    CustomerEventKind,
    CustomerLevel,
    CustomerSource,
    CustomerStage,
    CustomerTag,
    Tag,
)
from .names import NAME_KEY_LENGTH, PHONE_KEY_LENGTH, normalise_name, normalise_phone
from .stages import stage_list

logger = logging.getLogger(__name__)

CLIENT_ID_NAMESPACE = uuid.UUID("6f1c2b1e-7d0a-4b8e-9a51-3c2f0e6d9b47")

CUSTOMER_COLUMNS = (
    "name", "short_name", "credit_code", "industry", "level", "stage", "source", "phone", "website",
    "province", "city", "district", "address", "latitude", "longitude", "tags", "owner", "collaborators",
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
    "collaborators": gettext_lazy("Collaborators"),
    "contact_name": gettext_lazy("Contact name"),
    "contact_title": gettext_lazy("Contact title"),
    "contact_mobile": gettext_lazy("Contact mobile"),
    "contact_email": gettext_lazy("Contact email"),
}
# A service's field name -> the import column it came from.
SERVICE_FIELD_COLUMNS = {"stage_id": "stage", "owner_id": "owner", "collaborator_ids": "collaborators"}
LIST_SEPARATORS = re.compile(r"[,，、;；]")
BATCH_SIZE = 500  # rows per INSERT of the bulk commit's bulk_create (collaborators, contacts)
PROGRESS_EVERY = 500  # rows checked or written between two reports to a job's progress

# Custom fields of the customer template that a spreadsheet cell can hold. Photos and files need an upload,
# references an id the user does not know, sub-tables a table: they are left out of imports.
CUSTOM_PREFIX = "custom."
IMPORTABLE_TYPES = frozenset({
    FieldType.TEXT, FieldType.TEXTAREA, FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY, FieldType.DATE,
    FieldType.DATETIME, FieldType.MONTH, FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO,
    FieldType.PHONE, FieldType.EMAIL, FieldType.URL, FieldType.ADDRESS, FieldType.LOCATION,
})  # fmt: skip
ADDRESS_PARTS = ("province", "city", "district", "detail")


def importable(definition: FieldDefinition) -> bool:
    """May a spreadsheet cell hold this custom field? (A "nearby" location must be taken on site.)"""
    if definition.retired or definition.type not in IMPORTABLE_TYPES:
        return False
    return not (definition.type == FieldType.LOCATION and definition.option("nearby_metres"))


def custom_fields(version: FormTemplateVersion | None) -> list[FieldDefinition]:
    """The current (not retired) fields of the customer template, in order; importable or not."""
    return [d for d in (version.definitions if version else []) if not d.retired]


def custom_column(definition: FieldDefinition) -> str:
    return f"{CUSTOM_PREFIX}{definition.key}"


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
    custom_values: dict[str, Any] = field(default_factory=dict, repr=False)
    contact_fields: dict[str, Any] = field(default_factory=dict, repr=False)
    tag_names: list[str] = field(default_factory=list, repr=False)

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
    column_labels: dict[str, str] = field(default_factory=dict)  # every column's label, custom ones too
    header: list[str] = field(default_factory=list)  # the file's header row
    mapping: list[str] = field(default_factory=list)  # the column key used for each header column ("": ignored)
    proposed: bool = True  # the mapping used is the one proposed
    choices: list[tuple[str, str]] = field(default_factory=list)  # the fields a column may map to (`mapping_choices`)
    raw: dict[int, list[str]] = field(default_factory=dict, repr=False)  # each data row's cells, as in the file
    version: FormTemplateVersion | None = field(default=None, repr=False)
    default_stage_id: int | None = None

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
class RefusedRow:
    """A row left out of a commit that skips the bad rows: its cells as in the file and its errors."""

    number: int
    cells: list[str]
    errors: dict[str, list[str]]  # by column key


@dataclass
class ImportResult:
    created: int
    skipped_duplicates: int
    rows: int
    refused: list[RefusedRow] = field(default_factory=list)  # rows with errors left out (`skip_errors`)
    header: list[str] = field(default_factory=list)  # the file's header row, for the file of refused rows
    column_labels: dict[str, str] = field(default_factory=dict)


# --- Reading the file -------------------------------------------------------------------------------


# Header texts people give a column besides its labels (either language) and its key: the one table of them.
# Compared as `normal_header` compares (no spaces, lower case); a label always wins over a synonym.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "客户名称", "客户名", "客户", "公司名称", "公司名", "公司", "单位名称", "单位", "企业名称", "企业",
        "company", "company name", "customer", "customer name", "client", "client name", "organization",
    ),
    "short_name": ("简称", "客户简称", "公司简称", "short"),
    "credit_code": (
        "统一社会信用代码", "社会信用代码", "信用代码", "税号", "credit code", "uscc", "social credit code",
    ),
    "industry": ("行业", "所属行业", "sector"),
    "level": ("等级", "客户等级", "级别", "客户级别", "grade", "rating", "customer level"),
    "stage": ("阶段", "客户阶段", "客户状态", "lifecycle stage"),
    "source": ("来源", "客户来源", "lead source"),
    "phone": ("联系电话", "电话", "手机", "手机号", "座机", "公司电话", "tel", "telephone", "phone number", "mobile"),
    "website": ("网站", "网址", "官网", "url", "web", "homepage"),
    "province": ("省", "省份", "所在省", "state"),
    "city": ("市", "城市", "所在城市", "town"),
    "district": ("区", "区县", "县区", "县", "county"),
    "address": ("地址", "详细地址", "公司地址", "通讯地址", "street", "street address"),
    "latitude": ("纬度", "lat"),
    "longitude": ("经度", "lng", "lon", "long"),
    "tags": ("标签", "tag"),
    "owner": ("负责人", "跟进人", "归属人", "销售", "业务员", "sales rep", "account owner"),
    "collaborators": ("协作人", "协同人", "team"),
    "contact_name": ("联系人", "联系人姓名", "contact", "contact person"),
    "contact_title": ("职务", "职位", "联系人职务", "title", "job title"),
    "contact_mobile": ("联系人手机", "联系人电话", "contact phone"),
    "contact_email": ("邮箱", "电子邮件", "电子邮箱", "email", "e-mail"),
}  # fmt: skip
MAX_MAPPED_COLUMNS = spreadsheets.MAX_COLUMNS  # a posted mapping longer than any readable header is refused


def _header_lookup(custom: list[FieldDefinition]) -> dict[str, str]:
    """A column's key, its label in any language, or a synonym -> the key. A fixed column's label wins over
    a custom field's, and a label over a synonym."""
    lookup: dict[str, str] = {
        normal_header(text): key for key, synonyms in HEADER_SYNONYMS.items() for text in synonyms
    }
    for d in custom:
        if importable(d):
            lookup |= {normal_header(text): custom_column(d) for text in (d.label_en, d.label) if text}
            lookup[custom_column(d)] = custom_column(d)
    return lookup | spreadsheets.label_lookup(COLUMN_LABELS)


def propose_mapping(header: list[str], lookup: dict[str, str]) -> list[str]:
    """Each header's column key ("" for a column to ignore): the first header naming a field gets it, a later
    one naming the same field, an empty or an unknown header is ignored."""
    taken: set[str] = set()
    mapping: list[str] = []
    for text in header:
        key = lookup.get(normal_header(text), "") if text else ""
        if key in taken:
            key = ""
        taken.add(key)
        mapping.append(key)
    return mapping


def mapping_choices(custom: list[FieldDefinition], language: str) -> list[tuple[str, str]]:
    """The fields a column may be mapped to, (key, label in the user's language), in the template's order."""
    return [(key, str(COLUMN_LABELS[key])) for key in COLUMNS] + [
        (custom_column(d), d.display_label(language)) for d in custom if importable(d)
    ]


class MappingRefused(ServiceError):
    """A mapping of the file's columns that cannot be used (a field twice, an unknown field, no name): carries
    the header and the mapping, so the page shows the mapping again with the message."""

    def __init__(self, message: str, *, header: list[str], mapping: list[str], on: str = "mapping") -> None:
        super().__init__(ErrorCode.INVALID, message, {on: [message]})
        self.header = header
        self.mapping = mapping


def _checked_mapping(header: list[str], mapping: list[str], labels: dict[str, str], known: set[str]) -> list[str]:
    """The posted mapping, checked: one entry per header column, each a known field or "" (ignore), no field
    twice, the name mapped. Refused with MappingRefused (the field `mapping`)."""
    if len(mapping) > MAX_MAPPED_COLUMNS or len(mapping) != len(header):
        raise invalid(
            "mapping",
            _("The mapping must give one field (or none) for each of the file's %(count)d columns.")
            % {"count": len(header)},
        )
    mapping = [key.strip() for key in mapping]
    unknown = [key for key in mapping if key and key not in known]
    if unknown:
        raise invalid("mapping", _("Unknown field “%(key)s”.") % {"key": unknown[0][:100]})
    seen: dict[str, str] = {}
    for text, key in zip(header, mapping, strict=True):
        if not key:
            continue
        if key in seen:
            message = _("“%(field)s” is chosen for two columns, “%(first)s” and “%(second)s”; choose it once.") % {
                "field": labels.get(key, key), "first": seen[key], "second": text,
            }  # fmt: skip
            raise MappingRefused(message, header=header, mapping=mapping)
        seen[key] = text
    return mapping


@dataclass
class ImportTable:
    """The file as the check reads it: the header row, the mapping used (a key per header column, "" to
    ignore), and the data rows as (row number, {column key: text}) with their cells as they were."""

    header: list[str]
    mapping: list[str]
    proposed: list[str]  # the mapping `propose_mapping` proposed
    rows: list[tuple[int, dict[str, str]]]
    raw: dict[int, list[str]]
    ignored_columns: list[str]


def read_table(
    *,
    filename: str,
    content: bytes,
    custom: list[FieldDefinition] | None = None,
    mapping: list[str] | None = None,
) -> ImportTable:
    """The file's data rows as (row number, {column: text}); blank rows skipped. `custom`: the customer
    template's fields, whose columns are read too. `mapping`: a column key (or "" to ignore) per header
    column, as the user confirmed it; None: the one `propose_mapping` proposes (an old template's hidden
    row of keys, when there is one)."""
    lookup = _header_lookup(custom or [])
    known = set(lookup.values())
    lines = spreadsheets.read_rows(filename=filename, content=content)
    header = next(lines, None) or []
    proposed = propose_mapping(header, lookup)
    rows: list[tuple[int, list[str]]] = []
    for number, values in enumerate(lines, start=2):
        if not any(values):
            continue
        if number == 2 and all(v in known or v.startswith(CUSTOM_PREFIX) for v in values if v):
            keys = [v if v in known else "" for v in values]  # a template's hidden row of keys (older templates)
            proposed = (keys + [""] * len(header))[: max(len(header), len(keys))]
            header = (header + [""] * len(proposed))[: len(proposed)]
            continue
        spreadsheets.check_row_count(len(rows))
        rows.append((number, values))
    labels = {key: str(label) for key, label in COLUMN_LABELS.items()}
    keys = proposed if mapping is None else _checked_mapping(header, mapping, labels, known)
    if "name" not in keys:  # proposed: the file is refused; confirmed: the mapping is
        if mapping is None:
            message = _("The first row must name the columns, as in the template; no name column found.")
            raise MappingRefused(message, header=header, mapping=keys, on="file")
        raise MappingRefused(_("Choose the column that holds the customer's name."), header=header, mapping=keys)
    return ImportTable(
        header=header,
        mapping=keys,
        proposed=proposed,
        rows=[(n, {k: v for k, v in zip(keys, values, strict=False) if k and v}) for n, values in rows],
        raw=dict(rows),
        ignored_columns=[text for text, key in zip(header, keys, strict=True) if text and not key],
    )


def check_mapping(*, actor: Employee, filename: str, content: bytes, mapping: list[str]) -> list[str]:
    """The mapping checked against the file's header (see `read_table`); refused on `mapping`."""
    custom = custom_fields(customer_template(org=actor.org).current_version)
    return read_table(filename=filename, content=content, custom=custom, mapping=mapping).mapping


def mapping_choices_for(*, actor: Employee) -> list[tuple[str, str]]:
    """`mapping_choices` for the actor's organization, labels in the current language."""
    custom = custom_fields(customer_template(org=actor.org).current_version)
    return mapping_choices(custom, translation.get_language() or "zh-hans")


# --- Validating the rows in bulk ---------------------------------------------------------------------


def _choice_lookup(choices: type[CustomerLevel] | type[CustomerSource]) -> dict[str, str]:
    lookup = {str(value).lower(): str(value) for value in choices.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            lookup |= {normal_header(str(label)): str(value) for value, label in choices.choices}
    return lookup


class _Context:
    """What every row is checked against, loaded once per file."""

    def __init__(self, actor: Employee) -> None:
        self.actor = actor
        self.language = translation.get_language() or "zh-hans"
        self.levels = _choice_lookup(CustomerLevel)
        self.sources = _choice_lookup(CustomerSource)
        self.version = customer_template(org=actor.org).current_version
        self.custom = custom_fields(self.version)
        self.stages: dict[str, int] = {}
        self.stage_labels: dict[int, str] = {}
        stages = stage_list(actor=actor)
        self.default_stage_id = stages[0].pk
        for stage in stages:
            for name in (stage.name, stage.name_en):
                if name:
                    self.stages.setdefault(normal_header(name), stage.pk)
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
        # the organization's tags by their name ignoring case: an import picks them, it never creates one
        self.tags: dict[str, Tag] = {t.name.casefold(): t for t in Tag.objects.filter(org_id=actor.org_id)}
        self._colleagues: dict[str, list[Employee]] | None = None

    def collaborator(self, text: str) -> tuple[Employee | None, str]:
        """The active employee of the organization the text names (number, phone or name), as
        `customer_create` allows any active colleague to collaborate; or an error message."""
        if self._colleagues is None:  # loaded on the first collaborator only: one query
            self._colleagues = {}
            for e in (
                Employee.objects.filter(org_id=self.actor.org_id)
                .active()
                .only("pk", "name", "phone", "employee_number")
            ):
                for key in {
                    e.employee_number.lower() if e.employee_number else "",
                    normalise_phone(e.phone),
                    e.name.strip().lower(),
                }:
                    if key:
                        self._colleagues.setdefault(key, []).append(e)
        key = text.strip().lower()
        found = self._colleagues.get(key) or self._colleagues.get(normalise_phone(text) or "-") or []
        if not found:
            return None, _("No active employee has this employee number, phone or name: “%(name)s”.") % {"name": text}
        if len(found) > 1:
            return None, _("Several employees are called “%(name)s”; use the employee number or phone.") % {
                "name": text
            }
        return found[0], ""

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


def _custom_choices(definition: FieldDefinition) -> dict[str, str]:
    """A choice field's values and labels (either language) -> the value."""
    lookup: dict[str, str] = {}
    for choice in definition.choices:
        for text in (choice.label_en, choice.label, choice.value):
            if text:
                lookup[normal_header(text)] = choice.value
    return lookup


def _custom_raw(definition: FieldDefinition, text: str) -> Any:
    """A cell's text as the value the template's validator expects (which then checks it)."""
    kind = definition.type
    if kind == FieldType.SINGLE_CHOICE:
        return _custom_choices(definition).get(normal_header(text), text)
    if kind == FieldType.MULTI_CHOICE:
        lookup = _custom_choices(definition)
        return [lookup.get(normal_header(part), part.strip()) for part in LIST_SEPARATORS.split(text) if part.strip()]
    if kind in (FieldType.DATE, FieldType.MONTH) and text.endswith("T00:00:00"):
        text = text.removesuffix("T00:00:00")  # an Excel date cell
        return text[:7] if kind == FieldType.MONTH and text.endswith("-01") else text
    if kind == FieldType.ADDRESS:
        parts = [part.strip() for part in text.split("/")]
        return dict(zip(ADDRESS_PARTS, parts, strict=True)) if len(parts) == len(ADDRESS_PARTS) else {"detail": text}
    if kind == FieldType.LOCATION:
        numbers = [part for part in re.split(r"[,，\s]+", text) if part]
        return {"latitude": numbers[0], "longitude": numbers[1]} if len(numbers) == 2 else text
    return text


def _check_row(context: _Context, row: ImportRow, cells: dict[str, str]) -> None:
    """Turn one row's cells into the service's fields, collecting every field error."""
    values: dict[str, Any] = {column: cells.get(column, "") for column in TEXT_COLUMNS}
    level = cells.get("level", "")
    if level:
        if normal_header(level) in context.levels:
            values["level"] = context.levels[normal_header(level)]
        else:
            row.fail("level", _("Unknown level “%(value)s”: use one of %(allowed)s.") % {
                "value": level, "allowed": _allowed(context.levels)
            })  # fmt: skip
    source = cells.get("source", "")
    values["source"] = CustomerSource.IMPORT
    if source:
        if normal_header(source) in context.sources:
            values["source"] = context.sources[normal_header(source)]
        else:
            row.fail("source", _("Unknown source “%(value)s”: use one of %(allowed)s.") % {
                "value": source, "allowed": _allowed(context.sources)
            })  # fmt: skip
    if cells.get("latitude") or cells.get("longitude"):
        values["latitude"] = cells.get("latitude", "")
        values["longitude"] = cells.get("longitude", "")
    tags: dict[int, Tag] = {}
    if cells.get("tags"):
        words = [t.strip() for t in LIST_SEPARATORS.split(cells["tags"]) if t.strip()]
        unknown = [n for n in words if n.casefold() not in context.tags]
        archived = [n for n in words if n.casefold() in context.tags and context.tags[n.casefold()].archived_at]
        if unknown:
            row.fail("tags", _("Unknown tags: %(names)s. An administrator adds tags on the tags page.") % {
                "names": ", ".join(unknown)
            })  # fmt: skip
        if archived:
            row.fail("tags", _("These tags are archived: %(names)s.") % {"names": ", ".join(archived)})
        known = [context.tags[n.casefold()] for n in words if n.casefold() in context.tags]
        tags = {t.pk: t for t in known}
    try:
        clean = services.customer_validate(actor=context.actor, values=values)
    except ServiceError as e:
        for name, messages in e.fields.items():
            for message in messages:
                row.fail(SERVICE_FIELD_COLUMNS.get(name, name), str(message))
        clean = {}
    if context.version is not None:
        raw = {d.key: _custom_raw(d, cells[custom_column(d)]) for d in context.custom if cells.get(custom_column(d))}
        try:
            row.custom_values = validate_values(actor=context.actor, version=context.version, values=raw)
        except ServiceError as e:
            for key, messages in e.fields.items():
                for message in messages:
                    row.fail(f"{CUSTOM_PREFIX}{key}", str(message))
    collaborator_ids: set[int] = set()
    for name in LIST_SEPARATORS.split(cells.get("collaborators", "")):
        if name.strip():
            colleague, message = context.collaborator(name.strip())
            if colleague is None:
                row.fail("collaborators", message)
            else:
                collaborator_ids.add(colleague.pk)
    if collaborator_ids:
        clean["collaborator_ids"] = sorted(collaborator_ids)
    if tags:
        clean["tag_ids"] = sorted(tags)
        row.tag_names = sorted(t.name for t in tags.values())
    stage = cells.get("stage", "")
    if stage:
        stage_id = context.stages.get(normal_header(stage))
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
        "tags": ", ".join(row.tag_names),
        "owner": owner.name if owner else "",
        **{column: str(row.contact_fields.get(f, "")) for column, f in CONTACT_COLUMNS.items()},
    }


def row_client_id(sha256: str, number: int) -> uuid.UUID:
    """The customer's client_id for a row of a file: the same file's same row always gives the same id."""
    return uuid.uuid5(CLIENT_ID_NAMESPACE, f"{sha256}:{number}")


# Values per IN (...) list when matching a file's rows against existing customers: any file that may be
# imported is matched with one query per key (client id, credit code, name, phone).
LOOKUP_CHUNK = spreadsheets.MAX_ROWS


def _existing_matches(actor: Employee, column: str, values: set[Any]) -> Iterator[tuple[Any, ...]]:
    """(client_id, name, credit_code, name_key, phone_key, owner's department) of the organization's
    customers whose `column` is one of `values`: index lookups, a query per LOOKUP_CHUNK values."""
    ordered = sorted(values, key=str)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        yield from Customer.objects.filter(org_id=actor.org_id, **{f"{column}__in": chunk}).values_list(
            "client_id", "name", "credit_code", "name_key", "phone_key", "owner__department__name"
        )


def _check_duplicates(actor: Employee, report: ImportReport, cells: dict[int, dict[str, str]]) -> None:
    """Warn about rows matching an existing customer of the organization (visible or not: only its name
    and its owner's department are told) or an earlier row, by credit code, normalised name or phone.
    Existing customers are found through their stored match keys (indexed), never by reading them all."""
    keys: dict[int, tuple[str, str, str]] = {}
    for row in report.rows:
        row_cells = cells[row.number]
        keys[row.number] = (
            credit_code.normalise(row_cells.get("credit_code", "")),
            normalise_name(row_cells.get("name", ""))[:NAME_KEY_LENGTH],
            normalise_phone(row_cells.get("phone", ""))[:PHONE_KEY_LENGTH],
        )
    client_ids = {row_client_id(report.sha256, row.number) for row in report.rows}
    wanted: dict[str, set[Any]] = {
        "client_id": client_ids,
        "credit_code": {k[0] for k in keys.values() if k[0]},
        "name_key": {k[1] for k in keys.values() if k[1]},
        "phone_key": {k[2] for k in keys.values() if k[2]},
    }
    by_code: dict[str, str] = {}
    by_name: dict[str, str] = {}
    by_phone: dict[str, str] = {}
    imported: set[uuid.UUID] = set()
    for column, values in wanted.items():
        for client_id, name, code, name_key, phone_key, department in _existing_matches(actor, column, values):
            if department:
                where = _("“%(name)s”, owned in %(department)s") % {"name": name, "department": department}
            else:
                where = _("“%(name)s”, in a public pool") % {"name": name}
            if client_id in client_ids:
                imported.add(client_id)
            if code:
                by_code.setdefault(code, where)
            if name_key:
                by_name.setdefault(name_key, where)
            if phone_key:
                by_phone.setdefault(phone_key, where)
    for row in report.rows:
        if row_client_id(report.sha256, row.number) in imported:
            row.duplicates.append(_("Already imported from this file."))
            row.blocking_duplicate = True
            continue
        here = _("row %(number)d of this file") % {"number": row.number}
        code, name, phone = keys[row.number]
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


# --- The verdict: what a dry run found, kept for the commit ----------------------------------------------

VERDICT_FORMAT = 3  # 2: each prepared row carries its tag ids; 3: and the mapping the file was read with
# The customer's columns a verdict carries, as `services.customer_draft` sets them; the commit adds the id,
# the client_id (from the file and the row) and the timestamps.
COMMIT_COLUMNS = ("id", "client_id", "created_at", "updated_at")
EVENT_COLUMNS = ("org_id", "customer_id", "actor_id", "kind", "changes", "summary", "created_at", "updated_at")


def _customer_columns() -> list[str]:
    return [f.attname for f in Customer._meta.concrete_fields if f.attname not in COMMIT_COLUMNS]


@dataclass
class PreparedRow:
    """A checked row as the commit writes it: what `services.customer_draft` builds, as plain values."""

    number: int
    duplicate: bool
    blocking: bool  # a duplicate never imported (same credit code, or already imported)
    values: list[Any]  # the customer's columns, in `_customer_columns()` order
    changes: dict[str, Any] | bulk.JsonText  # its CREATED event's (as JSON text from a stored verdict)
    collaborator_ids: list[int]
    contact: dict[str, Any] | None  # the primary contact's fields
    tag_ids: list[int]


@dataclass
class Verdict:
    """A file's check: every row without errors, prepared, and the fingerprint of the data it was checked
    against (`data_fingerprint`)."""

    fingerprint: str
    rows: int  # the file's data rows
    prepared: list[PreparedRow]
    mapping: list[str] | None = None  # the mapping the file was read with
    proposed: bool = False  # that mapping is the one proposed (a commit naming none may use the verdict)
    refused: list[RefusedRow] = field(default_factory=list)  # rows with errors (only when skipping them)
    header: list[str] = field(default_factory=list)
    column_labels: dict[str, str] = field(default_factory=dict)


def data_fingerprint(actor: Employee) -> str:
    """A digest of everything a file's check depends on besides the file: the organization's customers
    (duplicates), employees and departments (owners, collaborators, who may give to whom), its settings
    (data scopes), stages and customer template. Any create, delete or saved change of these changes it; a
    few aggregate queries, index-only where it matters."""
    org_id = actor.org_id
    parts: list[Any] = [Organization.objects.filter(pk=org_id).values_list("updated_at", flat=True).first()]
    for rows in (
        Customer.objects.filter(org_id=org_id),
        Employee.objects.filter(org_id=org_id),
        Department.objects.filter(org_id=org_id),
        CustomerStage.objects.filter(org_id=org_id),
        Tag.objects.filter(org_id=org_id),
        FormTemplate.objects.filter(org_id=org_id, purpose=Purpose.CUSTOMER),
    ):
        parts.append(rows.order_by().aggregate(n=Count("pk"), top=Max("pk"), last=Max("updated_at")))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _prepare(actor: Employee, report: ImportReport, progress: StepReporter | None = None) -> list[PreparedRow]:
    """The rows of a report without errors (the others left out) as the commit will write them."""
    columns = _customer_columns()
    prepared: list[PreparedRow] = []
    if progress is not None:
        progress.begin("prepare", total=len(report.rows))
    for row in _counted([r for r in report.rows if r.status != RowStatus.ERROR], progress):
        draft = services.customer_draft(
            actor=actor,
            client_id=row_client_id(report.sha256, row.number),
            clean=row.customer_fields,
            custom=row.custom_values,
            version=report.version,
            default_stage_id=report.default_stage_id,
            tag_names=row.tag_names,
        )
        prepared.append(
            PreparedRow(
                number=row.number,
                duplicate=row.status == RowStatus.DUPLICATE,
                blocking=row.blocking_duplicate,
                values=[getattr(draft.customer, name) for name in columns],
                changes=draft.created_event.changes,
                collaborator_ids=list(draft.collaborator_ids),
                contact=row.contact_fields or None,
                tag_ids=list(draft.tag_ids),
            )
        )
    return prepared


def _verdict_path(actor: Employee, sha256: str) -> str:
    """Beside the uploaded files (`cleanup_imports` deletes it with them); one per file and employee, as
    what a row may do depends on who imports it."""
    return f"imports/{actor.org_id}/{sha256}.checked-{actor.pk}.json"


def _json_columns() -> set[int]:
    """Positions, in `_customer_columns()`, of the customer's JSON fields."""
    by_attname = {f.attname: f for f in Customer._meta.concrete_fields}
    return {i for i, name in enumerate(_customer_columns()) if isinstance(by_attname[name], JSONField)}


def _store_verdict(actor: Employee, sha256: str, verdict: Verdict) -> None:
    """The verdict as JSON; the JSON fields' values (and the events' changes) as the text the database will
    store, so the commit writes them without serialising them again (`core.bulk.JsonText`)."""
    json_columns = _json_columns()
    prepared = [
        [
            r.number,
            r.duplicate,
            r.blocking,
            [json.dumps(v) if i in json_columns else v for i, v in enumerate(r.values)],
            json.dumps(r.changes),
            r.collaborator_ids,
            r.contact,
            r.tag_ids,
        ]
        for r in verdict.prepared
    ]
    document = {
        "format": VERDICT_FORMAT,
        "columns": _customer_columns(),
        "fingerprint": verdict.fingerprint,
        "mapping": verdict.mapping,
        "proposed": verdict.proposed,
        "rows": verdict.rows,
        "prepared": prepared,
    }
    path = _verdict_path(actor, sha256)
    if default_storage.exists(path):
        default_storage.delete(path)
    content = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    default_storage.save(path, ContentFile(content.encode()))


def _load_verdict(actor: Employee, sha256: str, mapping: list[str] | None = None) -> Verdict | None:
    """The verdict a dry run of this file by this employee with this mapping left, if it is there, whole and
    of this code's format (else the commit checks the file itself)."""
    try:
        with default_storage.open(_verdict_path(actor, sha256), "rb") as stored:
            document = json.loads(stored.read())
        if document["format"] != VERDICT_FORMAT or document["columns"] != _customer_columns():
            return None
        if document["mapping"] != mapping and not (mapping is None and document["proposed"]):
            return None
        json_columns = _json_columns()
        prepared = [
            PreparedRow(
                number=number,
                duplicate=duplicate,
                blocking=blocking,
                values=[bulk.JsonText(v) if i in json_columns else v for i, v in enumerate(values)],
                changes=bulk.JsonText(changes),
                collaborator_ids=collaborator_ids,
                contact=contact,
                tag_ids=tag_ids,
            )
            for number, duplicate, blocking, values, changes, collaborator_ids, contact, tag_ids in document["prepared"]
        ]
        return Verdict(fingerprint=document["fingerprint"], rows=document["rows"], prepared=prepared, mapping=mapping)
    except (FileNotFoundError, ValueError, KeyError, TypeError):  # none, or not one this code wrote whole
        return None


# --- Dry run and commit -----------------------------------------------------------------------------------


def _check(
    actor: Employee,
    filename: str,
    content: bytes,
    progress: StepReporter | None = None,
    mapping: list[str] | None = None,
) -> ImportReport:
    """Every row of the file checked, in bulk: a few queries per file, whatever its rows."""
    context = _Context(actor)
    if progress is not None:
        progress.begin("read", total=0)  # rows unknown until the file is read
    table = read_table(filename=filename, content=content, custom=context.custom, mapping=mapping)
    labels = {key: str(label) for key, label in COLUMN_LABELS.items()}
    labels |= {custom_column(d): d.display_label(context.language) for d in context.custom}
    report = ImportReport(
        sha256=hashlib.sha256(content).hexdigest(),
        extension=spreadsheets.file_extension(filename),
        rows=[],
        ignored_columns=table.ignored_columns,
        column_labels=labels,
        header=table.header,
        mapping=table.mapping,
        proposed=table.mapping == table.proposed,
        choices=mapping_choices(context.custom, context.language),
        raw=table.raw,
        version=context.version,
        default_stage_id=context.default_stage_id,
    )
    if not table.rows:
        raise invalid("file", _("The file has no customer rows."))
    if progress is not None:
        progress.begin("check", total=len(table.rows))
    for number, cells in table.rows:
        row = ImportRow(number=number)
        _check_row(context, row, cells)
        report.rows.append(row)
        if progress is not None and len(report.rows) % PROGRESS_EVERY == 0:
            progress.advance(PROGRESS_EVERY)
    if progress is not None:
        progress.advance(len(report.rows) % PROGRESS_EVERY)
        progress.begin("duplicates", total=0)  # one set-based search for the whole file
    _check_duplicates(actor, report, dict(table.rows))
    return report


def import_dry_run(*, actor: Employee, filename: str, content: bytes, mapping: list[str] | None = None) -> ImportReport:
    """Check every row of the file, its columns read as `mapping` says (a column key or "" per header
    column; None: as `propose_mapping` proposes), and report. Writes no row (beyond the default stages and
    the empty customer template on first use); a file without errors leaves its verdict in the storage, for
    the commit. Its queries do not grow with the file's rows."""
    fingerprint = data_fingerprint(actor)  # before the check: a change while it runs makes the commit re-check
    report = _check(actor, filename, content, mapping=mapping)
    if not report.error_count:
        # the mapping used, and whether it is the proposed one: a commit naming it, or naming none, reuses it
        verdict = Verdict(fingerprint, len(report.rows), _prepare(actor, report), mapping=report.mapping)
        verdict.proposed = report.proposed
        _store_verdict(actor, report.sha256, verdict)
    return report


class ImportRefused(ServiceError):
    """The commit's refusal of a file with broken rows; carries the dry run's report."""

    def __init__(self, report: ImportReport) -> None:
        message = ngettext(
            "%(count)d row has errors; nothing was imported.",
            "%(count)d rows have errors; nothing was imported.",
            report.error_count,
        ) % {"count": report.error_count}
        super().__init__(ErrorCode.INVALID, message, {"file": [message]})
        self.report = report


@dataclass(frozen=True)
class _Options:
    include_duplicates: bool
    skip_errors: bool
    mapping: list[str] | None


def import_commit(
    *,
    actor: Employee,
    filename: str,
    content: bytes,
    include_duplicates: bool = False,
    skip_errors: bool = False,
    mapping: list[str] | None = None,
    progress: StepReporter | None = None,
) -> ImportResult:
    """Create the file's customers (with their collaborators, primary contacts and timeline), all or
    nothing; with `skip_errors`, the rows without errors, the others listed in the result's `refused`.
    Duplicates are skipped unless `include_duplicates`; a same credit code or an already imported row is
    always skipped. `mapping`: the file's columns as the user confirmed them (see `import_dry_run`).

    The rows are checked once: the commit writes the verdict a dry run of the same file by the same employee
    with the same mapping left, while the data it was checked against is unchanged (`data_fingerprint`);
    otherwise it checks the file again and refuses it if a row now fails (unless skipping those). Should a
    concurrent commit insert the same rows (or a customer with the same credit code) first, the database's
    constraints refuse the write and the file is checked again, so those rows count as duplicates.

    `progress` (a job's, `core.jobs`) hears of the rows checked ("check") and the customers written ("write").
    A file that must be checked is checked before the transaction, as a dry run is (the data is compared with
    what it was checked against again inside): the write lock is then held only for the writes, and a job's
    progress shows while the rows are checked, whatever the database."""
    options = _Options(include_duplicates, skip_errors, mapping)
    try:
        return _bulk_commit(actor, filename, content, options, reuse_verdict=True, progress=progress)
    except IntegrityError:
        logger.info("customer import: a concurrent commit won a row; checking the file again")
    try:
        return _bulk_commit(actor, filename, content, options, reuse_verdict=False, progress=progress)
    except IntegrityError:
        message = _("Another import of the same customers ran at the same time; try again.")
        raise ServiceError(ErrorCode.CONFLICT, message, {"file": [message]}) from None


def refused_rows(report: ImportReport) -> list[RefusedRow]:
    """The report's rows with errors, with their cells as in the file."""
    return [
        RefusedRow(number=row.number, cells=report.raw.get(row.number, []), errors=row.errors)
        for row in report.rows
        if row.status == RowStatus.ERROR
    ]


def _checked(
    actor: Employee,
    filename: str,
    content: bytes,
    fingerprint: str,
    options: _Options,
    progress: StepReporter | None,
) -> Verdict:
    """The file checked now against the data `fingerprint` digests; refused if a row fails, unless the
    options skip such rows."""
    report = _check(actor, filename, content, progress, mapping=options.mapping)
    if report.error_count and not options.skip_errors:
        raise ImportRefused(report)
    return Verdict(
        fingerprint,
        len(report.rows),
        _prepare(actor, report, progress),
        mapping=options.mapping,
        refused=refused_rows(report),
        header=report.header,
        column_labels=report.column_labels,
    )


def _bulk_commit(
    actor: Employee,
    filename: str,
    content: bytes,
    options: _Options,
    *,
    reuse_verdict: bool,
    progress: StepReporter | None,
) -> ImportResult:
    sha256 = hashlib.sha256(content).hexdigest()
    fingerprint = data_fingerprint(actor)  # before the check: a change while it runs makes the transaction re-check
    verdict = _load_verdict(actor, sha256, options.mapping) if reuse_verdict else None
    if verdict is None or verdict.fingerprint != fingerprint:
        verdict = _checked(actor, filename, content, fingerprint, options, progress)
    if progress is not None:  # said before the transaction: a job on SQLite shows it while the rows go in
        progress.begin("write", total=len(_to_write(verdict, options.include_duplicates)))
    with transaction.atomic():
        fingerprint = data_fingerprint(actor)
        if verdict.fingerprint != fingerprint:  # the data changed since the check: check again, holding the lock
            verdict = _checked(actor, filename, content, fingerprint, options, progress)
            if progress is not None:
                progress.begin("write", total=len(_to_write(verdict, options.include_duplicates)))
        return _commit_verdict(actor, sha256, verdict, options.include_duplicates, progress)


def _to_write(verdict: Verdict, include_duplicates: bool) -> list[PreparedRow]:
    """The rows the commit writes: all but the duplicates (unless they are wanted) and the blocking ones."""
    return [r for r in verdict.prepared if not (r.duplicate and (r.blocking or not include_duplicates))]


def _commit_verdict(
    actor: Employee, sha256: str, verdict: Verdict, include_duplicates: bool, progress: StepReporter | None
) -> ImportResult:
    rows = _to_write(verdict, include_duplicates)
    _write(actor, sha256, rows, progress)
    skipped = len(verdict.prepared) - len(rows)
    result = ImportResult(
        created=len(rows),
        skipped_duplicates=skipped,
        rows=verdict.rows,
        refused=verdict.refused,
        header=verdict.header,
        column_labels=verdict.column_labels,
    )
    changes = {"sha256": sha256, "rows": result.rows, "created": result.created, "skipped": skipped}
    if verdict.refused:
        changes["refused"] = len(verdict.refused)
    audit(actor=actor, org=actor.org, action="customers.import", obj=actor.org, changes=changes)
    return result


def _counted[T](items: Iterable[T], progress: StepReporter | None) -> Iterator[T]:
    """`items`, telling `progress` every PROGRESS_EVERY of them (and the rest at the end)."""
    n = 0
    for n, item in enumerate(items, start=1):
        yield item
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress.advance(PROGRESS_EVERY)
    if progress is not None:
        progress.advance(n % PROGRESS_EVERY)


def _write(actor: Employee, sha256: str, rows: list[PreparedRow], progress: StepReporter | None = None) -> None:
    """What `customer_create` (and `contact_create` for the first contact) would write row by row, as bulk
    writes in the caller's transaction: customers and their CREATED events by COPY on PostgreSQL or one
    executemany on SQLite (`core.bulk`), collaborators and contacts (fewer) by `bulk_create`."""
    ids = bulk.allocate_ids(Customer, len(rows))
    now = timezone.now()
    customers = ((pk, row_client_id(sha256, r.number), now, now, *r.values) for pk, r in zip(ids, rows, strict=True))
    bulk.insert_rows(Customer, [*COMMIT_COLUMNS, *_customer_columns()], _counted(customers, progress))
    created = CustomerEventKind.CREATED
    bulk.insert_rows(
        CustomerEvent,
        EVENT_COLUMNS,
        ((actor.org_id, pk, actor.pk, created, r.changes, "", now, now) for pk, r in zip(ids, rows, strict=True)),
    )
    collaborators = Customer.collaborators.through
    links = [
        collaborators(customer_id=pk, employee_id=employee_id)
        for pk, r in zip(ids, rows, strict=True)
        for employee_id in r.collaborator_ids
    ]
    collaborators.objects.bulk_create(links, batch_size=BATCH_SIZE)
    tag_links = [
        CustomerTag(org_id=actor.org_id, customer_id=pk, tag_id=tag_id)
        for pk, r in zip(ids, rows, strict=True)
        for tag_id in r.tag_ids
    ]
    CustomerTag.objects.bulk_create(tag_links, batch_size=BATCH_SIZE)
    contacts: list[Contact] = []
    for pk, r in zip(ids, rows, strict=True):
        if r.contact:
            contact_id = uuid.uuid5(CLIENT_ID_NAMESPACE, f"{row_client_id(sha256, r.number)}:contact")
            contact = Contact(org_id=actor.org_id, customer_id=pk, client_id=contact_id, is_primary=True)
            for name, value in r.contact.items():
                setattr(contact, name, value)
            contacts.append(contact)
    Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
    events = [
        services.contact_added_event(actor=actor, customer=Customer(pk=c.customer_id, org_id=actor.org_id), contact=c)
        for c in contacts
    ]
    CustomerEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)


# --- The file of refused rows ------------------------------------------------------------------------------


def refused_error_text(errors: dict[str, list[str]], labels: dict[str, str]) -> str:
    """A row's errors as one cell: "label: message" per column, in the language they were checked in."""
    return "; ".join(f"{labels.get(column, column)}: {' '.join(messages)}" for column, messages in errors.items())


def refused_document(header: list[str], refused: list[RefusedRow], labels: dict[str, str]) -> dict[str, Any]:
    """The refused rows as a job keeps them (`CustomerImportJob.refused`) for `refused_workbook`."""
    return {
        "header": header,
        "rows": [
            {"number": r.number, "cells": r.cells, "errors": refused_error_text(r.errors, labels)} for r in refused
        ],
    }


def import_refused_rows(
    *, actor: Employee, filename: str, content: bytes, mapping: list[str] | None = None
) -> dict[str, Any]:
    """The file's rows with errors, checked as the dry run checks them (writes nothing), as
    `refused_workbook` takes them."""
    report = _check(actor, filename, content, mapping=mapping)
    return refused_document(report.header, refused_rows(report), report.column_labels)


def refused_workbook(document: dict[str, Any]) -> bytes:
    """An .xlsx of the refused rows: the file's columns as they were, plus a column of each row's errors (its
    header in the user's language). Fix the rows in it and import it again: the errors column is ignored."""
    header = [str(text) for text in document.get("header", [])]
    rows = document.get("rows", [])
    width = max([len(header), *(len(r["cells"]) for r in rows)])
    out = io.BytesIO()
    tabular.write_table(
        out,
        file_format="xlsx",
        title=_("Refused rows"),
        header=[*header, *[""] * (width - len(header)), _("Errors")],
        rows=([*r["cells"], *[""] * (width - len(r["cells"])), r["errors"]] for r in rows),
    )
    return out.getvalue()
