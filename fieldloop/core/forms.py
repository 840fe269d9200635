"""Glue between Django forms and service errors: a refused write shows on the right field."""

from django import forms

from .errors import ServiceError


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Put a service's field errors on the form's fields (`parent` may be the form's `parent_id`).

    Messages for fields the form does not have, or an error without fields, become form-wide errors.
    """
    if not error.fields:
        form.add_error(None, str(error.message))
    for name, messages in error.fields.items():
        target = name if name in form.fields else f"{name}_id" if f"{name}_id" in form.fields else None
        for message in messages:
            form.add_error(target, str(message))


class StyledForm(forms.Form):
    """A form whose widgets carry the UI's classes, so templates render fields plainly."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.style_fields()

    def style_fields(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs.setdefault("class", css)


class DayInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (YYYY-MM-DD), whatever the language: an `<input
    type=date>` shows nothing for a localized value such as 2026/12/05, so a form's initial or re-shown day
    would look empty in Chinese."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")
