"""The one validator every submission goes through.

`validate_values` turns a submission (JSON from the API, or a form's cleaned data) into
clean JSON-storable values, or refuses with every field's errors at once. How stored values
are shown (labels, formatting) is `display.display_values`.

Stored forms: text as str; integer as int; decimal and money as strings with the field's
decimals ("12.50"); date "YYYY-MM-DD"; datetime ISO 8601 in UTC; month "YYYY-MM";
single choice the value; multiple choice a list of values; yes/no a bool; address
{province, city, district, detail}; location {latitude, longitude, accuracy};
photo/file a list of Attachment ids; references an id; a sub-table a list of row objects
{column key: cell value}, each cell stored as the same type of top-level field would be, an empty
cell absent. An empty optional field is absent.

Error keys: a field's messages are keyed by its key (`stock`); a sub-table's by
`<field key>.<row>.<column key>` for a cell (`stock.2.quantity`: the third submitted row, counting
from 0, column `quantity`), `<field key>.<row>` for a row that is not an object, and the field's key
for the whole table (too few or too many rows). Row numbers in the keys are positions in the list as
submitted (empty rows included); messages say them from 1: "Row 3, Quantity: Enter a whole number."
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.geo import Point, haversine_m
from fieldloop.org.models import Employee

from . import references
from .fields import ADDRESS_PARTS, REFERENCE_KINDS, EmployeeScope, FieldDefinition, FieldType
from .models import Attachment, AttachmentKind, FormTemplateVersion

PHONE_CHARS = re.compile(r"[\s\-()]")
PHONE_PATTERN = re.compile(r"^\+?[0-9]{5,20}$")
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class FieldInvalid(Exception):
    """One field's value is refused (the message is already translated)."""


class CellsInvalid(FieldInvalid):
    """A sub-table's messages, keyed by the path below the field: "2.quantity", "2", or "" (the whole table)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(next(m for messages in errors.values() for m in messages))


class DefaultCheckError(Exception):
    pass


@dataclass
class _Context:
    actor: Employee | None
    device_position: Point | None
    attachments: dict[int, Attachment] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)


def _empty(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict) and set(value) <= set(ADDRESS_PARTS):
        return all(not str(v or "").strip() for v in value.values())
    return False


def _position(value: Any) -> Point | None:
    if value is None or isinstance(value, Point):
        return value
    if isinstance(value, dict):
        return Point(float(value["latitude"]), float(value["longitude"]))
    lat, lon = value
    return Point(float(lat), float(lon))


def validate_values(
    *,
    actor: Employee,
    version: FormTemplateVersion,
    values: dict[str, Any],
    device_position: Any = None,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Clean `values` against `version`, or raise ServiceError(INVALID) with every field's messages.

    `device_position` (a Point, {latitude, longitude} or a (lat, lon) pair) is where the device
    was when submitting; "nearby" location fields need it. `previous` is the record's stored values
    when it is re-saved: retired fields (and keys of older versions) keep them, defaults apply only
    to new records, and references and attachments unchanged since are not checked again.

    Errors are keyed by field key; a sub-table's cell errors by `<key>.<row>.<column>` (e.g.
    `stock.2.quantity`, rows counted from 0 as submitted), see the module docstring. A sub-table's
    rows whose cells are all empty are dropped (a phone form always offers a blank row), then
    its row limits apply; each cell goes through the same cleaner as a top-level field of its type.
    A retired column's cell is accepted only with a value that column held in the previous rows.

    Writes nothing: the service that saves the values claims the attachments they hold
    (`services.attachments_claim_held`) in its transaction, once every other check has passed.
    """
    errors: dict[str, list[str | Promise]] = {}
    if not isinstance(values, dict):
        raise ServiceError(
            ErrorCode.INVALID, _("The values must be an object."), {"values": [_("Expected an object.")]}
        )
    if version.org_id != actor.org_id:
        raise ServiceError(ErrorCode.NOT_FOUND, _("Not found."))
    previous = previous or {}
    definitions = {d.key: d for d in version.definitions}
    for key in values:
        if key not in definitions and values[key] != previous.get(key, object()):
            errors.setdefault(key, []).append(_("This form has no field “%(key)s”.") % {"key": key})
    try:
        position = _position(device_position)
    except (KeyError, TypeError, ValueError):
        errors.setdefault("device_position", []).append(_("Send the device position as latitude and longitude."))
        position = None
    ctx = _Context(actor=actor, device_position=position, previous=previous)
    ctx.attachments = _load_attachments(actor, version.definitions, values, previous)

    clean: dict[str, Any] = {}
    for definition in version.definitions:
        key = definition.key
        if definition.retired:
            if key in values and not _empty(values[key]) and values[key] != previous.get(key):
                errors.setdefault(key, []).append(_("This field is retired; it keeps its old value only."))
            if key in previous:
                clean[key] = previous[key]
            continue
        if key in values:
            raw = values[key]
        elif not previous and definition.default is not None:
            raw = definition.default
        else:
            raw = None
        if _empty(raw):
            if definition.required:
                errors.setdefault(key, []).append(_("This field is required."))
            continue
        unchanged = key in previous and raw == previous[key]
        try:
            value = _clean(definition, raw, ctx, recheck=not unchanged)
        except CellsInvalid as e:
            for path, messages in e.errors.items():
                errors.setdefault(f"{key}.{path}" if path else key, []).extend(messages)
            continue
        except FieldInvalid as e:
            errors.setdefault(key, []).append(str(e))
            continue
        if _empty(value):  # e.g. a sub-table of blank rows only
            if definition.required:
                errors.setdefault(key, []).append(_("This field is required."))
            continue
        clean[key] = value
    for key, value in previous.items():
        if key not in definitions:
            clean[key] = value  # a key of an older version: never dropped
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return clean


