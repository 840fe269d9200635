"""Export of the customers an employee sees, as .xlsx or CSV: the import template's columns (so an export
imports again), labels in the user's language, permission-checked and logged.

The rows are read in chunks (owner and stage joined, primary contacts prefetched per chunk), so the
number of queries does not grow with the number of customers, and written to a spooled file.
"""

import csv
import io
import tempfile
from dataclasses import asdict, dataclass
from typing import IO, Any, Literal

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.errors import ErrorCode, ServiceError
from org.models import Employee
from org.permissions import may_export_customers
from org.services import audit

from .imports import COLUMN_LABELS, COLUMNS, XLSX_CONTENT_TYPE
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


def _row(customer: Customer, language: str) -> list[str]:
    contacts: list[Contact] = getattr(customer, "primary_contacts", [])
    contact = contacts[0] if contacts else None
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
        ", ".join(customer.tags or []),
        customer.owner.name if customer.owner else "",
        contact.name if contact else "",
        contact.title if contact else "",
        contact.mobile if contact else "",
        contact.email if contact else "",
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
        .prefetch_related(Prefetch("contacts", queryset=primary, to_attr="primary_contacts"))
        .iterator(chunk_size=CHUNK_SIZE)
    )
    header = [str(COLUMN_LABELS[column]) for column in COLUMNS]
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    count = 0
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Customers"))
        sheet.append(header)
        for customer in customers:
            sheet.append(_row(customer, language))
            count += 1
        workbook.save(out)
    else:
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(header)
        for customer in customers:
            writer.writerow(_row(customer, language))
            count += 1
        text.detach()
    out.seek(0)
    changes: dict[str, Any] = {"count": count, "format": file_format, "filters": asdict(filters)}
    audit(actor=actor, org=actor.org, action="customers.export", obj=actor.org, changes=changes)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(
        file=out, filename=f"customers-{stamp}.{file_format}", content_type=CONTENT_TYPES[file_format], count=count
    )
