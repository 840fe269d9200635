"""The HTML form built from a template version: how every app's pages let a person fill in a template.

`TemplateValuesForm(data, files, version=..., actor=...)` has one form field per non-retired
field of the version; its clean() runs the one validator (formtemplates.validation) and puts
each message on its field, and its `values` are then the clean, storable values. Type checks
are the validator's, so the browser, the API and imports get the same messages.
"""

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import StyledForm, add_service_error
from fieldloop.org.models import Employee
from fieldloop.org.selectors import visible_employees

from . import references, services
from .fields import ADDRESS_PARTS, REFERENCE_KINDS, FieldDefinition, FieldType
from .models import AttachmentKind, FormTemplateVersion
from .validation import validate_values


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class PhotoInput(MultipleFileInput):
    """A photo field's input: the photos already stored (thumbnails linking to the full photo, on an edit
    page), the file input (the camera only when the field says so), thumbnails of the photos chosen, and
    hidden `<name>-latitude/longitude/accuracy` inputs that static/js/photo_input.js fills from the
    browser's position when photos are chosen, to be drawn on them (left empty: "no position")."""

    wrapper_template_name = "formtemplates/_photo_input.html"  # around the input Django renders
    POSITION_PARTS = ("latitude", "longitude", "accuracy")

    def __init__(self, attrs: dict[str, Any] | None = None, *, camera_only: bool = False) -> None:
        super().__init__(attrs)
        self.camera_only = camera_only
        self.stored: list[tuple[int, str, str]] = []  # (id, thumbnail URL, photo URL)
        # Photos taken earlier (in the visit's earlier steps) offered for reuse: (id, thumbnail URL, photo URL),
        # and which of them are ticked (all, until the form is sent).
        self.reusable: list[tuple[int, str, str]] = []
        self.reuse_ticked: set[int] | None = None

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        context = {
            "name": name,
            "input": super().render(name, None, attrs, renderer),
            "camera_only": self.camera_only,
            "stored": self.stored,
            "positions": [(f"{name}-{part}", part) for part in self.POSITION_PARTS],
            "reuse_name": f"{name}-reuse",
            "reusable": [
                (pk, thumbnail, url, self.reuse_ticked is None or pk in self.reuse_ticked)
                for pk, thumbnail, url in self.reusable
            ],
        }
        return render_to_string(self.wrapper_template_name, context)


class PickerInput(forms.Widget):
    """A searchable picker instead of a list of hundreds: a search box that asks the server for the matching
    rows (htmx, `<kind>_pick`: customers.pick_views, the actor's visible rows only, a few at a time, nearest
    first when the page knows the phone's position: the `latitude`/`longitude` inputs of a check-in form), shown
    as radio buttons named like the field, so the form sends the chosen id as a plain value. The chosen row
    stays on top of every answer. Keyboard: type, Tab to the rows, arrows to choose."""

    template_name = "formtemplates/_picker.html"

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = kind  # "customer", "contact" or "product": the reference kind, and the rows' URL `<kind>_pick`
        self.params = params or {}  # sent with every search (a contact picker's customer)
        self.labels: dict[int, str] = {}  # the chosen row's text, by id (set by the form: `picker_labels`)

    def __deepcopy__(self, memo: dict[int, Any]) -> "PickerInput":
        copy = super().__deepcopy__(memo)  # each form's copy has labels of its own, never a shared one
        copy.params = dict(self.params)
        copy.labels = {}
        return copy

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = int(value) if str(value or "").isdigit() and len(str(value)) < 19 else None
        context["widget"].update(
            url=reverse(f"{self.kind}_pick"),
            query=urlencode({"name": name, **self.params}),
            chosen=chosen,
            chosen_label=self.labels.get(chosen, "") if chosen is not None else "",
            near=self.kind == "customer",
            by_code=self.kind == "product",
        )
        return context

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        return render_to_string(self.template_name, self.get_context(name, value, attrs))

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


