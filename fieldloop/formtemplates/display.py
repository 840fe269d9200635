"""How stored values are shown: labelled rows for detail pages, the feed, the timeline and exports.

`display_values` turns a record's or customer's stored values (as `validation.validate_values` left
them, see its module docstring for the stored forms) back into labelled rows in a language, for any
version of the template: choice labels, units and currency, local times, attachment names, reference
labels (through `references`), sub-tables as a table and as one line. Reads only; never validates.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import references
from .fields import ADDRESS_PARTS, REFERENCE_KINDS, FieldDefinition, FieldType
from .models import Attachment, FormTemplateVersion


@dataclass
class DisplayTable:
    """A sub-table for display: column labels and each row's cell texts ("" for an empty cell)."""

    columns: list[str]
    rows: list[list[str]]


@dataclass
class DisplayRow:
    """One field of a record for display. `text` is one line, fit for a spreadsheet cell; a sub-table
    also has `table` (render it with formtemplates/_display_value.html) and photos/files `attachments`."""

    key: str
    label: str
    text: str
    type: str
    retired: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    table: DisplayTable | None = None


def display_values(*, version: FormTemplateVersion, values: dict[str, Any], language: str) -> list[DisplayRow]:
    """Labelled rows of a stored record in `language`, in its version's field order; keys that the version
    does not know (should there be any) come last under their key. Queries: at most one for attachments,
    one per reference kind used, one for the currency."""
    definitions = version.definitions
    attachment_ids = [
        i
        for d in definitions
        if d.type in (FieldType.PHOTO, FieldType.FILE) and isinstance(values.get(d.key), list)
        for i in values[d.key]
    ]
    attachments = (
        {a.pk: a for a in Attachment.objects.filter(org_id=version.org_id, pk__in=attachment_ids)}
        if attachment_ids
        else {}
    )
    ref_ids: dict[str, list[Any]] = {}
    uses_money = False
    for d, value in _values_with_cells(definitions, values):
        if d.type in REFERENCE_KINDS:
            ref_ids.setdefault(REFERENCE_KINDS[d.type], []).append(value)
        uses_money = uses_money or d.type == FieldType.MONEY
    ref_labels = {kind: references.labels(kind, version.org_id, ids) for kind, ids in ref_ids.items()}
    currency = version.org.currency if uses_money else ""

    rows: list[DisplayRow] = []
    with translation.override(language):
        for d in definitions:
            if d.key not in values:
                if d.retired:
                    continue
                rows.append(DisplayRow(d.key, d.display_label(language), "", str(d.type), d.retired))
                continue
            value = values[d.key]
            row = DisplayRow(d.key, d.display_label(language), "", str(d.type), d.retired)
            row.text = _display_text(d, value, language, currency, ref_labels, attachments, row)
            rows.append(row)
        known = {d.key for d in definitions}
        for key, value in values.items():
            if key not in known:
                rows.append(DisplayRow(key, key, _plain(value), "unknown", True))
    return rows


def _values_with_cells(definitions: list[FieldDefinition], values: dict[str, Any]) -> list[tuple[FieldDefinition, Any]]:
    """(definition, value) of every stored field, and of every cell of the sub-tables."""
    pairs: list[tuple[FieldDefinition, Any]] = []
    for d in definitions:
        if d.key not in values:
            continue
        pairs.append((d, values[d.key]))
        if d.type == FieldType.SUBTABLE and isinstance(values[d.key], list):
            columns = d.columns
            for row in values[d.key]:
                if isinstance(row, dict):
                    pairs.extend((c, row[c.key]) for c in columns if c.key in row)
    return pairs


def _display_table(
    d: FieldDefinition,
    value: Any,
    language: str,
    currency: str,
    ref_labels: dict[str, dict[int, str]],
    row: DisplayRow,
) -> str:
    """The sub-table as `row.table`, and as one line: "Product: A, Stock: 3; Product: B, Stock: 5"."""
    rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
    # Retired columns are shown while a row still holds a value in them; keys no column knows come last.
    columns = [c for c in d.columns if not c.retired or any(c.key in r for r in rows)]
    known = {c.key for c in d.columns}
    extra = list(dict.fromkeys(k for r in rows for k in r if k not in known))
    labels = [c.display_label(language) for c in columns] + extra
    texts = []
    for r in rows:
        cells = [
            _display_text(c, r[c.key], language, currency, ref_labels, {}, DisplayRow(c.key, "", "", str(c.type)))
            if c.key in r
            else ""
            for c in columns
        ] + [_plain(r.get(k)) for k in extra]
        texts.append(cells)
    row.table = DisplayTable(columns=labels, rows=texts)
    english = language == "en"
    cell_sep, row_sep, colon = (", ", "; ", ": ") if english else ("，", "；", "：")
    return row_sep.join(
        cell_sep.join(f"{label}{colon}{text}" for label, text in zip(labels, cells, strict=True) if text)
        for cells in texts
    )


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v not in (None, ""))
    return "" if value is None else str(value)


def _display_text(
    d: FieldDefinition,
    value: Any,
    language: str,
    currency: str,
    ref_labels: dict[str, dict[int, str]],
    attachments: dict[int, Attachment],
    row: DisplayRow,
) -> str:
    t = d.type
    if t == FieldType.DECIMAL:
        unit = d.option("unit") or ""
        return f"{value} {unit}".strip()
    if t == FieldType.MONEY:
        return f"{value} {currency}".strip()
    if t == FieldType.DATETIME and isinstance(value, str):
        try:
            return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    if t in (FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE):
        labels = {c.value: c.display(language) for c in d.choices}
        chosen = [str(v) for v in (value if isinstance(value, list) else [value])]
        return ("、" if language != "en" else ", ").join(labels.get(v, v) for v in chosen)
    if t == FieldType.YES_NO:
        return _("Yes") if value else _("No")
    if t == FieldType.ADDRESS and isinstance(value, dict):
        parts = [value.get(p) or "" for p in ADDRESS_PARTS]
        return ("" if language != "en" else " ").join(p for p in parts if p)
    if t == FieldType.LOCATION and isinstance(value, dict):
        text = f"{value.get('latitude'):.6f}, {value.get('longitude'):.6f}"
        if value.get("accuracy") is not None:
            text += f" (±{round(value['accuracy'])} m)"
        return text
    if t in (FieldType.PHOTO, FieldType.FILE) and isinstance(value, list):
        row.attachments = [attachments[i] for i in value if i in attachments]
        return ", ".join(attachments[i].original_name if i in attachments else f"#{i}" for i in value)
    if t in REFERENCE_KINDS:
        label = ref_labels.get(REFERENCE_KINDS[t], {}).get(value)
        return label or f"#{value}"
    if t == FieldType.SUBTABLE:
        return _display_table(d, value, language, currency, ref_labels, row)
    return _plain(value)
