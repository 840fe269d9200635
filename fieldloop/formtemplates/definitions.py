"""An admin's field definitions, checked: `parse_definitions` turns a template's posted list into
FieldDefinitions or refuses with every problem at once, keyed `fields.<position>.<attribute>`.

Above validation (a default must be a valid value of its field, checked by the same cleaner a
submission goes through) and below services, which publish what it accepts.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError

from . import references
from .fields import (
    FIELD_TYPE_LABELS,
    OPTION_DEFAULTS,
    REFERENCE_KINDS,
    SUBTABLE_COLUMN_TYPES,
    EmployeeScope,
    FieldDefinition,
    FieldType,
)
from .validation import DefaultCheckError, check_default

MAX_FIELDS = 200
MAX_COLUMNS = 20
MAX_ROWS = 200
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str | Promise]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)


def parse_definitions(raw: Any) -> list[FieldDefinition]:
    """Check a template admin's list of field definitions; every problem is reported at once.

    Errors are keyed `fields.<position>.<attribute>` (position from 0), e.g. `fields.2.key`.
    """
    errors = _Errors()
    if not isinstance(raw, list):
        raise ServiceError(ErrorCode.INVALID, _("The fields must be a list."), {"fields": [_("Expected a list.")]})
    if len(raw) > MAX_FIELDS:
        errors.add("fields", _("A template holds at most %(n)d fields.") % {"n": MAX_FIELDS})
    parsed: list[FieldDefinition] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        definition = _parse_one(item, f"fields.{i}", errors)
        if definition is None:
            continue
        if definition.key in seen:
            errors.add(f"fields.{i}.key", _("Another field already uses the key “%(key)s”.") % {"key": definition.key})
        seen.add(definition.key)
        parsed.append(definition)
    if errors.fields:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the field definitions."), errors.fields)
    return parsed


def _text(item: dict[str, Any], name: str, where: str, errors: _Errors, *, max_length: int) -> str:
    value = item.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(f"{where}.{name}", _("This value has the wrong type."))
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors.add(f"{where}.{name}", _("At most %(n)d characters.") % {"n": max_length})
    return value


def _number(value: Any, where: str, errors: _Errors, *, integer: bool = False) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.add(where, _("Enter a number."))
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.add(where, _("Enter a number."))
        return None
    if not number.is_finite():
        errors.add(where, _("Enter a number."))
        return None
    if integer:
        if number != number.to_integral_value():
            errors.add(where, _("Enter a whole number."))
            return None
        return int(number)
    return str(number)


def _positive_int(value: Any, where: str, errors: _Errors, *, upper: int) -> int | None:
    number = _number(value, where, errors, integer=True)
    if number is None:
        return None
    if not 1 <= number <= upper:
        errors.add(where, _("Enter a whole number from 1 to %(max)d.") % {"max": upper})
        return None
    return int(number)


def _parse_one(item: Any, where: str, errors: _Errors) -> FieldDefinition | None:
    if not isinstance(item, dict):
        errors.add(where, _("Each field must be an object."))
        return None
    key = item.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        errors.add(
            f"{where}.key",
            _("A key starts with a lowercase letter and holds only a-z, 0-9 and _ (at most 50)."),
        )
        key = ""
    try:
        field_type = FieldType(str(item.get("type")))
    except ValueError:
        errors.add(f"{where}.type", _("Unknown field type “%(type)s”.") % {"type": item.get("type")})
        return None
    label = _text(item, "label", where, errors, max_length=120)
    if not label:
        errors.add(f"{where}.label", _("Every field needs a label."))
    label_en = _text(item, "label_en", where, errors, max_length=120)
    help_text = _text(item, "help_text", where, errors, max_length=500)
    flags = {}
    for flag in ("required", "retired"):
        value = item.get(flag, False)
        if not isinstance(value, bool):
            errors.add(f"{where}.{flag}", _("Enter true or false."))
            value = False
        flags[flag] = value
    raw_options = item.get("options") or {}
    if not isinstance(raw_options, dict):
        errors.add(f"{where}.options", _("The options must be an object."))
        raw_options = {}
    options = _parse_options(field_type, raw_options, f"{where}.options", errors)
    known = set(OPTION_DEFAULTS.get(field_type, {}))
    for name in raw_options:
        if name not in known:
            errors.add(
                f"{where}.options.{name}",
                _("A field of type “%(type)s” has no option “%(name)s”.") % {"type": field_type, "name": name},
            )
    definition = FieldDefinition(
        key=key,
        type=field_type,
        label=label,
        label_en=label_en,
        required=flags["required"] and not flags["retired"],
        help_text=help_text,
        default=item.get("default"),
        retired=flags["retired"],
        options=options,
    )
    if definition.default is not None and key:
        _check_default(definition, where, errors)
    return definition


def _parse_options(field_type: FieldType, raw: dict[str, Any], where: str, errors: _Errors) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if field_type in (FieldType.TEXT, FieldType.TEXTAREA):
        upper = 200 if field_type == FieldType.TEXT else 20000
        value = _positive_int(raw.get("max_length"), f"{where}.max_length", errors, upper=upper)
        if value is not None:
            options["max_length"] = value
    if field_type in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY):
        integer = field_type == FieldType.INTEGER
        low = _number(raw.get("min"), f"{where}.min", errors, integer=integer)
        high = _number(raw.get("max"), f"{where}.max", errors, integer=integer)
        if low is not None:
            options["min"] = low
        if high is not None:
            options["max"] = high
        if low is not None and high is not None and Decimal(str(low)) > Decimal(str(high)):
            errors.add(f"{where}.max", _("The maximum must not be below the minimum."))
    if field_type == FieldType.DECIMAL:
        decimals = _number(raw.get("decimals", 2), f"{where}.decimals", errors, integer=True)
        if decimals is not None and not 0 <= decimals <= 6:
            errors.add(f"{where}.decimals", _("Enter a whole number from 0 to 6."))
        elif decimals is not None:
            options["decimals"] = decimals
        unit = raw.get("unit", "")
        if not isinstance(unit, str) or len(unit) > 20:
            errors.add(f"{where}.unit", _("At most %(n)d characters.") % {"n": 20})
        elif unit.strip():
            options["unit"] = unit.strip()
    if field_type in (FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE):
        options["choices"] = _parse_choices(raw.get("choices"), f"{where}.choices", errors)
    if field_type == FieldType.LOCATION:
        nearby = _positive_int(raw.get("nearby_metres"), f"{where}.nearby_metres", errors, upper=100_000)
        if nearby is not None:
            options["nearby_metres"] = nearby
    if field_type in (FieldType.PHOTO, FieldType.FILE):
        defaults = OPTION_DEFAULTS[field_type]
        count = _positive_int(raw.get("max_count", defaults["max_count"]), f"{where}.max_count", errors, upper=50)
        size = _positive_int(raw.get("max_size_mb", defaults["max_size_mb"]), f"{where}.max_size_mb", errors, upper=100)
        options["max_count"] = count or defaults["max_count"]
        options["max_size_mb"] = size or defaults["max_size_mb"]
    if field_type == FieldType.PHOTO:
        camera_only = raw.get("camera_only", False)
        if not isinstance(camera_only, bool):
            errors.add(f"{where}.camera_only", _("Enter true or false."))
        options["camera_only"] = camera_only is True
    if field_type == FieldType.EMPLOYEE_REF:
        scope = raw.get("scope", EmployeeScope.SUBTREE.value)
        if scope not in {s.value for s in EmployeeScope}:
            errors.add(f"{where}.scope", _("Choose “subtree” or “org”."))
            scope = EmployeeScope.SUBTREE.value
        options["scope"] = scope
    if field_type == FieldType.SUBTABLE:
        options.update(_parse_subtable(raw, where, errors))
    return options


def _parse_subtable(raw: dict[str, Any], where: str, errors: _Errors) -> dict[str, Any]:
    """A sub-table's columns (each checked like a field, of a cell type) and its row limits.

    Column errors are keyed `<where>.columns.<position>.<attribute>`, e.g. `fields.3.options.columns.1.type`.
    """
    options: dict[str, Any] = {}
    low = raw.get("min_rows")
    min_rows = None if low in (None, "") else _number(low, f"{where}.min_rows", errors, integer=True)
    if min_rows is not None and not 0 <= min_rows <= MAX_ROWS:
        errors.add(f"{where}.min_rows", _("Enter a whole number from 0 to %(max)d.") % {"max": MAX_ROWS})
        min_rows = None
    max_rows = _positive_int(
        raw.get("max_rows", OPTION_DEFAULTS[FieldType.SUBTABLE]["max_rows"]),
        f"{where}.max_rows",
        errors,
        upper=MAX_ROWS,
    )
    options["min_rows"] = min_rows or None
    options["max_rows"] = max_rows or OPTION_DEFAULTS[FieldType.SUBTABLE]["max_rows"]
    if min_rows and max_rows and min_rows > max_rows:
        errors.add(f"{where}.max_rows", _("The maximum must not be below the minimum."))
    columns = raw.get("columns")
    if not isinstance(columns, list) or not columns:
        errors.add(f"{where}.columns", _("A sub-table needs at least one column."))
        return options
    if len(columns) > MAX_COLUMNS:
        errors.add(f"{where}.columns", _("A sub-table holds at most %(n)d columns.") % {"n": MAX_COLUMNS})
    parsed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for j, item in enumerate(columns):
        at = f"{where}.columns.{j}"
        column_type = item.get("type") if isinstance(item, dict) else None
        column_type = column_type if isinstance(column_type, str) else None  # _parse_one names a bad one
        if column_type == FieldType.SUBTABLE:
            errors.add(f"{at}.type", _("A sub-table cannot hold another sub-table."))
            continue
        if column_type in {t.value for t in FieldType} and column_type not in SUBTABLE_COLUMN_TYPES:
            errors.add(
                f"{at}.type",
                _("A sub-table column cannot be of type “%(type)s”.")
                % {"type": FIELD_TYPE_LABELS[FieldType(column_type)]},
            )
            continue
        if column_type == FieldType.PRODUCT_REF and not _products_available():
            errors.add(f"{at}.type", _("Product columns are not available yet: no product list is installed."))
            continue
        if isinstance(item, dict) and item.get("default") not in (None, ""):
            errors.add(f"{at}.default", _("A column takes no default."))
        column = _parse_one({**item, "default": None} if isinstance(item, dict) else item, at, errors)
        if column is None:
            continue
        if column.key and column.key in seen:
            errors.add(f"{at}.key", _("Another column already uses the key “%(key)s”.") % {"key": column.key})
        seen.add(column.key)
        parsed.append(column.as_json())
    if parsed and all(c["retired"] for c in parsed):
        errors.add(f"{where}.columns", _("A sub-table needs at least one column that is not retired."))
    options["columns"] = parsed
    return options


def column_types_available() -> list[FieldType]:
    """The column types a designer offers now (a product column only once products are installed)."""
    return [t for t in SUBTABLE_COLUMN_TYPES if t != FieldType.PRODUCT_REF or _products_available()]


def _products_available() -> bool:
    return references.get(REFERENCE_KINDS[FieldType.PRODUCT_REF]) is not None


def _parse_choices(raw: Any, where: str, errors: _Errors) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        errors.add(where, _("A choice field needs at least one choice."))
        return []
    choices: list[dict[str, str]] = []
    values: set[str] = set()
    for j, item in enumerate(raw):
        if not isinstance(item, dict):
            errors.add(f"{where}.{j}", _("Each choice must be an object with a value and a label."))
            continue
        value = item.get("value")
        label = item.get("label")
        label_en = item.get("label_en") or ""
        if not isinstance(value, str) or not value.strip() or len(value) > 50:
            errors.add(f"{where}.{j}.value", _("Every choice needs a value (at most 50 characters)."))
            continue
        value = value.strip()
        if value in values:
            errors.add(f"{where}.{j}.value", _("The choice value “%(value)s” appears twice.") % {"value": value})
        values.add(value)
        if not isinstance(label, str) or not label.strip():
            errors.add(f"{where}.{j}.label", _("Every choice needs a label."))
            continue
        if not isinstance(label_en, str):
            label_en = ""
        choices.append({"value": value, "label": label.strip()[:120], "label_en": label_en.strip()[:120]})
    return choices


def _check_default(definition: FieldDefinition, where: str, errors: _Errors) -> None:
    """A default must itself be a valid value of the field (references and attachments take none)."""
    if definition.type in REFERENCE_KINDS or definition.type in (FieldType.PHOTO, FieldType.FILE):
        errors.add(f"{where}.default", _("This type of field takes no default."))
        return
    try:
        check_default(definition)
    except DefaultCheckError as e:
        errors.add(f"{where}.default", str(e))
