"""The designer page's editing state: rows of field definitions posted as `f-<i>-<attribute>` inputs.

The designer keeps no draft on the server: each request carries the whole list, which the view
turns into definitions (`rows_from_post`), changes (add, move, remove) and renders again, previews
or publishes.
"""

from typing import Any

from django.http import QueryDict

from .fields import OPTION_DEFAULTS, FieldType

ROW_ATTRIBUTES = ("key", "type", "label", "label_en", "help_text")
NUMBER_OPTIONS = ("max_length", "min", "max", "decimals", "nearby_metres", "max_count", "max_size_mb")
TEXT_OPTIONS = ("unit", "scope")


def rows_from_post(data: QueryDict) -> list[dict[str, Any]]:
    """The posted rows as raw definitions (checked later by fields.parse_definitions)."""
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
        row["options"] = options
        rows.append(row)
    return rows


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


def row_errors(fields: dict[str, list[Any]], count: int) -> tuple[list[list[str]], list[str]]:
    """Errors keyed `fields.<i>.<attribute>` grouped per row, and the rest."""
    per_row: list[list[str]] = [[] for _i in range(count)]
    general: list[str] = []
    for name, messages in fields.items():
        parts = name.split(".")
        if len(parts) >= 2 and parts[0] == "fields" and parts[1].isdigit() and int(parts[1]) < count:
            per_row[int(parts[1])].extend(str(m) for m in messages)
        else:
            general.extend(str(m) for m in messages)
    return per_row, general