def check_default(definition: FieldDefinition) -> None:
    """Used by definitions.parse_definitions: is the definition's default a valid value of the field?"""
    if _empty(definition.default):
        return
    try:
        _clean(definition, definition.default, _Context(actor=None, device_position=None), recheck=False)
    except FieldInvalid as e:
        raise DefaultCheckError(str(e)) from e


def _load_attachments(
    actor: Employee, definitions: list[FieldDefinition], values: dict[str, Any], previous: dict[str, Any]
) -> dict[int, Attachment]:
    """Every attachment the submission names, in one query, within the actor's organization only."""
    ids: set[int] = set()
    for d in definitions:
        if d.type in (FieldType.PHOTO, FieldType.FILE) and d.key in values:
            raw = values[d.key]
            for item in raw if isinstance(raw, list) else [raw]:
                if isinstance(item, int) and not isinstance(item, bool):
                    ids.add(item)
    if not ids:
        return {}
    return {a.pk: a for a in Attachment.objects.filter(org_id=actor.org_id, pk__in=ids)}


# --- One cleaner per type ------------------------------------------------------------------


def _clean(definition: FieldDefinition, raw: Any, ctx: _Context, *, recheck: bool) -> Any:
    cleaner = CLEANERS[definition.type]
    return cleaner(definition, raw, ctx, recheck)