def picker_labels(form: forms.Form, org_id: int) -> None:
    """Give the form's pickers the text of their chosen rows (one query per kind with a chosen row)."""
    wanted: dict[str, list[tuple[PickerInput, int]]] = {}
    for bound in form:
        widget = bound.field.widget
        if isinstance(widget, PickerInput):
            value = bound.value()
            if str(value or "").isdigit() and len(str(value)) < 19:
                wanted.setdefault(widget.kind, []).append((widget, int(value)))
        elif isinstance(widget, SubTableWidget):  # a sub-table's picker column (products): every row's choice
            rows = bound.value()
            for key, cell in widget.cells.items():
                if isinstance(cell.widget, PickerInput):
                    for row in rows if isinstance(rows, list) else []:
                        cell_value = str(row.get(key) or "") if isinstance(row, dict) else ""
                        if cell_value.isdigit() and len(cell_value) < 19:
                            wanted.setdefault(cell.widget.kind, []).append((cell.widget, int(cell_value)))
    for kind, pairs in wanted.items():
        found = references.labels(kind, org_id, {pk for _w, pk in pairs})
        for widget, pk in pairs:
            widget.labels[pk] = found.get(pk, "")


class AddressWidget(forms.MultiWidget):
    def __init__(self) -> None:
        placeholders = [_("Province"), _("City"), _("District"), _("Street and number")]
        super().__init__([forms.TextInput(attrs={"class": "form-control", "placeholder": p}) for p in placeholders])

    def decompress(self, value: Any) -> list[Any]:
        value = value or {}
        return [value.get(p, "") for p in ADDRESS_PARTS]


class AddressField(forms.MultiValueField):
    widget = AddressWidget

    def __init__(self, **kwargs: Any) -> None:
        super().__init__([forms.CharField(required=False) for _p in ADDRESS_PARTS], require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dict[str, str] | None:
        if not data_list or not any(data_list):
            return None
        return dict(zip(ADDRESS_PARTS, (d or "" for d in data_list), strict=False))


class LocationWidget(forms.MultiWidget):
    def __init__(self) -> None:
        placeholders = [_("Latitude"), _("Longitude"), _("Accuracy (m)")]
        super().__init__(
            [forms.NumberInput(attrs={"class": "form-control", "step": "any", "placeholder": p}) for p in placeholders]
        )

    def decompress(self, value: Any) -> list[Any]:
        value = value or {}
        return [value.get("latitude"), value.get("longitude"), value.get("accuracy")]


class LocationField(forms.MultiValueField):
    widget = LocationWidget

    def __init__(self, **kwargs: Any) -> None:
        super().__init__([forms.CharField(required=False) for _i in range(3)], require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dict[str, Any] | None:
        if not data_list or not any(data_list):
            return None
        return {"latitude": data_list[0], "longitude": data_list[1], "accuracy": data_list[2] or None}


class SubTableWidget(forms.Widget):
    """A sub-table as a table of inputs named `<name>-<row>-<column>`, one row per stored row.

    Each cell's input is the widget a top-level field of the column's type gets. Rows are added and
    removed in the browser (static/js/subtable.js); the posted rows come back in index order, gaps
    closed, so the validator's `<key>.<row>.<column>` errors name the rows as rendered again.
    """

    template_name = "formtemplates/_subtable.html"

    def __init__(self, definition: FieldDefinition, actor: Employee | None, language: str) -> None:
        super().__init__()
        self.definition = definition
        self.columns = [c for c in definition.columns if not c.retired]
        self.retired = [c for c in definition.columns if c.retired]
        self.cells = {c.key: _form_field(c, actor, language) for c in self.columns}
        self.language = language
        self.cell_errors: dict[tuple[int, str], list[str]] = {}

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, Any]]:
        pattern = re.compile(rf"^{re.escape(name)}-(\d{{1,4}})-([a-z][a-z0-9_]*)$")
        rows: dict[int, dict[str, Any]] = {}
        for posted in data:
            match = pattern.match(posted)
            if match:
                rows.setdefault(int(match.group(1)), {})[match.group(2)] = data.get(posted)
        return [rows[i] for i in sorted(rows)]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(str(k).startswith(f"{name}-") for k in data)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
        blank = max(int(self.definition.option("min_rows") or 0), 1) if not rows else 0
        rendered = [self._row(name, str(i), row) for i, row in enumerate([*rows, *([{}] * blank)])]
        context = {
            "name": name,
            "definition": self.definition,
            "headers": [(c, self.cells[c.key]) for c in self.columns],
            "rows": rendered,
            "template_row": self._row(name, "__row__", {}),
            "max_rows": self.definition.option("max_rows"),
        }
        return render_to_string(self.template_name, context)

    def _row(self, name: str, index: str, row: dict[str, Any]) -> dict[str, Any]:
        cells = []
        for c in self.columns:
            field = self.cells[c.key]
            input_name = f"{name}-{index}-{c.key}"
            widget = field.widget
            css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
            errors = self.cell_errors.get((int(index), c.key), []) if index.isdigit() else []
            attrs = {
                "class": css + (" is-invalid" if errors else ""),
                "id": f"id_{input_name}",
                "aria-label": c.display_label(self.language),
            }
            value = row.get(c.key)
            html = widget.render(
                input_name, None if value is None else _initial(c, value), attrs={**widget.attrs, **attrs}
            )
            cells.append({"column": c, "label": c.display_label(self.language), "html": html, "errors": errors})
        # A retired column's old values travel along unseen, so re-saving keeps them.
        hidden = [
            (f"{name}-{index}-{c.key}", _initial(c, row[c.key]))
            for c in self.retired
            if row.get(c.key) not in (None, "")
        ]
        number = int(index) + 1 if index.isdigit() else ""
        return {"index": index, "number": number, "cells": cells, "hidden": hidden}


