"""Export of the customers an employee sees, as .xlsx or CSV: the import template's columns (so an export
imports again), the customer template's fields after them, labels in the user's language,
permission-checked and logged.

The rows are read in chunks (owner and stage joined, primary contacts and collaborators prefetched per
chunk), so the number of queries does not grow with the number of customers, and written to a spooled
file. Custom fields are written as the import reads them (choices by label, yes/no, address parts
separated by slashes); photos, files, references and sub-tables are not exported.
"""

import tempfile
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import IO, Any, Literal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.spreadsheets import XLSX_CONTENT_TYPE
from fieldloop.core.tabular import write_table
from fieldloop.formtemplates.fields import FieldDefinition, FieldType
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.org.models import Employee
from fieldloop.org.permissions import may_export_customers
from fieldloop.org.services import audit

from .imports import ADDRESS_PARTS, COLUMN_LABELS, COLUMNS, custom_fields, importable
from .models import Contact, Customer, CustomerLevel, CustomerSource
from .selectors import CustomerFilters, customer_list

ExportFormat = Literal["xlsx", "csv"]
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": "text/csv; charset=utf-8"}
CHUNK_SIZE = 2000


@dataclass
class ExportFile:
    file: IO[bytes]
    filename: str
    content_type: str
    count: int


def _custom_cell(definition: FieldDefinition, value: Any, language: str, zone: ZoneInfo) -> str:
    """A stored custom value as the import reads it back."""
    kind = definition.type
    if value is None or value == "" or value == []:
        return ""
    if kind in (FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE):
        labels = {c.value: c.display(language) for c in definition.choices}
        return ", ".join(labels.get(v, str(v)) for v in (value if isinstance(value, list) else [value]))
    if kind == FieldType.YES_NO:
        return _("Yes") if value else _("No")
    if kind == FieldType.ADDRESS and isinstance(value, dict):
        return " / ".join(str(value.get(part) or "") for part in ADDRESS_PARTS)
    if kind == FieldType.LOCATION and isinstance(value, dict):
        return f"{value.get('latitude')}, {value.get('longitude')}"
    if kind == FieldType.DATETIME and isinstance(value, str):
        try:  # stored in UTC; the import reads a wall-clock time in the organization's zone
            return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            return value
    return str(value)


def _row(customer: Customer, language: str, custom: list[FieldDefinition], zone: ZoneInfo) -> list[str]:
    contacts: list[Contact] = getattr(customer, "primary_contacts", [])
    contact = contacts[0] if contacts else None
    values = customer.custom_values or {}
    return [
        customer.name,
        customer.short_name,
        customer.credit_code,
        customer.industry,
        str(CustomerLevel(customer.level).label) if customer.level in CustomerLevel.values else customer.level,
        customer.stage.label(language) if customer.stage else "",
        str(CustomerSource(customer.source).label) if customer.source in CustomerSource.values else customer.source,
        customer.phone,
        customer.website,
        customer.province,
        customer.city,
        customer.district,
        customer.address,
        str(customer.latitude) if customer.latitude is not None else "",
        str(customer.longitude) if customer.longitude is not None else "",
        ", ".join(t.name for t in customer.tags.all()),
        customer.owner.name if customer.owner else "",
        ", ".join(e.employee_number or e.name for e in customer.collaborators.all()),
        contact.name if contact else "",
        contact.title if contact else "",
        contact.mobile if contact else "",
        contact.email if contact else "",
        *(_custom_cell(d, values.get(d.key), language, zone) for d in custom),
    ]


def customers_export(*, actor: Employee, filters: CustomerFilters, file_format: ExportFormat) -> ExportFile:
    """The visible customers matching the list's filters, as a file; refused for a role the organization
    has not allowed to export, and logged."""
    if not may_export_customers(actor):
        raise ServiceError(ErrorCode.FORBIDDEN, _("Your role may not export customers; ask an administrator."))
    language = translation.get_language() or "zh-hans"
    primary = Contact.objects.filter(is_primary=True, archived_at__isnull=True)
    customers = (
        customer_list(actor=actor, filters=filters)
        .prefetch_related(
            Prefetch("contacts", queryset=primary, to_attr="primary_contacts"),
            Prefetch("collaborators", queryset=Employee.objects.only("pk", "name", "employee_number")),
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    custom = [d for d in custom_fields(customer_template(org=actor.org).current_version) if importable(d)]
    zone = ZoneInfo(actor.org.time_zone)
    header = [str(COLUMN_LABELS[column]) for column in COLUMNS] + [d.display_label(language) for d in custom]
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    rows = (_row(customer, language, custom, zone) for customer in customers)
    count = write_table(out, file_format=file_format, title=_("Customers"), header=header, rows=rows)
    out.seek(0)
    given = {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(filters).items()}
    changes: dict[str, Any] = {"count": count, "format": file_format, "filters": given}
    audit(actor=actor, org=actor.org, action="customers.export", obj=actor.org, changes=changes)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(
        file=out, filename=f"customers-{stamp}.{file_format}", content_type=CONTENT_TYPES[file_format], count=count
    )
