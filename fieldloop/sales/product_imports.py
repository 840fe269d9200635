"""Import of products from Excel (.xlsx) or CSV, as the customer import does it: a dry run that reports every
row and writes nothing, and an all-or-nothing commit that writes the rows in bulk. The file is read by
`core.spreadsheets.read_keyed_table` (headers in either language, or the keys of the template's hidden row);
the template is `core.spreadsheets.keyed_template`'s.

A row's fields are checked by `product_services.product_validate`, as a product created on its page; its
category is named by its name, or by its path ("Machines / Excavators") when several categories share a
name; its SKU must be new to the catalogue and to the file. Categories and the SKUs the file names are
loaded once (one query each), so a file costs a few queries whatever its rows. Product files are small
(`core.spreadsheets.MAX_ROWS` rows at most), so the commit checks the file again and writes it in the
request, in one transaction: a row a concurrent change broke is refused with the others.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from fieldloop.core import spreadsheets
from fieldloop.core.errors import ErrorCode, ServiceError, invalid
from fieldloop.core.spreadsheets import normal_header
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission
from fieldloop.org.services import audit, require_permission

from .models import Product
from .product_selectors import category_tree
from .product_services import product_rows_write, product_validate

COLUMN_LABELS: dict[str, Promise] = {
    "sku": gettext_lazy("SKU code"),
    "name": gettext_lazy("Product name"),
    "category": gettext_lazy("Category"),
    "unit": gettext_lazy("Unit"),
    "list_price": gettext_lazy("List price"),
    "active": gettext_lazy("Active"),
    "description": gettext_lazy("Description"),
}
COLUMNS = tuple(COLUMN_LABELS)
YES = {"1", "y", "yes", "true", "是", "有效", "启用"}
NO = {"0", "n", "no", "false", "否", "无效", "停用"}


@dataclass
class ProductRow:
    number: int  # the row's number in the spreadsheet
    sku: str
    name: str
    errors: dict[str, list[str]] = field(default_factory=dict)  # by column
    clean: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def status(self) -> str:
        return "error" if self.errors else "ok"


@dataclass
class ProductImportReport:
    sha256: str
    extension: str
    rows: list[ProductRow]
    ignored_columns: list[str]

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok_count(self) -> int:
        return len(self.rows) - self.error_count

    def column_label(self, column: str) -> str:
        return str(COLUMN_LABELS.get(column, column))


@dataclass
class ProductImportResult:
    created: int


def _categories_by_name(actor: Employee) -> dict[str, list[int]]:
    """A category's name and its path (either as written, compared as `normal_header` does) -> its ids."""
    found: dict[str, list[int]] = {}
    for node in category_tree(actor=actor):
        for text in {node.category.name, node.path}:
            found.setdefault(normal_header(text), []).append(node.category.pk)
    return found


def _active(text: str) -> bool | None:
    value = normal_header(text)
    return True if value in YES else False if value in NO else None