def _str(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise FieldInvalid(_("This value has the wrong type."))
    return str(raw).strip()


def _clean_text(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> str:
    if not isinstance(raw, str):
        raise FieldInvalid(_("Enter text."))
    text = raw.strip() if d.type == FieldType.TEXT else raw.strip("\n\r ")
    limit = int(d.option("max_length"))
    if len(text) > limit:
        raise FieldInvalid(_("At most %(n)d characters (this has %(len)d).") % {"n": limit, "len": len(text)})
    return text


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise FieldInvalid(_("Enter a number."))
    try:
        number = Decimal(_str(raw).replace(",", ""))
    except (InvalidOperation, FieldInvalid) as e:
        raise FieldInvalid(_("Enter a number.")) from e
    if not number.is_finite():
        raise FieldInvalid(_("Enter a number."))
    return number


def _check_range(d: FieldDefinition, number: Decimal) -> None:
    low, high = d.option("min"), d.option("max")
    if low is not None and number < Decimal(str(low)):
        raise FieldInvalid(_("Enter at least %(min)s.") % {"min": low})
    if high is not None and number > Decimal(str(high)):
        raise FieldInvalid(_("Enter at most %(max)s.") % {"max": high})


def _clean_integer(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> int:
    number = _decimal(raw)
    if number != number.to_integral_value():
        raise FieldInvalid(_("Enter a whole number."))
    if abs(number) > 10**15:
        raise FieldInvalid(_("This number is too large."))
    _check_range(d, number)
    return int(number)


def _clean_decimal(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> str:
    number = _decimal(raw)
    decimals = 2 if d.type == FieldType.MONEY else int(d.option("decimals"))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals and number != number.quantize(Decimal(1).scaleb(-decimals)):
        raise FieldInvalid(_("At most %(n)d decimal places.") % {"n": decimals})
    if abs(number) >= Decimal(10) ** 15:
        raise FieldInvalid(_("This number is too large."))
    _check_range(d, number)
    return str(number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _clean_date(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> str:
    if isinstance(raw, datetime):
        raise FieldInvalid(_("Enter a date, without a time."))
    if isinstance(raw, date):
        return raw.isoformat()
    try:
        return date.fromisoformat(_str(raw)).isoformat()
    except (ValueError, FieldInvalid) as e:
        raise FieldInvalid(_("Enter a valid date (YYYY-MM-DD).")) from e


def _clean_datetime(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> str:
    if isinstance(raw, datetime):
        moment = raw
    else:
        try:
            moment = datetime.fromisoformat(_str(raw))
        except (ValueError, FieldInvalid) as e:
            raise FieldInvalid(_("Enter a valid date and time.")) from e
    if timezone.is_naive(moment):  # a wall-clock time in the organization's zone
        zone = ZoneInfo(ctx.actor.org.time_zone) if ctx.actor is not None else timezone.get_current_timezone()
        moment = timezone.make_aware(moment, zone)
    return moment.astimezone(UTC).isoformat()


def _clean_month(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> str:
    if isinstance(raw, date):
        return f"{raw:%Y-%m}"
    match = MONTH_PATTERN.match(raw.strip()) if isinstance(raw, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise FieldInvalid(_("Enter a valid month (YYYY-MM)."))
    return match.group(0)


def _clean_single_choice(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> str:
    values = [c.value for c in d.choices]
    if not isinstance(raw, str) or raw not in values:
        raise FieldInvalid(_("“%(value)s” is not one of the choices.") % {"value": raw})
    return raw


def _clean_multi_choice(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise FieldInvalid(_("Choose from the list."))
    values = [c.value for c in d.choices]
    chosen: list[str] = []
    for item in raw:
        if not isinstance(item, str) or item not in values:
            raise FieldInvalid(_("“%(value)s” is not one of the choices.") % {"value": item})
        if item not in chosen:
            chosen.append(item)
    return chosen


TRUE_WORDS = {"true", "yes", "1", "on", "是"}
FALSE_WORDS = {"false", "no", "0", "off", "否"}


def _clean_yes_no(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return raw.strip().lower() in TRUE_WORDS
    raise FieldInvalid(_("Answer yes or no."))


def _clean_phone(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> str:
    if not isinstance(raw, str):
        raise FieldInvalid(_("Enter a phone number."))
    phone = PHONE_CHARS.sub("", raw)
    if not PHONE_PATTERN.match(phone):
        raise FieldInvalid(_("Enter a valid phone number (digits, optionally starting with +)."))
    return phone


def _clean_email(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> str:
    if not isinstance(raw, str):
        raise FieldInvalid(_("Enter a valid email address."))
    email = raw.strip()
    try:
        validate_email(email)
    except ValidationError as e:
        raise FieldInvalid(_("Enter a valid email address.")) from e
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _clean_url(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> str:
    if not isinstance(raw, str):
        raise FieldInvalid(_("Enter a valid web address."))
    url = raw.strip()
    if "://" not in url:
        url = "https://" + url
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as e:
        raise FieldInvalid(_("Enter a valid web address.")) from e
    return url


def _clean_address(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> dict[str, str]:
    if not isinstance(raw, dict) or set(raw) - set(ADDRESS_PARTS):
        raise FieldInvalid(_("Enter the address as province, city, district and detail."))
    address: dict[str, str] = {}
    for part in ADDRESS_PARTS:
        value = raw.get(part) or ""
        if not isinstance(value, str):
            raise FieldInvalid(_("Enter the address as province, city, district and detail."))
        limit = 200 if part == "detail" else 40
        if len(value.strip()) > limit:
            raise FieldInvalid(_("This part of the address is too long."))
        address[part] = value.strip()
    return address


def _clean_location(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> dict[str, float | None]:
    if not isinstance(raw, dict) or set(raw) - {"latitude", "longitude", "accuracy"}:
        raise FieldInvalid(_("Send the location as latitude, longitude and accuracy."))
    try:
        lat = float(_decimal(raw.get("latitude")))
        lon = float(_decimal(raw.get("longitude")))
        accuracy = None if _empty(raw.get("accuracy")) else float(_decimal(raw.get("accuracy")))
    except FieldInvalid as e:
        raise FieldInvalid(_("Send the location as latitude, longitude and accuracy.")) from e
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise FieldInvalid(_("This location is not on Earth (latitude −90…90, longitude −180…180)."))
    if accuracy is not None and accuracy < 0:
        raise FieldInvalid(_("The accuracy must not be negative."))
    nearby = d.option("nearby_metres")
    if nearby and recheck and ctx.actor is not None:
        if ctx.device_position is None:
            raise FieldInvalid(_("This location must be taken on site: send the device position with it."))
        distance = haversine_m(lat, lon, ctx.device_position.latitude, ctx.device_position.longitude)
        if distance > nearby:
            raise FieldInvalid(
                _("This location is %(distance)d m from where you are; it must be within %(limit)d m.")
                % {"distance": round(distance), "limit": nearby}
            )
    return {"latitude": lat, "longitude": lon, "accuracy": accuracy}


def _clean_attachments(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> list[int]:
    ids = raw if isinstance(raw, list) else [raw]
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise FieldInvalid(_("Send a list of attachment ids."))
    ids = list(dict.fromkeys(ids))
    limit = int(d.option("max_count"))
    if len(ids) > limit:
        raise FieldInvalid(_("At most %(n)d attachments (this has %(count)d).") % {"n": limit, "count": len(ids)})
    if not recheck:
        return ids
    kind = AttachmentKind.PHOTO if d.type == FieldType.PHOTO else AttachmentKind.FILE
    max_bytes = int(d.option("max_size_mb")) * 1024 * 1024
    for attachment_id in ids:
        attachment = ctx.attachments.get(attachment_id)
        if attachment is None:
            raise FieldInvalid(_("Attachment %(id)d was not found; upload it first.") % {"id": attachment_id})
        if attachment.kind != kind:
            raise FieldInvalid(
                _("“%(name)s” is not a photo.") % {"name": attachment.original_name}
                if kind == AttachmentKind.PHOTO
                else _("“%(name)s” was uploaded as a photo, not a file.") % {"name": attachment.original_name}
            )
        if (attachment.original_size or attachment.size) > max_bytes:  # what the user sent, not the re-encoded photo
            raise FieldInvalid(
                _("“%(name)s” is larger than %(n)d MB.")
                % {"name": attachment.original_name, "n": d.option("max_size_mb")}
            )
    return ids


def _clean_reference(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).strip().isdigit():
        raise FieldInvalid(_("Send the id of the row."))
    row_id = int(raw)
    if not recheck or ctx.actor is None:
        return row_id
    kind = REFERENCE_KINDS[d.type]
    if d.type == FieldType.EMPLOYEE_REF:
        org_wide = d.option("scope") == EmployeeScope.ORG
        resolver = references.employee_in_org if org_wide else references.employee_in_subtree
        allowed = resolver(ctx.actor, row_id)
    else:
        reference = references.get(kind)
        if reference is None:
            raise FieldInvalid(_("References of this kind (“%(kind)s”) are not available yet.") % {"kind": kind})
        allowed = reference.resolver(ctx.actor, row_id)
    if not allowed:
        raise FieldInvalid(_("Not found, or not visible to you."))
    return row_id


def _language() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh-hans"


def _clean_subtable(d: FieldDefinition, raw: Any, ctx: _Context, recheck: bool) -> list[dict[str, Any]]:
    """Rows of cells, each cell cleaned by its column type's cleaner; raises CellsInvalid with every problem."""
    if not isinstance(raw, list):
        raise FieldInvalid(_("Send the table as a list of rows, each an object keyed by column."))
    columns = d.columns
    by_key = {c.key: c for c in columns}
    stored = ctx.previous.get(d.key)
    previous_rows = [r for r in stored if isinstance(r, dict)] if isinstance(stored, list) else []
    old_values = {c.key: [r[c.key] for r in previous_rows if c.key in r] for c in columns}
    language = _language()
    errors: dict[str, list[str]] = {}
    checked: dict[tuple[str, str], Any] = {}  # reference cells already resolved in this table

    def cell_error(i: int, column: str, label: str, message: str) -> None:
        text = _("Row %(row)d, %(column)s: %(message)s") % {"row": i + 1, "column": label, "message": message}
        errors.setdefault(f"{i}.{column}", []).append(text)

    rows: list[dict[str, Any]] = []
    for i, row in enumerate(raw):
        if not isinstance(row, dict):
            errors.setdefault(str(i), []).append(
                _("Row %(row)d: send the row as an object keyed by column.") % {"row": i + 1}
            )
            continue
        if all(_empty(v) for v in row.values()):
            continue
        clean_row: dict[str, Any] = {}
        for name in row:
            if name not in by_key:
                cell_error(i, str(name), str(name), _("This table has no such column."))
        for c in columns:
            value = row.get(c.key)
            label = c.display_label(language)
            if c.retired:
                if not _empty(value):
                    try:  # the form posts a stored value back as text ("true"); compare it cleaned
                        kept = _clean(c, value, ctx, recheck=False)
                    except FieldInvalid:
                        kept = value
                    if kept in old_values[c.key]:
                        clean_row[c.key] = kept
                    else:
                        cell_error(i, c.key, label, _("This column is retired; it keeps its old values only."))
                continue
            if _empty(value):
                if c.required:
                    cell_error(i, c.key, label, _("This field is required."))
                continue
            memo = (c.key, repr(value)) if c.type in REFERENCE_KINDS else None
            if memo is not None and memo in checked:
                clean_row[c.key] = checked[memo]
                continue
            try:
                clean_row[c.key] = _clean(c, value, ctx, recheck=recheck and value not in old_values[c.key])
            except FieldInvalid as e:
                cell_error(i, c.key, label, str(e))
                continue
            if memo is not None:
                checked[memo] = clean_row[c.key]
        rows.append(clean_row)
    max_rows, min_rows = int(d.option("max_rows")), int(d.option("min_rows") or 0)
    if len(rows) > max_rows:
        errors.setdefault("", []).append(
            _("At most %(n)d rows (this has %(count)d).") % {"n": max_rows, "count": len(rows)}
        )
    elif rows and len(rows) < min_rows:
        errors.setdefault("", []).append(
            _("At least %(n)d rows (this has %(count)d).") % {"n": min_rows, "count": len(rows)}
        )
    if errors:
        raise CellsInvalid(errors)
    return rows


Cleaner = Callable[[FieldDefinition, Any, _Context, bool], Any]
CLEANERS: dict[FieldType, Cleaner] = {
    FieldType.TEXT: _clean_text,
    FieldType.TEXTAREA: _clean_text,
    FieldType.INTEGER: _clean_integer,
    FieldType.DECIMAL: _clean_decimal,
    FieldType.MONEY: _clean_decimal,
    FieldType.DATE: _clean_date,
    FieldType.DATETIME: _clean_datetime,
    FieldType.MONTH: _clean_month,
    FieldType.SINGLE_CHOICE: _clean_single_choice,
    FieldType.MULTI_CHOICE: _clean_multi_choice,
    FieldType.YES_NO: _clean_yes_no,
    FieldType.PHONE: _clean_phone,
    FieldType.EMAIL: _clean_email,
    FieldType.URL: _clean_url,
    FieldType.ADDRESS: _clean_address,
    FieldType.LOCATION: _clean_location,
    FieldType.PHOTO: _clean_attachments,
    FieldType.FILE: _clean_attachments,
    FieldType.CUSTOMER_REF: _clean_reference,
    FieldType.CONTACT_REF: _clean_reference,
    FieldType.EMPLOYEE_REF: _clean_reference,
    FieldType.PRODUCT_REF: _clean_reference,
    FieldType.SUBTABLE: _clean_subtable,
}