class SubTableField(forms.Field):
    """The posted rows as they are (lists of raw cells); the validator checks every cell."""

    def __init__(self, *, definition: FieldDefinition, actor: Employee | None, language: str, **kwargs: Any) -> None:
        super().__init__(widget=SubTableWidget(definition, actor, language), **kwargs)

    def clean(self, value: Any) -> Any:
        return value or None


def _form_field(d: FieldDefinition, actor: Employee | None, language: str) -> forms.Field:
    """The Django form field for one definition; every one is optional here, the validator says what is required."""
    common: dict[str, Any] = {"label": d.display_label(language), "help_text": d.help_text, "required": False}
    t = d.type
    if t == FieldType.TEXTAREA:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), strip=False, **common)
    if t in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY):
        step = "1" if t == FieldType.INTEGER else "0.01" if t == FieldType.MONEY else "any"
        attrs: dict[str, Any] = {"step": step, "inputmode": "decimal"}
        for name in ("min", "max"):
            if d.option(name) is not None:
                attrs[name] = str(d.option(name))
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    if t == FieldType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if t == FieldType.DATETIME:
        return forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if t == FieldType.MONTH:
        return forms.CharField(widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}), **common)
    if t == FieldType.SINGLE_CHOICE:
        choices = [("", "—"), *((c.value, c.display(language)) for c in d.choices)]
        return forms.ChoiceField(choices=choices, **common)
    if t == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c.value, c.display(language)) for c in d.choices],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            **common,
        )
    if t == FieldType.YES_NO:
        return forms.ChoiceField(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))], **common)
    if t == FieldType.PHONE:
        return forms.CharField(widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}), **common)
    if t == FieldType.EMAIL:
        return forms.CharField(widget=forms.EmailInput(), **common)
    if t == FieldType.URL:
        return forms.CharField(widget=forms.URLInput(), **common)
    if t == FieldType.SUBTABLE:
        return SubTableField(definition=d, actor=actor, language=language, **common)
    if t == FieldType.ADDRESS:
        return AddressField(**common)
    if t == FieldType.LOCATION:
        return LocationField(**common)
    if t == FieldType.PHOTO:
        camera_only = bool(d.option("camera_only"))
        photo_attrs: dict[str, Any] = {"class": "form-control", "accept": "image/*"}
        if camera_only:
            photo_attrs["capture"] = "environment"  # phones open the camera, not the gallery
        return MultipleFileField(widget=PhotoInput(attrs=photo_attrs, camera_only=camera_only), **common)
    if t == FieldType.FILE:
        return MultipleFileField(widget=MultipleFileInput(attrs={"class": "form-control"}), **common)
    if t == FieldType.EMPLOYEE_REF and actor is not None:
        people = visible_employees(actor=actor).active().order_by("name", "id").values_list("pk", "name")
        return forms.ChoiceField(choices=[("", "—"), *((str(pk), name) for pk, name in people)], **common)
    if t in (FieldType.CUSTOMER_REF, FieldType.CONTACT_REF, FieldType.PRODUCT_REF):
        return forms.CharField(widget=PickerInput(REFERENCE_KINDS[t]), **common)
    if t == FieldType.EMPLOYEE_REF:
        return forms.CharField(widget=forms.NumberInput(attrs={"min": "1", "placeholder": _("ID")}), **common)
    max_length = int(d.option("max_length") or 200)
    return forms.CharField(widget=forms.TextInput(attrs={"maxlength": max_length}), **common)


