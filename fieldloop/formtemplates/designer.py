"""The designer page's editing state: rows of field definitions posted as `f-<i>-<attribute>` inputs.

A sub-table's columns are posted as `f-<i>-c-<j>-<attribute>` (options `f-<i>-c-<j>-opt-<name>`),
their count as `f-<i>-cols`. A choice field's (or column's) options come one a row, with their two labels:
`<prefix>opt-choice-<k>-value|label|label_en`, their count `<prefix>opt-choice-count`.

Nobody types a key or a choice's value: a field not yet published takes its key from its English label
(`field_<n>` until it has one), a column likewise (`col_<n>`), a new choice its value from its labels; a
published key or value never changes (records keep it).

The designer keeps no draft on the server: each request carries the whole list, which the view
turns into definitions (`rows_from_post`), changes (add, move, remove) and renders again, previews
or publishes.
"""

import re
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from .definitions import KEY_PATTERN
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
CHOICE_ACTIONS = ("optadd", "optremove")
NOT_KEY = re.compile(r"[^a-z0-9]+")


def _posted_count(data: QueryDict, name: str, limit: int) -> int:
    """How many rows (fields, columns, options) the page says it posted, at most `limit`; junk is none."""
    try:
        return max(0, min(int(data.get(name, "0")), limit))
    except ValueError:
        return 0


def rows_from_post(data: QueryDict) -> list[dict[str, Any]]:
    """The posted rows as raw definitions (checked later by definitions.parse_definitions)."""
    count = _posted_count(data, "rows", 200)
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
            options["choices"] = choices_from_post(data, p)
        if "columns" in known:
            options["columns"] = columns_from_post(data, p)
        row["options"] = options
        rows.append(row)
    return rows


def columns_from_post(data: QueryDict, p: str) -> list[dict[str, Any]]:
    """A sub-table row's posted columns (`<p>c-<j>-<attribute>`) as raw column definitions."""
    count = _posted_count(data, f"{p}cols", 50)
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
            options["choices"] = choices_from_post(data, cp)
        column["options"] = options
        columns.append(column)
    return columns


def choices_from_post(data: QueryDict, prefix: str) -> list[dict[str, str]]:
    """A choice field's posted options, one a row; a row with neither label is left out, a new one (no value
    yet) gets its value from its labels (`key_from`)."""
    count = _posted_count(data, f"{prefix}opt-choice-count", 200)
    choices = []
    for k in range(count):
        cp = f"{prefix}opt-choice-{k}-"
        label, label_en = data.get(f"{cp}label", "").strip(), data.get(f"{cp}label_en", "").strip()
        if label or label_en:
            choices.append(
                {"value": data.get(f"{cp}value", "").strip(), "label": label or label_en, "label_en": label_en}
            )
    taken = {c["value"] for c in choices}
    for k, choice in enumerate(choices, start=1):
        if not choice["value"]:
            choice["value"] = key_from(choice["label_en"], taken, f"option_{k}")
            taken.add(choice["value"])
    return choices


def key_from(label_en: str, taken: set[str], fallback: str) -> str:
    """A key (definitions.KEY_PATTERN) from an English label, `fallback` without one; unique among `taken`."""
    base = NOT_KEY.sub("_", label_en.lower()).strip("_")[:40] or fallback
    if not base[0].isalpha():
        base = f"f_{base}"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def fill_keys(rows: list[dict[str, Any]], published: dict[str, set[str]]) -> list[dict[str, Any]]:
    """Keys for the fields and columns not yet published, from their English labels (`published`: each
    published field's key with its published columns' keys)."""
    taken = {r["key"] for r in rows if r.get("key") in published}
    for n, row in enumerate(rows, start=1):
        if row.get("key") not in published:
            row["key"] = key_from(row.get("label_en") or "", taken, _numbered("field", row.get("key"), n))
        taken.add(row["key"])
        columns = (row.get("options") or {}).get("columns")
        if isinstance(columns, list):
            kept = published.get(row["key"], set())
            taken_columns = {c.get("key") for c in columns if c.get("key") in kept}
            for m, column in enumerate(columns, start=1):
                if column.get("key") not in kept:
                    fallback = _numbered("col", column.get("key"), m)
                    column["key"] = key_from(column.get("label_en") or "", taken_columns, fallback)
                taken_columns.add(column["key"])
    return rows


def _numbered(prefix: str, key: Any, n: int) -> str:
    """The key a row keeps without an English label: the one it had (generated before: `field_3`, or from
    an English label since cleared), else `<prefix>_<n>`."""
    return key if isinstance(key, str) and KEY_PATTERN.match(key) else f"{prefix}_{n}"


def apply_action(rows: list[dict[str, Any]], action: str, new_type: str) -> list[dict[str, Any]]:
    """add(-<type>) / up-<i> / down-<i> / remove-<i> / move-<i>-<j> on the posted rows (and the columns' and
    choices' actions)."""
    verb, _sep, index = action.partition("-")
    if verb in COLUMN_ACTIONS:
        return _apply_column_action(rows, verb, index)
    if verb in CHOICE_ACTIONS:
        return _apply_choice_action(rows, verb, index)
    if verb == "move":
        return _move(rows, index)
    if verb == "add":
        try:
            field_type = FieldType(index or new_type)  # the palette's button names its type
        except ValueError:
            field_type = FieldType.TEXT
        taken = {r["key"] for r in rows}
        n = len(rows) + 1
        while f"field_{n}" in taken:
            n += 1
        row: dict[str, Any] = {"key": f"field_{n}", "type": field_type.value, "label": "", "options": {}}
        if field_type in (FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE):
            row["options"] = {"choices": [{"value": "", "label": "", "label_en": ""}]}  # a first row to fill
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


def _move(rows: list[dict[str, Any]], index: str) -> list[dict[str, Any]]:
    """move-<i>-<j>: the field at i dropped at position j (a drag in the designer)."""
    parts = index.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return rows
    i, j = int(parts[0]), int(parts[1])
    if i >= len(rows) or j >= len(rows):
        return rows
    rows = list(rows)
    rows.insert(j, rows.pop(i))
    return rows


def _apply_choice_action(rows: list[dict[str, Any]], verb: str, index: str) -> list[dict[str, Any]]:
    """optadd-<i> / optadd-<i>-<j> (a column's) add an empty option row; optremove-<i>-<k> /
    optremove-<i>-<j>-<k> remove one."""
    parts = index.split("-")
    if not all(p.isdigit() for p in parts) or not parts or int(parts[0]) >= len(rows):
        return rows
    numbers = [int(p) for p in parts]
    in_column = len(numbers) == (2 if verb == "optadd" else 3)
    rows = list(rows)
    row = {**rows[numbers[0]], "options": dict(rows[numbers[0]].get("options") or {})}
    target = row["options"]
    if in_column:
        columns = [dict(c) for c in target.get("columns") or []]
        if numbers[1] >= len(columns):
            return rows
        target["columns"] = columns
        columns[numbers[1]]["options"] = target = dict(columns[numbers[1]].get("options") or {})
    choices = list(target.get("choices") or [])
    if verb == "optadd":
        choices.append({"value": "", "label": "", "label_en": ""})
    elif numbers[-1] < len(choices):
        del choices[numbers[-1]]
    target["choices"] = choices
    rows[numbers[0]] = row
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
