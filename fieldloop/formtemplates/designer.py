"""The designer page's editing state: rows of field definitions posted as `f-<i>-<attribute>` inputs.

A sub-table's columns are posted as `f-<i>-c-<j>-<attribute>` (options `f-<i>-c-<j>-opt-<name>`),
their count as `f-<i>-cols`.

The designer keeps no draft on the server: each request carries the whole list, which the view
turns into definitions (`rows_from_post`), changes (add, move, remove) and renders again, previews
or publishes.
"""

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from .fields import OPTION_DEFAULTS, FieldType

ROW_ATTRIBUTES = ("key", "type", "label", "label_en", "help_text")
NUMBER_OPTIONS = (
    "max_length",
    "min",
    "max",
    "decimals",
    "nearby_metres",
    "max_count",
    "max_size_mb",
    "min_rows",
    "max_rows",
)
TEXT_OPTIONS = ("unit", "scope")
COLUMN_ATTRIBUTES = ("key", "type", "label", "label_en")
COLUMN_ACTIONS = ("coladd", "colup", "coldown", "colremove")


def rows_from_post(data: QueryDict) -> list[dict[str, Any]]:
    """The posted rows as raw definitions (checked later by definitions.parse_definitions)."""
    try:
        count = min(int(data.get("rows", "0")), 200)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        p = f"f-{i}-"
        if f"{p}type" not in data:
            continue
        row: dict[str, Any] = {name: data.get(p + name, "").strip() for name in ROW_ATTRIBUTES}
        row["required"] = data.get(p + "required") == "on"
        row["retired"] = data.get(p + "retired") == "on"
        try:
            known = set(OPTION_DEFAULTS.get(FieldType(row["type"]), {}))
        except ValueError:
            known = set()
        options: dict[str, Any] = {}
        for name in NUMBER_OPTIONS + TEXT_OPTIONS:
            value = data.get(f"{p}opt-{name}", "").strip()
            if name in known and value:
                options[name] = value
        if "camera_only" in known:
            options["camera_only"] = data.get(f"{p}opt-camera_only") == "on"
        if "choices" in known:
            options["choices"] = choices_from_text(data.get(f"{p}opt-choices", ""))
        if "columns" in known:
            options["columns"] = columns_from_post(data, p)
        row["options"] = options
        rows.append(row)
    return rows


def columns_from_post(data: QueryDict, p: str) -> list[dict[str, Any]]:
    """A sub-table row's posted columns (`<p>c-<j>-<attribute>`) as raw column definitions."""
    try:
        count = min(int(data.get(f"{p}cols", "0")), 50)
    except ValueError:
        count = 0
    columns = []
    for j in range(count):
        cp = f"{p}c-{j}-"
        if f"{cp}type" not in data:
            continue
        column: dict[str, Any] = {name: data.get(cp + name, "").strip() for name in COLUMN_ATTRIBUTES}
        column["required"] = data.get(cp + "required") == "on"
        column["retired"] = data.get(cp + "retired") == "on"
        try:
            known = set(OPTION_DEFAULTS.get(FieldType(column["type"]), {}))
        except ValueError:
            known = set()
        options: dict[str, Any] = {}
        for name in ("max_length", "min", "max", "decimals", "unit"):
            value = data.get(f"{cp}opt-{name}", "").strip()
            if name in known and value:
                options[name] = value
        if "choices" in known:
            options["choices"] = choices_from_text(data.get(f"{cp}opt-choices", ""))
        column["options"] = options
        columns.append(column)
    return columns


def choices_from_text(text: str) -> list[dict[str, str]]:
    """One choice a line: `value|中文标签|English label` (labels default to the value)."""
    choices = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        value = parts[0]
        label = parts[1] if len(parts) > 1 and parts[1] else value
        label_en = parts[2] if len(parts) > 2 else ""
        choices.append({"value": value, "label": label, "label_en": label_en})
    return choices


def choices_to_text(choices: list[dict[str, str]]) -> str:
    return "\n".join("|".join(p for p in (c["value"], c["label"], c.get("label_en", "")) if p) for c in choices)


def apply_action(rows: list[dict[str, Any]], action: str, new_type: str) -> list[dict[str, Any]]:
    """add / up-<i> / down-<i> / remove-<i> on the posted rows."""
    verb, _sep, index = action.partition("-")
    if verb in COLUMN_ACTIONS:
        return _apply_column_action(rows, verb, index)
    if verb == "add":
        try:
            field_type = FieldType(new_type)
        except ValueError:
            field_type = FieldType.TEXT
        taken = {r["key"] for r in rows}
        n = len(rows) + 1
        while f"field_{n}" in taken:
            n += 1
        row: dict[str, Any] = {"key": f"field_{n}", "type": field_type.value, "label": "", "options": {}}
        if field_type in (FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE):
            row["options"] = {"choices": []}
        if field_type == FieldType.SUBTABLE:
            row["options"] = {"columns": [_new_column([])]}
        return [*rows, row]
    if not index.isdigit() or int(index) >= len(rows):
        return rows
    i = int(index)
    rows = list(rows)
    if verb == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif verb == "down" and i < len(rows) - 1:
        rows[i + 1], rows[i] = rows[i], rows[i + 1]
    elif verb == "remove":
        del rows[i]
    return rows


def _new_column(columns: list[dict[str, Any]]) -> dict[str, Any]:
    taken = {c.get("key") for c in columns}
    n = len(columns) + 1
    while f"col_{n}" in taken:
        n += 1
    return {"key": f"col_{n}", "type": FieldType.TEXT.value, "label": "", "options": {}}


def _apply_column_action(rows: list[dict[str, Any]], verb: str, index: str) -> list[dict[str, Any]]:
    """coladd-<i> / colup-<i>-<j> / coldown-<i>-<j> / colremove-<i>-<j> on a sub-table row's columns."""
    parts = index.split("-")
    if not all(p.isdigit() for p in parts) or int(parts[0]) >= len(rows):
        return rows
    i = int(parts[0])
    rows = list(rows)
    row = {**rows[i], "options": dict(rows[i].get("options") or {})}
    columns = list(row["options"].get("columns") or [])
    if verb == "coladd":
        columns.append(_new_column(columns))
    elif len(parts) == 2 and int(parts[1]) < len(columns):
        j = int(parts[1])
        if verb == "colup" and j > 0:
            columns[j - 1], columns[j] = columns[j], columns[j - 1]
        elif verb == "coldown" and j < len(columns) - 1:
            columns[j + 1], columns[j] = columns[j], columns[j + 1]
        elif verb == "colremove":
            del columns[j]
    row["options"]["columns"] = columns
    rows[i] = row
    return rows


def row_errors(fields: dict[str, list[Any]], count: int) -> tuple[list[list[str]], list[str]]:
    """Errors keyed `fields.<i>.<attribute>` grouped per row, and the rest."""
    per_row: list[list[str]] = [[] for _i in range(count)]
    general: list[str] = []
    for name, messages in fields.items():
        parts = name.split(".")
        if len(parts) >= 2 and parts[0] == "fields" and parts[1].isdigit() and int(parts[1]) < count:
            if parts[2:4] == ["options", "columns"] and len(parts) > 4 and parts[4].isdigit():
                n = int(parts[4]) + 1  # a sub-table column's message says which column
                messages = [_("Column %(n)d: %(message)s") % {"n": n, "message": m} for m in messages]
            per_row[int(parts[1])].extend(str(m) for m in messages)
        else:
            general.extend(str(m) for m in messages)
    return per_row, general