class TemplateValuesForm(StyledForm):
    """One form field per non-retired field of `version` (or of `definitions`, for a designer preview)."""

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        version: FormTemplateVersion | None,
        actor: Employee | None,
        previous: dict[str, Any] | None = None,
        device_position: Any = None,
        definitions: list[FieldDefinition] | None = None,
        prefix: str | None = None,
        attachment_url: Callable[[int, bool], str] | None = None,
        upload_namespace: str | uuid.UUID | None = None,
        taken_at: datetime | None = None,
        initial_values: dict[str, Any] | None = None,
        reusable: dict[str, list[tuple[int, str, str]]] | None = None,
        reuse: Callable[[str, list[int]], list[int]] | None = None,
    ) -> None:
        """`initial_values`: values a new record starts with (filled earlier, in the same visit).
        `reusable`: per photo field, photos taken earlier offered for reuse (id, thumbnail URL, photo URL); the
        ticked ones are sent as `<name>-reuse` and `reuse(key, ids)` makes them this record's (copies), on the form's
        clean: only offered ids are taken.
        `attachment_url(id, thumbnail)`: where a stored photo of `previous` is shown (an edit page).
        `upload_namespace`: the record's client_id; a file sent again with it (a retried or replayed form)
        is the attachment stored the first time, not a new one. `taken_at`: the record's capture time, for
        its photos' watermark."""
        self.taken_at = taken_at
        self.reusable = reusable or {}
        self.reuse = reuse
        self.version = version
        self.actor = actor
        self.previous = previous or {}
        self.device_position = device_position
        self.definitions = definitions if definitions is not None else (version.definitions if version else [])
        try:
            self.upload_namespace = uuid.UUID(str(upload_namespace)) if upload_namespace else None
        except ValueError:
            self.upload_namespace = None  # the record form refuses it on its own field
        self.values: dict[str, Any] = {}
        super().__init__(data, files, prefix=prefix)
        language = get_language() or "zh-hans"
        self.definition_of: dict[str, FieldDefinition] = {}
        for d in self.definitions:
            if d.retired:
                continue
            field = _form_field(d, actor, language)
            initial = self.previous.get(d.key, d.default if not self.previous else None)
            if initial_values and d.key in initial_values:
                initial = initial_values[d.key]
            if initial is not None and d.type not in (FieldType.PHOTO, FieldType.FILE):
                field.initial = _initial(d, initial)
            self.fields[d.key] = field
            self.definition_of[d.key] = d
        self.style_fields()
        for d in self.definition_of.values():
            if d.type == FieldType.SUBTABLE:
                self.fields[d.key].widget.attrs.pop("class", None)
            widget = self.fields[d.key].widget
            if isinstance(widget, PhotoInput) and attachment_url is not None:
                stored = self.previous.get(d.key)
                ids = [i for i in stored if isinstance(i, int)] if isinstance(stored, list) else []
                widget.stored = [(i, attachment_url(i, True), attachment_url(i, False)) for i in ids]
            if isinstance(widget, PhotoInput) and self.reusable.get(d.key):
                widget.reusable = self.reusable[d.key]
                widget.reuse_ticked = set(self._reused(d)) if self.is_bound else None
            if d.type in (FieldType.MULTI_CHOICE,):
                self.fields[d.key].widget.attrs["class"] = "form-check-input"
        if actor is not None:
            picker_labels(self, actor.org_id)

    def rows(self) -> list[tuple[forms.BoundField, FieldDefinition]]:
        return [(self[key], d) for key, d in self.definition_of.items()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.version is None or self.actor is None:
            return cleaned
        raw: dict[str, Any] = {}
        for key, d in self.definition_of.items():
            if key in self.errors:
                continue
            value = cleaned.get(key)
            if d.type in (FieldType.PHOTO, FieldType.FILE):
                value = self._upload(d, value or []) + self._reuse(d) or self.previous.get(key)
            if value not in (None, "", []):
                raw[key] = value
        try:
            self.values = validate_values(
                actor=self.actor,
                version=self.version,
                values=raw,
                device_position=self.device_position,
                previous=self.previous,
            )
        except ServiceError as e:
            fields = {k: v for k, v in e.fields.items() if k not in self.errors}
            add_service_error(self, ServiceError(e.code, e.message, self._place_cell_errors(fields)))
        return cleaned

    def _place_cell_errors(self, fields: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """A sub-table's `<key>.<row>.<column>` messages go to their cells; the field gets a pointer to them."""
        rest: dict[str, list[Any]] = {}
        for name, messages in fields.items():
            key, _dot, path = name.partition(".")
            widget = self.fields[key].widget if key in self.fields else None
            if not path or not isinstance(widget, SubTableWidget):
                rest.setdefault(name, []).extend(messages)
                continue
            row, _dot, column = path.partition(".")
            if row.isdigit() and column:
                widget.cell_errors.setdefault((int(row), column), []).extend(str(m) for m in messages)
                if not widget.columns or column not in widget.cells:
                    rest.setdefault(key, []).extend(messages)  # no cell to show it in
                marker = _("Please correct the marked cells.")
                if marker not in rest.get(key, []):
                    rest.setdefault(key, []).insert(0, marker)
            else:
                rest.setdefault(key, []).extend(messages)
        return rest

    def _upload(self, d: FieldDefinition, files: list[UploadedFile]) -> list[int]:
        if self.actor is None:
            return []
        kind = AttachmentKind.PHOTO if d.type == FieldType.PHOTO else AttachmentKind.FILE
        ids = []
        try:
            position = self._photo_position(d) if kind == AttachmentKind.PHOTO and files else None
            for f in files:
                attachment = services.attachment_upload(
                    actor=self.actor, client_id=self._client_id(d, f), upload=f, kind=kind, position=position,
                    taken_at=self.taken_at,
                )  # fmt: skip
                ids.append(attachment.pk)
        except ServiceError as e:  # a refused photo or position: its message on the field
            self.add_error(d.key, str(next(iter(e.fields.values()), [e.message])[0]))
        return ids

    def _reused(self, d: FieldDefinition) -> list[int]:
        """The offered photos the form sent ticked."""
        offered = {pk for pk, _thumbnail, _url in self.reusable.get(d.key, [])}
        sent = self.data.getlist(f"{self.add_prefix(d.key)}-reuse") if hasattr(self.data, "getlist") else []
        return [int(v) for v in sent if str(v).isdigit() and len(str(v)) < 19 and int(v) in offered]

    def _reuse(self, d: FieldDefinition) -> list[int]:
        ids = self._reused(d)
        if not ids or self.reuse is None or self.actor is None:
            return []
        try:
            return self.reuse(d.key, ids)
        except ServiceError as e:
            self.add_error(d.key, str(next(iter(e.fields.values()), [e.message])[0]))
            return []

    def _client_id(self, d: FieldDefinition, upload: UploadedFile) -> uuid.UUID:
        """Derived from the record's client_id, the field and the file's content, so that sending the same
        form again stores nothing new, and a different file is a different attachment; else a new one."""
        if self.upload_namespace is None:
            return uuid.uuid4()
        return uuid.uuid5(self.upload_namespace, f"{d.key}:{services.upload_sha256(upload)}")

    def _photo_position(self, d: FieldDefinition) -> services.PhotoPosition | None:
        """The position the browser put beside the photos (PhotoInput's hidden inputs), or the device's."""
        name = self.add_prefix(d.key)
        sent = [(self.data.get(f"{name}-{part}") or "").strip() for part in PhotoInput.POSITION_PARTS]
        if any(sent):
            latitude, longitude, accuracy = sent
            return services.photo_position(latitude=latitude, longitude=longitude, accuracy=accuracy)
        device = self.device_position
        if isinstance(device, dict) and device.get("latitude") is not None:
            return services.photo_position(
                latitude=device.get("latitude"), longitude=device.get("longitude"), accuracy=device.get("accuracy")
            )
        return None


def _initial(d: FieldDefinition, value: Any) -> Any:
    if d.type == FieldType.YES_NO:
        return value if isinstance(value, str) else "true" if value else "false"  # a posted str comes back as is
    if d.type in (FieldType.DATETIME,) and isinstance(value, str):
        return value[:16]
    return value
