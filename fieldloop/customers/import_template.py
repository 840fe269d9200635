"""The customer import's template: an .xlsx with one header row, the import's columns labelled in the user's
language (the import reads labels in either language, so a template filled in under either imports), and a
second sheet of the values each column allows (never read by the import). What the columns mean is
`customers/imports.py`'s."""

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from fieldloop.core import spreadsheets
from fieldloop.formtemplates.fields import FieldDefinition, FieldType
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.org.models import Employee

from .imports import COLUMN_LABELS, COLUMNS, custom_column, custom_fields, importable
from .models import CustomerLevel, CustomerSource
from .stages import stage_list


def import_template(*, actor: Employee) -> bytes:
    """An .xlsx with one header row (labels in the user's language) and a sheet of the allowed values."""
    language = translation.get_language() or "zh-hans"
    version = customer_template(org=actor.org).current_version
    custom = custom_fields(version)
    columns = [d for d in custom if importable(d)]
    stages = stage_list(actor=actor)
    explained: list[tuple[str | Promise, str]] = [
        (COLUMN_LABELS["name"], _("Required.")),
        (COLUMN_LABELS["credit_code"], _(
            "18 characters with a valid check digit; a customer with the same code is skipped."
        )),
        (COLUMN_LABELS["level"], " / ".join(f"{v} ({label})" for v, label in CustomerLevel.choices)),
        (COLUMN_LABELS["stage"], " / ".join(s.label(language) for s in stages) + " " + _("(empty: the first stage)")),
        (COLUMN_LABELS["source"], " / ".join(f"{v} ({label})" for v, label in CustomerSource.choices)),
        (COLUMN_LABELS["latitude"], _("WGS-84 decimal degrees; give both latitude and longitude, or neither.")),
        (COLUMN_LABELS["tags"], _("Tag names of your organization, separated by commas.")),
        (COLUMN_LABELS["owner"], _("Employee number, phone or name of an active employee; empty: you.")),
        (COLUMN_LABELS["collaborators"], _(
            "Employee numbers, phones or names of active employees, separated by commas."
        )),
        (COLUMN_LABELS["contact_name"], _("Fill the contact columns to add the customer's primary contact.")),
    ]  # fmt: skip
    explained += [(_custom_header(d, language), _custom_note(d, language)) for d in columns]
    explained += [
        (
            d.display_label(language),
            _("Not importable (photos, files, references and sub-tables are entered on the customer's page)."),
        )
        for d in custom
        if not importable(d)
    ]
    return spreadsheets.keyed_template(
        title=_("Customers"),
        headers=[str(COLUMN_LABELS[c]) for c in COLUMNS] + [_custom_header(d, language) for d in columns],
        keys=[*COLUMNS, *(custom_column(d) for d in columns)],
        notes_title=_("Allowed values"),
        notes_header=[_("Column"), _("Allowed values")],
        notes=explained,
        key_row=False,  # one header row: the import reads its labels in either language (and their synonyms)
    )


def _custom_header(definition: FieldDefinition, language: str) -> str:
    label = definition.display_label(language)
    return f"{label}*" if definition.required else label


def _custom_note(definition: FieldDefinition, language: str) -> str:
    """What a custom field's cell may hold, for the template's sheet of allowed values."""
    kind = definition.type
    if kind in (FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE):
        text = " / ".join(c.display(language) for c in definition.choices)
        if kind == FieldType.MULTI_CHOICE:
            text += " " + _("(several: separate them with commas)")
    elif kind == FieldType.YES_NO:
        text = f"{_('Yes')} / {_('No')}"
    elif kind in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY):
        text = _("A whole number.") if kind == FieldType.INTEGER else _("A number.")
        low, high = definition.option("min"), definition.option("max")
        if low is not None or high is not None:
            text += " " + _("From %(min)s to %(max)s.") % {
                "min": "" if low is None else low,
                "max": "" if high is None else high,
            }
    elif kind == FieldType.DATE:
        text = _("A date (YYYY-MM-DD).")
    elif kind == FieldType.DATETIME:
        text = _("A date and time (YYYY-MM-DD HH:MM), in the organization's time zone.")
    elif kind == FieldType.MONTH:
        text = _("A month (YYYY-MM).")
    elif kind == FieldType.ADDRESS:
        text = _("Province / city / district / detail, separated by slashes; or just the address.")
    elif kind == FieldType.LOCATION:
        text = _("Latitude, longitude (WGS-84 decimal degrees).")
    else:
        text = ""
    if definition.required:
        text = f"{_('Required.')} {text}"
    if definition.help_text:
        text = f"{text} {definition.help_text}"
    return text.strip() or "-"