def _check(actor: Employee, filename: str, content: bytes) -> ProductImportReport:
    table = spreadsheets.read_keyed_table(
        filename=filename,
        content=content,
        lookup=spreadsheets.label_lookup(COLUMN_LABELS),
        required="sku",
        missing=_("The first row must name the columns, as in the template; no SKU code column found."),
    )
    if not table.rows:
        raise invalid("file", _("The file has no product rows."))
    categories = _categories_by_name(actor)
    category_ids = {pk for ids in categories.values() for pk in ids}
    skus = {cells.get("sku", "").strip() for _number, cells in table.rows} - {""}
    taken = set(Product.objects.filter(org_id=actor.org_id, sku__in=skus).values_list("sku", flat=True))
    seen: dict[str, int] = {}
    rows: list[ProductRow] = []
    for number, cells in table.rows:
        row = ProductRow(number=number, sku=cells.get("sku", ""), name=cells.get("name", ""))
        values: dict[str, Any] = {k: cells.get(k, "") for k in ("sku", "name", "unit", "list_price", "description")}
        category = cells.get("category", "")
        if category:
            ids = categories.get(normal_header(category), [])
            if len(ids) == 1:
                values["category_id"] = ids[0]
            elif ids:
                row.errors["category"] = [
                    _("Several categories are called “%(name)s”; write its path, e.g. “Parent / %(name)s”.")
                    % {"name": category}
                ]
            else:
                row.errors["category"] = [_("No category is called “%(name)s”.") % {"name": category}]
        if cells.get("active"):
            active = _active(cells["active"])
            if active is None:
                row.errors["active"] = [_("Write yes or no.")]
            values["is_active"] = bool(active)
        try:
            row.clean = product_validate(actor=actor, values=values, categories=dict.fromkeys(category_ids))
        except ServiceError as e:
            for name, messages in e.fields.items():
                column = "category" if name == "category_id" else name
                row.errors.setdefault(column, []).extend(str(m) for m in messages)
        sku = row.clean.get("sku") or values["sku"].strip()
        if sku in taken:
            row.errors.setdefault("sku", []).append(_("Another product already has this SKU code."))
        elif sku and sku in seen:
            row.errors.setdefault("sku", []).append(
                _("The same SKU code as row %(number)d of this file.") % {"number": seen[sku]}
            )
        seen.setdefault(sku, number)
        rows.append(row)
    return ProductImportReport(
        sha256=hashlib.sha256(content).hexdigest(),
        extension=spreadsheets.file_extension(filename),
        rows=rows,
        ignored_columns=table.ignored_columns,
    )


def product_import_dry_run(*, actor: Employee, filename: str, content: bytes) -> ProductImportReport:
    """Check every row of the file and report; writes nothing. A few queries whatever the file's rows."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    return _check(actor, filename, content)


class ProductImportRefused(ServiceError):
    """The commit's refusal of a file with broken rows; carries the report."""

    def __init__(self, report: ProductImportReport) -> None:
        message = ngettext(
            "%(count)d row has errors; nothing was imported.",
            "%(count)d rows have errors; nothing was imported.",
            report.error_count,
        ) % {"count": report.error_count}
        super().__init__(ErrorCode.INVALID, message, {"file": [message]})
        self.report = report


def product_import_commit(*, actor: Employee, filename: str, content: bytes) -> ProductImportResult:
    """Create the file's products, all or nothing, written in bulk; refused (ProductImportRefused) while a row
    has errors. Committing the same file again is refused row by row: its SKUs exist."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    try:
        with transaction.atomic():
            report = _check(actor, filename, content)
            if report.error_count:
                raise ProductImportRefused(report)
            created = product_rows_write(actor=actor, rows=[row.clean for row in report.rows])
            changes = {"sha256": report.sha256, "created": created}
            audit(actor=actor, org=actor.org, action="sales.products_import", obj=actor.org, changes=changes)
    except IntegrityError:  # a concurrent import or create took one of the SKUs after the check
        message = _("Another change to the catalogue took one of these SKU codes meanwhile; check the file again.")
        raise ServiceError(ErrorCode.CONFLICT, message, {"file": [message]}) from None
    return ProductImportResult(created=created)


def product_import_template(*, actor: Employee) -> bytes:
    """The import's template: the columns in the user's language over their keys, and what each allows."""
    notes = [
        (COLUMN_LABELS["sku"], _("Required; unique in the catalogue, no spaces.")),
        (COLUMN_LABELS["name"], _("Required.")),
        (
            COLUMN_LABELS["category"],
            _("A category's name, or its path (“Parent / Child”) when several share a name; empty: none.")
            + " "
            + " / ".join(node.path for node in category_tree(actor=actor)[:50]),
        ),
        (COLUMN_LABELS["unit"], _("e.g. 台, 箱, 吨")),
        (COLUMN_LABELS["list_price"], _("Required; a number of at least 0, at most two decimal places.")),
        (COLUMN_LABELS["active"], _("Yes or no; empty: yes.")),
    ]
    return spreadsheets.keyed_template(
        title=_("Products"),
        headers=[str(label) for label in COLUMN_LABELS.values()],
        keys=COLUMNS,
        notes_title=_("Allowed values"),
        notes_header=[_("Column"), _("Allowed values")],
        notes=notes,
    )
