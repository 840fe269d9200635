"""Field types and field definitions: what a template admin may declare for each field.

The bottom of the app: plain Python, imported by the models (a version's `definitions`), validation,
display and above, and importing none of them. A definition is stored as plain JSON in
FormTemplateVersion.fields; `load_definitions` reads a stored version back (trusted: it was checked
when published by `definitions.parse_definitions`, which sits above validation since a default must
be a valid value of its field).
"""

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


class FieldType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    MONTH = "month"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    PHONE = "phone"
    EMAIL = "email"
    URL = "url"
    ADDRESS = "address"
    LOCATION = "location"
    PHOTO = "photo"
    FILE = "file"
    CUSTOMER_REF = "customer_ref"
    CONTACT_REF = "contact_ref"
    EMPLOYEE_REF = "employee_ref"
    PRODUCT_REF = "product_ref"
    SUBTABLE = "subtable"


FIELD_TYPE_LABELS: dict[FieldType, Promise] = {
    FieldType.TEXT: gettext_lazy("Single-line text"),
    FieldType.TEXTAREA: gettext_lazy("Multi-line text"),
    FieldType.INTEGER: gettext_lazy("Whole number"),
    FieldType.DECIMAL: gettext_lazy("Decimal number"),
    FieldType.MONEY: gettext_lazy("Money"),
    FieldType.DATE: gettext_lazy("Date"),
    FieldType.DATETIME: gettext_lazy("Date and time"),
    FieldType.MONTH: gettext_lazy("Month"),
    FieldType.SINGLE_CHOICE: gettext_lazy("Single choice"),
    FieldType.MULTI_CHOICE: gettext_lazy("Multiple choice"),
    FieldType.YES_NO: gettext_lazy("Yes / no"),
    FieldType.PHONE: gettext_lazy("Phone"),
    FieldType.EMAIL: gettext_lazy("Email"),
    FieldType.URL: gettext_lazy("Web address"),
    FieldType.ADDRESS: gettext_lazy("Address"),
    FieldType.LOCATION: gettext_lazy("Location"),
    FieldType.PHOTO: gettext_lazy("Photos"),
    FieldType.FILE: gettext_lazy("File attachments"),
    FieldType.CUSTOMER_REF: gettext_lazy("Customer"),
    FieldType.CONTACT_REF: gettext_lazy("Contact"),
    FieldType.EMPLOYEE_REF: gettext_lazy("Employee"),
    FieldType.PRODUCT_REF: gettext_lazy("Product"),
    FieldType.SUBTABLE: gettext_lazy("Sub-table"),
}

# Reference field types and the registry kind (formtemplates.references) that resolves them.
REFERENCE_KINDS: dict[FieldType, str] = {
    FieldType.CUSTOMER_REF: "customer",
    FieldType.CONTACT_REF: "contact",
    FieldType.EMPLOYEE_REF: "employee",
    FieldType.PRODUCT_REF: "product",
}


# The parts of an address value, in display order.
ADDRESS_PARTS = ("province", "city", "district", "detail")


class EmployeeScope(StrEnum):
    SUBTREE = "subtree"  # the actor's department subtree (and whoever else the actor sees)
    ORG = "org"  # anyone in the organization


# Options each type accepts, with their defaults (None: not set).
OPTION_DEFAULTS: dict[FieldType, dict[str, Any]] = {
    FieldType.TEXT: {"max_length": 200},
    FieldType.TEXTAREA: {"max_length": 2000},
    FieldType.INTEGER: {"min": None, "max": None},
    FieldType.DECIMAL: {"unit": "", "decimals": 2, "min": None, "max": None},
    FieldType.MONEY: {"min": None, "max": None},
    FieldType.SINGLE_CHOICE: {"choices": []},
    FieldType.MULTI_CHOICE: {"choices": []},
    FieldType.LOCATION: {"nearby_metres": None},
    FieldType.PHOTO: {"max_count": 9, "camera_only": False, "max_size_mb": 10},
    FieldType.FILE: {"max_count": 5, "max_size_mb": 20},
    FieldType.EMPLOYEE_REF: {"scope": EmployeeScope.SUBTREE.value},
    FieldType.SUBTABLE: {"columns": [], "min_rows": None, "max_rows": 50},
}

# The types a sub-table column may have: scalars that fit in a table cell. A product column needs a
# product resolver (formtemplates.references, registered by the app that owns products).
SUBTABLE_COLUMN_TYPES: tuple[FieldType, ...] = (
    FieldType.TEXT,
    FieldType.INTEGER,
    FieldType.DECIMAL,
    FieldType.MONEY,
    FieldType.DATE,
    FieldType.SINGLE_CHOICE,
    FieldType.YES_NO,
    FieldType.PRODUCT_REF,
)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    label_en: str = ""

    def display(self, language: str) -> str:
        return self.label_en if language == "en" and self.label_en else self.label


@dataclass(frozen=True)
class FieldDefinition:
    key: str
    type: FieldType
    label: str
    label_en: str = ""
    required: bool = False
    help_text: str = ""
    default: Any = None
    retired: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    def display_label(self, language: str) -> str:
        return self.label_en if language == "en" and self.label_en else self.label

    def option(self, name: str) -> Any:
        return self.options.get(name, OPTION_DEFAULTS.get(self.type, {}).get(name))

    @property
    def choices(self) -> list[Choice]:
        return [Choice(**c) for c in self.options.get("choices", [])]

    @property
    def columns(self) -> list["FieldDefinition"]:
        """A sub-table's columns (retired ones too), each a definition of its own."""
        return load_definitions(self.options.get("columns") or [])

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = str(self.type)
        return data


def load_definitions(raw: list[dict[str, Any]]) -> list[FieldDefinition]:
    """Stored (already checked) definitions back into objects."""
    return [
        FieldDefinition(
            key=d["key"],
            type=FieldType(d["type"]),
            label=d.get("label", ""),
            label_en=d.get("label_en", ""),
            required=bool(d.get("required", False)),
            help_text=d.get("help_text", ""),
            default=d.get("default"),
            retired=bool(d.get("retired", False)),
            options=dict(d.get("options") or {}),
        )
        for d in raw
    ]
