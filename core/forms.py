"""Glue between Django forms and service errors: a refused write shows on the right field."""

from django import forms

from .errors import ServiceError


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Put a service's field errors on the form's fields (unknown fields become form-wide errors)."""
    placed = False
    for name, messages in error.fields.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, str(message))
                placed = True
    if not placed:
        form.add_error(None, str(error.message))


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
